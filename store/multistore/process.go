package multistore

import (
	"context"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// ReadAudit implements store.AuditLog: the home log, which holds a copy of
// every routed batch's entry.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.open(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return s.home.ReadAudit(ctx, after, limit)
}

// AppendAudit implements store.AuditLog in the home log.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.open(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.RUnlock()
	return s.home.AppendAudit(ctx, e)
}

// Process implements store.Driver: the dataset's backend processes the
// batch atomically with its audit entry in its own chain, and a routed
// backend's entry is then copied to the home log, whose sealed copy is
// BatchResult.Entry (see the package documentation). When only the copy
// fails, Process returns an error wrapping ErrMirror although the batch is
// done; the copy is appended before the next batch on that backend.
func (s *Store) Process(ctx context.Context, b store.Batch) (store.BatchResult, error) {
	if err := s.open(ctx); err != nil {
		return store.BatchResult{}, err
	}
	defer s.mu.RUnlock()
	drv, c := s.backend(b.Dataset)
	if c == nil {
		return drv.Process(ctx, b)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// The copy is signed by the signer of the batch's own entry, which
	// sealing detaches from it. Copies missing after a crash are appended
	// after the batch, so that they are signed by it too (repairAfter).
	var signer *audit.Signer
	if entryOf := b.Audit; entryOf != nil {
		b.Audit = func(processed []store.Record, count int) (audit.Entry, error) {
			e, err := entryOf(processed, count)
			signer = e.Signer()
			return e, err
		}
	}
	res, err := drv.Process(ctx, b)
	if err != nil || res.Entry.Hash == "" {
		return res, err
	}
	// The batch is committed: its copy is appended even when ctx ends now.
	var sealed audit.Entry
	if c.ready {
		sealed, err = s.appendCopy(context.WithoutCancel(ctx), c, res.Entry, signer)
	} else {
		sealed, err = s.repairAfter(context.WithoutCancel(ctx), c, res.Entry, signer)
	}
	if err != nil {
		return store.BatchResult{}, err
	}
	res.Entry = sealed
	return res, nil
}

// UpdateFields implements store.Driver on the dataset's backend; a routed
// backend's entry is copied to the home log
// like a batch's, and the sealed copy returned.
func (s *Store) UpdateFields(ctx context.Context, dataset, key, subject string, values map[string]any, entry audit.Entry) (audit.Entry, error) {
	if err := s.open(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.RUnlock()
	drv, c := s.backend(dataset)
	if c == nil {
		return drv.UpdateFields(ctx, dataset, key, subject, values, entry)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := s.prepare(ctx, c, entry.Signer()); err != nil {
		return audit.Entry{}, err
	}
	sealed, err := drv.UpdateFields(ctx, dataset, key, subject, values, entry)
	if err != nil {
		return audit.Entry{}, err
	}
	return s.appendCopy(context.WithoutCancel(ctx), c, sealed, entry.Signer())
}
