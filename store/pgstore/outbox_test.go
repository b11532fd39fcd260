package pgstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/pgstore"
)

func TestUpgradeToTheOutboxKeepsEveryRow(t *testing.T) {
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(t.Context(), db, sqltest.Postgres, decl, sqltest.IntKey))
	sqltest.UpgradeAddsTheOutbox(t, db, sqltest.Postgres, func() (sqltest.Opened, error) {
		s, err := pgstore.New(db, decl, nil)
		if err != nil {
			return sqltest.Opened{}, err
		}
		return sqltest.Opened{Store: s, Migrated: s.Migrated()}, nil
	})
}

// TestPurgeOfRememberedRecordsVacuumsTheOutbox: a dequeued notification's
// body (personal data, store.Outgoing) is a dead row version of
// frist_outbox until VACUUM. Purge of store.RememberedRecords with
// Options.Vacuum vacuums frist_outbox: with VacuumPlain no row version of
// it holds a dequeued body afterwards, with VacuumFull no byte of one is
// left in its or its index's files; the bodies still waiting are found,
// so the search works.
//
// Seen to fail: with OwnTables naming only frist_pending_events for
// RememberedRecords, as before the outbox, frist_outbox was not vacuumed
// (vacuum_count and its file unchanged) and five row versions (plain) and
// all five bodies in its file (full) were left.
func TestPurgeOfRememberedRecordsVacuumsTheOutbox(t *testing.T) {
	for _, mode := range []pgstore.Vacuum{pgstore.VacuumPlain, pgstore.VacuumFull} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx := context.Background()
			decl, err := sqltest.Declaration()
			require.NoError(t, err)
			db := openSchema(t)
			require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.Postgres, decl, sqltest.IntKey))
			s, err := pgstore.New(db, decl, &pgstore.Options{Vacuum: mode})
			require.NoError(t, err)
			t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			body := func(n int) string { return fmt.Sprintf("outbox-subject-%02d@zzyzx.example", n) }
			id := func(n int) string { return fmt.Sprintf("01900000-0000-7000-a000-%012d", n) }
			for n := range 10 {
				require.NoError(t, s.Enqueue(ctx, store.Outgoing{ID: id(n), Recipient: "maixit",
					Body: []byte(`{"subject":"` + body(n) + `"}`), Attempts: 1, Since: t0, Next: t0.Add(time.Minute)}))
			}
			var dequeued, waiting []string
			for n := range 10 {
				if n%2 == 0 {
					require.NoError(t, s.Dequeue(ctx, id(n)))
					dequeued = append(dequeued, body(n))
				} else {
					waiting = append(waiting, body(n))
				}
			}
			// vacuumed tells that the table was vacuumed: plain VACUUM
			// counts in vacuum_count, VACUUM FULL gives the table a new file.
			vacuumed := func() int64 {
				q := `SELECT vacuum_count FROM pg_stat_all_tables WHERE relid = to_regclass('frist_outbox')`
				if mode == pgstore.VacuumFull {
					q = `SELECT pg_relation_filenode(to_regclass('frist_outbox'))`
				}
				var n sql.NullInt64
				require.NoError(t, db.QueryRow(q).Scan(&n))
				return n.Int64
			}
			left := func() int {
				if mode == pgstore.VacuumFull {
					files := relationBytes(t, db, "frist_outbox")
					n := 0
					for _, v := range dequeued {
						if bytes.Contains(files, []byte(v)) {
							n++
						}
					}
					return n
				}
				return rowVersionsHolding(t, db, "frist_outbox", dequeued)
			}
			before := vacuumed()
			require.NoError(t, s.Purge(ctx, store.PurgeScope{Own: []store.OwnRecords{store.RememberedRecords}}))
			// Statistics arrive with a short delay.
			for try := 0; try < 40 && vacuumed() == before; try++ {
				time.Sleep(50 * time.Millisecond)
			}
			assert.NotEqual(t, before, vacuumed(), "Purge of RememberedRecords vacuumed frist_outbox")
			// A transaction still open elsewhere on the server (tests of
			// other packages share it) keeps VACUUM from removing what it
			// might see; purge again until it has moved on, as the next
			// sweep would.
			for try := 0; try < 40 && left() > 0; try++ {
				time.Sleep(250 * time.Millisecond)
				require.NoError(t, s.Purge(ctx, store.PurgeScope{Own: []store.OwnRecords{store.RememberedRecords}}))
			}
			assert.Zero(t, left(), "dequeued bodies left in frist_outbox")
			files := relationBytes(t, db, "frist_outbox")
			for _, v := range waiting {
				assert.True(t, bytes.Contains(files, []byte(v)), "%s is waiting and must be found", v)
			}
		})
	}
}

