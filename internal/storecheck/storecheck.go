// Package storecheck checks what retention, consent and dsar hand to a
// store backend, in one place. Backends are promised well-formed input
// (package store): a batch, and every selection a backend counts or
// searches, names only what the dataset declares, a batch's callbacks
// neither panic nor return a field they were not asked for, and every
// audit entry passes audit.Entry.Validate. The callers keep that promise
// by calling this package before every backend call whose input they
// build, or through it (Count, Earliest, Unreadable, AppendAudit), so
// that no backend repeats the checks, and a mistake is an error naming
// the dataset and what is wrong, with nothing changed (docs/DESIGN.md,
// "Rejected whole").
//
// Errors never repeat a value, a record key or a subject: only declared
// names, positions and counts (docs/DESIGN.md, "Pseudonyms only").
package storecheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// ErrMalformed is wrapped by every refusal of this package: the caller
// built input that the declaration or the store contract does not allow.
var ErrMalformed = errors.New("storecheck: malformed input")

// malformed returns an error wrapping ErrMalformed that names the dataset.
func malformed(ds *policy.Dataset, format string, args ...any) error {
	return fmt.Errorf("%w: dataset %s: %s", ErrMalformed, ds.ID, fmt.Sprintf(format, args...))
}

// Selection checks that sel fits ds, the dataset it names: every bound is
// on a declared time column, a subject is asked for only where ds has a
// subject column, the NotNull fields are declared, Marker is ds's declared
// marker, and Limit is not negative.
func Selection(ds *policy.Dataset, sel store.Selection) error {
	if sel.Dataset != ds.ID {
		return malformed(ds, "the selection names dataset %q", sel.Dataset)
	}
	for i, b := range sel.Bounds {
		if ds.TimeColumn(b.Column) == nil {
			return malformed(ds, "Bounds[%d] names time column %q, which the dataset does not declare", i, b.Column)
		}
	}
	if sel.Subject != "" && ds.Subject == "" {
		return malformed(ds, "the selection asks for a subject, but the dataset has no subject column")
	}
	if err := fields(ds, "NotNull", sel.NotNull); err != nil {
		return err
	}
	if err := marker(ds, "Marker", sel.Marker); err != nil {
		return err
	}
	if sel.Limit < 0 {
		return malformed(ds, "Limit %d is negative", sel.Limit)
	}
	return nil
}

// Count checks sel against ds (Selection) and then counts its records
// with st.Count (store.Driver.Count): the one way retention, consent and
// dsar count, so that no backend is handed a selection the declaration
// does not allow. A refused selection is an error wrapping ErrMalformed,
// and the backend is not called.
func Count(ctx context.Context, st store.Driver, ds *policy.Dataset, sel store.Selection) (free, held int, err error) {
	if err := Selection(ds, sel); err != nil {
		return 0, 0, err
	}
	return st.Count(ctx, sel)
}

// Earliest checks sel against ds (Selection) and that column is a time
// column ds declares, and then asks st.Earliest (store.Driver.Earliest)
// for the column's smallest valid value after after. A refused call is
// an error wrapping ErrMalformed, and the backend is not called.
func Earliest(ctx context.Context, st store.Driver, ds *policy.Dataset, sel store.Selection, column string, after time.Time) (time.Time, bool, error) {
	if err := Selection(ds, sel); err != nil {
		return time.Time{}, false, err
	}
	if ds.TimeColumn(column) == nil {
		return time.Time{}, false, malformed(ds, "Earliest names time column %q, which the dataset does not declare", column)
	}
	return st.Earliest(ctx, sel, column, after)
}

// Unreadable checks sel against ds (Selection) and that it has a bound,
// whose column is the one counted, and then counts with st.Unreadable
// (store.Driver.Unreadable) the records whose value there is not a valid
// time. A refused call is an error wrapping ErrMalformed, and the backend
// is not called.
func Unreadable(ctx context.Context, st store.Driver, ds *policy.Dataset, sel store.Selection) (n int, want string, err error) {
	if err := Selection(ds, sel); err != nil {
		return 0, "", err
	}
	if len(sel.Bounds) == 0 {
		return 0, "", malformed(ds, "Unreadable counts by the column of a bound, but the selection has none")
	}
	return st.Unreadable(ctx, sel)
}

