package policy

import (
	"time"
)

// Records says how long frist keeps its own records of the processing: the
// proof of consent (package consent), the record of each data-subject
// request and objection (package dsar), the audit log (package audit)
// and the legal holds and restrictions that ended (package store, Hold).
// A declaration states it in its records block;
// [Declaration.RecordRetention] fills in what it leaves out with the
// documented defaults. The retention engine (package retention) enforces
// these periods at every sweep like any other rule.
type Records struct {
	// Consent is how long the events of a consent (grants, withdrawals,
	// refusals, with their evidence) are kept, counted from when the
	// consent ended: the latest event of a subject and purpose is a
	// withdrawal or a refusal. A consent still relied upon is never
	// deleted. The controller must be able to prove that it obtained
	// consent (Art. 7(1), Art. 5(2) GDPR) for as long as it can be held
	// to account for the processing the consent covered.
	Consent RecordPeriod `yaml:"consent,omitempty" json:"consent,omitempty"`
	// Requests is how long the record of a data-subject request (Art. 15
	// to 22) is kept, counted from when it was closed, and that of an
	// objection (Art. 21), counted from when it was lifted. Open requests
	// and objections in force are never deleted. The record proves how
	// the request was answered (Art. 12(3), Art. 5(2) GDPR).
	Requests RecordPeriod `yaml:"requests,omitempty" json:"requests,omitempty"`
	// IdentifyRequestsFor is how long a closed request keeps the
	// identifier of its data subject; after it, the identifier is
	// replaced by the subject's keyed pseudonym (Art. 5(1)(c) and (e)
	// GDPR), which still lets the controller find the request when the
	// person gives the identifier again. It counts from when the request
	// was closed, never from the year end.
	IdentifyRequestsFor Period `yaml:"identify_requests_for,omitempty" json:"identify_requests_for,omitempty"`
	// Audit is how long an entry of the audit log is kept, counted from
	// the entry's time (when the deletion, anonymization, hold or consent
	// event it records happened). The log is the controller's proof that
	// records were erased as declared (Art. 5(2) GDPR) and holds the
	// keyed pseudonyms of the subjects concerned, which are personal
	// data, so it is kept no longer than that proof is needed (Art.
	// 5(1)(e) GDPR). Entries are dropped oldest first, only as a whole
	// prefix of the log whose every entry's period has ended, and the
	// rest still verifies (package audit, Base).
	Audit RecordPeriod `yaml:"audit,omitempty" json:"audit,omitempty"`
	// Holds is how long a legal hold or restriction (retention.Engine
	// PlaceHold) is kept once it ended, counted from when it ended: its
	// release, or its Until when that came first. A hold still in force
	// is never deleted. An ended hold proves that the records it named
	// were restricted (Art. 18 GDPR) or kept for a reason of Art. 17(3),
	// and when that ended (Art. 5(2) GDPR); it names a record key or the
	// subject's identifier, so it is kept no longer than that proof is
	// needed (Art. 5(1)(e) GDPR).
	Holds RecordPeriod `yaml:"holds,omitempty" json:"holds,omitempty"`
}

// RecordsFrom says from when a [RecordPeriod] counts.
type RecordsFrom string

// The points a record period counts from.
const (
	// FromEnd counts from the moment the record's subject matter ended:
	// the consent withdrawn or refused, the request closed, the objection
	// lifted, the hold released or past its Until.
	FromEnd RecordsFrom = "end"
	// FromYearEnd counts from the end of the calendar year in which it
	// ended, in the controller's time zone, as the regular limitation
	// period does (§ 199(1) BGB).
	FromYearEnd RecordsFrom = "year_end"
)

// A RecordPeriod is how long one kind of frist's own records is kept: Keep,
// counted from From.
type RecordPeriod struct {
	// Keep is the length of the period, positive and at most MaxYears
	// years, without "from year end" (From says that).
	Keep Period `yaml:"keep" json:"keep"`
	// From is FromEnd or FromYearEnd.
	From RecordsFrom `yaml:"from" json:"from"`
}

// IsZero reports whether r is the zero RecordPeriod: nothing declared.
func (r RecordPeriod) IsZero() bool { return r == RecordPeriod{} }