// TestVacuumFullLeavesNoByteOfALargeDequeuedBody: a body of more than
// about 2 kB that does not compress is kept out of line, in the TOAST
// table of frist_outbox. Purge of store.RememberedRecords with VacuumFull
// leaves no byte of a dequeued one there either, while the bodies still
// waiting are found in the TOAST table, so the search reaches it.
//
// Seen to fail: with relationBytes reading only the table and its
// indexes, as before, the waiting bodies were not found (the search did
// not reach where they are); with Purge skipping the outbox (OwnTables
// without frist_outbox), all three dequeued bodies were left in the TOAST
// table's file.
func TestVacuumFullLeavesNoByteOfALargeDequeuedBody(t *testing.T) {
	ctx := context.Background()
	decl, err := sqltest.Declaration()
	require.NoError(t, err)
	db := openSchema(t)
	require.NoError(t, sqltest.CreateTables(ctx, db, sqltest.Postgres, decl, sqltest.IntKey))
	s, err := pgstore.New(db, decl, &pgstore.Options{Vacuum: pgstore.VacuumFull})
	require.NoError(t, err)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	marker := func(n int) []byte { return fmt.Appendf(nil, "large-outbox-subject-%02d@zzyzx.example", n) }
	id := func(n int) string { return fmt.Sprintf("01900000-0000-7000-a000-%012d", n) }
	rnd := rand.New(rand.NewPCG(1, 2))
	for n := range 6 {
		// The marker between 8 kB of random bytes, which no compression
		// shrinks, so the value is stored out of line and whole.
		noise := make([]byte, 8<<10)
		for i := range noise {
			noise[i] = byte(rnd.Uint32())
		}
		body := append(append(noise[:4<<10:4<<10], marker(n)...), noise[4<<10:]...)
		require.NoError(t, s.Enqueue(ctx, store.Outgoing{ID: id(n), Recipient: "maixit", Body: body, Attempts: 1, Since: t0, Next: t0.Add(time.Minute)}))
	}
	var toast sql.NullString
	require.NoError(t, db.QueryRow(`SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = to_regclass('frist_outbox') AND reltoastrelid <> 0`).Scan(&toast))
	var inToast int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM `+toast.String).Scan(&inToast))
	require.Positive(t, inToast, "the bodies are stored out of line")
	for n := 0; n < 6; n += 2 {
		require.NoError(t, s.Dequeue(ctx, id(n)))
	}
	left := func() (n int) {
		files := relationBytes(t, db, "frist_outbox")
		for i := 0; i < 6; i += 2 {
			if bytes.Contains(files, marker(i)) {
				n++
			}
		}
		return n
	}
	require.NoError(t, s.Purge(ctx, store.PurgeScope{Own: []store.OwnRecords{store.RememberedRecords}}))
	// A transaction still open elsewhere on the server keeps VACUUM from
	// removing what it might see; purge again, as the next sweep would.
	for try := 0; try < 40 && left() > 0; try++ {
		time.Sleep(250 * time.Millisecond)
		require.NoError(t, s.Purge(ctx, store.PurgeScope{Own: []store.OwnRecords{store.RememberedRecords}}))
	}
	assert.Zero(t, left(), "dequeued bodies left in frist_outbox's files")
	files := relationBytes(t, db, "frist_outbox")
	for n := 1; n < 6; n += 2 {
		assert.True(t, bytes.Contains(files, marker(n)), "body %d is waiting and must be found", n)
	}
}
