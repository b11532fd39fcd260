package memstore

import (
	"context"
	"slices"

	"github.com/frist-go/frist/audit"
)

// head returns the head of the audit log.
func (s *Store) head() audit.Head {
	if len(s.log) == 0 {
		return audit.Head{}
	}
	return s.log[len(s.log)-1].Head()
}

// AppendAudit implements store.AuditLog.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	sealed := audit.Seal(s.head(), e)
	s.log = append(s.log, sealed)
	return cloneEntry(sealed), nil
}

// ReadAudit implements store.AuditLog in O(limit): entry n is at n-1.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if after >= uint64(len(s.log)) {
		return nil, nil
	}
	page := s.log[after:]
	if limit > 0 && len(page) > limit {
		page = page[:limit]
	}
	out := make([]audit.Entry, len(page))
	for i, e := range page {
		out[i] = cloneEntry(e)
	}
	return out, nil
}

// cloneEntry copies e so that callers cannot change the stored entry.
func cloneEntry(e audit.Entry) audit.Entry {
	e.Subjects = slices.Clone(e.Subjects)
	return e
}
