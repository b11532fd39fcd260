package multistore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/frist-go/frist/audit"
)

// ref is what a copy in the home log says about the entry it copies.
type ref struct {
	genesis string
	seq     uint64
	hash    string
}

// refPattern matches the end of a copy's note.
var refPattern = regexp.MustCompile(`(?:^|; )chain (\S+) seq ([0-9]+) hash (\S+)$`)

// copyOf returns the copy of e, an entry sealed in the chain whose first
// entry has hash genesis, to be sealed in the home log.
func copyOf(e audit.Entry, genesis string) audit.Entry {
	c := audit.Entry{
		Time: e.Time, Action: e.Action, Dataset: e.Dataset, Rule: e.Rule, Count: e.Count,
		Subjects: slices.Clone(e.Subjects), Policy: e.Policy,
	}
	suffix := fmt.Sprintf("chain %s seq %d hash %s", genesis, e.Seq, e.Hash)
	if e.Note == "" {
		c.Note = suffix
	} else {
		c.Note = e.Note + "; " + suffix
	}
	return c
}

// refOf returns the reference of a copy, and false for an entry that is
// not one.
func refOf(e audit.Entry) (ref, bool) {
	m := refPattern.FindStringSubmatch(e.Note)
	if m == nil {
		return ref{}, false
	}
	seq, err := strconv.ParseUint(m[2], 10, 64)
	if err != nil {
		return ref{}, false
	}
	return ref{genesis: m[1], seq: seq, hash: m[3]}, true
}

// matches reports how copy c differs from the entry e it names, "" when
// it is a faithful copy.
func matches(c, e audit.Entry, genesis string) string {
	want := copyOf(e, genesis)
	switch {
	case !c.Time.Equal(want.Time):
		return "its time differs"
	case c.Action != want.Action, c.Dataset != want.Dataset, c.Rule != want.Rule:
		return "its action, dataset or rule differs"
	case c.Count != want.Count:
		return fmt.Sprintf("its count is %d, the entry's %d", c.Count, want.Count)
	case !slices.Equal(c.Subjects, want.Subjects):
		return "its subjects differ"
	case c.Policy != want.Policy:
		return "its policy hash differs"
	case c.Note != want.Note:
		return "its note differs"
	}
	return ""
}

// homeCopies returns the references of the copies in the home log, by
// chain genesis and entry Seq, with how often each occurs.
func (s *Store) homeCopies(ctx context.Context) (map[string]map[uint64]int, []audit.Entry, error) {
	log, err := s.home.ReadAudit(ctx, 0, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("multistore: reading the home audit log: %w", err)
	}
	out := map[string]map[uint64]int{}
	for _, e := range log {
		if r, ok := refOf(e); ok {
			if out[r.genesis] == nil {
				out[r.genesis] = map[uint64]int{}
			}
			out[r.genesis][r.seq]++
		}
	}
	return out, log, nil
}

// prepare repairs c unless it is known to be complete: it appends to the
// home log a copy of every entry of c's chain that has none there, signed
// by signer (nil: unsigned), in the chain's order. It returns the sealed
// copies it appended, by the Seq of the entry each copies. The caller
// holds c.mu.
func (s *Store) prepare(ctx context.Context, c *chain, signer *audit.Signer) (map[uint64]audit.Entry, error) {
	if c.ready {
		return nil, nil
	}
	entries, err := c.drv.ReadAudit(ctx, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("multistore: reading the audit log of the backend of %v: %w", c.datasets, err)
	}
	if len(entries) == 0 {
		c.ready = true
		return nil, nil
	}
	if c.genesis, err = genesisOf(ctx, c.drv); err != nil {
		return nil, fmt.Errorf("multistore: reading the audit base of the backend of %v: %w", c.datasets, err)
	}
	copies, _, err := s.homeCopies(ctx)
	if err != nil {
		return nil, err
	}
	have := copies[c.genesis]
	appended := map[uint64]audit.Entry{}
	for _, e := range entries {
		if have[e.Seq] == 0 {
			sealed, err := s.home.AppendAudit(ctx, copyOf(e, c.genesis).SignedBy(signer))
			if err != nil {
				return nil, fmt.Errorf("%w: appending the copy of entry %d of the chain of %v: %v", ErrMirror, e.Seq, c.datasets, err)
			}
			appended[e.Seq] = sealed
		}
	}
	c.ready = true
	return appended, nil
}

