package dsar

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// Receipt says what an erasure request (Art. 17 GDPR) did: what was erased,
// what was kept and why, dataset by dataset. It names records by key only.
type Receipt struct {
	Request  RequestInfo     `json:"request"`
	At       time.Time       `json:"at"`
	Datasets []ErasedDataset `json:"datasets"`
	// Kept lists every record of the subject still stored, with the norm
	// that requires keeping it.
	Kept []KeptRecord `json:"kept"`
	// NotSearched lists the datasets that hold no subject column.
	NotSearched []NotSearched `json:"not_searched"`
	// ConsentEvents is how many events of the consent ledger were filed
	// under the subject's keyed pseudonym: the proof that consent was given
	// and withdrawn is kept without the person (Art. 7(1), 17(3)(b)).
	ConsentEvents int `json:"consent_events"`
	// Recipients lists the recipients of the erased datasets and whether
	// each was told of the erasure (Art. 19).
	Recipients []RecipientNotice `json:"recipients"`
}

// ErasedDataset is what the erasure did in one dataset.
type ErasedDataset struct {
	Dataset string           `json:"dataset"`
	Rule    string           `json:"rule"`
	Action  retention.Action `json:"action"`
	Erased  int              `json:"erased"`
}

// KeptRecord is a record the erasure left alone, with the norm.
type KeptRecord struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	// Norm cites the provision: "Art. 17(3)(e) GDPR" for a legal hold,
	// the keep_at_least norm with Art. 17(3)(b) for a statutory minimum.
	Norm  string      `json:"norm"`
	Until *time.Time  `json:"until,omitempty"`
	Why   policy.Text `json:"why"`
}

// Erase carries out the erasure request with id (Art. 17): the subject's
// records in every dataset with a subject column are erased through the
// retention engine (retention.Engine.EraseSubject), except records under a
// hold or a statutory minimum (Art. 17(3)(b), (e)); then the consent ledger
// files the subject's events under a keyed pseudonym
// (consent.Ledger.EraseSubject). The receipt lists what was erased and
// what was kept with the norm; the audit log records it under the
// subject's pseudonym. The request must be an erasure request whose
// requester is verified; on success it is completed, and every recipient
// of an erased dataset is told (Art. 19, see Notifier): the receipt says
// which. When a recipient cannot be told, Erase returns the receipt and an
// error wrapping ErrNotNotified.
func (s *Service) Erase(ctx context.Context, id uuid.UUID) (*Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.begin(ctx, id, Erasure)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	rep, err := s.eng.EraseSubject(ctx, r.subject, now)
	if err != nil {
		return nil, fmt.Errorf("dsar: erasing for %s: %w", r, err)
	}
	rc := &Receipt{Request: RequestInfo{ID: r.id, Kind: r.kind, ReceivedAt: r.receivedAt, Due: r.Due().Date}, At: now,
		Datasets: []ErasedDataset{}, Kept: []KeptRecord{}, NotSearched: []NotSearched{}}
	for _, rr := range rep.Rules {
		rc.Datasets = append(rc.Datasets, ErasedDataset{Dataset: rr.Dataset, Rule: rr.Rule, Action: rr.Action, Erased: rr.Processed})
	}
	if s.ledger != nil {
		er, err := s.ledger.EraseSubject(ctx, r.subject)
		if err != nil {
			return nil, fmt.Errorf("dsar: erasing %s from the consent ledger: %w", r, err)
		}
		rc.ConsentEvents = er.Events
	}
	if err := s.explainKept(ctx, r.subject, now, rc); err != nil {
		return nil, err
	}
	note := fmt.Sprintf("%d records erased, %d kept", erasedCount(rc), len(rc.Kept))
	if err := s.audit(ctx, now, "dsar.erase", r, "", erasedCount(rc), note); err != nil {
		return nil, err
	}
	if err := s.finish(ctx, r, note); err != nil {
		return nil, err
	}
	var affected []string
	for _, d := range rc.Datasets {
		if d.Erased > 0 && !slices.Contains(affected, d.Dataset) {
			affected = append(affected, d.Dataset)
		}
	}
	rc.Recipients, err = s.notify(ctx, r, affected, nil, now)
	if rc.Recipients == nil {
		rc.Recipients = []RecipientNotice{}
	}
	return rc, err
}

