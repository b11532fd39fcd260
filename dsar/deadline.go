package dsar

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Options configure deadlines and requests. A nil *Options means the zero
// Options.
type Options struct {
	// Location is the controller's time zone, in which the day of receipt
	// and the end of the last day are taken (policy.Declaration.Location).
	// Nil means UTC.
	Location *time.Location
	// Calendar names the public holidays at the controller's seat
	// (Art. 2(1) of Regulation (EEC, Euratom) No 1182/71), for instance
	// Germany(NordrheinWestfalen). Nil means no public holidays: only
	// Saturdays and Sundays are days off, which makes a deadline never later,
	// and sometimes earlier, than the law allows.
	Calendar Calendar
	// NewID returns the ID of a new request. Nil means uuid.NewV7, so IDs
	// sort by creation time and reveal nothing about the subject.
	NewID func() (uuid.UUID, error)
}

func (o *Options) location() *time.Location {
	if o == nil || o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o *Options) calendar() Calendar {
	if o == nil || o.Calendar == nil {
		return HolidayList(nil)
	}
	return o.Calendar
}

// rawCalendar is the Calendar of o as given, nil when none was.
func (o *Options) rawCalendar() Calendar {
	if o == nil {
		return nil
	}
	return o.Calendar
}

// MaxExtension is the longest extension of the period to respond that
// Art. 12(3) sentence 2 GDPR allows: two further months.
const MaxExtension = 2

// Deadline is the end of a period expressed in months, computed as
// Regulation (EEC, Euratom) No 1182/71 Art. 3 prescribes.
type Deadline struct {
	// From is the day from which the period runs: the day of receipt for
	// the period of Art. 12(3) sentence 1 GDPR, the last day of that period
	// for an extension. Under Art. 3(1) second subparagraph of the
	// Regulation it is not counted; the period starts with the first hour of
	// the next day (Art. 3(2)(c)).
	From Date `json:"from"`
	// Months is the length of the period in months.
	Months int `json:"months"`
	// Nominal is the last day under Art. 3(2)(c) alone: the day in the last
	// month with the same date as From, or that month's last day when it has
	// no such date.
	Nominal Date `json:"nominal"`
	// Date is the last day of the period: Nominal, or the following working
	// day when Nominal is a public holiday, a Saturday or a Sunday
	// (Art. 3(4)).
	Date Date `json:"date"`
	// End is the instant the period ends, "with the expiry of the last hour"
	// of Date (Art. 3(2)(c), 3(4)): 24:00 of Date in the controller's time
	// zone, which is the first instant of the following day. An answer given
	// before End is in time.
	End time.Time `json:"end"`
	// Skipped lists the days after Nominal that Art. 3(4) passed over, each
	// with the reason it is not a working day, so a report can explain the
	// date.
	Skipped []DayOff `json:"skipped,omitempty"`
	// NoCalendar is true when the deadline was computed without a
	// Calendar: only Saturdays and Sundays counted as days off, so Date may
	// be a public holiday at the controller's seat. Such a date is never
	// later than the one the law gives, but may be a working day earlier;
	// name the holidays (Options.Calendar, controller.holidays) to get the
	// date the law gives.
	NoCalendar bool `json:"no_calendar,omitempty"`
}

// DayOff is a day that is not a working day (Art. 2(2) of Regulation No
// 1182/71), with the reason: "Saturday", "Sunday" or the holiday's name.
type DayOff struct {
	Date   Date   `json:"date"`
	Reason string `json:"reason"`
}

// IsZero reports whether d is the zero Deadline.
func (d Deadline) IsZero() bool { return d.End.IsZero() }

// Due returns the deadline for responding to a request received at
// receivedAt: "without undue delay and in any event within one month of
// receipt of the request" (Art. 12(3) sentence 1 GDPR). The month is
// computed as Regulation (EEC, Euratom) No 1182/71 defines a period in
// months, in the time zone and with the public holidays of opts:
//
//   - Art. 3(1) second subparagraph: the period is calculated from the
//     moment of receipt, so the day of receipt "shall not be considered as
//     falling within the period";
//   - Art. 3(2)(c): the period starts with the first hour of the day after
//     receipt and "shall end with the expiry of the last hour of whichever
//     day in the last ... month ... falls on the same date as the day from
//     which the period runs", the day of receipt; when that date does not
//     occur in the last month, with the expiry of the last hour of the last
//     day of that month (received 31 January, the period ends with 28 or 29
//     February);
//   - Art. 3(3): public holidays, Saturdays and Sundays within the period
//     count;
//   - Art. 3(4): when the last day is a public holiday, a Saturday or a
//     Sunday, the period ends with the expiry of the last hour of the
//     following working day;
//   - Art. 3(5): a period of two days or more includes at least two working
//     days (which a month always does unless the Calendar is extraordinary).
//
// The day of receipt is the date of receivedAt in opts.Location: a request
// e-mailed at 23:30 UTC on 31 January reaches a controller in Europe/Berlin
// on 1 February. A request received on any day, working or not, starts
// the period the next day; a month from receipt on 3 March ends with
// 3 April, or with the next working day after it.
//
// The error wraps ErrTime when receivedAt is the zero time, and ErrCalendar
// when opts.Calendar declares more than a month of consecutive days off.
func Due(receivedAt time.Time, opts *Options) (Deadline, error) {
	if receivedAt.IsZero() {
		return Deadline{}, fmt.Errorf("%w: the time of receipt is missing", ErrTime)
	}
	return period(DateOf(receivedAt.In(opts.location())), 1, opts)
}

