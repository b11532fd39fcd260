package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Store is an in-memory store.Driver. Create it with New.
type Store struct {
	mu       sync.Mutex
	closed   bool
	datasets map[string]*dataset

	holds     map[string]*store.Hold
	recHolds  map[recordRef][]*store.Hold
	subjHolds map[string][]*store.Hold

	log []audit.Entry
	// base is where log begins: entry n is at log[n-1-base.Seq].
	base   audit.Base
	leases map[string]lease

	consents   consentLedger  // consent.go
	requests   requestBook    // requests.go
	remembered rememberedBook // remembered.go
	outbox     outbox         // outbox.go
}

var (
	_ store.Driver       = (*Store)(nil)
	_ store.ConsentStore = (*Store)(nil)
	_ store.RequestStore = (*Store)(nil)
)

// recordRef names one record of one dataset.
type recordRef struct{ dataset, key string }

// dataset is one declared dataset with its rows and indexes.
type dataset struct {
	decl    *policy.Dataset
	keyCol  string
	subjCol string
	// fieldCol maps Field.Name to its column.
	fieldCol map[string]string
	// timeByCol maps a time column's SQL column to its TimeColumn.
	timeByCol map[string]*policy.TimeColumn
	// timePos maps a TimeColumn.Name to its position in the declaration,
	// which indexes record.times and index.
	timePos   map[string]int
	rows      map[string]*record
	bySubject map[string]map[string]*record
	index     []*timeIndex
	// epoch counts writes that may make a record match a selection it
	// did not match before; it invalidates the indexes' skip hints.
	epoch uint64
}

// record is one row.
type record struct {
	key    string
	intKey int64
	isInt  bool
	// subject is the text form of the subject column, "" when NULL.
	subject string
	row     map[string]any
	// times holds the parsed time columns by position (dataset.timePos).
	times   []timeValue
	deleted bool
}

// timeValue is a parsed time column; gen changes on every write so that
// stale index entries can be recognised.
type timeValue struct {
	t   time.Time
	set bool
	gen uint32
}

// New returns an empty Store for the datasets of decl, which must have
// been validated (policy.Declaration.Validate).
func New(decl *policy.Declaration) (*Store, error) {
	if decl == nil {
		return nil, errors.New("memstore: declaration is nil")
	}
	if !decl.Validated() {
		return nil, errors.New("memstore: declaration is not validated; call Validate first")
	}
	s := &Store{
		datasets:  make(map[string]*dataset),
		holds:     make(map[string]*store.Hold),
		recHolds:  make(map[recordRef][]*store.Hold),
		subjHolds: make(map[string][]*store.Hold),
		leases:    make(map[string]lease),
	}
	for i := range decl.Datasets {
		d := &decl.Datasets[i]
		if d.Key == "" {
			return nil, fmt.Errorf("memstore: datasets[%d] (%s): no key column", i, d.ID)
		}
		ds := &dataset{
			decl:      d,
			keyCol:    d.Key,
			subjCol:   d.Subject,
			fieldCol:  make(map[string]string),
			timeByCol: make(map[string]*policy.TimeColumn),
			timePos:   make(map[string]int),
			rows:      make(map[string]*record),
			bySubject: make(map[string]map[string]*record),
		}
		for j := range d.Fields {
			ds.fieldCol[d.Fields[j].Name] = d.Fields[j].ColumnName()
		}
		for j := range d.Time {
			tc := &d.Time[j]
			ds.timeByCol[tc.ColumnName()] = tc
			ds.timePos[tc.Name] = j
			ds.index = append(ds.index, &timeIndex{pos: j})
		}
		s.datasets[d.ID] = ds
	}
	return s, nil
}

// begin checks ctx, locks the store and checks that it is open. On success
// the caller must unlock.
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

// dataset returns the dataset with id or ErrUnknownDataset.
func (s *Store) dataset(id string) (*dataset, error) {
	ds, ok := s.datasets[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", store.ErrUnknownDataset, id)
	}
	return ds, nil
}

// Serves implements store.Driver: a Store serves every dataset of its
// declaration, bound to a table or not.
func (s *Store) Serves(dataset string) bool { return s.datasets[dataset] != nil }

