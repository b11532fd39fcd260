package logstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
	// ErrUnsupported is wrapped by errors for what a log file cannot do:
	// a selection it cannot answer (a subject on lines without one, a
	// keyed batch that sets a watermark marker), changing a line in place
	// (UpdateFields) or searching lines by field (SubjectsByField). It
	// wraps errors.ErrUnsupported, as the store contract asks of an
	// operation a backend cannot do.
	ErrUnsupported = fmt.Errorf("logstore: not supported on log files: %w", errors.ErrUnsupported)
	// ErrReadOnly is returned by the methods that write on a Store opened
	// with Options.ReadOnly.
	ErrReadOnly = errors.New("logstore: opened read-only")
	// ErrFailed is wrapped by the error of a commit that failed part way
	// when the Store could not read its state directory again, and by the
	// errors of the writes it refuses until it can (see the package
	// documentation).
	ErrFailed = errors.New("logstore: a commit failed part way and the state directory cannot be read again")
)

// Options configure a Store. A nil *Options means the defaults.
type Options struct {
	// Root is the directory relative files.dir paths are resolved
	// against. Default: the working directory.
	Root string
	// Dirs overrides files.dir of the datasets it names (dataset ID ->
	// directory), for a deployment whose logs live elsewhere than the
	// declaration says; relative directories are resolved against Root.
	// Naming a dataset that is not bound to files is an error.
	Dirs Dirs
	// StateDir holds the audit log (.frist-audit.jsonl), the holds
	// (.frist-holds.json), the remembered events (.frist-remembered), the
	// notifications waiting for delivery (.frist-outbox), the
	// journal of the batch in progress and the lock. Default: the directory of the first files dataset.
	StateDir string
	// Logger receives reports of malformed lines (file name, line numbers
	// and counts, never their content). Default: discard.
	Logger *slog.Logger
	// ReadOnly opens the Store for reading only, for commands that must
	// write nothing (a dry run, an audit): New takes no lock, creates no
	// file, finishes no interrupted batch (it fails instead, naming the
	// journal), and reads leave the directory's index unsaved. Methods
	// that write return ErrReadOnly.
	ReadOnly bool
}

// Dirs maps dataset IDs to directories (Options.Dirs). It is a
// flag.Value: each Set takes one DATASET=DIR, so a command line can
// repeat a flag such as --logs access_log=/var/log/nginx.
type Dirs map[string]string

// String returns the entries as DATASET=DIR, comma-separated, in
// dataset order.
func (d Dirs) String() string {
	ids := make([]string, 0, len(d))
	for id := range d {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		ids[i] = id + "=" + d[id]
	}
	return strings.Join(ids, ",")
}

// Set adds one DATASET=DIR; a dataset given twice is an error.
func (d Dirs) Set(v string) error {
	id, dir, ok := strings.Cut(v, "=")
	if !ok || id == "" || dir == "" {
		return fmt.Errorf("%q is not DATASET=DIR (e.g. access_log=/var/log/nginx)", v)
	}
	if _, dup := d[id]; dup {
		return fmt.Errorf("dataset %q is given twice", id)
	}
	d[id] = dir
	return nil
}

// Store is a store.Driver over directories of web-server access logs.
// Create it with New; it is safe for concurrent use, and one process at a
// time may open a state directory.
type Store struct {
	mu       sync.Mutex
	closed   bool
	readOnly bool
	datasets map[string]*dataset
	state    string
	lock     *os.File
	log      *slog.Logger

	audit      *auditFile
	holds      *holdFile
	remembered *rememberedDir
	outbox     *outboxDir
	leases     map[string]lease

	// broken is the failure of a commit after which memory may not match
	// the files; nil once they were read again (see heal).
	broken error
	// failAt, set by the package's tests only, makes the file operation
	// at a step of a commit fail (see fault).
	failAt func(step string) error
}

var (
	_ store.Driver = (*Store)(nil)
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
	s := &Store{datasets: map[string]*dataset{}, log: opts.Logger, leases: map[string]lease{}, readOnly: opts.ReadOnly}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var errs []error
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if ds.Files == nil {
			continue
		}
		d, err := compile(ds, opts.Dirs[ds.ID], opts.Root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fi, err := os.Stat(d.dir); err != nil || !fi.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			errs = append(errs, fmt.Errorf("%w: dataset %q: files.dir %s cannot be read: %v", ErrBinding, ds.ID, d.dir, err))
			continue
		}
		s.datasets[ds.ID] = d
		if s.state == "" {
			s.state = d.dir
		}
	}
	for id := range opts.Dirs {
		if s.datasets[id] == nil && (decl.Dataset(id) == nil || decl.Dataset(id).Files == nil) {
			errs = append(errs, fmt.Errorf("%w: Options.Dirs names %q, which is not a dataset bound to files", ErrBinding, id))
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
	if s.readOnly {
		return s.openReadOnly()
	}
	lock, err := lockDir(s.state)
	if err != nil {
		return nil, fmt.Errorf("logstore: locking the state directory: %w", err)
	}
	s.lock = lock
	fail := func(err error) (*Store, error) {
		_ = unlockDir(lock)
		return nil, err
	}
	if s.remembered, err = openRemembered(s.state, false); err != nil {
		return fail(err)
	}
	if err := s.reload(); err != nil {
		return fail(err)
	}
	return s, nil
}

// openReadOnly finishes New for Options.ReadOnly: it reads the audit log,
// the holds, the remembered events and the outbox, and refuses a state
// directory with an interrupted batch, which only a writer may finish.
func (s *Store) openReadOnly() (*Store, error) {
	if _, err := os.Stat(filepath.Join(s.state, journalName)); err == nil {
		return nil, fmt.Errorf("logstore: a batch in %s was interrupted (%s exists); opened read-only, the store cannot finish it: open it for writing once (frist run does)",
			s.state, journalName)
	}
	var err error
	if s.audit, err = openAudit(s.state, true); err != nil {
		return nil, err
	}
	if s.holds, err = openHolds(s.state); err != nil {
		return nil, err
	}
	if s.remembered, err = openRemembered(s.state, true); err != nil {
		return nil, err
	}
	if s.outbox, err = s.openOutbox(); err != nil {
		return nil, err
	}
	return s, nil
}

// writable fails on a Store opened read-only.
func (s *Store) writable() error {
	if s.readOnly {
		return ErrReadOnly
	}
	return nil
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

// Serves implements store.Driver: a Store serves the datasets of its
// declaration that are bound to files.
func (s *Store) Serves(dataset string) bool { return s.datasets[dataset] != nil }

// Purge implements store.Driver. A batch writes a file's new version to a
// temporary file and renames it over the old one, a forgotten
// remembered event's file is removed whole, and so is a dequeued
// notification's file, so no later read of
// the directories finds what was removed: there is nothing to purge. The
// blocks of an old or removed file are the file system's, as they are for
// any deleted file: until they are reused, a tool that reads the raw
// device can find them, and a backup or snapshot of the directory keeps
// them. The Store keeps no consent events or requests (frist's own kinds
// of records other than remembered events live in a Home beside it,
// store/multistore). After Close it returns store.ErrClosed.
func (s *Store) Purge(ctx context.Context, _ store.PurgeScope) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.mu.Unlock()
	return nil
}

// Close releases the state directory's lock. Calls after Close return
// store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.lock == nil {
		return nil
	}
	return unlockDir(s.lock)
}
