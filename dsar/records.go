package dsar

import (
	"context"
	"fmt"
	"time"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// ExpireRecords implements retention.RecordKeeper for the requests and
// objections the service keeps, as the declaration's records block says
// (policy.Declaration.RecordRetention), counted in the controller's time
// zone:
//
//   - a request closed so long before now that Records.IdentifyRequestsFor
//     has run out keeps its subject only as the keyed pseudonym the audit
//     log uses (ServiceOptions.AuditKey); List with the subject still
//     finds it, since the pseudonym is computed again from the identifier
//     a person gives;
//   - a request closed, and an objection lifted, so long before now that
//     Records.Requests has run out is deleted. Proof of how a request was
//     answered is kept as long as a claim about it can be brought (Art.
//     5(2), 12 GDPR), and no longer (Art. 5(1)(e)).
//
// Open requests and objections in force are never touched. dsar.NewService
// registers the service with the engine, so every sweep calls it.
func (s *Service) ExpireRecords(ctx context.Context, now time.Time) (retention.RecordsReport, error) {
	rep := retention.RecordsReport{Kind: "requests", Own: store.RequestRecords}
	rr := s.decl.RecordRetention()
	loc := s.decl.Location()
	if cutoff := rr.IdentifyRequestsFor.EndedBefore(now, loc); !cutoff.IsZero() {
		if err := storecheck.Cutoff("PseudonymizeRequests", cutoff); err != nil {
			return rep, err
		}
		n, err := s.rs.PseudonymizeRequests(ctx, cutoff, s.auditKey.Pseudonym)
		rep.Pseudonymized = n
		if err != nil {
			return rep, fmt.Errorf("dsar: pseudonymizing closed requests: %w", err)
		}
	}
	if cutoff := rr.Requests.EndedBefore(now, loc); !cutoff.IsZero() {
		if err := storecheck.Cutoff("ExpireRequests", cutoff); err != nil {
			return rep, err
		}
		n, err := s.rs.ExpireRequests(ctx, cutoff)
		rep.Deleted = n
		if err != nil {
			return rep, fmt.Errorf("dsar: deleting closed requests and lifted objections: %w", err)
		}
	}
	return rep, nil
}