// The default periods of frist's own records, which RecordRetention
// returns where a declaration states none.
var (
	// DefaultRecordPeriod is three years from the end of the calendar
	// year in which the consent ended or the request was closed: the
	// regular limitation period (§ 195 BGB), which begins at the end of
	// the year in which the claim arose (§ 199(1) BGB). Claims arising
	// from the processing, such as for damages under Art. 82 GDPR, can be
	// brought that long, and so the controller keeps the proof that the
	// processing was lawful (Art. 5(2), Art. 7(1) GDPR) and that the
	// request was answered as the law requires (Art. 12 GDPR) that long,
	// and no longer (Art. 5(1)(e) GDPR).
	DefaultRecordPeriod = RecordPeriod{Keep: Period{N: 3, Unit: Years}, From: FromYearEnd}
	// DefaultIdentifyRequestsFor is three months from closing: long enough
	// for the person to come back to a request just answered, and a
	// complaint (Art. 77 GDPR) needs no identifier on file, since the
	// controller recomputes the keyed pseudonym from the identifier the
	// person gives. The law sets no period here; of the readings, the
	// shorter one protects the data subject (Art. 5(1)(c) GDPR).
	DefaultIdentifyRequestsFor = Period{N: 3, Unit: Months}
	// DefaultAuditPeriod is three years from the end of the calendar year
	// of the entry: what an entry proves, that a record was erased or
	// anonymized on time, or that a hold or a consent event was recorded,
	// answers two kinds of proceedings, and both are over by then. A claim
	// of the data subject, e.g. for damages under Art. 82 GDPR because a
	// record was kept too long, falls under the regular limitation period
	// of three years (§ 195 BGB) from the end of the year in which it
	// arose and the person learnt of it (§ 199(1) BGB); a fine for the
	// processing (Art. 83 GDPR with § 41 BDSG), where one can be imposed
	// at all (not on a public body, § 43(3) BDSG), can no longer be
	// imposed three years after the act (§ 31(2) No. 1, (3) OWiG),
	// counted from the act itself, so within the same period. The law leaves a choice
	// where the person learns of a claim only later: § 199(3) BGB lets
	// such a claim run up to ten years, and a controller could keep the
	// log that long to defend itself. frist takes the reading that
	// protects the data subject: the log holds pseudonyms of people whose
	// records are long gone, and keeping them seven more years for the
	// controller's defence against a claim that is rarely brought is not
	// necessary (Art. 5(1)(c) and (e) GDPR). A declaration that needs
	// longer, e.g. because a statute requires the proof of erasure to be
	// kept, says so in its records block.
	DefaultAuditPeriod = RecordPeriod{Keep: Period{N: 3, Unit: Years}, From: FromYearEnd}
	// DefaultHoldPeriod is three years from the end of the calendar year
	// in which a hold ended (released, or past its Until). An ended hold
	// is the controller's proof that it restricted the processing as the
	// data subject asked (Art. 18 GDPR) or kept records only for a reason
	// of Art. 17(3) GDPR, and until when (Art. 5(2) GDPR): the answer to
	// a claim that records were processed while restricted, or kept after
	// the reason ended, e.g. for damages under Art. 82 GDPR, which falls
	// under the regular limitation period of three years from the end of
	// the year in which it arose (§§ 195, 199(1) BGB), as for the other
	// records. The ten years of § 199(3) BGB for a claim a person learns
	// of late are not taken: the hold names the person's identifier or a
	// record's key, and the reading that protects the data subject keeps
	// it no longer than the regular period (Art. 5(1)(c) and (e) GDPR). A
	// hold still in force is never deleted, however old.
	DefaultHoldPeriod = RecordPeriod{Keep: Period{N: 3, Unit: Years}, From: FromYearEnd}
)

// RecordRetention returns how long frist keeps its own records under d:
// the declared records block with [DefaultRecordPeriod] for consent or
// requests when it leaves them out, [DefaultIdentifyRequestsFor] when it
// states no identify_requests_for, [DefaultAuditPeriod] when it states
// no audit and [DefaultHoldPeriod] when it states no holds. It never
// returns a zero period.
func (d *Declaration) RecordRetention() Records {
	var r Records
	if d != nil && d.Records != nil {
		r = *d.Records
	}
	if r.Consent.IsZero() {
		r.Consent = DefaultRecordPeriod
	}
	if r.Requests.IsZero() {
		r.Requests = DefaultRecordPeriod
	}
	if r.IdentifyRequestsFor.IsZero() {
		r.IdentifyRequestsFor = DefaultIdentifyRequestsFor
	}
	if r.Audit.IsZero() {
		r.Audit = DefaultAuditPeriod
	}
	if r.Holds.IsZero() {
		r.Holds = DefaultHoldPeriod
	}
	return r
}

