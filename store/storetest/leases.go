package storetest

import (
	"errors"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

func leaseContracts() []contract {
	const ttl = time.Minute
	acquire := func(h *harness, name, owner string, now time.Time) bool {
		h.t.Helper()
		ok, err := h.b.AcquireLease(h.ctx, name, owner, now, ttl)
		if err != nil {
			h.t.Fatalf("AcquireLease must not fail, but it returned: %v", err)
		}
		return ok
	}
	return []contract{
		{"Leases/AcquireFreeLeaseAndRefuseOtherOwner", func(h *harness) {
			if !acquire(h, "sweep", "a", T0) {
				h.t.Errorf("AcquireLease must succeed when the lease is free")
			}
			if acquire(h, "sweep", "b", T0.Add(ttl-time.Second)) {
				h.t.Errorf("AcquireLease must return false while another owner holds the lease")
			}
			if !acquire(h, "other", "b", T0) {
				h.t.Errorf("AcquireLease must treat leases with different names independently")
			}
		}},
		{"Leases/OwnerExtends", func(h *harness) {
			acquire(h, "sweep", "a", T0)
			if !acquire(h, "sweep", "a", T0.Add(30*time.Second)) {
				h.t.Errorf("AcquireLease must succeed for the lease's own owner (which extends it)")
			}
			if acquire(h, "sweep", "b", T0.Add(ttl+10*time.Second)) {
				h.t.Errorf("AcquireLease by the owner must extend the lease to now+ttl, but another owner took it before the extended end")
			}
		}},
		{"Leases/ExpiredLeaseCanBeTaken", func(h *harness) {
			acquire(h, "sweep", "a", T0)
			if !acquire(h, "sweep", "b", T0.Add(ttl)) {
				h.t.Errorf("AcquireLease must succeed when the lease expired (now is not before its end)")
			}
			if acquire(h, "sweep", "a", T0.Add(ttl+time.Second)) {
				h.t.Errorf("AcquireLease must return false for the previous owner once another owner took the expired lease")
			}
		}},
		{"Leases/ReleaseLeaseFreesOnlyForTheOwner", func(h *harness) {
			acquire(h, "sweep", "a", T0)
			if err := h.b.ReleaseLease(h.ctx, "sweep", "b"); err != nil {
				h.t.Errorf("ReleaseLease by another owner must do nothing, not fail, but it returned: %v", err)
			}
			if acquire(h, "sweep", "b", T0.Add(time.Second)) {
				h.t.Errorf("ReleaseLease by another owner must do nothing, but the lease became free")
			}
			if err := h.b.ReleaseLease(h.ctx, "sweep", "a"); err != nil {
				h.t.Errorf("ReleaseLease by the owner must succeed, but it returned: %v", err)
			}
			if !acquire(h, "sweep", "b", T0.Add(2*time.Second)) {
				h.t.Errorf("ReleaseLease by the owner must free the lease, but another owner could not take it")
			}
			if err := h.b.ReleaseLease(h.ctx, "never", "a"); err != nil {
				h.t.Errorf("ReleaseLease of a lease nobody holds must do nothing, but it returned: %v", err)
			}
		}},
	}
}

func closeContracts() []contract {
	return []contract{
		{"Close/CallsAfterCloseReturnErrClosed", func(h *harness) {
			if err := h.b.Close(); err != nil {
				h.t.Fatalf("Close must succeed on an open backend, but it returned: %v", err)
			}
			ctx, sel := h.ctx, store.Selection{Dataset: Bookings, Now: T0}
			calls := map[string]func() error{
				"Process": func() error { _, err := h.b.Process(ctx, deleteBatch(T0)); return err },
				"Count":   func() error { _, _, err := h.b.Count(ctx, sel); return err },
				"Earliest": func() error {
					_, _, err := h.b.Earliest(ctx, sel, "booked_at", T0)
					return err
				},
				"Records": func() error { _, err := h.b.Records(ctx, Bookings, "1001", nil); return err },
				"Times":   func() error { _, err := h.b.Times(ctx, Bookings, "1"); return err },
				"Unreadable": func() error {
					_, _, err := h.b.Unreadable(ctx, store.Selection{Dataset: Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: T0}}, Now: T0})
					return err
				},
				"SubjectsByField": func() error { _, err := h.b.SubjectsByField(ctx, Bookings, "email", "x"); return err },
				"UpdateFields": func() error {
					_, err := h.b.UpdateFields(ctx, Bookings, "1", "1001", map[string]any{"email": "x"}, audit.Entry{Time: T0, Action: "rectify"})
					return err
				},
				"Purge": func() error {
					return h.b.Purge(ctx, store.PurgeScope{Datasets: []string{Bookings}, Own: store.AllOwnRecords()})
				},
				"PlaceHold": func() error {
					_, err := h.b.PlaceHold(ctx, store.Hold{ID: "x", Subject: "1001", PlacedAt: T0}, HoldEntry("hold.place"))
					return err
				},
				"ReleaseHold": func() error {
					_, err := h.b.ReleaseHold(ctx, "x", T0, HoldEntry("hold.release"))
					return err
				},
				"ListHolds":   func() error { _, err := h.b.ListHolds(ctx, T0); return err },
				"ExpireHolds": func() error { _, err := h.b.ExpireHolds(ctx, T0); return err },
				"AppendAudit": func() error {
					_, err := h.b.AppendAudit(ctx, audit.Entry{Time: T0, Action: "x"})
					return err
				},
				"ReadAudit":    func() error { _, err := h.b.ReadAudit(ctx, 0, 0); return err },
				"AcquireLease": func() error { _, err := h.b.AcquireLease(ctx, "l", "a", T0, time.Minute); return err },
				"ReleaseLease": func() error { return h.b.ReleaseLease(ctx, "l", "a") },
			}
			for name, call := range calls {
				if err := call(); !errors.Is(err, store.ErrClosed) {
					h.t.Errorf("%s after Close must return store.ErrClosed, but it returned %v", name, err)
				}
			}
		}},
	}
}
