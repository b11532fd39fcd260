package multistore

import (
	"context"
	"fmt"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// AuditBase implements store.AuditLog: the base of the home log.
func (s *Store) AuditBase(ctx context.Context) (audit.Base, error) {
	if err := s.open(ctx); err != nil {
		return audit.Base{}, err
	}
	defer s.mu.RUnlock()
	return s.home.AuditBase(ctx)
}

// dropPage is how many home entries DropAudit reads at a time to find
// the due prefix.
const dropPage = 1000

// DropAudit implements store.AuditLog on the home log, which is what the
// engine and a verification read. Without routed backends it is the home
// backend's DropAudit. With them, the home prefix that is due holds
// copies of routed entries, and every routed entry must keep its copy
// (Verify): so, holding every routed chain's lock, DropAudit first finds
// the due prefix of the home log, then drops from each routed chain the
// entries up to the last one copied in that prefix (each routed backend
// atomically, its drop entry copied to the home log like a batch's), and
// then the home prefix, bounded to the one it found. A crash between the
// steps leaves routed entries dropped whose copies are still in the home
// log, which Verify accepts (a copy of an entry at or before its chain's
// base), never a routed entry without its copy.
func (s *Store) DropAudit(ctx context.Context, d store.AuditDrop) (store.AuditDropped, error) {
	if err := s.open(ctx); err != nil {
		return store.AuditDropped{}, err
	}
	defer s.mu.RUnlock()
	if len(s.chains) == 0 {
		return s.home.DropAudit(ctx, d)
	}
	for _, c := range s.chains {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	through, copied, err := s.homeDuePrefix(ctx, d)
	if err != nil || through == 0 {
		return store.AuditDropped{}, err
	}
	for _, c := range s.chains {
		if _, err := s.prepare(ctx, c, d.Entry.Signer()); err != nil {
			return store.AuditDropped{}, err
		}
		k := copied[c.genesis]
		if k == 0 {
			continue
		}
		cd := d
		cd.Through = k
		res, err := c.drv.DropAudit(ctx, cd)
		if err != nil {
			return store.AuditDropped{}, fmt.Errorf("multistore: dropping the audit entries of the chain of %v: %w", c.datasets, err)
		}
		if res.Count > 0 {
			if _, err := s.appendCopy(context.WithoutCancel(ctx), c, res.Entry, d.Entry.Signer()); err != nil {
				return store.AuditDropped{}, err
			}
		}
	}
	hd := d
	hd.Through = through
	return s.home.DropAudit(ctx, hd)
}

// homeDuePrefix returns the last position of the home log's due prefix
// (0: none) and, by chain genesis, the last routed position copied in it.
func (s *Store) homeDuePrefix(ctx context.Context, d store.AuditDrop) (uint64, map[string]uint64, error) {
	base, err := s.home.AuditBase(ctx)
	if err != nil {
		return 0, nil, err
	}
	copied := map[string]uint64{}
	var through uint64
	after := base.Seq
	for {
		page, err := s.home.ReadAudit(ctx, after, dropPage)
		if err != nil {
			return 0, nil, fmt.Errorf("multistore: reading the home audit log: %w", err)
		}
		for _, e := range page {
			if !d.Due(e.Seq, e.Time) {
				return through, copied, nil
			}
			through = e.Seq
			if r, ok := refOf(e); ok && r.seq > copied[r.genesis] {
				copied[r.genesis] = r.seq
			}
		}
		if len(page) < dropPage {
			return through, copied, nil
		}
		after = page[len(page)-1].Seq
	}
}

// genesisOf returns the hash of the first entry of drv's chain: the
// Genesis its base keeps once entry 1 was dropped, "" while it is empty.
func genesisOf(ctx context.Context, drv store.AuditLog) (string, error) {
	base, err := drv.AuditBase(ctx)
	if err != nil {
		return "", err
	}
	if !base.IsZero() {
		return base.Genesis, nil
	}
	first, err := drv.ReadAudit(ctx, 0, 1)
	if err != nil || len(first) == 0 {
		return "", err
	}
	return first[0].Hash, nil
}
