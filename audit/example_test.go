package audit_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/frist-go/frist/audit"
)

// Sealing entries into a chain, then finding an entry that was altered.
func Example() {
	at := time.Date(2026, 5, 4, 3, 0, 0, 0, time.UTC)
	var log []audit.Entry
	var head audit.Head
	for i, count := range []int{12, 3, 7} {
		e := audit.Seal(head, audit.Entry{
			Time:    at.Add(time.Duration(i) * time.Minute),
			Action:  "delete",
			Dataset: "appointment",
			Rule:    "delete_after_14d_appointment_at",
			Count:   count,
		})
		log = append(log, e)
		head = e.Head()
	}
	// An auditor records the head outside the store.
	recorded := head

	_, err := audit.Verify(log, &recorded)
	fmt.Println("intact:", err == nil)

	log[1].Count = 0 // someone hides that three records were deleted
	_, err = audit.Verify(log, &recorded)
	var ve *audit.VerifyError
	if errors.As(err, &ve) {
		fmt.Println(ve.Kind, "entry", ve.Seq)
	}

	_, err = audit.Verify(log[:2], &recorded)
	fmt.Println(errors.Is(err, audit.ErrBroken))
	// Output:
	// intact: true
	// changed entry 2
	// true
}
