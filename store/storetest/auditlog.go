package storetest

import (
	"fmt"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
)

func auditLogContracts() []contract {
	return []contract{
		{"AuditLog/AppendAuditSealsToTheHead", func(h *harness) {
			var prev audit.Head
			for i := range 3 {
				e, err := h.b.AppendAudit(h.ctx, audit.Entry{Time: T0.Add(time.Duration(i) * time.Second), Action: "consent.grant", Subjects: []string{pseudonym(fmt.Sprint(i))}})
				if err != nil {
					h.t.Fatalf("AppendAudit must store a valid entry, but it returned: %v", err)
				}
				if e.Seq != prev.Seq+1 || e.Prev != prev.Hash || e.ID == "" || e.Hash != e.ComputeHash() {
					h.t.Errorf("AppendAudit must return the entry sealed to the head of the log (audit.Seal): entry %d has Seq %d, Prev %q, ID %q, intact hash %v", i+1, e.Seq, e.Prev, e.ID, e.Hash == e.ComputeHash())
				}
				prev = e.Head()
			}
		}},
		{"AuditLog/ReadAuditPagesInSeqOrderAndEntriesVerify", func(h *harness) {
			var sealed []audit.Entry
			for i := range 7 {
				// Nanoseconds and unsorted subjects: the store must keep
				// the entry exactly as sealed.
				e, err := h.b.AppendAudit(h.ctx, audit.Entry{
					Time: T0.Add(time.Duration(i)*time.Minute + 123456789), Action: "delete", Dataset: Bookings, Rule: "r", Count: i,
					Subjects: []string{pseudonym("b"), pseudonym("a")}, Policy: "abc", Note: "§ 147 AO",
				})
				if err != nil {
					h.t.Fatalf("AppendAudit must store a valid entry, but it returned: %v", err)
				}
				sealed = append(sealed, e)
			}
			pages := []struct {
				after uint64
				limit int
				want  []uint64
			}{{0, 3, []uint64{1, 2, 3}}, {3, 3, []uint64{4, 5, 6}}, {6, 3, []uint64{7}}, {7, 3, nil}, {2, 0, []uint64{3, 4, 5, 6, 7}}}
			for _, p := range pages {
				got, err := h.b.ReadAudit(h.ctx, p.after, p.limit)
				if err != nil {
					h.t.Fatalf("ReadAudit(%d, %d) must succeed, but it returned: %v", p.after, p.limit, err)
				}
				var seqs []uint64
				for _, e := range got {
					seqs = append(seqs, e.Seq)
				}
				if fmt.Sprint(seqs) != fmt.Sprint(p.want) {
					h.t.Errorf("ReadAudit(after=%d, limit=%d) must return up to limit entries (all when limit <= 0) with Seq greater than after in ascending order: got Seq %v, want %v", p.after, p.limit, seqs, p.want)
				}
			}
			log := h.log()
			head := sealed[len(sealed)-1].Head()
			if _, err := audit.Verify(log, &head); err != nil {
				h.t.Errorf("ReadAudit must return entries exactly as sealed, so that audit.Verify accepts them, but: %v", err)
			}
			for i, e := range log {
				if i < len(sealed) && (e.ID != sealed[i].ID || !e.Time.Equal(sealed[i].Time) || e.Note != sealed[i].Note || len(e.Subjects) != 2) {
					h.t.Errorf("ReadAudit must return entry %d as AppendAudit returned it: got %+v, want %+v", i+1, e, sealed[i])
				}
			}
		}},
		{"AuditLog/ConcurrentAppendsNeverFork", func(h *harness) {
			const workers, each = 8, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						if _, err := h.b.AppendAudit(h.ctx, audit.Entry{Time: T0, Action: "consent.grant", Count: w*each + i}); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				h.t.Errorf("concurrent AppendAudit calls must all succeed (they are serialised), but one returned: %v", err)
				break
			}
			log := h.log()
			if len(log) != workers*each {
				h.t.Errorf("concurrent AppendAudit calls must each store one entry: the log has %d entries, want %d", len(log), workers*each)
			}
			if _, err := audit.Verify(log, nil); err != nil {
				h.t.Errorf("concurrent appends must be serialised so the chain never forks, but audit.Verify says: %v", err)
			}
		}},
	}
}