// Batch checks b against ds, the declaration of b.Dataset, and returns it
// with its callbacks guarded, ready for store.Driver.Process.
//
// Besides the selection (Selection), the action must either delete or
// change records, not both and not neither; Null and Transform name
// declared fields, none twice and none stored in the key column; Apply is
// set exactly when Transform is; SetMarker is ds's declared marker; and
// Audit is set.
//
// The guarded Apply turns a panic, or a value for a field not in
// Transform, into an error; the guarded Audit turns a panic, or an entry
// that fails audit.Entry.Validate (an error wrapping audit.ErrInvalid),
// into an error. Either error fails the batch, and the backend changes
// nothing (store.Driver.Process). A panic's value is named only when it
// is a runtime error: any other value may hold the personal data the
// callback was working on.
func Batch(ds *policy.Dataset, b store.Batch) (store.Batch, error) {
	if err := Selection(ds, b.Selection); err != nil {
		return b, err
	}
	a := b.Action
	changes := len(a.Null) > 0 || len(a.Transform) > 0 || a.SetMarker != ""
	switch {
	case a.Delete && changes:
		return b, malformed(ds, "the action both deletes and changes records")
	case !a.Delete && !changes:
		return b, malformed(ds, "the action neither deletes nor changes records")
	case len(a.Transform) > 0 && a.Apply == nil:
		return b, malformed(ds, "the action transforms fields but has no Apply")
	case len(a.Transform) == 0 && a.Apply != nil:
		return b, malformed(ds, "the action has an Apply but transforms no field")
	case b.Audit == nil:
		return b, malformed(ds, "the batch has no Audit; every batch is audited")
	}
	if err := fields(ds, "Null", a.Null); err != nil {
		return b, err
	}
	if err := fields(ds, "Transform", a.Transform); err != nil {
		return b, err
	}
	for _, f := range a.Transform {
		if slices.Contains(a.Null, f) {
			return b, malformed(ds, "field %q is both nulled and transformed", f)
		}
	}
	if err := marker(ds, "SetMarker", a.SetMarker); err != nil {
		return b, err
	}
	if a.Apply != nil {
		b.Apply = guardApply(ds, a.Apply, a.Transform)
	}
	b.Audit = guardAudit(ds, b.Audit)
	return b, nil
}

// Update checks the values store.Driver.UpdateFields is given for a
// record of ds: ds has a subject column, and values names at least one
// field, every one declared and none stored in the key column. The entry
// that goes with them passes audit.Entry.Validate.
func Update(ds *policy.Dataset, values map[string]any) error {
	if ds.Subject == "" {
		return malformed(ds, "the dataset has no subject column, so no record can be matched to a subject")
	}
	if len(values) == 0 {
		return malformed(ds, "the update names no field")
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if err := field(ds, "the update", name); err != nil {
			return err
		}
	}
	return nil
}

// Records checks a read of a subject's records in ds
// (store.Driver.Records): ds has a subject column, and every field asked
// for (all when fields is nil) is declared.
func Records(ds *policy.Dataset, fields []string) error {
	if ds.Subject == "" {
		return malformed(ds, "records are read by subject, but the dataset has no subject column")
	}
	for i, name := range fields {
		if ds.Field(name) == nil {
			return malformed(ds, "fields[%d] names field %q, which the dataset does not declare", i, name)
		}
	}
	return nil
}

// Search checks a search for subjects by a field's value in ds
// (store.Driver.SubjectsByField): ds has a subject column and the field
// is declared.
func Search(ds *policy.Dataset, field string) error {
	if ds.Subject == "" {
		return malformed(ds, "subjects are searched by field, but the dataset has no subject column")
	}
	if ds.Field(field) == nil {
		return malformed(ds, "the search names field %q, which the dataset does not declare", field)
	}
	return nil
}

// AppendAudit checks e with audit.Entry.Validate and appends it to log
// (store.AuditLog.AppendAudit): the one way retention, consent, dsar and
// the command line append an entry of their own, so that no backend is
// handed an entry that names a person instead of a keyed pseudonym
// (docs/DESIGN.md, "Pseudonyms only"). A refused entry is an error
// wrapping audit.ErrInvalid, and nothing is stored.
func AppendAudit(ctx context.Context, log store.AuditLog, e audit.Entry) (audit.Entry, error) {
	if err := e.Validate(); err != nil {
		return audit.Entry{}, fmt.Errorf("storecheck: the audit entry %s is refused: %w", e.Action, err)
	}
	return log.AppendAudit(ctx, e)
}

