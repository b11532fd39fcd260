package anonymize

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultK is the smallest cell count Aggregate publishes when no k is
// given.
const DefaultK = 5

// Cell is one published count: Values are the dimension values, in the
// order of the Aggregator's dimensions.
type Cell struct {
	Values []string
	Count  int
}

// Table is the result of a k-threshold aggregation. Every cell in Cells
// counts at least K records; cells below K are left out.
type Table struct {
	Dimensions []string
	K          int
	Cells      []Cell // sorted by Values
	// SuppressedCells and SuppressedRecords count what was left out.
	// Publishing SuppressedRecords next to the cells is safe only when it
	// is 0 or at least K: otherwise, with one suppressed cell, it is that
	// cell's count.
	SuppressedCells   int
	SuppressedRecords int
}

// Aggregator counts records by dimensions and publishes only cells of at
// least k records, so statistics from access logs single out no one.
//
// examples/policies/waltrop.yaml: "Um zu ermitteln, ob das Internetangebot den Nutzerwünschen
// entspricht, werden aggregierte statistische Auswertungen über das
// Nutzerverhalten erstellt. Ein Rückschluss auf eine einzelne Person ist
// nicht möglich."
//
// k-thresholding protects against singling out within one table. It does
// not protect against differencing several tables over overlapping
// populations, nor does it make the dimension values themselves less
// identifying; feed it generalized values (masked IPs, truncated times,
// reduced user agents). An Aggregator is safe for concurrent use.
type Aggregator struct {
	dims []string
	k    int

	mu     sync.Mutex
	counts map[string]int
}

// NewAggregator returns an aggregator over the named dimensions that
// suppresses cells below k (DefaultK when k is 0). k must not be 1 or
// negative, and at least one dimension is needed.
func NewAggregator(k int, dimensions ...string) (*Aggregator, error) {
	if k == 0 {
		k = DefaultK
	}
	if k < 2 {
		return nil, &opError{op: "aggregate", reason: "k must be at least 2, not " + strconv.Itoa(k), err: ErrBadParameter}
	}
	if len(dimensions) == 0 {
		return nil, &opError{op: "aggregate", reason: "at least one dimension is needed", err: ErrBadParameter}
	}
	return &Aggregator{dims: slices.Clone(dimensions), k: k, counts: map[string]int{}}, nil
}

// Add counts one record with the given dimension values, one per
// dimension.
func (a *Aggregator) Add(values ...string) error {
	if len(values) != len(a.dims) {
		return &opError{op: "aggregate", reason: "got " + strconv.Itoa(len(values)) + " values for " +
			strconv.Itoa(len(a.dims)) + " dimensions", err: ErrInvalidInput}
	}
	for _, v := range values {
		if strings.IndexByte(v, 0) >= 0 {
			return &opError{op: "aggregate", reason: "dimension value contains a NUL byte", err: ErrInvalidInput}
		}
	}
	key := strings.Join(values, "\x00")
	a.mu.Lock()
	a.counts[key]++
	a.mu.Unlock()
	return nil
}

// AddRow counts a record given as a column map (as a store returns rows),
// reading each dimension from the column of the same name; a missing
// column or nil counts as "".
func (a *Aggregator) AddRow(row map[string]any) error {
	values := make([]string, len(a.dims))
	for i, d := range a.dims {
		s, err := cellValue(row[d])
		if err != nil {
			return &opError{op: "aggregate", reason: "dimension " + strconv.Quote(d) + ": " + err.Error(), err: ErrUnsupportedType}
		}
		values[i] = s
	}
	return a.Add(values...)
}

func cellValue(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return "", fmt.Errorf("cannot count a value of type %T", v)
}

// Table returns the cells with at least k records, sorted by their values.
func (a *Aggregator) Table() Table {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := Table{Dimensions: slices.Clone(a.dims), K: a.k}
	for key, n := range a.counts {
		if n < a.k {
			t.SuppressedCells++
			t.SuppressedRecords += n
			continue
		}
		t.Cells = append(t.Cells, Cell{Values: strings.Split(key, "\x00"), Count: n})
	}
	slices.SortFunc(t.Cells, func(x, y Cell) int { return slices.Compare(x.Values, y.Values) })
	return t
}

// Aggregate counts rows by the named dimensions and returns the cells of
// at least k rows (DefaultK when k is 0). See Aggregator.
func Aggregate(rows []map[string]any, k int, dimensions ...string) (Table, error) {
	a, err := NewAggregator(k, dimensions...)
	if err != nil {
		return Table{}, err
	}
	for _, r := range rows {
		if err := a.AddRow(r); err != nil {
			return Table{}, err
		}
	}
	return a.Table(), nil
}
