package main

import (
	"container/heap"
	"fmt"
	"time"

	"github.com/frist-go/frist/retention"
)

// due is one time rule's action on one record, as retention.Deadlines
// computed it when the record was written.
type due struct {
	key      string
	earliest time.Time // the engine may act from here on
	deadline time.Time // and must have acted by here
}

// dueHeap orders actions by their earliest allowed time.
type dueHeap []due

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if !h[i].earliest.Equal(h[j].earliest) {
		return h[i].earliest.Before(h[j].earliest)
	}
	return h[i].key < h[j].key
}
func (h dueHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)   { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// ruleTrack follows one time rule: the actions not yet taken, the records
// under a hold, and what was checked.
type ruleTrack struct {
	dataset, rule string
	action        retention.Action
	pending       dueHeap
	held          map[string]due // due but under a hold, by key
	// checked counts actions taken and verified; onTime those taken by
	// their deadline; maxSlack is the longest time an action was taken
	// before its deadline, minSlack the shortest.
	checked, onTime    int
	minSlack, maxSlack time.Duration
	// window is the longest time before its deadline that the engine
	// may take an action (deadline - retention.Deadline.Earliest).
	window   time.Duration
	failures []string
	// day counts actions taken on the current day.
	day int
}

func (t *ruleTrack) add(d due) {
	t.window = max(t.window, d.deadline.Sub(d.earliest))
	heap.Push(&t.pending, d)
}

// takeDue removes and returns the pending actions the engine may take at
// now, skipping records that events removed (gone reports that).
func (t *ruleTrack) takeDue(now time.Time, gone func(key string) bool) []due {
	var out []due
	for t.pending.Len() > 0 && !t.pending[0].earliest.After(now) {
		d := heap.Pop(&t.pending).(due)
		if !gone(d.key) {
			out = append(out, d)
		}
	}
	return out
}

// result records that d was taken at now.
func (t *ruleTrack) result(d due, now time.Time) {
	t.checked++
	slack := d.deadline.Sub(now)
	if slack < 0 {
		t.fail("%s %s record %s processed at %s, %v after its deadline %s", t.dataset, t.rule, d.key, stamp(now), -slack, stamp(d.deadline))
		return
	}
	if now.Before(d.earliest) {
		t.fail("%s %s record %s processed at %s, before its earliest time %s", t.dataset, t.rule, d.key, stamp(now), stamp(d.earliest))
		return
	}
	if t.onTime == 0 || slack < t.minSlack {
		t.minSlack = slack
	}
	t.maxSlack = max(t.maxSlack, slack)
	t.onTime++
}

func (t *ruleTrack) fail(format string, args ...any) {
	if len(t.failures) < 20 {
		t.failures = append(t.failures, fmt.Sprintf(format, args...))
	} else if len(t.failures) == 20 {
		t.failures = append(t.failures, "… further failures not listed")
	}
}

// stamp formats a time for the simulation's output, in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