// AppendConsent checks ev with ConsentEvent and its audit entry e with
// audit.Entry.Validate, and stores both (store.ConsentStore.AppendConsent,
// atomic): the one way the consent ledger records an event. A refused
// event or entry is an error wrapping ErrMalformed or audit.ErrInvalid,
// and nothing is stored.
func AppendConsent(ctx context.Context, cs store.ConsentStore, ev store.ConsentEvent, e audit.Entry) (audit.Entry, error) {
	if err := ConsentEvent(ev); err != nil {
		return audit.Entry{}, err
	}
	if err := e.Validate(); err != nil {
		return audit.Entry{}, fmt.Errorf("storecheck: the audit entry %s is refused: %w", e.Action, err)
	}
	return cs.AppendConsent(ctx, ev, e)
}

// PlaceHold stores h with st.PlaceHold (store.Holds, atomic with its
// audit entry), the entry built by entry and guarded (Hold): the one way
// retention places a hold. A refused entry fails the call, and nothing is
// stored.
func PlaceHold(ctx context.Context, st store.Holds, h store.Hold, entry store.HoldAudit) (audit.Entry, error) {
	return st.PlaceHold(ctx, h, Hold(entry))
}

// ReleaseHold releases the hold with id with st.ReleaseHold (store.Holds,
// atomic with its audit entry), the entry built by entry and guarded
// (Hold): the one way retention releases a hold. A refused entry fails
// the call, and the hold stays in force.
func ReleaseHold(ctx context.Context, st store.Holds, id string, at time.Time, entry store.HoldAudit) (audit.Entry, error) {
	return st.ReleaseHold(ctx, id, at, Hold(entry))
}

// Hold wraps build, the audit entry of a change to a hold
// (store.HoldAudit), so that a missing build, a panic, or an entry that
// fails audit.Entry.Validate (an error wrapping audit.ErrInvalid) is an
// error, which fails the change: the backend stores nothing. A panic's
// value is named only when it is a runtime error.
func Hold(build store.HoldAudit) store.HoldAudit {
	return func(h store.Hold) (e audit.Entry, err error) {
		defer func() {
			if p := recover(); p != nil {
				e, err = audit.Entry{}, fmt.Errorf("storecheck: hold %s: its audit entry panicked: %s", h.ID, panicText(p))
			}
		}()
		if build == nil {
			return audit.Entry{}, fmt.Errorf("%w: hold %s: no audit entry; every change to a hold is audited", ErrMalformed, h.ID)
		}
		if e, err = build(h); err != nil {
			return audit.Entry{}, err
		}
		if err := e.Validate(); err != nil {
			return audit.Entry{}, fmt.Errorf("storecheck: hold %s: the audit entry %s is refused: %w", h.ID, e.Action, err)
		}
		return e, nil
	}
}

// DropAudit checks d and calls log.DropAudit (store.AuditLog): its cutoff
// is set and its entry, made the entry that records a drop
// (audit.DropEntry), passes audit.Entry.Validate, so that no backend is
// handed a drop it is promised not to get. A refused drop is an error and
// nothing is dropped.
func DropAudit(ctx context.Context, log store.AuditLog, d store.AuditDrop) (store.AuditDropped, error) {
	if err := Cutoff("DropAudit", d.Before); err != nil {
		return store.AuditDropped{}, err
	}
	if err := audit.DropEntry(d.Entry, 1, 1, 1).Validate(); err != nil {
		return store.AuditDropped{}, fmt.Errorf("storecheck: the entry of an audit drop is refused: %w", err)
	}
	return log.DropAudit(ctx, d)
}

