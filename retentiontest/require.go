package retentiontest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Store reads the application's records. *memstore.Store,
// *sqlitestore.Store and *pgstore.Store implement it, so a test passes the
// store its engine runs on; so does every backend harness of
// store/storetest.
type Store interface {
	// Get returns the row with key, keyed by SQL column, and whether it
	// exists.
	Get(ctx context.Context, dataset, key string) (map[string]any, bool, error)
	// Times returns the record's time columns by TimeColumn.Name, or an
	// error wrapping store.ErrNotFound.
	Times(ctx context.Context, dataset, key string) (map[string]time.Time, error)
}

// AdvanceAndSweep moves clock forward by d and runs one sweep of eng at the
// new time, as a scheduler would on its next tick. It fails tb when the
// sweep returns an error, and returns the sweep's report. eng must read
// clock (retention.Options.Now set to clock.Now).
func AdvanceAndSweep(ctx context.Context, tb testing.TB, clock *Clock, eng *retention.Engine, d time.Duration) *retention.Report {
	tb.Helper()
	clock.Advance(d)
	return sweepAt(ctx, tb, clock, eng, clock.Now())
}

// sweepAt sets clock to at (it never moves it back) and sweeps.
func sweepAt(ctx context.Context, tb testing.TB, clock *Clock, eng *retention.Engine, at time.Time) *retention.Report {
	tb.Helper()
	if at.After(clock.Now()) {
		clock.Set(at)
	}
	if now := eng.Now(); !now.Equal(clock.Now()) {
		tb.Fatalf("retentiontest: the engine reads %s but the clock reads %s; pass clock.Now as retention.Options.Now",
			now.Format(time.RFC3339Nano), clock.Now().Format(time.RFC3339Nano))
		return nil
	}
	rep, err := eng.Sweep(ctx)
	if err != nil {
		tb.Fatalf("retentiontest: sweep at %s failed: %v", clock.Now().Format(time.RFC3339), err)
		return nil
	}
	return rep
}

// just is how long before a time "just before" it is: the smallest step of
// a time.Time.
const just = time.Nanosecond

// RequireDeletedBy asserts that the declaration's rules delete the record
// with key in dataset by deadline, and not before they may: it finds the
// time rule that deletes the record first (retention.Deadlines), fails at
// once if that rule's deadline is later than deadline, sweeps just before
// the rule's earliest allowed time (when that is still ahead) and requires
// the record to be there, then moves clock to deadline, sweeps, and
// requires the record to be gone (Art. 5(1)(e), Art. 17(1)(a)).
//
// The record must exist when RequireDeletedBy is called, and deadline must
// not be before clock's time. Failures name the rule, the record and the
// deadline. RequireDeletedBy moves clock; it never moves it back.
func RequireDeletedBy(ctx context.Context, tb testing.TB, clock *Clock, eng *retention.Engine, st Store, dataset, key string, deadline time.Time) {
	tb.Helper()
	rec := describe(dataset, key)
	if !checkNotBack(tb, clock, deadline, rec) {
		return
	}
	dls, ok := deadlines(ctx, tb, eng, st, dataset, key)
	if !ok {
		return
	}
	d, found := firstOf(dls, retention.ActionDelete)
	if !found {
		tb.Fatalf("retentiontest: %s must be deleted by %s, but no time rule of dataset %s deletes it (%s)",
			rec, stamp(deadline), dataset, listRules(dls))
		return
	}
	if d.Latest().After(deadline) {
		tb.Fatalf("retentiontest: %s must be deleted by %s, but rule %s deletes it only by %s",
			rec, stamp(deadline), d.Rule, stamp(d.Latest()))
		return
	}
	if before := d.Earliest.Add(-just); before.After(clock.Now()) {
		sweepAt(ctx, tb, clock, eng, before)
		if _, ok := get(ctx, tb, st, dataset, key); !ok {
			tb.Fatalf("retentiontest: %s was deleted at %s, before rule %s may delete it (from %s, deadline %s)",
				rec, stamp(before), d.Rule, stamp(d.Earliest), stamp(d.Due))
			return
		}
	}
	sweepAt(ctx, tb, clock, eng, deadline)
	if _, ok := get(ctx, tb, st, dataset, key); ok {
		tb.Fatalf("retentiontest: %s still exists at %s; rule %s should have deleted it by %s%s",
			rec, stamp(deadline), d.Rule, stamp(d.Latest()), heldHint(ctx, eng, dataset, d.Rule, deadline))
	}
}

