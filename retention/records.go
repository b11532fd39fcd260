package retention

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/store"
)

// RecordKeeper keeps a kind of frist's own records (consent events,
// data-subject requests) only as long as the declaration's records block
// says (policy.Declaration.RecordRetention; Art. 5(1)(e) GDPR). consent.New
// and dsar.NewService register theirs with Engine.Keep, and every Sweep
// calls them. The audit log and the holds need no keeper registered:
// every store has them (store.AuditLog, store.Holds), and every Sweep
// drops the audit entries and deletes the ended holds whose period ended
// itself, reported under the kinds "audit" and "holds".
type RecordKeeper interface {
	// ExpireRecords deletes or pseudonymizes the records whose period has
	// ended at now, never one whose period has not (docs/DESIGN.md, "Never
	// early"), and reports what it changed. now is the sweep's start; the
	// keeper reads no clock of its own. A keeper that changed some
	// records and then failed reports both, the error also in the
	// report's Err.
	ExpireRecords(ctx context.Context, now time.Time) (RecordsReport, error)
}

// RecordsReport is what one RecordKeeper did in a sweep.
type RecordsReport struct {
	// Kind names the records ("consent", "requests", "holds", "audit").
	Kind string
	// Deleted counts the records deleted; Pseudonymized those whose
	// subject was replaced by its keyed pseudonym.
	Deleted, Pseudonymized int
	// Err says why the keeper failed; the next sweep tries again.
	Err error
	// Own is the kind of frist's own records the keeper keeps. When it
	// deleted or pseudonymized records, or failed part way, the sweep has
	// the store purge that kind (store.Driver.Purge), so that what was
	// deleted or overwritten is gone from the store's files too, not only
	// from its tables (Art. 17(1), Art. 5(1)(e) GDPR). Empty means every
	// kind (store.AllOwnRecords).
	Own store.OwnRecords
}

// auditDropBatch is the most audit entries one drop removes, so that one
// transaction stays bounded (docs/DESIGN.md, "Atomic batches"); a sweep
// drops as many batches as are due.
const auditDropBatch = 10000

// keepAudit drops the oldest entries of the audit log whose period
// (policy.Records.Audit, counted from each entry's time in the
// controller's time zone) has ended at start, in batches of at most
// auditDropBatch, each atomic with its new base and the entry that
// records it (store.AuditLog.DropAudit), signed with the engine's key.
// The cutoff is never early (policy.RecordPeriod.EndedBefore): an entry
// whose period has not ended at start is not before it. It reports the
// entries dropped as Deleted under the kind "audit"; it writes no
// records.expire entry, since each drop records itself. It returns an
// error only when the lease is lost or ctx ends.
func (e *Engine) keepAudit(ctx context.Context, start time.Time, lease *sweepLease) (RecordsReport, error) {
	rr := RecordsReport{Kind: "audit", Own: store.AuditRecords}
	cutoff := e.decl.RecordRetention().Audit.EndedBefore(start, e.decl.Location())
	if cutoff.IsZero() {
		return rr, nil
	}
	base, err := e.st.AuditBase(ctx)
	if err != nil {
		rr.Err = fmt.Errorf("retention: keeping the audit records: reading the base: %w", err)
		return rr, nil
	}
	through := base.Seq
	for {
		if err := e.renewLease(ctx, lease); err != nil {
			return rr, err
		}
		through += auditDropBatch
		res, err := storecheck.DropAudit(ctx, e.st, store.AuditDrop{
			Before:  cutoff,
			Through: through,
			Entry:   audit.Entry{Time: start, Policy: e.policyHash}.SignedBy(e.signer),
		})
		rr.Deleted += res.Count
		if err != nil {
			rr.Err = fmt.Errorf("retention: keeping the audit records: %w", err)
			return rr, nil
		}
		if res.Count < auditDropBatch {
			return rr, nil
		}
		through = res.Last
	}
}

// holdKeeper is the engine's own RecordKeeper of the holds every store
// keeps (store.Holds), which Sweep calls after the registered keepers.
type holdKeeper struct{ e *Engine }