// repairAfter appends the copies of c's chain missing from the home log,
// the copy of sealed, the entry of a batch that has just committed on c's
// backend, among them, all signed by signer, and returns the sealed copy
// of sealed. The caller holds c.mu.
//
// The repair follows the batch rather than preceding it because only the
// batch's entry carries the signer (see Process): a repair before it would
// leave the copies it appends unsigned, and a log whose entries must be
// signed (audit.Verifier.RequireSignatures) would then be reported broken
// at every repaired copy.
func (s *Store) repairAfter(ctx context.Context, c *chain, sealed audit.Entry, signer *audit.Signer) (audit.Entry, error) {
	appended, err := s.prepare(ctx, c, signer)
	if err != nil {
		c.ready = false
		return audit.Entry{}, fmt.Errorf("%w: the batch or hold change is done and audited as entry %d of the chain of %v, but the copies missing from the home log could not be appended (appended at the next batch or Repair): %v", ErrMirror, sealed.Seq, c.datasets, err)
	}
	if cp, ok := appended[sealed.Seq]; ok {
		return cp, nil
	}
	// Another process copied the entry first: return its copy.
	_, log, err := s.homeCopies(ctx)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("%w: the batch or hold change is done and audited as entry %d of the chain of %v, but its copy could not be read back: %v", ErrMirror, sealed.Seq, c.datasets, err)
	}
	for _, e := range log {
		if r, ok := refOf(e); ok && r.genesis == c.genesis && r.seq == sealed.Seq {
			return e, nil
		}
	}
	c.ready = false
	return audit.Entry{}, fmt.Errorf("%w: the batch or hold change is done and audited as entry %d of the chain of %v, but its copy is missing from the home log (appended at the next batch or Repair)", ErrMirror, sealed.Seq, c.datasets)
}

// appendCopy seals the copy of e, the latest entry of c's chain, in the
// home log, signed by signer (nil: unsigned). The caller holds c.mu.
func (s *Store) appendCopy(ctx context.Context, c *chain, e audit.Entry, signer *audit.Signer) (audit.Entry, error) {
	if c.genesis == "" {
		if e.Seq == 1 {
			c.genesis = e.Hash
		} else {
			g, err := genesisOf(ctx, c.drv)
			if err != nil || g == "" {
				c.ready = false // check the whole chain before the next batch
				return audit.Entry{}, fmt.Errorf("%w: the first entry of the chain of %v cannot be read: %v", ErrMirror, c.datasets, err)
			}
			c.genesis = g
		}
	}
	sealed, err := s.home.AppendAudit(ctx, copyOf(e, c.genesis).SignedBy(signer))
	if err != nil {
		c.ready = false // check the whole chain before the next batch
		return audit.Entry{}, fmt.Errorf("%w: the batch or hold change is done and audited as entry %d of the chain of %v, but its copy in the home log failed (appended at the next batch or Repair): %v", ErrMirror, e.Seq, c.datasets, err)
	}
	return sealed, nil
}