// Purge implements store.Driver: a deleted or overwritten record, an
// application's or one of frist's own, leaves nothing behind in memory
// that a later read could find, so there is nothing to purge. What the Go
// runtime has not yet reused of freed memory is outside its reach. After
// Close it returns store.ErrClosed.
func (s *Store) Purge(ctx context.Context, _ store.PurgeScope) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.mu.Unlock()
	return nil
}

// Close discards nothing but makes every later call return
// store.ErrClosed, as a SQL backend does.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.closed = true
	return nil
}

// Insert adds a row to dataset. The row must hold the key column; values
// are normalised (see the package documentation) and time columns must be
// time.Time or the column format's representation. Inserting a key that
// exists returns an error wrapping store.ErrConflict, as a primary key
// would.
func (s *Store) Insert(ctx context.Context, dataset string, row map[string]any) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return err
	}
	r := &record{row: make(map[string]any, len(row)), times: make([]timeValue, len(ds.decl.Time))}
	for col, v := range row {
		nv, err := normalise(v)
		if err != nil {
			return fmt.Errorf("memstore: insert into %s: column %s: %w", dataset, col, err)
		}
		r.row[col] = nv
	}
	kv, ok := r.row[ds.keyCol]
	if !ok || kv == nil {
		return fmt.Errorf("memstore: insert into %s: key column %s is missing or NULL", dataset, ds.keyCol)
	}
	switch k := kv.(type) {
	case int64:
		r.key, r.intKey, r.isInt = strconv.FormatInt(k, 10), k, true
	case string:
		r.key = k
	default:
		return fmt.Errorf("memstore: insert into %s: key column %s has type %T, want an integer or a string", dataset, ds.keyCol, kv)
	}
	if _, dup := ds.rows[r.key]; dup {
		return fmt.Errorf("%w: insert into %s: key %s exists", store.ErrConflict, dataset, r.key)
	}
	if ds.subjCol != "" {
		sub, err := textForm(r.row[ds.subjCol])
		if err != nil {
			return fmt.Errorf("memstore: insert into %s: subject column %s: %w", dataset, ds.subjCol, err)
		}
		r.subject = sub
	}
	for col, tc := range ds.timeByCol {
		t, set, err := parseTime(tc, r.row[col])
		if err != nil {
			return fmt.Errorf("memstore: insert into %s: time column %s: %w", dataset, col, err)
		}
		r.times[ds.timePos[tc.Name]] = timeValue{t: t, set: set}
	}
	ds.rows[r.key] = r
	ds.epoch++
	ds.addSubject(r)
	for pos := range r.times {
		ds.reindex(r, pos)
	}
	return nil
}

// Update sets columns of the record with key, as an application's UPDATE
// would (e.g. cancelled_at when an appointment is cancelled). The key
// column cannot be changed. It returns an error wrapping store.ErrNotFound
// when no such record exists.
func (s *Store) Update(ctx context.Context, dataset, key string, set map[string]any) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return err
	}
	r, ok := ds.rows[key]
	if !ok {
		return fmt.Errorf("%w: update %s: no record with that key", store.ErrNotFound, dataset)
	}
	upd := make(map[string]any, len(set))
	for col, v := range set {
		nv, err := ds.checkWrite(col, v)
		if err != nil {
			return fmt.Errorf("memstore: update %s: %w", dataset, err)
		}
		upd[col] = nv
	}
	ds.write(r, upd)
	return nil
}

// Get returns a copy of the row with key (in text form) and whether it
// exists.
func (s *Store) Get(ctx context.Context, dataset, key string) (map[string]any, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	defer s.mu.Unlock()
	ds, err := s.dataset(dataset)
	if err != nil {
		return nil, false, err
	}
	r, ok := ds.rows[key]
	if !ok {
		return nil, false, nil
	}
	return copyRow(r.row), true, nil
}

// Len returns the number of records in dataset, 0 for an unknown one.
func (s *Store) Len(dataset string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ds, ok := s.datasets[dataset]; ok {
		return len(ds.rows)
	}
	return 0
}