// ConsentEvent checks an event for store.ConsentStore.AppendConsent: it has
// an ID, a subject, a purpose, one of the known kinds and a time, and its
// Evidence, when set, is a keyed pseudonym, never the raw value (Art.
// 7(1) asks for evidence of consent, not for the request's address).
func ConsentEvent(ev store.ConsentEvent) error {
	bad := func(what string) error {
		return fmt.Errorf("%w: consent event %s: %s", ErrMalformed, ev.ID, what)
	}
	switch {
	case ev.ID == "":
		return bad("the event has no ID")
	case ev.Subject == "":
		return bad("the event has no subject")
	case ev.Purpose == "":
		return bad("the event has no purpose")
	case ev.Kind != store.ConsentGranted && ev.Kind != store.ConsentWithdrawn && ev.Kind != store.ConsentRefused:
		return bad(fmt.Sprintf("the event's kind %q is not granted, withdrawn or refused", ev.Kind))
	case ev.At.IsZero():
		return bad("the event has no time")
	case ev.Evidence != "" && !audit.IsPseudonym(ev.Evidence):
		return bad("the event's evidence is not a keyed pseudonym")
	}
	return nil
}

// ConsentErasure checks the arguments of
// store.ConsentStore.EraseConsentSubject: a subject, and a keyed pseudonym to
// file its events under, so that the erased events name no one.
func ConsentErasure(subject, pseudonym string) error {
	switch {
	case subject == "":
		return fmt.Errorf("%w: erasing consent events needs a subject", ErrMalformed)
	case !audit.IsPseudonym(pseudonym):
		return fmt.Errorf("%w: consent events are erased under a keyed pseudonym, and the one given is not", ErrMalformed)
	}
	return nil
}

// Remembered checks an event for store.RememberedEvents.Remember against
// ds, the dataset it names: it has an ID and a time, names an event rule
// of ds and that rule's event, and names the records left alone by their
// keys or by a subject, a subject only where ds has a subject column.
func Remembered(ds *policy.Dataset, p store.RememberedEvent) error {
	if p.Dataset != ds.ID {
		return malformed(ds, "the remembered event %s names dataset %q", p.ID, p.Dataset)
	}
	ru := ds.Rule(p.Rule)
	switch {
	case p.ID == "":
		return malformed(ds, "the remembered event has no ID")
	case p.At.IsZero():
		return malformed(ds, "the remembered event %s has no time", p.ID)
	case ru == nil:
		return malformed(ds, "the remembered event %s names rule %q, which the dataset does not declare", p.ID, p.Rule)
	case ru.On == "" || string(ru.On) != p.Event:
		return malformed(ds, "the remembered event %s is a %q event, but rule %s acts on %q", p.ID, p.Event, p.Rule, ru.On)
	case len(p.Keys) == 0 && p.Subject == "":
		return malformed(ds, "the remembered event %s names neither keys nor a subject", p.ID)
	case p.Subject != "" && ds.Subject == "":
		return malformed(ds, "the remembered event %s names a subject, but the dataset has no subject column", p.ID)
	}
	return nil
}

// Request checks a request for store.RequestStore.CreateRequest and
// UpdateRequest: it has an ID, a subject, a kind, a state, a time of
// receipt, a due time not before it, and a body; a final request, and
// only a final one, has a time of closing, not before its receipt.
func Request(r store.Request) error {
	missing := ""
	switch {
	case r.ID == "":
		missing = "ID"
	case r.Subject == "":
		missing = "subject"
	case r.Kind == "":
		missing = "kind"
	case r.State == "":
		missing = "state"
	case r.ReceivedAt.IsZero():
		missing = "time of receipt"
	case r.Due.IsZero():
		missing = "due time"
	case len(r.Body) == 0:
		missing = "body"
	case r.Due.Before(r.ReceivedAt):
		return fmt.Errorf("%w: request %s is due before it was received", ErrMalformed, r.ID)
	case r.Final && r.ClosedAt.IsZero():
		missing = "time of closing, although it is final"
	case !r.Final && !r.ClosedAt.IsZero():
		return fmt.Errorf("%w: request %s has a time of closing but is open", ErrMalformed, r.ID)
	case r.Final && r.ClosedAt.Before(r.ReceivedAt):
		return fmt.Errorf("%w: request %s was closed before it was received", ErrMalformed, r.ID)
	default:
		return nil
	}
	return fmt.Errorf("%w: request %s has no %s", ErrMalformed, r.ID, missing)
}

