package retention_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

// Plan is the dry run: what a sweep would delete at a given time, what a
// legal hold keeps, and when the next record falls due.
func ExampleEngine_Plan() {
	ctx := context.Background()
	decl, err := policy.Load(strings.NewReader(bookingPolicy), "booking.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2024, 11, 4, 8, 0, 0, 0, berlin)

	st, err := memstore.New(decl)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, day := range []int{18, 19, 20, 25} {
		_ = st.Insert(ctx, "appointment", map[string]any{
			"id": int64(i + 1), "citizen_id": fmt.Sprintf("citizen-%d", i+1),
			"starts_at": time.Date(2024, 10, day, 10, 0, 0, 0, berlin),
		})
	}
	// The audit key pseudonymises subjects in the audit log; in production
	// its secret comes from the application's secret store.
	key, err := anonymize.NewKeyRing(anonymize.Key{ID: "audit-2024", Secret: []byte(strings.Repeat("example secret, not for use! ", 2))})
	if err != nil {
		fmt.Println(err)
		return
	}
	eng, err := retention.New(decl, st, &retention.Options{
		Now:      func() time.Time { return now },
		AuditKey: key,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// An objection procedure needs the appointment of 19 October
	// (Art. 17(3)(e)).
	if _, err := eng.PlaceHold(ctx, retention.HoldRequest{
		Dataset: "appointment", Key: "2", Reason: store.HoldLegalClaims, Note: "Widerspruchsverfahren",
	}); err != nil {
		fmt.Println(err)
		return
	}

	plan, err := eng.Plan(ctx, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, rp := range plan.Rules {
		if rp.Event != "" {
			fmt.Printf("%s: on %s\n", rp.Rule, rp.Event)
			continue
		}
		fmt.Printf("%s: %d to delete, %d held\n", rp.Rule, rp.Due, rp.Held)
		for _, h := range rp.Holds {
			fmt.Printf("  held (%s): %s\n", h.Reason, h.Note)
		}
		fmt.Printf("  next deadline %s\n", rp.NextDeadline.Format("Mon 2 Jan 2006 15:04 MST"))
	}
	// Output:
	// delete_after_appointment: 2 to delete, 1 held
	//   held (17.3.e): Widerspruchsverfahren
	//   next deadline Fri 8 Nov 2024 10:00 CET
	// delete_on_cancel: on cancelled
	// delete_on_withdrawal: on consent_withdrawn
}
