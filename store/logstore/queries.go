package logstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// errStop ends a scan early.
var errStop = errors.New("logstore: stop")

// Times implements store.Driver. A key <file>:<line> is looked up in that
// file; a key of a dataset with a key member is looked up in every file.
func (s *Store) Times(ctx context.Context, dataset, key string) (map[string]time.Time, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, err := s.dataset(dataset)
	if err != nil {
		return nil, err
	}
	files, err := d.list()
	if err != nil {
		return nil, err
	}
	wantFile, wantLine := "", 0
	if d.keyCol == "" {
		wantFile, wantLine = parseLineKey(key)
	}
	var out map[string]time.Time
	for _, f := range files {
		if wantFile != "" && f.name != wantFile {
			continue
		}
		err := d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
			if (wantLine > 0 && l.n != wantLine) || (wantLine == 0 && d.key(f.name, l) != key) {
				return nil
			}
			out = map[string]time.Time{}
			for name := range d.timeCol {
				if t, ok := d.timeOf(l, name); ok {
					out[name] = t
				}
			}
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: dataset %q has no record with that key", store.ErrNotFound, dataset)
}

// Records implements store.Driver, each record with the times Times
// gives it. Only JSON-lines datasets that name a subject member have
// subjects; for the others it returns an error wrapping ErrUnsupported.
func (s *Store) Records(ctx context.Context, dataset, subject string, fields []string) ([]store.Record, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, err := s.dataset(dataset)
	if err != nil {
		return nil, err
	}
	if d.subjCol == "" {
		return nil, fmt.Errorf("%w: dataset %q: its lines name no subject", ErrUnsupported, dataset)
	}
	if fields == nil {
		for _, f := range d.decl.Fields {
			fields = append(fields, f.Name)
		}
	}
	files, err := d.list()
	if err != nil {
		return nil, err
	}
	var recs []processed
	for _, f := range files {
		err := d.scan(f, time.Unix(0, f.id.ModNs).UTC(), func(l *line) error {
			if l.bad || d.subject(l) != subject {
				return nil
			}
			r := store.Record{Key: d.key(f.name, l), Subject: subject, Fields: map[string]any{}, Times: map[string]time.Time{}}
			for _, fl := range fields {
				r.Fields[fl] = d.field(l, fl)
			}
			for name := range d.timeCol {
				if t, ok := d.timeOf(l, name); ok {
					r.Times[name] = t
				}
			}
			recs = append(recs, processed{key: r.Key, n: l.n, rec: r})
			return ctx.Err()
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	slices.SortStableFunc(recs, func(a, b processed) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	out := make([]store.Record, len(recs))
	for i, p := range recs {
		out[i] = p.rec
	}
	return out, nil
}

// SubjectsByField implements store.Driver. Finding a subject by a field's
// value would read every line of every file, once per request; log lines
// are searched by subject (Records) instead. It returns store.ErrClosed
// after Close, store.ErrUnknownDataset for a dataset not bound to files,
// and otherwise an error wrapping ErrUnsupported, and so
// errors.ErrUnsupported.
func (s *Store) SubjectsByField(ctx context.Context, dataset, field, _ string) ([]string, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, err := s.dataset(dataset); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: dataset %q: searching lines by field %q", ErrUnsupported, dataset, field)
}

// UpdateFields implements store.Driver. A log line is never changed in
// place: a rectified line would have to be rewritten with its whole file,
// which only a rule's batch does. It changes nothing and appends no audit
// entry; it returns store.ErrClosed after Close, store.ErrUnknownDataset
// for a dataset not bound to files, and otherwise an error wrapping
// ErrUnsupported, and so errors.ErrUnsupported.
func (s *Store) UpdateFields(ctx context.Context, dataset, _, _ string, _ map[string]any, _ audit.Entry) (audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	if _, err := s.dataset(dataset); err != nil {
		return audit.Entry{}, err
	}
	return audit.Entry{}, fmt.Errorf("%w: dataset %q: changing a line in place", ErrUnsupported, dataset)
}