// Period returns r as a Period: Keep, counted from the year end when From
// is FromYearEnd.
func (r RecordPeriod) Period() Period {
	p := r.Keep
	p.FromYearEnd = r.From == FromYearEnd
	return p
}

// String returns the period in the form ParsePeriod accepts, "3y from year
// end" or "6mo".
func (r RecordPeriod) String() string { return r.Period().String() }

// Deadline returns when a record whose subject matter ended at end may be
// deleted, computed in loc (nil means UTC): for FromYearEnd, Keep after
// 00:00 on 1 January of the year after the one in which end falls; for
// FromEnd, Keep after end. Calendar units follow [Period]. Deadline is a
// pure function of its arguments.
func (r RecordPeriod) Deadline(end time.Time, loc *time.Location) time.Time {
	return r.Period().AddTo(end, loc)
}

// EndedBefore returns the cutoff of a sweep at now: every record that
// ended before it is due, its Deadline is at or before now. It is never
// early: a record whose deadline is after now did not end before the
// cutoff (docs/DESIGN.md, "Never early"). It is also the latest such
// cutoff: a record that ended at it is not due yet, so a store that
// deletes what ended before it deletes everything due. EndedBefore is a
// pure function of its arguments; see [Period.EndedBefore].
func (r RecordPeriod) EndedBefore(now time.Time, loc *time.Location) time.Time {
	return r.Period().EndedBefore(now, loc)
}

// EndedBefore returns the latest cutoff c such that every period that
// started before c has ended at now: p.AddTo(t, loc) <= now for every
// t < c, and p.AddTo(c, loc) > now. Computed in loc (nil means UTC), it
// is what a store that deletes records started before a cutoff must be
// given so as never to delete a record early (docs/DESIGN.md, "Never
// early"). For a zero or malformed p it returns the zero time, before
// which nothing started.
//
// Counted from the year end and in hours, deadlines grow with their
// start, and no period that started at or after c has ended. Calendar
// periods counted from the start itself do not quite: 1mo after 31
// January 10:00 is 29 February 10:00, before 1mo after 29 January 23:00;
// and a start in the hour repeated when the clock is set back has a later
// deadline than starts a little after it. Such a record that started
// after the cutoff may be due already; it is left to a later sweep, less
// than a day and an hour late, and never deleted early.
func (p Period) EndedBefore(now time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	if p.N <= 0 || p.Unit < Hours || p.Unit > Years {
		// Not a period (Validate refuses it): nothing is due.
		return time.Time{}
	}
	if p.FromYearEnd {
		// The deadline depends only on the year of the start, and grows
		// with it: find the first year whose records are not yet due. The
		// year of now is not: its period begins after now.
		rest := Period{N: p.N, Unit: p.Unit}
		deadline := func(year int) time.Time {
			return rest.AddTo(time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc), loc)
		}
		y := now.Year()
		for deadline(y - 1).After(now) {
			y--
		}
		return firstShowing(time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC), loc)
	}
	if p.Unit == Hours {
		// Elapsed time: t + N hours <= now exactly when t < now - N hours + 1ns.
		return now.Add(-time.Duration(p.N)*time.Hour + 1)
	}
	// A calendar deadline is the instant showing a wall-clock reading: the
	// start's date moved by p, at the start's time of day. Find the
	// earliest reading u whose instant is after now; then the earliest
	// start date whose moved date reaches u's date; a start on that date
	// is not due from u's time of day on if its moved date is u's, and
	// from midnight if it is later. No earlier date has a start not due.
	u := firstReadingAfter(now, loc)
	target := dateOf(u)
	d := p.startDate(target)
	w := d
	if p.moveDate(d).Equal(target) {
		w = d.Add(u.Sub(target))
	}
	return firstShowing(w, loc)
}