// copyRow copies a row, including []byte values.
func copyRow(row map[string]any) map[string]any {
	out := maps.Clone(row)
	for k, v := range out {
		if b, ok := v.([]byte); ok {
			out[k] = slices.Clone(b)
		}
	}
	return out
}

// checkWrite normalises a value written to col by Update or an action and
// checks it against the column's role.
func (ds *dataset) checkWrite(col string, v any) (any, error) {
	if col == ds.keyCol {
		return nil, fmt.Errorf("column %s is the key column and cannot be changed", col)
	}
	nv, err := normalise(v)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", col, err)
	}
	if tc, ok := ds.timeByCol[col]; ok {
		if _, _, err := parseTime(tc, nv); err != nil {
			return nil, fmt.Errorf("time column %s: %w", col, err)
		}
	}
	if col == ds.subjCol {
		if _, err := textForm(nv); err != nil {
			return nil, fmt.Errorf("subject column %s: %w", col, err)
		}
	}
	return nv, nil
}

// write stores checked values in r and keeps the indexes current.
func (ds *dataset) write(r *record, upd map[string]any) {
	for col, v := range upd {
		old, had := r.row[col]
		r.row[col] = v
		// Nulling a field or setting the marker only ever stops a record
		// from matching; anything else may start it matching.
		switch {
		case col == ds.subjCol, ds.timeByCol[col] != nil:
			ds.epoch++
		case col == ds.decl.Marker:
			if v == nil && old != nil {
				ds.epoch++
			}
		case v != nil && (!had || old == nil):
			ds.epoch++
		}
		if col == ds.subjCol {
			ds.removeSubject(r)
			r.subject, _ = textForm(v)
			ds.addSubject(r)
		}
		if tc, ok := ds.timeByCol[col]; ok {
			t, set, _ := parseTime(tc, v)
			pos := ds.timePos[tc.Name]
			r.times[pos] = timeValue{t: t, set: set, gen: r.times[pos].gen + 1}
			ds.reindex(r, pos)
		}
	}
}

// remove deletes r; its index entries become tombstones.
func (ds *dataset) remove(r *record) {
	r.deleted = true
	delete(ds.rows, r.key)
	ds.removeSubject(r)
	for pos := range r.times {
		ds.index[pos].dead++
	}
}

func (ds *dataset) addSubject(r *record) {
	if r.subject == "" {
		return
	}
	m := ds.bySubject[r.subject]
	if m == nil {
		m = make(map[string]*record)
		ds.bySubject[r.subject] = m
	}
	m[r.key] = r
}

func (ds *dataset) removeSubject(r *record) {
	if m := ds.bySubject[r.subject]; m != nil {
		delete(m, r.key)
		if len(m) == 0 {
			delete(ds.bySubject, r.subject)
		}
	}
}

// normalise converts v to the types a database driver returns.
func normalise(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64, float64:
		return x, nil
	case time.Time:
		return x, nil
	case []byte:
		return slices.Clone(x), nil
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		if uint64(x) > 1<<63-1 {
			return nil, fmt.Errorf("value out of int64 range")
		}
		return int64(x), nil
	case uint64:
		if x > 1<<63-1 {
			return nil, fmt.Errorf("value out of int64 range")
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	}
	return nil, fmt.Errorf("unsupported type %T (want nil, string, []byte, bool, an integer, a float or time.Time)", v)
}

// textForm returns a key or subject value as CAST(col AS TEXT) would.
func textForm(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("type %T, want an integer or a string", v)
}

// parseTime reads a time column value according to its format; nil is
// NULL.
func parseTime(tc *policy.TimeColumn, v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return x.UTC(), true, nil
	case int64:
		switch tc.Format {
		case policy.TimeUnix:
			return time.Unix(x, 0).UTC(), true, nil
		case policy.TimeUnixMs:
			return time.UnixMilli(x).UTC(), true, nil
		}
	case string:
		if tc.Format == policy.TimeRFC3339 {
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return time.Time{}, false, fmt.Errorf("format %s: not RFC 3339 text", tc.Format)
			}
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("format %s does not accept a value of type %T", tc.Format, v)
}
