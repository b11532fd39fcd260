package sqltest

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// Opened is a store opened by AuditDrop's open function, with what
// opening it did to frist's tables.
type Opened struct {
	Store    Store
	Migrated store.Migration
}

// dropSigner signs the drops of these tests.
func dropSigner(t *testing.T) *audit.Signer {
	s, err := audit.NewSigner("sqltest", bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	return s
}

// appendN appends n entries one minute apart from t0.
func appendN(t *testing.T, st store.AuditLog, t0 time.Time, n int) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for i := range n {
		e, err := st.AppendAudit(context.Background(), audit.Entry{Time: t0.Add(time.Duration(i) * time.Minute), Action: "delete", Dataset: "bookings", Count: 1})
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

// UpgradeKeepsTheAuditLog checks the migration that adds the audit base
// (schema version 7) from a database at version 6: it is created (with
// the outbox of version 8), the log written before reads and verifies as
// it did with the zero Base, and can be dropped from. open opens a store on db. Broken by a migration
// that seeded frist_audit_base with a row of position 0 (AuditBase
// refused it: "not a position of the log"), and by one numbered 6, the
// number of the migration before it (opening the store failed).
func UpgradeKeepsTheAuditLog(t *testing.T, db *sql.DB, open func() (Opened, error)) {
	ctx := context.Background()
	o, err := open()
	require.NoError(t, err)
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	written := appendN(t, o.Store, t0, 4)
	// Back to version 6, as a frist before this one left the database.
	for _, st := range []string{`DROP TABLE frist_audit_base`, `DROP TABLE frist_outbox`, `DELETE FROM frist_schema_version WHERE version >= 7`} {
		_, err := db.ExecContext(ctx, st)
		require.NoError(t, err, st)
	}
	o, err = open()
	require.NoError(t, err)
	assert.Equal(t, store.Migration{From: 6, To: 8, Created: []string{"frist_audit_base", "frist_outbox"}}, o.Migrated)
	b, err := o.Store.AuditBase(ctx)
	require.NoError(t, err)
	assert.True(t, b.IsZero(), "nothing was dropped from a log written before")
	log, err := o.Store.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, log, 4)
	assert.Equal(t, written[3].Hash, log[3].Hash)
	head := written[3].Head()
	_, err = audit.VerifyFrom(b, log, &head)
	require.NoError(t, err)
	s := dropSigner(t)
	res, err := o.Store.DropAudit(ctx, store.AuditDrop{Before: t0.Add(2 * time.Minute), Entry: audit.Entry{Time: t0.Add(time.Hour)}.SignedBy(s)})
	require.NoError(t, err)
	assert.Equal(t, uint64(2), res.Last)
}

// DropIsAtomic checks that a drop whose last statement fails changes
// nothing: the entries are all there, no base is stored and the head is
// the old one. failDrops installs, on db, something that makes the
// insert of the drop's entry fail (a trigger); it runs after the DELETE
// and the base are written in the same transaction. Broken by running
// the append of the drop's entry in a transaction of its own after the
// first committed: entries 1 and 2 were gone and the base stored with no
// entry recording the drop.
func DropIsAtomic(t *testing.T, st Store, failDrops func() error) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	written := appendN(t, st, t0, 4)
	require.NoError(t, failDrops())
	_, err := st.DropAudit(ctx, store.AuditDrop{Before: t0.Add(2 * time.Minute), Entry: audit.Entry{Time: t0.Add(time.Hour)}.SignedBy(dropSigner(t))})
	require.Error(t, err, "the drop's entry cannot be stored")
	b, err := st.AuditBase(ctx)
	require.NoError(t, err)
	assert.True(t, b.IsZero(), "no base is stored by a failed drop")
	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	var seqs []uint64
	for _, e := range log {
		seqs = append(seqs, e.Seq)
	}
	assert.Equal(t, []uint64{1, 2, 3, 4}, seqs, "no entry is dropped by a failed drop")
	head := written[3].Head()
	_, err = audit.Verify(log, &head)
	require.NoError(t, err)
}

// DropRefusesAGap checks that a log with a row deleted from its middle
// outside frist is not dropped over: DropAudit returns an error naming
// the gap and changes nothing, so the gap stays for verification to find.
// Broken by removing the check of the first and last position in
// duePrefix: the drop went over the gap, stored a base, and the deletion
// was gone from the log for good.
func DropRefusesAGap(t *testing.T, st Store, db *sql.DB) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	appendN(t, st, t0, 4)
	_, err := db.ExecContext(ctx, "DELETE FROM frist_audit WHERE seq = 2")
	require.NoError(t, err)
	_, err = st.DropAudit(ctx, store.AuditDrop{Before: t0.Add(time.Hour), Entry: audit.Entry{Time: t0.Add(time.Hour)}.SignedBy(dropSigner(t))})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "entries are missing")
	b, err := st.AuditBase(ctx)
	require.NoError(t, err)
	assert.True(t, b.IsZero(), "nothing is dropped over a gap")
	log, err := st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	assert.Len(t, log, 3)
}