// dateOf returns midnight of the day of the UTC wall reading w.
func dateOf(w time.Time) time.Time {
	y, m, d := w.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// moveDate returns the date p after the date d (midnight UTC), as AddTo
// moves it for a calendar unit.
func (p Period) moveDate(d time.Time) time.Time {
	y, m, day := d.Date()
	switch p.Unit {
	case Days:
		return time.Date(y, m, day+p.N, 0, 0, 0, 0, time.UTC)
	case Weeks:
		return time.Date(y, m, day+7*p.N, 0, 0, 0, 0, time.UTC)
	case Months:
		ty, tm, td := monthsLater(y, m, day, p.N)
		return time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	case Years:
		ty, tm, td := monthsLater(y, m, day, 12*p.N)
		return time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	}
	return d
}

// startDate returns the earliest date whose moved date is target or
// later. moveDate never decreases; for months it is a few days from the
// same day p earlier.
func (p Period) startDate(target time.Time) time.Time {
	y, m, day := target.Date()
	var d time.Time
	switch p.Unit {
	case Days:
		d = time.Date(y, m, day-p.N, 0, 0, 0, 0, time.UTC)
	case Weeks:
		d = time.Date(y, m, day-7*p.N, 0, 0, 0, 0, time.UTC)
	case Months, Years:
		n := p.N
		if p.Unit == Years {
			n *= 12
		}
		sy, sm, sd := monthsLater(y, m, day, -n)
		d = time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC)
	}
	for p.moveDate(d.AddDate(0, 0, -1)).Compare(target) >= 0 {
		d = d.AddDate(0, 0, -1)
	}
	for p.moveDate(d).Before(target) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// firstReadingAfter returns the earliest wall-clock reading (a UTC time
// whose fields are the reading) whose instant in loc, as wall resolves
// it, is after now. That instant does not decrease as the reading grows.
func firstReadingAfter(now time.Time, loc *time.Location) time.Time {
	instant := func(w time.Time) time.Time { return wall(loc, w.Year(), w.Month(), w.Day(), w) }
	span := 48 * time.Hour
	lo, hi := asUTCWall(now).Add(-span), asUTCWall(now).Add(span)
	for instant(lo).After(now) {
		lo = lo.Add(-span)
	}
	for !instant(hi).After(now) {
		hi = hi.Add(span)
	}
	// Invariant: instant(lo) <= now < instant(hi).
	for hi.Sub(lo) > 1 {
		mid := lo.Add(hi.Sub(lo) / 2)
		if instant(mid).After(now) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// firstShowing returns the first instant whose wall-clock reading in loc
// is w or later: the earlier of two instants that show w when the clock is
// set back, and the end of the gap when w is skipped.
func firstShowing(w time.Time, loc *time.Location) time.Time {
	r := wall(loc, w.Year(), w.Month(), w.Day(), w) // a gap's end, or the later of two
	if !asUTCWall(r).Equal(w) {
		return r // w falls in a gap: r is its end
	}
	// An earlier instant shows the same reading if the clock was set back
	// between them.
	if start, _ := r.ZoneBounds(); !start.IsZero() {
		_, cur := r.Zone()
		_, prev := start.Add(-1).Zone()
		if prev > cur {
			if e := r.Add(-time.Duration(prev-cur) * time.Second); e.Before(start) && sameWall(e, r) {
				return e
			}
		}
	}
	return r
}

// recordsFroms are the values of RecordPeriod.From.
var recordsFroms = []RecordsFrom{FromEnd, FromYearEnd}

// records checks the records block: each period declared is positive, at
// most MaxYears long and counts from the end or the year end, said by from
// and not by the period.
func (v *validator) records() {
	r := v.d.Records
	if r == nil {
		return
	}
	v.recordPeriod("records.consent", r.Consent)
	v.recordPeriod("records.requests", r.Requests)
	v.recordPeriod("records.audit", r.Audit)
	v.recordPeriod("records.holds", r.Holds)
	if p := r.IdentifyRequestsFor; !p.IsZero() {
		const path = "records.identify_requests_for"
		if reason := validPeriod(p); reason != "" {
			v.add(path, "%s", reason)
		} else if p.FromYearEnd {
			v.add(path, "%q: a closed request keeps its subject's identifier for a period counted from its closing, not from the year end; write %s", p, Period{N: p.N, Unit: p.Unit})
		}
	}
}

// recordPeriod checks one record period at path; a zero one is not
// declared and gets the default.
func (v *validator) recordPeriod(path string, r RecordPeriod) {
	if r.IsZero() {
		return
	}
	switch keep := r.Keep; {
	case keep.IsZero():
		v.add(path+".keep", "missing: how long the records are kept, a period such as 3y")
	case validPeriod(keep) != "":
		v.add(path+".keep", "%s", validPeriod(keep))
	case keep.FromYearEnd:
		v.add(path+".keep", "%q: say where the period counts from with from: year_end, and keep: %s", keep, Period{N: keep.N, Unit: keep.Unit})
	}
	switch {
	case r.From == "":
		v.add(path+".from", "missing: where the period counts from (%s)", oneOf(recordsFroms...))
	case !contains(recordsFroms, r.From):
		v.add(path+".from", "%q is not where a record period counts from (%s)", r.From, oneOf(recordsFroms...))
	}
}
