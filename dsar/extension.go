package dsar

import (
	"fmt"
	"slices"
)

// ReadingRule names a reading of how far a period extended under
// Art. 12(3) sentence 2 GDPR runs. The GDPR says only that "that period
// may be extended by two further months"; Regulation (EEC, Euratom)
// No 1182/71 counts periods but says nothing of extensions, so more than
// one count is defensible. frist shows each and works to the earliest, so
// that the data subject never waits longer than any reading allows.
type ReadingRule string

// The readings of an extended period.
const (
	// AfterFirstPeriod: the further months run from the end of the first
	// month as Art. 3(4) of Regulation No 1182/71 moved it past days off:
	// the first period ends with its last day, and the extension is a new
	// period calculated from that event (Art. 3(1) second subparagraph,
	// 3(2)(c), 3(4)). This is what ExtendedDue computes.
	AfterFirstPeriod ReadingRule = "after_first_period"
	// FromReceipt: the extended period is one period of one plus the
	// further months from receipt (Art. 3(2)(c), 3(4)), as if Art. 12(3)
	// had said "within three months".
	FromReceipt ReadingRule = "from_receipt"
	// AfterNominalFirstPeriod: the further months run from the last day of
	// the first month under Art. 3(2)(c) before Art. 3(4) moves it, because
	// only the end of the whole, extended period is a "last day" that
	// Art. 3(4) moves; German law counts an extended period the same way
	// (§ 190 BGB: the new period runs from the expiry of the previous one).
	AfterNominalFirstPeriod ReadingRule = "after_nominal_first_period"
)

// Text says in English which rule gives the reading, citing its norms.
func (r ReadingRule) Text() string {
	switch r {
	case AfterFirstPeriod:
		return "further months from the end of the first month as moved past days off (Art. 12(3) sentence 2 GDPR; Art. 3(1), 3(2)(c), 3(4) Regulation No 1182/71)"
	case FromReceipt:
		return "one period from receipt, one month plus the further months (Art. 12(3) GDPR; Art. 3(2)(c), 3(4) Regulation No 1182/71)"
	case AfterNominalFirstPeriod:
		return "further months from the last day of the first month before it is moved past days off; only the end of the extended period is moved (Art. 12(3) sentence 2 GDPR; Art. 3(2)(c), 3(4) Regulation No 1182/71; as § 190 BGB counts an extension)"
	}
	return string(r)
}

// Reading is one defensible end of an extended period: the rule that gives
// it and the deadline it gives.
type Reading struct {
	Rule ReadingRule `json:"rule"`
	Due  Deadline    `json:"due"`
}

// ExtendedReadings returns every defensible end of the period original
// (the one-month period of Art. 12(3) sentence 1 GDPR, as Due returns it)
// extended by months further months (1 or 2), in the order
// AfterFirstPeriod, FromReceipt, AfterNominalFirstPeriod, and the index of
// the reading to work to: the one with the earliest date (the first of
// them on a tie). Where the law leaves the choice, the earliest protects
// the data subject: an answer by then is in time under every reading.
//
// Received 31 January 2027 in Nordrhein-Westfalen, the first month ends
// nominally with Sunday 28 February and so with Monday 1 March. Extended by
// two months, AfterFirstPeriod gives Saturday 1 May (Tag der Arbeit), so
// Monday 3 May; FromReceipt gives Friday 30 April; AfterNominalFirstPeriod
// gives Wednesday 28 April, the date to work to.
//
// The error wraps ErrExtension when months is not 1 or 2 or original is
// the zero Deadline or not a one-month period, and ErrCalendar as Due does.
func ExtendedReadings(original Deadline, months int, opts *Options) ([]Reading, int, error) {
	if original.IsZero() || original.From.IsZero() {
		return nil, 0, fmt.Errorf("%w: the original deadline is missing", ErrExtension)
	}
	if original.Months != 1 {
		return nil, 0, fmt.Errorf("%w: the original deadline is a period of %d months, want the one month of Art. 12(3) sentence 1", ErrExtension, original.Months)
	}
	if months < 1 || months > MaxExtension {
		return nil, 0, fmt.Errorf("%w: %d months requested; Art. 12(3) allows 1 or 2 further months", ErrExtension, months)
	}
	starts := []struct {
		rule   ReadingRule
		from   Date
		months int
	}{
		{AfterFirstPeriod, original.Date, months},
		{FromReceipt, original.From, 1 + months},
		{AfterNominalFirstPeriod, original.Nominal, months},
	}
	out := make([]Reading, 0, len(starts))
	for _, s := range starts {
		dl, err := period(s.from, s.months, opts)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, Reading{Rule: s.rule, Due: dl})
	}
	earliest := 0
	for i := range out {
		if out[i].Due.Date.Before(out[earliest].Due.Date) {
			earliest = i
		}
	}
	return out, earliest, nil
}

func cloneReadings(rs []Reading) []Reading {
	rs = slices.Clone(rs)
	for i := range rs {
		rs[i].Due = cloneDeadline(rs[i].Due)
	}
	return rs
}