// RequireAnonymizedBy asserts that the declaration's anonymizing rules have
// changed the record's fields as declared by deadline, and had not touched
// them before they may. It considers every time rule that anonymizes the
// record by deadline; fails at once when there is none; sweeps just before
// the earliest of them may act (when that is still ahead) and requires the
// record to be unchanged; then moves clock to deadline, sweeps, and
// requires the record to exist with each declared field transformed:
// NULL for null, the operator's result on the original value for an
// operator that needs no key (ip_mask, redact, ...), and a value different
// from the original for a keyed operator such as pseudonym, whose key the
// engine holds (Art. 4(5), Recital 26). Other columns must be unchanged.
//
// The record must exist when RequireAnonymizedBy is called; it moves clock
// and never moves it back.
func RequireAnonymizedBy(ctx context.Context, tb testing.TB, clock *Clock, eng *retention.Engine, st Store, dataset, key string, deadline time.Time) {
	tb.Helper()
	rec := describe(dataset, key)
	if !checkNotBack(tb, clock, deadline, rec) {
		return
	}
	dls, ok := deadlines(ctx, tb, eng, st, dataset, key)
	if !ok {
		return
	}
	var rules []retention.Deadline
	for _, d := range dls {
		if d.Action == retention.ActionAnonymize && d.Event == "" && !d.Latest().After(deadline) {
			rules = append(rules, d)
		}
	}
	if len(rules) == 0 {
		tb.Fatalf("retentiontest: %s must be anonymized by %s, but no time rule of dataset %s anonymizes it by then (%s)",
			rec, stamp(deadline), dataset, listRules(dls))
		return
	}
	orig, _ := get(ctx, tb, st, dataset, key)
	first := rules[0]
	for _, d := range rules[1:] {
		if d.Earliest.Before(first.Earliest) {
			first = d
		}
	}
	if before := first.Earliest.Add(-just); before.After(clock.Now()) {
		sweepAt(ctx, tb, clock, eng, before)
		row, ok := get(ctx, tb, st, dataset, key)
		if !ok {
			tb.Fatalf("retentiontest: %s was deleted at %s, before rule %s may anonymize it (from %s, deadline %s)",
				rec, stamp(before), first.Rule, stamp(first.Earliest), stamp(first.Due))
			return
		}
		if col, ok := changedColumn(orig, row); ok {
			tb.Fatalf("retentiontest: %s: column %s changed by %s, before rule %s may anonymize it (from %s, deadline %s)",
				rec, col, stamp(before), first.Rule, stamp(first.Earliest), stamp(first.Due))
			return
		}
	}
	sweepAt(ctx, tb, clock, eng, deadline)
	row, ok := get(ctx, tb, st, dataset, key)
	if !ok {
		tb.Fatalf("retentiontest: %s was deleted by %s; rule %s should have anonymized it, not deleted it",
			rec, stamp(deadline), first.Rule)
		return
	}
	ds := eng.Declaration().Dataset(dataset)
	touched := map[string]bool{}
	if ds.Marker != "" {
		touched[ds.Marker] = true
	}
	for _, d := range rules {
		for _, fo := range ds.Rule(d.Rule).Anonymize {
			col := ds.Field(fo.Field).ColumnName()
			touched[col] = true
			if msg := checkOperator(fo.Op, orig[col], row[col]); msg != "" {
				tb.Fatalf("retentiontest: %s field %s at %s: %s (rule %s, deadline %s)%s",
					rec, fo.Field, stamp(deadline), msg, d.Rule, stamp(d.Latest()), heldHint(ctx, eng, dataset, d.Rule, deadline))
				return
			}
		}
	}
	for col, v := range orig {
		if !touched[col] && !reflect.DeepEqual(v, row[col]) {
			tb.Fatalf("retentiontest: %s: column %s changed by %s, but no anonymizing rule names it", rec, col, stamp(deadline))
			return
		}
	}
}

// RequireRetainedUntil asserts that the record with key in dataset is kept,
// unchanged, until t: it moves clock to just before t, sweeps, and requires
// the record to exist with every column as it was. Use it for statutory
// minimums (keep_at_least, Art. 17(3)(b)) and for holds (Art. 17(3)(e),
// Art. 18). A failure names the rule that acted and its earliest allowed
// time when the declaration explains it.
//
// The record must exist when RequireRetainedUntil is called, and t must lie
// after clock's time; it moves clock and never moves it back.
func RequireRetainedUntil(ctx context.Context, tb testing.TB, clock *Clock, eng *retention.Engine, st Store, dataset, key string, t time.Time) {
	tb.Helper()
	rec := describe(dataset, key)
	dls, ok := deadlines(ctx, tb, eng, st, dataset, key)
	if !ok {
		return
	}
	before := t.Add(-just)
	if !before.After(clock.Now()) {
		tb.Fatalf("retentiontest: %s must be retained until %s, but the clock already reads %s",
			rec, stamp(t), stamp(clock.Now()))
		return
	}
	orig, _ := get(ctx, tb, st, dataset, key)
	sweepAt(ctx, tb, clock, eng, before)
	culprit := ""
	for _, d := range dls {
		if d.Event == "" && !d.Earliest.After(before) {
			culprit = fmt.Sprintf("; rule %s may act from %s (deadline %s)", d.Rule, stamp(d.Earliest), stamp(d.Due))
			break
		}
	}
	row, ok := get(ctx, tb, st, dataset, key)
	if !ok {
		tb.Fatalf("retentiontest: %s must be retained until %s, but it was deleted by %s%s", rec, stamp(t), stamp(before), culprit)
		return
	}
	if col, changed := changedColumn(orig, row); changed {
		tb.Fatalf("retentiontest: %s must be retained unchanged until %s, but column %s changed by %s%s",
			rec, stamp(t), col, stamp(before), culprit)
	}
}

