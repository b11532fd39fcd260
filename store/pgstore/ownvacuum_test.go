package pgstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

// rowVersionsHolding counts, in the heap file of table as the server
// stores it after a checkpoint, the row versions (line pointers in use,
// LP_NORMAL) whose bytes hold any of vs, and reports whether any of vs was
// found in such a row at all. A deleted or updated row is such a version,
// a dead tuple, until VACUUM frees its line pointer; what VACUUM leaves in
// a page's free space belongs to no row version. It reads the page layout
// PostgreSQL documents (storage/page layout): a 24-byte header with
// pd_lower at offset 12, then 4-byte item identifiers with lp_off in bits
// 0-14, lp_flags in 15-16 and lp_len in 17-31. Reading the files needs a
// superuser; relationBytes skips otherwise.
func rowVersionsHolding(t *testing.T, db *sql.DB, table string, vs []string) int {
	t.Helper()
	relationBytes(t, db, table) // the checkpoint, or the skip
	var heap []byte
	require.NoError(t, db.QueryRow(`SELECT pg_read_binary_file(pg_relation_filepath(to_regclass($1)))`, table).Scan(&heap))
	const pageSize = 8192
	require.Zero(t, len(heap)%pageSize, "the heap file of %s is whole pages", table)
	n := 0
	for p := 0; p+pageSize <= len(heap); p += pageSize {
		page := heap[p : p+pageSize]
		lower := int(binary.LittleEndian.Uint16(page[12:14]))
		if lower < 24 || lower > pageSize {
			continue // a new, empty page
		}
		for off := 24; off+4 <= lower; off += 4 {
			id := binary.LittleEndian.Uint32(page[off : off+4])
			lpOff, lpFlags, lpLen := int(id&0x7fff), (id>>15)&3, int(id>>17)
			if lpFlags != 1 || lpOff+lpLen > pageSize {
				continue
			}
			if anyIn(page[lpOff:lpOff+lpLen], vs) {
				n++
			}
		}
	}
	return n
}

// TestFristsOwnErasedRecordsAreVacuumed: frist's own records erased by an
// Art. 17 erasure of consent events, by the pseudonymization of closed
// requests, by the expiry of consent proof and requests and by the drop of
// a year's audit entries leave dead row
// versions in frist's own tables, which a store with Options.Vacuum
// vacuums after the sweep, as it vacuums an application table a sweep
// processed. With VacuumPlain no row version of those tables holds an
// erased value after each stage and each table concerned was vacuumed by
// that sweep; with VacuumFull no byte of an erased value is left in the
// tables' or their indexes' files. Values kept are found throughout, so
// the searches work.
//
// Seen to fail: with the engine calling Purge only after batches on the
// application's tables (as before frist's own tables were purged), no
// table was vacuumed by a stage's sweep, in either mode; with Purge
// vacuuming only the tables of scope.Datasets, also the purges of the
// retry loop left 13, 7 and 60 row versions holding erased values (plain;
// opportunistic pruning had freed the others) and every erased value in
// the files (full); with the engine not marking the audit log after a
// drop, or OwnTables naming no table for it, frist_audit kept 150 row
// versions with the dropped pseudonyms (plain) and 60 of the pseudonyms
// in its files (full); with OwnTables naming frist_consent_events for
// the holds, frist_holds kept 20 row versions with the released
// restrictions' e-mail addresses (plain) and all ten in its files (full).
func TestFristsOwnErasedRecordsAreVacuumed(t *testing.T) {
	for _, mode := range []pgstore.Vacuum{pgstore.VacuumPlain, pgstore.VacuumFull} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := context.Background()
			db := openSchema(t)
			var st *pgstore.Store
			// vacuumed tells that a table was vacuumed: plain VACUUM
			// counts in vacuum_count, VACUUM FULL gives the table a new
			// file.
			vacuumed := func(table string) int64 {
				q := `SELECT vacuum_count FROM pg_stat_all_tables WHERE relid = to_regclass($1)`
				if mode == pgstore.VacuumFull {
					q = `SELECT pg_relation_filenode(to_regclass($1))`
				}
				var n sql.NullInt64
				require.NoError(t, db.QueryRow(q, table).Scan(&n))
				return n.Int64
			}
			tables := []string{"frist_consent_events", "frist_requests", "frist_holds", "frist_audit"}
			before := map[string]int64{}
			sqltest.RunOwnRecords(t, db, sqltest.Postgres, "../../examples/policies/jobcenter.yaml",
				func(db *sql.DB, d *policy.Declaration) (sqltest.OwnStore, error) {
					s, err := pgstore.New(db, d, &pgstore.Options{Vacuum: mode})
					st = s
					return s, err
				},
				func() {
					for _, tb := range tables {
						before[tb] = vacuumed(tb)
					}
				},
				func(s sqltest.OwnStage) {
					require.Zero(t, s.Processed, "no application record is processed: only frist's own records ask for the purge")
					for _, tb := range s.Tables {
						assert.NotEqual(t, before[tb], vacuumed(tb), "stage %s: the sweep vacuumed %s", s.Name, tb)
					}
					// A transaction still open elsewhere on the server (tests
					// of other packages share it) keeps VACUUM from removing
					// what it might see; purge again until it has moved on,
					// as the next sweep would.
					left := func() int {
						n := 0
						for _, tb := range s.Tables {
							if mode == pgstore.VacuumFull {
								if anyIn(relationBytes(t, db, tb), s.Erased) {
									n++
								}
								continue
							}
							n += rowVersionsHolding(t, db, tb, s.Erased)
						}
						return n
					}
					for try := 0; try < 40 && left() > 0; try++ {
						time.Sleep(250 * time.Millisecond)
						require.NoError(t, st.Purge(ctx, store.PurgeScope{Own: store.AllOwnRecords()}))
					}
					for _, tb := range s.Tables {
						if mode == pgstore.VacuumFull {
							files := relationBytes(t, db, tb)
							for _, v := range s.Erased {
								assert.False(t, bytes.Contains(files, []byte(v)), "stage %s: %q was erased but is still in the files of %s", s.Name, v, tb)
							}
							continue
						}
						assert.Zero(t, rowVersionsHolding(t, db, tb, s.Erased), "stage %s: row versions of %s still hold erased values", s.Name, tb)
					}
					for _, tb := range tables {
						before[tb] = vacuumed(tb)
					}
					var all []byte
					for _, tb := range tables {
						all = append(all, relationBytes(t, db, tb)...)
					}
					for _, v := range s.Kept {
						assert.True(t, bytes.Contains(all, []byte(v)), "stage %s: %q is kept and must be found", s.Name, v)
					}
				})
		})
	}
}
