package dsar_test

import (
	"fmt"
	"time"

	"github.com/frist-go/frist/dsar"
)

// A request received on Tuesday 3 March 2026 in Nordrhein-Westfalen: one
// month later is 3 April, Karfreitag; the following days are a Saturday,
// Easter Sunday and Ostermontag, so the period ends at 24:00 on Tuesday
// 7 April.
func ExampleDue() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	nw, err := dsar.Germany(dsar.NordrheinWestfalen)
	if err != nil {
		panic(err)
	}
	received := time.Date(2026, time.March, 3, 14, 5, 0, 0, berlin)
	due, err := dsar.Due(received, &dsar.Options{Location: berlin, Calendar: nw})
	if err != nil {
		panic(err)
	}
	fmt.Println("same date one month later:", due.Nominal)
	for _, d := range due.Skipped {
		fmt.Println("  not a working day:", d.Date, d.Reason)
	}
	fmt.Println("last day:", due.Date)
	fmt.Println("ends:", due.End.Format(time.RFC3339))

	extended, err := dsar.ExtendedDue(due, 2, &dsar.Options{Location: berlin, Calendar: nw})
	if err != nil {
		panic(err)
	}
	fmt.Println("extended by two months:", extended.Date)
	// Output:
	// same date one month later: 2026-04-03
	//   not a working day: 2026-04-03 Karfreitag
	//   not a working day: 2026-04-04 Saturday
	//   not a working day: 2026-04-05 Sunday
	//   not a working day: 2026-04-06 Ostermontag
	// last day: 2026-04-07
	// ends: 2026-04-08T00:00:00+02:00
	// extended by two months: 2026-06-08
}

// The lifecycle of an access request: verified, extended within the first
// month, then completed.
func ExampleRequest_Transition() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	nw, err := dsar.Germany(dsar.NordrheinWestfalen)
	if err != nil {
		panic(err)
	}
	opts := &dsar.Options{Location: berlin, Calendar: nw}
	day := func(d int, m time.Month) time.Time { return time.Date(2026, m, d, 10, 0, 0, 0, berlin) }

	req, err := dsar.New(dsar.Access, "citizen-4711", day(4, time.May), opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Kind(), req.Kind().Article(), "due", req.Due().Date)

	// Completing before the requester is verified is refused.
	fmt.Println(req.Transition(dsar.Completed, day(5, time.May), "") != nil)

	for _, step := range []error{
		req.Transition(dsar.IdentityPending, day(5, time.May), "asked for the booking number"),
		req.Transition(dsar.Verified, day(7, time.May), ""),
		req.Transition(dsar.InProgress, day(7, time.May), ""),
		req.Extend(2, "records in three specialised procedures", day(20, time.May)),
		req.Transition(dsar.Completed, day(15, time.July), ""),
	} {
		if step != nil {
			panic(step)
		}
	}
	fmt.Println(req.State(), "due", req.Due().Date, "late:", req.Late())
	for _, tr := range req.History() {
		fmt.Println(" ", tr.At.Format(time.DateOnly), tr.To)
	}
	// Output:
	// access Art. 15 due 2026-06-05
	// true
	// completed due 2026-08-04 late: false
	//   2026-05-04 received
	//   2026-05-05 identity_pending
	//   2026-05-07 verified
	//   2026-05-07 in_progress
	//   2026-05-20 extended
	//   2026-07-15 completed
}