// ExpireRecords deletes the holds that ended (store.Hold.Ended: released,
// or past their Until, whichever came first) so long before now that
// policy.Records.Holds has run out, counted in the controller's time
// zone, and reports them under the kind "holds". The cutoff is never
// early (policy.RecordPeriod.EndedBefore), and a hold still in force is
// never deleted, however old: it is not ended (store.Holds.ExpireHolds).
// An ended hold is the proof of a restriction (Art. 18 GDPR) or of a hold
// under Art. 17(3), kept as long as a claim about it can be brought
// (Art. 5(2)) and no longer, since it names a record key or the subject's
// identifier (Art. 5(1)(e)).
func (k holdKeeper) ExpireRecords(ctx context.Context, now time.Time) (RecordsReport, error) {
	rep := RecordsReport{Kind: "holds", Own: store.HoldRecords}
	e := k.e
	cutoff := e.decl.RecordRetention().Holds.EndedBefore(now, e.decl.Location())
	if cutoff.IsZero() {
		return rep, nil
	}
	n, err := e.st.ExpireHolds(ctx, cutoff)
	rep.Deleted = n
	if err != nil {
		return rep, fmt.Errorf("deleting ended holds: %w", err)
	}
	return rep, nil
}

// keepers are the registered RecordKeepers, guarded by their own lock so
// that Keep may be called while a sweep runs.
type keepers struct {
	mu   sync.Mutex
	list []RecordKeeper
}

// Keep registers k, so that every later Sweep calls it under the sweep
// lease, after the rules, with the sweep's start time, reports what it did
// in Report.Records and records it in the audit log (counts only, no
// subject). Registering the same keeper twice calls it once.
func (e *Engine) Keep(k RecordKeeper) {
	if k == nil {
		return
	}
	e.keepers.mu.Lock()
	defer e.keepers.mu.Unlock()
	for _, old := range e.keepers.list {
		if old == k {
			return
		}
	}
	e.keepers.list = append(e.keepers.list, k)
}

// keepRecords calls every registered keeper with start, then the engine's
// own keeper of the holds, then drops the audit entries due. A keeper's
// failure is reported on it and the others run all the same; it returns
// an error only when the lease is lost or ctx ends.
func (e *Engine) keepRecords(ctx context.Context, start time.Time, lease *sweepLease) ([]RecordsReport, error) {
	e.keepers.mu.Lock()
	ks := append([]RecordKeeper(nil), e.keepers.list...)
	e.keepers.mu.Unlock()
	ks = append(ks, holdKeeper{e})
	var out []RecordsReport
	for _, k := range ks {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := e.renewLease(ctx, lease); err != nil {
			return out, err
		}
		rr, err := k.ExpireRecords(ctx, start)
		if err != nil && rr.Err == nil {
			rr.Err = err
		}
		if rr.Kind == "" {
			rr.Kind = fmt.Sprintf("%T", k)
		}
		if rr.Deleted > 0 || rr.Pseudonymized > 0 || rr.Err != nil {
			// A keeper that failed may have changed records before it did.
			if rr.Own != "" {
				e.purges.touchedOwn(rr.Own)
			} else {
				e.purges.touchedOwn(store.AllOwnRecords()...)
			}
		}
		if rr.Deleted > 0 || rr.Pseudonymized > 0 {
			if aerr := e.auditRecords(ctx, start, rr); aerr != nil {
				rr.Err = errors.Join(rr.Err, aerr)
			}
		}
		if rr.Err != nil {
			rr.Err = fmt.Errorf("retention: keeping the %s records: %w", rr.Kind, rr.Err)
		}
		out = append(out, rr)
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	rr, err := e.keepAudit(ctx, start, lease)
	if rr.Deleted > 0 || rr.Err != nil || err != nil {
		// The dropped entries, pseudonyms and all, are purged from the
		// store's files as other records of frist's own are.
		e.purges.touchedOwn(store.AuditRecords)
	}
	if err != nil && rr.Err == nil {
		return append(out, rr), err
	}
	return append(out, rr), nil
}

// auditRecords appends the entry of what a keeper changed: counts only,
// no subject, so the log shows that frist's own records were kept as
// declared without naming anyone.
func (e *Engine) auditRecords(ctx context.Context, at time.Time, rr RecordsReport) error {
	entry := audit.Entry{
		Time:   at,
		Action: "records.expire",
		Count:  rr.Deleted + rr.Pseudonymized,
		Policy: e.policyHash,
		Note:   fmt.Sprintf("%s: %d deleted, %d pseudonymized", rr.Kind, rr.Deleted, rr.Pseudonymized),
	}
	if _, err := storecheck.AppendAudit(ctx, e.st, entry.SignedBy(e.signer)); err != nil {
		return fmt.Errorf("audit entry: %w", err)
	}
	return nil
}