// deadlines reads the record's time columns and returns its deadlines under
// the engine's declaration and interval; it fails tb when the record does
// not exist.
func deadlines(ctx context.Context, tb testing.TB, eng *retention.Engine, st Store, dataset, key string) ([]retention.Deadline, bool) {
	tb.Helper()
	times, err := st.Times(ctx, dataset, key)
	if errors.Is(err, store.ErrNotFound) {
		tb.Fatalf("retentiontest: %s does not exist; the assertion needs a stored record", describe(dataset, key))
		return nil, false
	}
	if err != nil {
		tb.Fatalf("retentiontest: reading %s: %v", describe(dataset, key), err)
		return nil, false
	}
	dls, err := retention.Deadlines(eng.Declaration(), dataset, times, &retention.Options{Interval: eng.Interval()})
	if err != nil {
		tb.Fatalf("retentiontest: deadlines of %s: %v", describe(dataset, key), err)
		return nil, false
	}
	return dls, true
}

// firstOf returns the time rule with action that acts first.
func firstOf(dls []retention.Deadline, action retention.Action) (retention.Deadline, bool) {
	var best retention.Deadline
	found := false
	for _, d := range dls {
		if d.Action != action || d.Event != "" {
			continue
		}
		if !found || d.Latest().Before(best.Latest()) {
			best, found = d, true
		}
	}
	return best, found
}

// get reads a row, failing tb on a store error.
func get(ctx context.Context, tb testing.TB, st Store, dataset, key string) (map[string]any, bool) {
	tb.Helper()
	row, ok, err := st.Get(ctx, dataset, key)
	if err != nil {
		tb.Fatalf("retentiontest: reading %s: %v", describe(dataset, key), err)
	}
	return row, ok
}

// checkNotBack fails tb when deadline is before clock's time: the helpers
// never move the clock back, so they could not tell what happened by then.
func checkNotBack(tb testing.TB, clock *Clock, deadline time.Time, rec string) bool {
	tb.Helper()
	if deadline.Before(clock.Now()) {
		tb.Fatalf("retentiontest: deadline %s for %s is before the clock's time %s; the helpers never move the clock back",
			stamp(deadline), rec, stamp(clock.Now()))
		return false
	}
	return true
}

// checkOperator compares a field's value after anonymization with what
// operator spec does to the original; it returns "" when they agree.
func checkOperator(spec string, orig, got any) string {
	sp, err := anonymize.Parse(spec)
	if err != nil {
		return fmt.Sprintf("operator %s does not parse: %v", spec, err)
	}
	if sp.Nulls() {
		if got != nil {
			return fmt.Sprintf("%s should have set it to NULL, but it holds a %T", sp, got)
		}
		return ""
	}
	if op, err := sp.Build(nil); err == nil {
		want, err := op.Apply(orig)
		if err != nil {
			return fmt.Sprintf("%s fails on the original value: %v", sp, err)
		}
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("it does not hold what %s makes of the original value", sp)
		}
		return ""
	}
	// A keyed operator: the engine holds the key; the value must differ.
	if orig != nil && reflect.DeepEqual(orig, got) {
		return fmt.Sprintf("%s should have replaced it, but it still holds the original value", sp)
	}
	return ""
}

// changedColumn returns a column whose value differs between two rows.
func changedColumn(a, b map[string]any) (string, bool) {
	for col, v := range a {
		if w, ok := b[col]; !ok || !reflect.DeepEqual(v, w) {
			return col, true
		}
	}
	for col := range b {
		if _, ok := a[col]; !ok {
			return col, true
		}
	}
	return "", false
}

// heldHint explains a missed deadline when holds may be the reason.
func heldHint(ctx context.Context, eng *retention.Engine, dataset, rule string, at time.Time) string {
	plan, err := eng.Plan(ctx, at)
	if err != nil {
		return ""
	}
	for _, rp := range plan.Rules {
		if rp.Dataset == dataset && rp.Rule == rule && rp.Held > 0 {
			return fmt.Sprintf(" (%d record(s) of the rule are under a hold)", rp.Held)
		}
	}
	return ""
}

// listRules names the rules and their deadlines for a failure message.
func listRules(dls []retention.Deadline) string {
	if len(dls) == 0 {
		return "it has no rules that apply to the record"
	}
	parts := make([]string, 0, len(dls))
	for _, d := range dls {
		switch {
		case d.Event != "":
			parts = append(parts, fmt.Sprintf("%s on %s", d.Rule, d.Event))
		default:
			parts = append(parts, fmt.Sprintf("%s by %s", d.Rule, stamp(d.Latest())))
		}
	}
	return "rules: " + strings.Join(parts, ", ")
}

func describe(dataset, key string) string {
	return fmt.Sprintf("record %s/%s", dataset, key)
}

// stamp formats t in UTC, so that messages compare times at a glance.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
