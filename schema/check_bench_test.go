package schema_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/schema"
)

// wideSchema creates n tables of 10 columns each (id, created_at, eight
// payload columns, every fifth table with an e-mail column) and returns a
// declaration that names the first ten.
func wideSchema(t testing.TB, db *sql.DB, n int) *policy.Declaration {
	t.Helper()
	var decl strings.Builder
	decl.WriteString("controller: { name: Stadt Beispiel, address: \"Markt 1, 12345 Beispiel\", time_zone: Europe/Berlin, public_authority: true }\npurposes: [{ id: p, legal_basis: 6.1.e }]\ndatasets:\n")
	for i := range n {
		cols := []string{"id INTEGER PRIMARY KEY", "created_at TIMESTAMP"}
		for j := range 8 {
			name := fmt.Sprintf("c%d", j)
			if j == 0 && i%5 == 0 {
				name = "email"
			}
			cols = append(cols, name+" TEXT")
		}
		_, err := db.Exec(fmt.Sprintf("CREATE TABLE t%03d (%s)", i, strings.Join(cols, ", ")))
		require.NoError(t, err)
		if i < 10 {
			fmt.Fprintf(&decl, "  - { id: d%d, table: t%03d, key: id, time: { at: created_at }, purposes: [p], fields: { c1: { category: usage } }, rules: [{ after: 30d, from: at, delete: true }] }\n", i, i)
		}
	}
	d, err := policy.Load(strings.NewReader(decl.String()), "wide.yaml")
	require.NoError(t, err)
	return d
}

// BenchmarkCheck200Tables compares a declaration with a schema of 200
// tables and 2,000 columns, against a hand-written baseline that reads
// the same columns table by table (one pragma_table_info or
// information_schema query per table), in the same run. Check reads the
// catalog in a fixed number of statements.
func BenchmarkCheck200Tables(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			decl := wideSchema(b, db, 200)
			ctx := context.Background()
			b.Run("check", func(b *testing.B) {
				var rep *schema.Report
				for b.Loop() {
					var err error
					rep, err = schema.Check(ctx, db, be.dialect, decl, nil)
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rep.Queries), "queries/op")
				b.ReportMetric(float64(rep.Columns), "columns")
			})
			b.Run("baseline_per_table", func(b *testing.B) {
				for b.Loop() {
					n := 0
					for i := range 200 {
						q := fmt.Sprintf("SELECT name FROM pragma_table_info('t%03d')", i)
						if be.dialect == schema.Postgres {
							q = fmt.Sprintf("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 't%03d'", i)
						}
						rows, err := db.Query(q)
						if err != nil {
							b.Fatal(err)
						}
						for rows.Next() {
							n++
						}
						rows.Close()
					}
					if n != 2000 {
						b.Fatalf("read %d columns", n)
					}
				}
				b.ReportMetric(200, "queries/op")
			})
		})
	}
}

// recorder is a Querier that remembers the statements run.
type recorder struct {
	schema.Querier
	mu      sync.Mutex
	queries []string
}

func (r *recorder) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	return r.Querier.QueryContext(ctx, q, args...)
}

// On a table of ten million rows, sampling reads at most the sample: the
// statement Check runs, explained with ANALYZE, scans 100 rows and no
// more. Run with FRIST_BIG=1 (it generates the table with
// generate_series, about ten seconds and 600 MB). Broken by sampling
// without LIMIT: the scan then reads all ten million rows.
func TestCheckSamplesATenMillionRowTableByItsSampleOnly(t *testing.T) {
	if os.Getenv("FRIST_BIG") != "1" {
		t.Skip("set FRIST_BIG=1 to generate a table of ten million rows")
	}
	db := postgresDB(t)
	_, err := db.Exec(`CREATE TABLE big AS SELECT i AS id, 'user' || i || '@example.org' AS email FROM generate_series(1, 10000000) i`)
	require.NoError(t, err)
	decl := loadLive(t, "7d")
	for _, s := range liveDDL[:2] {
		_, err := db.Exec(s)
		require.NoError(t, err)
	}
	rec := &recorder{Querier: db}
	rep, err := schema.Check(context.Background(), rec, schema.Postgres, decl, &schema.CheckOptions{Sample: 100})
	require.NoError(t, err)
	assert.Equal(t, 100, rep.RowsSampled)
	var sampleQuery string
	for _, q := range rec.queries {
		if strings.Contains(q, `"big"`) {
			sampleQuery = q
		}
	}
	require.NotEmpty(t, sampleQuery)
	var plan string
	require.NoError(t, db.QueryRow("EXPLAIN (ANALYZE, FORMAT JSON) "+sampleQuery).Scan(&plan))
	var nodes []struct {
		Plan map[string]any `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal([]byte(plan), &nodes))
	scanned := maxRows(nodes[0].Plan, "Seq Scan")
	t.Logf("sample statement: %s; rows the sequential scan read: %v", sampleQuery, scanned)
	assert.Equal(t, 100.0, scanned, "the scan of the ten-million-row table read more than the sample")
}

// maxRows returns the largest "Actual Rows" of the plan nodes of type
// kind in the tree.
func maxRows(n map[string]any, kind string) float64 {
	best := 0.0
	if n["Node Type"] == kind {
		best, _ = n["Actual Rows"].(float64)
	}
	if kids, ok := n["Plans"].([]any); ok {
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				best = max(best, maxRows(m, kind))
			}
		}
	}
	return best
}
