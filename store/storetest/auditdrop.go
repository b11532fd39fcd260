package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// dropSigner signs the bases and drop entries of the drop contracts.
func dropSigner(h *harness) *audit.Signer {
	s, err := audit.NewSigner("storetest", bytes.Repeat([]byte{7}, 32))
	if err != nil {
		h.t.Fatalf("storetest: setup: %v", err)
	}
	return s
}

// appendAt appends entries with the given minutes after T0 and returns
// them as sealed.
func (h *harness) appendAt(minutes ...int) []audit.Entry {
	h.t.Helper()
	var out []audit.Entry
	for _, m := range minutes {
		e, err := h.b.AppendAudit(h.ctx, audit.Entry{Time: T0.Add(time.Duration(m) * time.Minute), Action: "delete", Dataset: Bookings, Rule: "r", Count: 1, Subjects: []string{pseudonym(fmt.Sprint(m))}})
		if err != nil {
			h.t.Fatalf("storetest: setup: AppendAudit: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// drop calls DropAudit with the cutoff before and a signed drop entry.
func (h *harness) drop(before time.Time, through uint64, s *audit.Signer) store.AuditDropped {
	h.t.Helper()
	res, err := h.b.DropAudit(h.ctx, store.AuditDrop{Before: before, Through: through, Entry: audit.Entry{Time: T0.Add(time.Hour), Policy: "p"}.SignedBy(s)})
	if err != nil {
		h.t.Fatalf("DropAudit must drop the due prefix of a genuine log, but it returned: %v", err)
	}
	return res
}

// base reads the stored base.
func (h *harness) base() audit.Base {
	h.t.Helper()
	b, err := h.b.AuditBase(h.ctx)
	if err != nil {
		h.t.Fatalf("AuditBase must succeed, but it returned: %v", err)
	}
	return b
}

// auditDropContracts are the contracts of AuditLog.DropAudit and
// AuditBase. Each was seen to fail against a broken backend: with
// memstore not storing the base, DropAuditDropsOnlyTheDuePrefix,
// DropAuditAgainKeepsGenesisAndHonoursThrough and
// DropAuditIsSerialisedWithAppends failed; with the SQL walk going on past
// an entry that is not due, DropAuditDropsOnlyTheDuePrefix,
// DropAuditWithNothingDueChangesNothing and the serialisation contract
// failed; with logstore ignoring the cutoff, the first three failed.
func auditDropContracts() []contract {
	return []contract{
		{"AuditLog/DropAuditDropsOnlyTheDuePrefix", func(h *harness) {
			s := dropSigner(h)
			// Entry 5 is exactly at the cutoff (kept); entry 6 went back
			// with a replica's clock and is due, but follows one that is
			// not: the prefix ends at 4.
			sealed := h.appendAt(0, 1, 2, 3, 4, 1, 5)
			if b := h.base(); !b.IsZero() {
				h.t.Errorf("AuditBase must return the zero Base before any drop, but it returned %+v", b)
			}
			res := h.drop(T0.Add(4*time.Minute), 0, s)
			if res.First != 1 || res.Last != 4 || res.Count != 4 {
				h.t.Fatalf("DropAudit must drop the longest prefix whose every entry is before the cutoff (an entry at it is kept) and no entry after the first that is not: it dropped %d to %d (%d), want 1 to 4 (4)", res.First, res.Last, res.Count)
			}
			want := audit.Base{Seq: 4, Hash: sealed[3].Hash, Time: sealed[3].Time, Genesis: sealed[0].Hash}
			b := h.base()
			if b.Seq != want.Seq || b.Hash != want.Hash || !b.Time.Equal(want.Time) || b.Genesis != want.Genesis {
				h.t.Errorf("DropAudit must store the Base of the last entry dropped, with the first entry's hash as Genesis: AuditBase returned %+v, want %+v", b, want)
			}
			if b.Sig != res.Base.Sig || b.CheckSignature(audit.Keys{"storetest": s.PublicKey().Key}) != nil {
				h.t.Errorf("DropAudit must store the Base signed by the signer attached to the drop's entry (AuditDrop.Result), as returned: the stored signature does not verify")
			}
			log := h.log()
			var seqs []uint64
			for _, e := range log {
				seqs = append(seqs, e.Seq)
			}
			if fmt.Sprint(seqs) != "[5 6 7 8]" {
				h.t.Fatalf("after the drop ReadAudit(0, 0) must return the kept entries and the drop's entry: got positions %v, want [5 6 7 8]", seqs)
			}
			rec := log[len(log)-1]
			if first, last, ok := audit.ParseDrop(rec); !ok || first != 1 || last != 4 || rec.Count != 4 || rec.Hash != res.Entry.Hash || len(rec.Subjects) != 0 {
				h.t.Errorf("DropAudit must append the entry that records the drop (audit.DropEntry: positions 1 to 4, count 4, no subject), sealed to the head: got %+v", rec)
			}
			if err := audit.Keys(audit.Keys{"storetest": s.PublicKey().Key}).CheckSignature(rec.Sig, []byte(rec.Hash)); err != nil {
				h.t.Errorf("the drop's entry must be signed by the signer attached to it: %v", err)
			}
			head := rec.Head()
			v := audit.NewVerifierFrom(b, &head)
			v.RequireSignatures(audit.Keys{"storetest": s.PublicKey().Key}, 7)
			for _, e := range log {
				if err := v.Add(e); err != nil {
					h.t.Fatalf("the kept log must verify from the stored Base, but: %v", err)
				}
			}
			if _, err := v.Done(); err != nil {
				h.t.Errorf("the kept log must verify from the stored Base, but: %v", err)
			}
			if page, err := h.b.ReadAudit(h.ctx, 2, 2); err != nil || len(page) != 2 || page[0].Seq != 5 {
				h.t.Errorf("ReadAudit after a position that was dropped must page from the first kept entry: got %d entries (%v)", len(page), err)
			}
		}},
		{"AuditLog/DropAuditWithNothingDueChangesNothing", func(h *harness) {
			s := dropSigner(h)
			sealed := h.appendAt(3, 4)
			if res := h.drop(T0.Add(3*time.Minute), 0, s); res.Count != 0 || res.Entry.Hash != "" {
				h.t.Errorf("DropAudit must drop nothing when the first entry is not due, and return the zero AuditDropped: got %+v", res)
			}
			if log := h.log(); len(log) != 2 || log[1].Hash != sealed[1].Hash {
				h.t.Errorf("DropAudit with nothing due must append nothing: the log has %d entries", len(log))
			}
			if !h.base().IsZero() {
				h.t.Errorf("DropAudit with nothing due must store no Base")
			}
			if res := h.drop(T0.Add(time.Hour), 0, s); res.Count != 2 {
				h.t.Fatalf("storetest: setup: dropping the whole log dropped %d", res.Count)
			}
			if res := h.drop(T0.Add(time.Hour), 0, s); res.Count != 0 {
				h.t.Errorf("DropAudit must not drop the entry that records the previous drop when its time is not before the cutoff: it dropped %+v", res)
			}
		}},
		{"AuditLog/DropAuditAgainKeepsGenesisAndHonoursThrough", func(h *harness) {
			s := dropSigner(h)
			sealed := h.appendAt(0, 1, 2, 3, 4, 5)
			first := h.drop(T0.Add(time.Hour), 2, s)
			if first.Last != 2 {
				h.t.Fatalf("DropAudit must drop no entry after Through: it dropped up to %d, want 2", first.Last)
			}
			second := h.drop(T0.Add(time.Hour), 5, s)
			if second.First != 3 || second.Last != 5 || second.Count != 3 {
				h.t.Errorf("a second DropAudit must start right after the Base: it dropped %d to %d (%d), want 3 to 5", second.First, second.Last, second.Count)
			}
			b := h.base()
			if b.Seq != 5 || b.Genesis != sealed[0].Hash {
				h.t.Errorf("a later Base must keep the Genesis of the log (the hash of entry 1, long dropped): got %+v", b)
			}
			if _, err := audit.VerifyFrom(b, h.log(), nil); err != nil {
				h.t.Errorf("the kept log must verify from the latest Base after two drops: %v", err)
			}
		}},
		{"AuditLog/DropAuditIsSerialisedWithAppends", func(h *harness) {
			s := dropSigner(h)
			h.appendAt(0, 0, 0, 0, 0, 0, 0, 0)
			var wg sync.WaitGroup
			const appends = 40
			errs := make(chan error, appends+4)
			wg.Add(2)
			go func() {
				defer wg.Done()
				for i := range appends {
					if _, err := h.b.AppendAudit(h.ctx, audit.Entry{Time: T0.Add(time.Duration(i%3) * time.Minute), Action: "delete", Count: i}); err != nil {
						errs <- err
					}
				}
			}()
			go func() {
				defer wg.Done()
				for range 4 {
					if _, err := h.b.DropAudit(h.ctx, store.AuditDrop{Before: T0.Add(time.Minute), Entry: audit.Entry{Time: T0.Add(time.Hour)}.SignedBy(s)}); err != nil {
						errs <- err
					}
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				h.t.Fatalf("AppendAudit and DropAudit at the same time must both succeed, but one returned: %v", err)
			}
			if _, err := audit.VerifyFrom(h.base(), h.log(), nil); err != nil {
				h.t.Errorf("DropAudit must be serialised with AppendAudit, so that the kept log still verifies from the Base, but: %v", err)
			}
		}},
	}
}
