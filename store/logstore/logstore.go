package logstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Errors of the package, for errors.Is.
var (
	// ErrBinding is wrapped by New's errors about a dataset's files
	// binding.
	ErrBinding = errors.New("logstore: bad files binding")
	// ErrLocked is returned by New when another process works on the
	// state directory.
	ErrLocked = errors.New("logstore: state directory in use")
	// ErrUnsupported is wrapped by errors for selections a log file cannot
	// answer (a subject on lines without one, a keyed batch that sets a
	// watermark marker).
	ErrUnsupported = errors.New("logstore: not supported on log files")
)

// Options configure a Store. A nil *Options means the defaults.
type Options struct {
	// Root is the directory relative files.dir paths are resolved
	// against. Default: the working directory.
	Root string
	// StateDir holds the audit log (.frist-audit.jsonl), the holds
	// (.frist-holds.json), the journal of the batch in progress and the
	// lock. Default: the directory of the first files dataset.
	StateDir string
	// Logger receives reports of malformed lines (file name, line numbers
	// and counts, never their content). Default: discard.
	Logger *slog.Logger
}

// Store is a store.Driver over directories of web-server access logs.
// Create it with New; it is safe for concurrent use, and one process at a
// time may open a state directory.
type Store struct {
	mu       sync.Mutex
	closed   bool
	datasets map[string]*dataset
	state    string
	lock     *os.File
	log      *slog.Logger

	audit  *auditFile
	holds  *holdFile
	leases map[string]lease
}

var (
	_ store.Driver   = (*Store)(nil)
	_ store.Datasets = (*Store)(nil)
)

// New opens a Store for the datasets of decl that are bound to files
// (policy.Dataset.Files); datasets bound to tables are not the Store's and
// yield store.ErrUnknownDataset. decl must have been validated. New checks
// every files binding, takes the state directory's lock, and finishes a
// batch that a crash interrupted (see the package documentation).
func New(decl *policy.Declaration, opts *Options) (*Store, error) {
	if decl == nil {
		return nil, errors.New("logstore: declaration is nil")
	}
	if !decl.Validated() {
		return nil, errors.New("logstore: the declaration has not been validated (call Validate first)")
	}
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{datasets: map[string]*dataset{}, log: opts.Logger, leases: map[string]lease{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if ds.Files == nil {
			continue
		}
		d, err := compile(ds, opts.Root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.datasets[ds.ID] = d
		if s.state == "" {
			s.state = d.dir
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if opts.StateDir != "" {
		s.state = opts.StateDir
		if !filepath.IsAbs(s.state) && opts.Root != "" {
			s.state = filepath.Join(opts.Root, s.state)
		}
	}
	if s.state == "" {
		return nil, fmt.Errorf("%w: the declaration binds no dataset to files, and Options.StateDir is empty", ErrBinding)
	}
	lock, err := lockDir(s.state)
	if err != nil {
		return nil, fmt.Errorf("logstore: locking the state directory: %w", err)
	}
	s.lock = lock
	fail := func(err error) (*Store, error) {
		_ = lock.Close()
		return nil, err
	}
	if s.audit, err = openAudit(s.state); err != nil {
		return fail(err)
	}
	if s.holds, err = openHolds(s.state); err != nil {
		return fail(err)
	}
	if err := s.recover(); err != nil {
		return fail(err)
	}
	return s, nil
}

// begin locks the store for one operation; it fails after Close or when
// ctx has ended. The caller unlocks s.mu.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return store.ErrClosed
	}
	return nil
}

// dataset returns the files dataset id.
func (s *Store) dataset(id string) (*dataset, error) {
	d := s.datasets[id]
	if d == nil {
		return nil, fmt.Errorf("%w: %q is not a dataset bound to files", store.ErrUnknownDataset, id)
	}
	return d, nil
}

// Serves implements store.Datasets: a Store serves the datasets of its
// declaration that are bound to files.
func (s *Store) Serves(dataset string) bool { return s.datasets[dataset] != nil }

// Close releases the state directory's lock. Calls after Close return
// store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.lock.Close()
}