// Repair appends to the home log the copy of every routed audit entry
// that has none there, as the first batch on each routed backend after New
// does, signed by signer: pass the retention engine's
// (retention.Engine.AuditSigner), so that a log whose entries must be
// signed still verifies; nil leaves the copies unsigned. It serves an
// operator who wants the home log complete before reading it.
func (s *Store) Repair(ctx context.Context, signer *audit.Signer) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	var errs []error
	for _, c := range s.chains {
		c.mu.Lock()
		c.ready = false // check the whole chain again
		_, err := s.prepare(ctx, c, signer)
		c.mu.Unlock()
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Verify checks the audit trail as a whole: the home log and every routed
// backend's log verify on their own (audit.Verify), every entry of a
// routed log has exactly one copy in the home log, and every copy names an
// entry that exists and matches it. It returns nil when all holds, and
// otherwise the problems joined, the chain errors as *audit.VerifyError
// and the others wrapping ErrMirror. A copy missing after a crash is
// reported until Repair or the next batch on that backend appends it.
func (s *Store) Verify(ctx context.Context) error {
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	copies, home, err := s.homeCopies(ctx)
	if err != nil {
		return err
	}
	var errs []error
	homeBase, err := s.home.AuditBase(ctx)
	if err != nil {
		return fmt.Errorf("multistore: reading the base of the home audit log: %w", err)
	}
	if _, err := audit.VerifyFrom(homeBase, home, nil); err != nil {
		errs = append(errs, fmt.Errorf("multistore: the home audit log: %w", err))
	}
	byRef := map[string]map[uint64]audit.Entry{}
	for _, e := range home {
		if r, ok := refOf(e); ok {
			if byRef[r.genesis] == nil {
				byRef[r.genesis] = map[uint64]audit.Entry{}
			}
			byRef[r.genesis][r.seq] = e
		}
	}
	known := map[string]bool{}
	for _, c := range s.chains {
		entries, err := c.drv.ReadAudit(ctx, 0, 0)
		if err != nil {
			errs = append(errs, fmt.Errorf("multistore: reading the audit log of the backend of %v: %w", c.datasets, err))
			continue
		}
		base, err := c.drv.AuditBase(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("multistore: reading the audit base of the backend of %v: %w", c.datasets, err))
			continue
		}
		if _, err := audit.VerifyFrom(base, entries, nil); err != nil {
			errs = append(errs, fmt.Errorf("multistore: the audit log of the backend of %v: %w", c.datasets, err))
		}
		if len(entries) == 0 {
			continue
		}
		genesis := base.Genesis
		if base.IsZero() {
			genesis = entries[0].Hash
		}
		known[genesis] = true
		// Copies of entries the chain dropped may outlive them in the
		// home log until its own drop reaches them (DropAudit drops a
		// chain's entries before their copies).
		for seq := range copies[genesis] {
			if seq <= base.Seq {
				delete(copies[genesis], seq)
			}
		}
		for _, e := range entries {
			switch n := copies[genesis][e.Seq]; {
			case n == 0:
				errs = append(errs, fmt.Errorf("%w: entry %d of the chain of %v has no copy in the home log", ErrMirror, e.Seq, c.datasets))
			case n > 1:
				errs = append(errs, fmt.Errorf("%w: entry %d of the chain of %v has %d copies in the home log", ErrMirror, e.Seq, c.datasets, n))
			default:
				cp := byRef[genesis][e.Seq]
				if r, _ := refOf(cp); r.hash != e.Hash {
					errs = append(errs, fmt.Errorf("%w: home entry %d copies entry %d of the chain of %v, but names another hash", ErrMirror, cp.Seq, e.Seq, c.datasets))
				} else if d := matches(cp, e, genesis); d != "" {
					errs = append(errs, fmt.Errorf("%w: home entry %d copies entry %d of the chain of %v, but %s", ErrMirror, cp.Seq, e.Seq, c.datasets, d))
				}
			}
			delete(copies[genesis], e.Seq)
		}
		for seq := range copies[genesis] {
			errs = append(errs, fmt.Errorf("%w: the home log copies entry %d of the chain of %v, which does not exist", ErrMirror, seq, c.datasets))
		}
	}
	for g := range copies {
		if !known[g] {
			errs = append(errs, fmt.Errorf("%w: the home log copies entries of chain %s, which no routed backend holds", ErrMirror, g))
		}
	}
	return errors.Join(errs...)
}
