package storetest

import (
	"errors"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// updateFieldsContracts are the contracts of Driver.UpdateFields.
func updateFieldsContracts() []contract {
	return []contract{
		{"UpdateFields/ChangesTheSubjectsRecordAndAppendsTheEntryAtomically", func(h *harness) {
			rc := h.b
			h.insert(newBooking(1, 42, T0), newBooking(2, 43, T0))
			e, err := rc.UpdateFields(h.ctx, Bookings, "1", "42", map[string]any{"email": "new@example.org", "ip": nil},
				audit.Entry{Time: T0, Action: "rectify", Dataset: Bookings, Count: 1, Subjects: []string{pseudonym("42")}})
			if err != nil {
				h.t.Fatalf("UpdateFields must change a record of the subject, but it returned: %v", err)
			}
			row := h.get(Bookings, "1")
			if row["email"] != "new@example.org" || row["client_ip"] != nil {
				h.t.Fatalf("UpdateFields must write the values to the fields' columns, but the row is %v", row)
			}
			if diff := unchanged(row, newBooking(1, 42, T0), "email", "client_ip"); len(diff) > 0 {
				h.t.Fatalf("UpdateFields must not change other columns, but it changed %v", diff)
			}
			log := h.log()
			if len(log) != 1 || log[0].Action != "rectify" || log[0].Hash != e.Hash || log[0].Seq != 1 {
				h.t.Fatalf("UpdateFields must append the sealed entry to the audit log and return it, but the log is %+v", log)
			}
		}},
		{"UpdateFields/RefusesAnotherSubjectsRecordOrAnUnknownKeyOrDatasetAndChangesNothing", func(h *harness) {
			rc := h.b
			h.insert(newBooking(1, 42, T0), newBooking(2, 43, T0))
			good := audit.Entry{Time: T0, Action: "rectify", Count: 1}
			for _, tc := range []struct {
				name, dataset, key, subject string
				is                          error
			}{
				{"another subject's record", Bookings, "2", "42", store.ErrNotFound},
				{"an unknown key", Bookings, "99", "42", store.ErrNotFound},
				{"an empty subject", Bookings, "1", "", store.ErrNotFound},
				{"an unknown dataset", "nope", "1", "42", store.ErrUnknownDataset},
			} {
				_, err := rc.UpdateFields(h.ctx, tc.dataset, tc.key, tc.subject, map[string]any{"email": "x"}, good)
				if !errors.Is(err, tc.is) {
					h.t.Fatalf("UpdateFields must refuse %s (want %v), but it returned: %v", tc.name, tc.is, err)
				}
			}
			if diff := unchanged(h.get(Bookings, "1"), newBooking(1, 42, T0)); len(diff) > 0 {
				h.t.Fatalf("a refused UpdateFields must change nothing, but it changed %v", diff)
			}
			if diff := unchanged(h.get(Bookings, "2"), newBooking(2, 43, T0)); len(diff) > 0 {
				h.t.Fatalf("a refused UpdateFields must not touch another subject's record, but it changed %v", diff)
			}
			if log := h.log(); len(log) != 0 {
				h.t.Fatalf("a refused UpdateFields must append nothing to the audit log, but it appended %d entries", len(log))
			}
		}},
	}
}
