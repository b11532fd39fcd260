package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// head returns the head of the audit log.
func (s *Store) head() audit.Head {
	if len(s.log) == 0 {
		return s.base.Head()
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

// ReadAudit implements store.AuditLog in O(limit): entry n is at
// n-1-base.Seq.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	after = max(after, s.base.Seq) - s.base.Seq
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

// AuditBase implements store.AuditLog.
func (s *Store) AuditBase(ctx context.Context) (audit.Base, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Base{}, err
	}
	defer s.mu.Unlock()
	return s.base, nil
}

// DropAudit implements store.AuditLog: under the store's lock, which
// every append takes, it cuts the due prefix off the log, stores the Base
// and appends the drop's entry, so nothing can see one without the other.
func (s *Store) DropAudit(ctx context.Context, d store.AuditDrop) (store.AuditDropped, error) {
	if err := s.begin(ctx); err != nil {
		return store.AuditDropped{}, err
	}
	defer s.mu.Unlock()
	n := 0
	for n < len(s.log) && d.Due(s.log[n].Seq, s.log[n].Time) {
		n++
	}
	if n == 0 {
		return store.AuditDropped{}, nil
	}
	first, last := s.log[0], s.log[n-1]
	if s.base.IsZero() && first.Seq != 1 {
		return store.AuditDropped{}, fmt.Errorf("memstore: the audit log begins at entry %d and has no base: it is broken, nothing is dropped", first.Seq)
	}
	base, rec := d.Result(s.base, first.Seq, last.Head(), last.Time, first.Hash, n)
	sealed := audit.Seal(s.head(), rec)
	s.log = append(slices.Clip(slices.Clone(s.log[n:])), sealed)
	s.base = base
	return store.AuditDropped{First: first.Seq, Last: last.Seq, Count: n, Base: base, Entry: cloneEntry(sealed)}, nil
}

// cloneEntry copies e so that callers cannot change the stored entry.
func cloneEntry(e audit.Entry) audit.Entry {
	e.Subjects = slices.Clone(e.Subjects)
	return e
}