// ExtendedDue returns the deadline after the period original has been
// extended by months further months (1 or 2, Art. 12(3) sentence 2 GDPR).
//
// The further months run from the end of the original period: the event
// from which the extension is calculated is the expiry of original.Date, so
// under Art. 3(1) second subparagraph of Regulation No 1182/71 that day is
// not counted, and under Art. 3(2)(c) the extension ends with the day in the
// last month with the same date as original.Date (or that month's last
// day), moved by Art. 3(4) to the following working day when it is a public
// holiday, a Saturday or a Sunday. A request received on 3 March 2026 is due
// on 7 April 2026 (3 April is Karfreitag, 6 April Ostermontag); extended by
// two months it is due on 8 June 2026 (7 June is a Sunday).
//
// Counting three months from receipt instead gives another date in two
// cases: when Art. 3(4) moved the end of the first period, it is earlier
// (3 June instead of 8 June above); when the first period ended on the last
// day of a shorter month, it is later (received 31 January 2025, the first
// period ends with 28 February and two further months with 28 April, where
// three months from receipt would end with 30 April).
// This function computes the reading under which "that period" of one month
// is extended by further months that run from its end (AfterFirstPeriod);
// ExtendedReadings computes it with the other defensible readings, and
// Request.Extend works to the earliest of them.
//
// The error wraps ErrExtension when months is not 1 or 2 or original is the
// zero Deadline, and ErrCalendar as Due does.
func ExtendedDue(original Deadline, months int, opts *Options) (Deadline, error) {
	if original.IsZero() {
		return Deadline{}, fmt.Errorf("%w: the original deadline is missing", ErrExtension)
	}
	if months < 1 || months > MaxExtension {
		return Deadline{}, fmt.Errorf("%w: %d months requested; Art. 12(3) allows 1 or 2 further months", ErrExtension, months)
	}
	return period(original.Date, months, opts)
}

// maxDaysOff bounds the search for a working day, so that a Calendar that
// declares every day a holiday yields an error instead of a loop.
const maxDaysOff = 31

// period computes the end of a period of months months running from the
// day from, as Art. 3(1), 3(2)(c), 3(4) and 3(5) of Regulation No 1182/71
// define it.
func period(from Date, months int, opts *Options) (Deadline, error) {
	cal := opts.calendar()
	dl := Deadline{From: from, Months: months, Nominal: from.AddMonths(months), NoCalendar: opts.rawCalendar() == nil}
	last := dl.Nominal
	// Art. 3(4): move a last day that is not a working day.
	for n := 0; ; n++ {
		reason, off := dayOff(cal, last)
		if !off {
			break
		}
		if n == maxDaysOff {
			return Deadline{}, fmt.Errorf("%w: no working day within %d days after %s", ErrCalendar, maxDaysOff, dl.Nominal)
		}
		dl.Skipped = append(dl.Skipped, DayOff{Date: last, Reason: reason})
		last = last.AddDays(1)
	}
	// Art. 3(5): at least two working days in the period.
	working := 0
	for d := from.AddDays(1); working < 2 && !d.After(last); d = d.AddDays(1) {
		if _, off := dayOff(cal, d); !off {
			working++
		}
	}
	for working < 2 {
		last = last.AddDays(1)
		if last.DaysUntil(dl.Nominal) < -maxDaysOff {
			return Deadline{}, fmt.Errorf("%w: no two working days within %d days after %s", ErrCalendar, maxDaysOff, dl.Nominal)
		}
		if reason, off := dayOff(cal, last); off {
			dl.Skipped = append(dl.Skipped, DayOff{Date: last, Reason: reason})
		} else {
			working++
		}
	}
	dl.Date = last
	dl.End = last.AddDays(1).Start(opts.location())
	return dl, nil
}

// dayOff reports whether d is not a working day under Art. 2(2) of
// Regulation No 1182/71, and why; a holiday on a weekend is named as the
// holiday.
func dayOff(cal Calendar, d Date) (string, bool) {
	if name, ok := cal.Holiday(d); ok {
		return name, true
	}
	switch d.Weekday() {
	case time.Saturday:
		return "Saturday", true
	case time.Sunday:
		return "Sunday", true
	}
	return "", false
}

// WorkingDay reports whether d is a working day under Art. 2(2) of
// Regulation (EEC, Euratom) No 1182/71 with the holidays of cal (nil means
// none): neither a public holiday, nor a Saturday, nor a Sunday.
func WorkingDay(d Date, cal Calendar) bool {
	if cal == nil {
		cal = HolidayList(nil)
	}
	_, off := dayOff(cal, d)
	return !off
}
