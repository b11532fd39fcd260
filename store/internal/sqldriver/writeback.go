package sqldriver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// ArrayUpdater is an optional part of a Dialect, used together with
// RowAddresses: the records of a batch that a Go operator transformed are
// written back by one statement that takes the row addresses and each
// field's new values as arrays,
//
//	UPDATE table AS t SET col = v.c0, ... FROM unnest(addrs, vals0, ...) AS v (a, c0, ...)
//	WHERE t.addr = ANY(ARRAY(SELECT unnest(addrs))) AND t.addr = v.a
//
// instead of one UPDATE per record. PostgreSQL implements it: there each
// statement is a round trip to the server, and a batch of 1000 records
// spent nearly all its time waiting for 1000 of them. The addresses reach
// the rows directly, as in a delete (RowAddresses); behind ARRAY(SELECT
// ...) the planner does not see how many there are, so a large batch is
// still planned as direct reads of its rows and never as a scan of the
// whole table, which a list of many thousands of keys or addresses it can
// count would be. The claiming select locked the rows, so their addresses
// cannot change before the statement.
//
// SQLite runs in the process, where one prepared UPDATE per record is
// cheap; it does not implement this.
type ArrayUpdater interface {
	// AddressArray returns the bound parameter p, a []string of row
	// addresses as text, as an array of row addresses.
	AddressArray(p string) string
	// ValueArray returns the bound parameter p, a []any of values for a
	// column of catalog type typ (nil for NULL), as an array of that type;
	// false when the type has no array form the statement can use.
	ValueArray(p, typ string) (string, bool)
}

// arrayUpdater returns the dialect's ArrayUpdater when a batch on t can
// be written back with it: t has row addresses, and every field of
// transform has an array form.
func (s *Store) arrayUpdater(t *table, transform []string) (ArrayUpdater, bool) {
	au, ok := s.d.(ArrayUpdater)
	if !ok || t.addr == "" {
		return nil, false
	}
	for _, f := range transform {
		if _, ok := au.ValueArray("", t.ftypes[f]); !ok {
			return nil, false
		}
	}
	return au, true
}

// writeBack calls the batch's Apply on every record of recs and writes the
// new values in tx: by address with an ArrayUpdater when addrs holds each
// record's row address, one UPDATE per record by key otherwise. Records
// whose Apply returned the same set of fields share a statement. It
// clears each record's Fields.
func (s *Store) writeBack(ctx context.Context, tx Tx, q *selection, b store.Batch, recs []store.Record, addrs []string) error {
	t := q.t
	type group struct {
		names []string
		rows  []int // indexes into recs
		vals  []map[string]any
	}
	var groups []*group
	bySig := map[string]*group{}
	for i := range recs {
		vals, err := callApply(b.Apply, recs[i])
		if err != nil {
			return s.errorf("dataset %q: transform: %w", t.id, err)
		}
		var names []string
		for _, f := range b.Transform {
			if _, ok := vals[f]; ok {
				names = append(names, f)
			}
		}
		if len(names) != len(vals) {
			for f := range vals {
				if !slices.Contains(b.Transform, f) {
					return s.errorf("dataset %q: transform returned field %q, which the action does not transform", t.id, f)
				}
			}
		}
		sig := strings.Join(names, "\x00")
		g, ok := bySig[sig]
		if !ok {
			g = &group{names: names}
			bySig[sig] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, i)
		g.vals = append(g.vals, vals)
		recs[i].Fields = nil
	}
	au, byAddress := s.arrayUpdater(t, b.Transform)
	byAddress = byAddress && len(addrs) == len(recs)
	for _, g := range groups {
		if !byAddress {
			if err := s.updateEach(ctx, tx, q, b, g.names, recs, g.rows, g.vals); err != nil {
				return err
			}
			continue
		}
		bd := &builder{d: s.d}
		stmt := s.updateByAddress(bd, au, q, b, g.names, addrs, g.rows, g.vals)
		if _, err := tx.ExecContext(ctx, stmt, bd.args...); err != nil {
			return s.errorf("dataset %q: update records: %w", t.id, err)
		}
	}
	return nil
}

// sets writes the SET clause of a write-back: each field in names from
// value(f), the batch's nulled fields, and the marker; with nothing to
// set, the key to itself, so the statement still touches the row.
func (s *Store) sets(bd *builder, q *selection, b store.Batch, names []string, value func(f string) string) string {
	t := q.t
	var sets []string
	for _, f := range names {
		sets = append(sets, t.fields[f]+" = "+value(f))
	}
	for _, f := range b.Null {
		sets = append(sets, t.fields[f]+" = NULL")
	}
	if b.SetMarker != "" {
		sets = append(sets, t.markerQ+" = "+bd.typed(s.d.CutoffArg(policy.TimeNative, t.markTyp, q.sel.Now), t.markTyp))
	}
	if len(sets) == 0 { // Apply kept every value: still claim the row
		sets = append(sets, t.key+" = "+t.key)
	}
	return strings.Join(sets, ", ")
}

// updateEach writes the records rows of recs one UPDATE each, with one
// prepared statement.
func (s *Store) updateEach(ctx context.Context, tx Tx, q *selection, b store.Batch, names []string, recs []store.Record, rows []int, vals []map[string]any) error {
	t := q.t
	bd := &builder{d: s.d}
	set := s.sets(bd, q, b, names, func(string) string { return bd.arg(nil) })
	marker := s.d.CutoffArg(policy.TimeNative, t.markTyp, q.sel.Now)
	stmt := fmt.Sprintf("UPDATE %s SET %s WHERE %s = %s", t.name, set, t.key, bd.typed(nil, t.keyType))
	st, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return s.errorf("dataset %q: prepare update: %w", t.id, err)
	}
	defer st.Close()
	for j, i := range rows {
		args := make([]any, 0, len(names)+2)
		for _, f := range names {
			args = append(args, s.d.WriteValue(vals[j][f]))
		}
		if b.SetMarker != "" {
			args = append(args, marker)
		}
		args = append(args, recs[i].Key)
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return s.errorf("dataset %q: update record: %w", t.id, err)
		}
	}
	return nil
}

// updateByAddress writes the statement that updates the records rows at
// once (ArrayUpdater): each field of names from its array of new values,
// typed as its column, so each value binds as "col = param" would.
func (s *Store) updateByAddress(bd *builder, au ArrayUpdater, q *selection, b store.Batch, names []string, addrs []string, rows []int, vals []map[string]any) string {
	t := q.t
	as := make([]string, len(rows))
	for j, i := range rows {
		as[j] = addrs[i]
	}
	ap := au.AddressArray(bd.arg(as))
	arrays, cols := []string{ap}, []string{"a"}
	for n, f := range names {
		col := make([]any, len(rows))
		for j := range rows {
			col[j] = s.d.WriteValue(vals[j][f])
		}
		arr, _ := au.ValueArray(bd.arg(col), t.ftypes[f]) // checked by arrayUpdater
		arrays = append(arrays, arr)
		cols = append(cols, fmt.Sprintf("c%d", n))
	}
	set := s.sets(bd, q, b, names, func(f string) string { return fmt.Sprintf("v.c%d", slices.Index(names, f)) })
	return fmt.Sprintf("UPDATE %s AS t SET %s FROM unnest(%s) AS v (%s) WHERE t.%s = ANY(ARRAY(SELECT unnest(%s))) AND t.%s = v.a",
		t.name, set, strings.Join(arrays, ", "), strings.Join(cols, ", "), t.addr, ap, t.addr)
}
