package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/sqlitestore"
)

// TestDsarErasePurgesWhatItErasedFromTheDatabaseFiles: frist dsar erase
// does not sweep, so it purges before it ends what the erasure removed:
// the subject's appointment and the evidence and identifier in the
// subject's consent events are found neither in the SQLite database file
// nor in its write-ahead log afterwards, while the application (here a
// connection the test keeps open, as a running service would) still has
// the database open, so that no last close checkpoints the log.
//
// Seen to fail: without the call of Engine.Purge in runDsarErase, the
// database file still held the appointment's e-mail address and the
// consent events' evidence as the checkpoint before the erasure left them.
func TestDsarErasePurgesWhatItErasedFromTheDatabaseFiles(t *testing.T) {
	ctx := context.Background()
	url, path, keys := dsarDB(t)
	const subject, email = "purge-subject-7", "purge-subject-7@zzyzx.example"
	execSQL(t, path, `INSERT INTO appointments (id, citizen_id, starts_at, booked_at, name, birth_date, customer_number, concern, place, email)
		VALUES (300, '`+subject+`', '`+sqliteTime(time.Now().AddDate(0, 0, 10))+`', '`+sqliteTime(time.Now().AddDate(0, 0, -1))+`',
		'Purge Subject', '1971-02-03', '999Z000111', 'Beratung', 'Bad Segeberg', '`+email+`')`)
	decl, err := policy.LoadFile(jobcenterFile)
	require.NoError(t, err)
	app, err := sql.Open("sqlite", "file:"+path+sqliteDSNOptions)
	require.NoError(t, err)
	defer app.Close()
	st, err := sqlitestore.New(app, decl, nil)
	require.NoError(t, err)
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "app1", Secret: []byte("the application's key, 32 bytes+")})
	require.NoError(t, err)
	eng, err := retention.New(decl, st, &retention.Options{AuditKey: ring})
	require.NoError(t, err)
	ledger, err := consent.New(eng, st, &consent.Options{Keys: ring})
	require.NoError(t, err)
	ev, err := ledger.Grant(ctx, consent.Grant{Subject: subject, Purpose: "booking", Version: "2024-01",
		TextSHA256: consent.TextHash("Einwilligung"), Method: "web_form", Evidence: "198.51.100.77"})
	require.NoError(t, err)
	evidence := ev.Evidence
	_, err = app.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	require.NoError(t, err)
	found := func(v string) bool {
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			}
			require.NoError(t, err)
			if bytes.Contains(b, []byte(v)) {
				return true
			}
		}
		return false
	}
	require.True(t, found(email), "the appointment is in the database file before the erasure")
	require.True(t, found(evidence), "the consent evidence is in the database file before the erasure")

	id := openRequest(t, url, keys, "erasure", subject)
	verifyRequest(t, url, keys, id)
	code, _, errs := runCLI("dsar", "erase", jobcenterFile, "--db", url, "--keys", keys, id)
	require.Equal(t, exitOK, code, errs)
	require.NoError(t, app.Ping(), "the application still has the database open")
	assert.Equal(t, 0, countRows(t, path, "appointments", "id = 300"))
	assert.False(t, found(email), "the erased appointment's e-mail address is still in the database file or its log")
	assert.False(t, found(evidence), "the erased subject's consent evidence is still in the database file or its log")
	assert.True(t, found("Erika Mustermann"), "another subject's appointment is still found")
}