// Cutoff checks the time before which store.ConsentStore.ExpireConsents,
// store.RequestStore.PseudonymizeRequests or ExpireRequests (named by op)
// acts: it is not zero, so a period computed from nothing never reads as
// "everything is due".
func Cutoff(op string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: %s: no cutoff time", ErrMalformed, op)
	}
	return nil
}

// Objection checks an objection for store.RequestStore.AddObjection: it
// has an ID, a subject, a purpose and a time, and is added in force, not
// lifted (Art. 21(1)).
func Objection(o store.Objection) error {
	switch {
	case o.ID == "", o.Subject == "", o.Purpose == "", o.At.IsZero():
		return fmt.Errorf("%w: objection %s: an objection has an ID, a subject, a purpose and a time", ErrMalformed, o.ID)
	case !o.LiftedAt.IsZero() || o.LiftReason != "":
		return fmt.Errorf("%w: objection %s is added lifted; lift it with LiftObjection", ErrMalformed, o.ID)
	}
	return nil
}

// fields checks that every name in names (the list what of an action or
// selection) is a declared field of ds outside the key column, named once.
func fields(ds *policy.Dataset, what string, names []string) error {
	for i, name := range names {
		if slices.Index(names, name) < i {
			return malformed(ds, "%s names field %q twice", what, name)
		}
		if err := field(ds, what, name); err != nil {
			return err
		}
	}
	return nil
}

// field checks that name, found in what, is a declared field of ds that is
// not stored in the key column, which no action or update changes.
func field(ds *policy.Dataset, what, name string) error {
	f := ds.Field(name)
	switch {
	case f == nil:
		return malformed(ds, "%s names field %q, which the dataset does not declare", what, name)
	case f.ColumnName() == ds.Key:
		return malformed(ds, "%s names field %q, which is stored in the key column", what, name)
	}
	return nil
}

// marker checks that name, when set, is ds's declared marker column: the
// only column besides the fields that a batch reads or writes.
func marker(ds *policy.Dataset, what, name string) error {
	if name != "" && name != ds.Marker {
		if ds.Marker == "" {
			return malformed(ds, "%s is %q, but the dataset declares no marker column", what, name)
		}
		return malformed(ds, "%s is %q, not the dataset's declared marker column", what, name)
	}
	return nil
}

// guardApply wraps apply so that a panic, or a value for a field not in
// transform, is an error.
func guardApply(ds *policy.Dataset, apply func(store.Record) (map[string]any, error), transform []string) func(store.Record) (map[string]any, error) {
	return func(r store.Record) (vals map[string]any, err error) {
		defer func() {
			if p := recover(); p != nil {
				vals, err = nil, fmt.Errorf("storecheck: dataset %s: Apply panicked: %s", ds.ID, panicText(p))
			}
		}()
		vals, err = apply(r)
		if err != nil {
			return nil, err
		}
		for f := range vals {
			if !slices.Contains(transform, f) {
				return nil, fmt.Errorf("storecheck: dataset %s: Apply returned a value for field %q, which the action does not transform", ds.ID, f)
			}
		}
		return vals, nil
	}
}

// guardAudit wraps build so that a panic, or an entry that fails
// audit.Entry.Validate, is an error.
func guardAudit(ds *policy.Dataset, build func([]store.Record, int) (audit.Entry, error)) func([]store.Record, int) (audit.Entry, error) {
	return func(processed []store.Record, count int) (e audit.Entry, err error) {
		defer func() {
			if p := recover(); p != nil {
				e, err = audit.Entry{}, fmt.Errorf("storecheck: dataset %s: Audit panicked: %s", ds.ID, panicText(p))
			}
		}()
		if e, err = build(processed, count); err != nil {
			return audit.Entry{}, err
		}
		if err := e.Validate(); err != nil {
			return audit.Entry{}, fmt.Errorf("storecheck: dataset %s: the batch's audit entry is refused: %w", ds.ID, err)
		}
		return e, nil
	}
}

// panicText describes a recovered panic value: a runtime error by its
// message, which holds no data, anything else by its type only.
func panicText(p any) string {
	if re, ok := p.(runtime.Error); ok {
		return re.Error()
	}
	return fmt.Sprintf("a %T, not shown since it may hold personal data", p)
}