func erasedCount(rc *Receipt) int {
	n := 0
	for _, d := range rc.Datasets {
		n += d.Erased
	}
	return n
}

// explainKept lists the subject's records that are still stored after the
// erasure and says why each was kept.
func (s *Service) explainKept(ctx context.Context, subject string, now time.Time, rc *Receipt) error {
	holds, err := s.subjectHolds(ctx, subject, now)
	if err != nil {
		return err
	}
	ropts := &retention.Options{Interval: s.eng.Interval()}
	for i := range s.decl.Datasets {
		ds := &s.decl.Datasets[i]
		if ds.Subject == "" {
			rc.NotSearched = append(rc.NotSearched, NotSearched{Dataset: ds.ID, Reason: policy.Text{
				DE: "Die Daten sind keiner Person zugeordnet und wurden nach den Löschfristen behandelt (Art. 11 Abs. 2 DSGVO).",
				EN: "The data is not attributed to persons and follows its retention periods (Art. 11(2) GDPR).",
			}})
			continue
		}
		recs, err := s.records(ctx, ds, subject, []string{})
		if err != nil {
			return fmt.Errorf("dsar: reading dataset %s: %w", ds.ID, err)
		}
		for _, rec := range recs {
			k := KeptRecord{Dataset: ds.ID, Key: rec.Key}
			for _, h := range holds {
				if h.Subject == subject && (h.Dataset == "" || h.Dataset == ds.ID) || h.Dataset == ds.ID && h.Key == rec.Key {
					k.Norm = holdNorm(h.Reason)
					k.Why = policy.Text{DE: "Die Daten unterliegen einer Sperre (" + k.Norm + ").", EN: "The data is under a hold (" + k.Norm + ")."}
					if !h.Until.IsZero() {
						u := h.Until.UTC()
						k.Until = &u
					}
					break
				}
			}
			if k.Norm == "" {
				times, err := s.st.Times(ctx, ds.ID, rec.Key)
				if err != nil {
					return fmt.Errorf("dsar: reading the times of a record of dataset %s: %w", ds.ID, err)
				}
				dls, err := retention.Deadlines(s.decl, ds.ID, times, ropts)
				if err != nil {
					return err
				}
				for _, dl := range dls {
					if dl.KeepUntil.After(now) && (k.Until == nil || dl.KeepUntil.After(*k.Until)) {
						u := dl.KeepUntil.UTC()
						k.Until, k.Norm = &u, dl.Norm+", Art. 17(3)(b) GDPR"
						k.Why = policy.Text{DE: "Gesetzliche Mindestaufbewahrung (" + dl.Norm + ").", EN: "Statutory minimum retention (" + dl.Norm + ")."}
					}
				}
			}
			if k.Norm == "" {
				k.Norm, k.Why = unexplained(ds)
			}
			rc.Kept = append(rc.Kept, k)
		}
	}
	return nil
}

// unexplained says why a record without a hold or a running minimum was
// kept: its dataset anonymizes on erasure, or the time its statutory
// minimum counts from is not recorded, so the engine keeps it.
func unexplained(ds *policy.Dataset) (string, policy.Text) {
	for _, r := range ds.Rules {
		if r.On == policy.EventErasureRequested && !r.Delete {
			return "Recital 26 GDPR", policy.Text{
				DE: "Die Daten wurden anonymisiert statt gelöscht; was bleibt, bezieht sich nicht mehr auf Sie.",
				EN: "The data was anonymized instead of deleted; what remains no longer relates to you."}
		}
	}
	for _, r := range ds.Rules {
		if r.KeepAtLeast != nil {
			return r.KeepAtLeast.Norm + ", Art. 17(3)(b) GDPR", policy.Text{
				DE: "Gesetzliche Mindestaufbewahrung (" + r.KeepAtLeast.Norm + "); ihr Beginn ist nicht erfasst, daher wird sie vorsorglich gewahrt.",
				EN: "Statutory minimum retention (" + r.KeepAtLeast.Norm + "); its start is not recorded, so it is kept to be safe."}
		}
	}
	return "", policy.Text{DE: "Die Daten konnten nicht gelöscht werden.", EN: "The data could not be erased."}
}
