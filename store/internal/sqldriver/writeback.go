package sqldriver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frist-go/frist/store"
)

// Group is a set of a batch's records whose Apply returned the same
// fields: one statement writes them back.
type Group struct {
	// Names are the fields Apply returned, in the action's order.
	Names []string
	// Rows are the indexes of the group's records in the batch's records.
	Rows []int
	// Vals are the values Apply returned, one map per row.
	Vals []map[string]any
}

// Apply calls the action's Apply on every record of recs, which Read
// returned, and groups the records by the fields it returned, in the
// order of their first record. It clears each record's Fields: what was
// read is not handed on. A panic in Apply, or a field the action does not
// transform, fails the batch.
func (b *Batch) Apply(recs []store.Record) ([]Group, error) {
	var groups []*Group
	bySig := map[string]*Group{}
	for i := range recs {
		vals, err := b.act.Apply(recs[i])
		if err != nil {
			return nil, b.Errorf("transform: %w", err)
		}
		// Apply returns only Transform fields (store.Action.Apply);
		// names come from the action, never from Apply's map.
		var names []string
		for _, f := range b.act.Transform {
			if _, ok := vals[f]; ok {
				names = append(names, f)
			}
		}
		sig := strings.Join(names, "\x00")
		g, ok := bySig[sig]
		if !ok {
			g = &Group{Names: names}
			bySig[sig] = g
			groups = append(groups, g)
		}
		g.Rows = append(g.Rows, i)
		g.Vals = append(g.Vals, vals)
		recs[i].Fields = nil
	}
	out := make([]Group, len(groups))
	for i, g := range groups {
		out[i] = *g
	}
	return out, nil
}

// Transform runs a Go operator's batch in tx: it reads the batch with
// Read (sc, lock and extra as there), applies the operator with Apply and
// hands each group to write, which writes its records back (UpdateEach or
// a statement of the backend's own). extras holds each record's value of
// extra.
func (b *Batch) Transform(ctx context.Context, tx Tx, sc Scope, lock, extra string, write func(recs []store.Record, extras []string, g Group) error) (Done, error) {
	recs, extras, last, err := b.Read(ctx, tx, sc, lock, extra)
	if err != nil {
		return Done{}, err
	}
	groups, err := b.Apply(recs)
	if err != nil {
		return Done{}, err
	}
	for _, g := range groups {
		if err := write(recs, extras, g); err != nil {
			return Done{}, err
		}
	}
	return Done{Processed: recs, Count: len(recs), Next: last}, nil
}

// UpdateEach writes the records of g back one UPDATE each, by key, with
// one prepared statement. Each record's values go into the slots the
// builder reserved for them, so they bind where the statement uses them.
func (b *Batch) UpdateEach(ctx context.Context, tx Tx, recs []store.Record, g Group) error {
	t := b.q.t
	bd := b.Builder()
	slots := make(map[string]int, len(g.Names))
	set := b.Sets(bd, g.Names, func(f string) string {
		p := bd.Arg(nil)
		slots[f] = len(bd.args) - 1
		return p
	})
	stmt := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", t.name, set, t.key, bd.Typed(nil, t.keyType))
	keySlot := len(bd.args) - 1
	st, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return b.Errorf("prepare update: %w", err)
	}
	defer st.Close()
	args := slices.Clone(bd.args)
	for j, i := range g.Rows {
		for _, f := range g.Names {
			args[slots[f]] = b.s.d.WriteValue(g.Vals[j][f])
		}
		args[keySlot] = recs[i].Key
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return b.Errorf("update record: %w", err)
		}
	}
	return nil
}
