package logstore

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// recList is the records a batch processed, kept compact because a batch
// over a large file lists one record per line: the keys share large
// string chunks, and the times and line numbers are parallel arrays.
type recList struct {
	recs  []store.Record
	times []int64 // UnixNano of the ordering time
	lines []int32
	keys  keyArena
	// sorted is false once a record was added out of order.
	sorted bool
}

func newRecList(capacity int) *recList {
	return &recList{recs: make([]store.Record, 0, capacity), times: make([]int64, 0, capacity),
		lines: make([]int32, 0, capacity), sorted: true}
}

// add appends a record; key is copied into the arena. An empty key
// stands for the line key of file and n, built in the arena.
func (r *recList) add(file, key, subject string, t time.Time, n int) {
	if key == "" {
		key = r.keys.lineKey(file, n)
	} else {
		key = r.keys.intern(key)
	}
	rec := store.Record{Key: key, Subject: subject}
	tn := t.UnixNano()
	if k := len(r.recs); k > 0 && r.sorted && r.before(tn, rec.Key, int32(n), k-1) {
		r.sorted = false
	}
	r.recs = append(r.recs, rec)
	r.times = append(r.times, tn)
	r.lines = append(r.lines, int32(n))
}

// before reports whether (t, key, n) orders before record j: by time,
// then by key, numerically for integer keys, by line for <file>:<line>.
func (r *recList) before(t int64, key string, n int32, j int) bool {
	if t != r.times[j] {
		return t < r.times[j]
	}
	ai, aerr := strconv.ParseInt(key, 10, 64)
	bi, berr := strconv.ParseInt(r.recs[j].Key, 10, 64)
	if aerr == nil && berr == nil {
		return ai < bi
	}
	if n != r.lines[j] {
		return n < r.lines[j]
	}
	return key < r.recs[j].Key
}

// appendList appends o to r.
func (r *recList) appendList(o *recList) {
	if n := len(r.recs); n > 0 && len(o.recs) > 0 && r.before(o.times[0], o.recs[0].Key, o.lines[0], n-1) {
		r.sorted = false
	}
	r.sorted = r.sorted && o.sorted
	r.recs = append(r.recs, o.recs...)
	r.times = append(r.times, o.times...)
	r.lines = append(r.lines, o.lines...)
}

func (r *recList) Len() int { return len(r.recs) }
func (r *recList) Less(i, j int) bool {
	return r.before(r.times[i], r.recs[i].Key, r.lines[i], j)
}
func (r *recList) Swap(i, j int) {
	r.recs[i], r.recs[j] = r.recs[j], r.recs[i]
	r.times[i], r.times[j] = r.times[j], r.times[i]
	r.lines[i], r.lines[j] = r.lines[j], r.lines[i]
}

// records returns the records in order.
func (r *recList) records() []store.Record {
	if !r.sorted {
		sort.Stable(r)
		r.sorted = true
	}
	return r.recs
}

// keyArena stores many short strings in shared chunks, so that a key
// costs its bytes and not an allocation of its own.
type keyArena struct {
	b strings.Builder
}

const arenaChunk = 256 << 10

func (a *keyArena) intern(s string) string {
	if a.b.Cap()-a.b.Len() < len(s) {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaChunk, len(s)))
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}

// lineKey builds lineKey(file, n) in the arena.
func (a *keyArena) lineKey(file string, n int) string {
	var num [20]byte
	digits := strconv.AppendInt(num[:0], int64(n), 10)
	if need := len(file) + 1 + len(digits); a.b.Cap()-a.b.Len() < need {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaChunk, need))
	}
	start := a.b.Len()
	a.b.WriteString(file)
	a.b.WriteByte(':')
	a.b.Write(digits)
	return a.b.String()[start:]
}
