package multistore_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/memstore"
	"github.com/frist-go/frist/store/multistore"
)

// now is the tests' clock.
var now = time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC)

func auditKey(t testing.TB) *anonymize.KeyRing {
	kr, err := anonymize.NewKeyRing(anonymize.Key{ID: "audit", Secret: []byte("multistore test audit key, 32 by")})
	require.NoError(t, err)
	return kr
}

// writeLog writes a combined-format log of n lines, one every step from
// start, to dir/name (gzip-compressed when the name ends in .gz). Every
// fourth client is an IPv6 address, and every line's query names the
// client address once more, as a tracking parameter might.
func writeLog(t testing.TB, dir, name string, start time.Time, step time.Duration, n int) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	var w io.Writer = f
	var gz *gzip.Writer
	if strings.HasSuffix(name, ".gz") {
		gz = gzip.NewWriter(f)
		w = gz
	}
	bw := bufio.NewWriter(w)
	for i := range n {
		ip := fmt.Sprintf("203.0.113.%d", i%250+1)
		if i%4 == 3 {
			ip = fmt.Sprintf("2001:db8:%x::%x", i, i+1)
		}
		ts := start.Add(time.Duration(i) * step).Format("02/Jan/2006:15:04:05 -0700")
		_, err := fmt.Fprintf(bw, "%s - - [%s] \"GET /formulare?client=%s HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n", ip, ts, ip)
		require.NoError(t, err)
	}
	require.NoError(t, bw.Flush())
	if gz != nil {
		require.NoError(t, gz.Close())
	}
	require.NoError(t, f.Close())
}

// readLog returns the text of dir/name, decompressed.
func readLog(t testing.TB, dir, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		require.NoError(t, err)
		r = gz
	}
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}

var ipv4 = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)

// stadtAmt is the Stadt/Amt declaration with its web-server log in dir,
// its table datasets in a memstore that is also the home store, and the
// log routed to a logstore, under one retention engine.
type stadtAmt struct {
	decl   *policy.Declaration
	tables *memstore.Store
	st     *multistore.Store
	eng    *retention.Engine
	clock  *time.Time
}

// loadStadtAmt loads the Stadt/Amt declaration; without files it drops
// the datasets bound to files, as a backend of tables only knows tables.
func loadStadtAmt(t *testing.T, files bool) *policy.Declaration {
	t.Helper()
	decl, err := policy.LoadFile("../../examples/policies/stadt-amt.yaml")
	require.NoError(t, err)
	if !files {
		decl.Datasets = slices.DeleteFunc(decl.Datasets, func(d policy.Dataset) bool { return d.Files != nil })
		// The assumptions name datasets by position, which the deletion
		// shifts; the table store needs none of them.
		decl.Assumptions = nil
	}
	require.NoError(t, decl.Validate())
	return decl
}

func openStadtAmt(t *testing.T, dir string) *stadtAmt {
	t.Helper()
	decl := loadStadtAmt(t, true)
	ds := decl.Dataset("access_log")
	require.NotNil(t, ds)
	require.NotNil(t, ds.Files, "the access log must be bound to files")
	ds.Files.Dir = dir
	logs, err := logstore.New(decl, nil)
	require.NoError(t, err)
	tables, err := memstore.New(loadStadtAmt(t, false))
	require.NoError(t, err)
	st, err := multistore.New(map[string]store.Driver{"access_log": logs}, tables)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	clock := now
	eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return clock }, AuditKey: auditKey(t)})
	require.NoError(t, err)
	return &stadtAmt{decl: decl, tables: tables, st: st, eng: eng, clock: &clock}
}

// examples/policies/stadt-amt.yaml: "Die IP-Adresse des aufrufenden Rechners wird anonymisiert
// ... Nach 7 Tagen werden die Protokolle des Webservers gelöscht." and
// "In einem Kontaktformular eingegebene Daten werden ... ausgedruckt und
// anschließend gelöscht." One engine enforces both: the log on files, the
// contact form in a table, every batch sealed in one home audit chain.
func TestStadtAmtRulesRunOnFilesAndTablesThroughOneEngine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeLog(t, dir, "access.log", now.Add(-30*time.Minute), time.Second, 600)      // live: never rewritten
	writeLog(t, dir, "access.log.1", now.Add(-20*time.Hour), time.Minute, 600)      // older than 1h: masked
	writeLog(t, dir, "access.log.2.gz", now.Add(-3*24*time.Hour), time.Minute, 600) // masked, kept
	writeLog(t, dir, "access.log.3.gz", now.Add(-8*24*time.Hour), time.Minute, 600) // older than 7d: deleted
	writeLog(t, dir, "access.log.4.gz", now.Add(-9*24*time.Hour), time.Minute, 600) // held: kept as evidence
	live := readLog(t, dir, "access.log")
	a := openStadtAmt(t, dir)
	for i := 1; i <= 3; i++ {
		require.NoError(t, a.tables.Insert(ctx, "contact_form", map[string]any{
			"id": int64(i), "received_at": now.Add(-time.Duration(i) * time.Hour),
			"name": fmt.Sprintf("Person %d", i), "email": fmt.Sprintf("p%d@example.org", i), "message": "Bitte um Rückruf",
		}))
	}

	// A file kept as evidence of an attack (Art. 17(3)(e)): the hold goes
	// through the multistore to the backend that rewrites the file.
	hold, err := a.eng.PlaceHold(ctx, retention.HoldRequest{Dataset: "access_log", Key: "access.log.4.gz", Reason: store.HoldLegalClaims, Note: "Angriff auf die Internetinfrastruktur"})
	require.NoError(t, err)

	rep, err := a.eng.Sweep(ctx)
	require.NoError(t, err)
	byRule := map[string]retention.RuleReport{}
	for _, rr := range rep.Rules {
		assert.NoError(t, rr.Err, "rule %s of %s", rr.Rule, rr.Dataset)
		byRule[rr.Rule] = rr
	}
	require.Len(t, byRule, 2, "the Stadt/Amt declaration has two time rules, both on the access log")
	for id, rr := range byRule {
		assert.Equal(t, "access_log", rr.Dataset)
		assert.Positive(t, rr.Processed, "rule %s", id)
	}

	assert.NoFileExists(t, filepath.Join(dir, "access.log.3.gz"), "logs older than seven days must be deleted")
	assert.FileExists(t, filepath.Join(dir, "access.log.4.gz"), "a held log must be kept")
	assert.Equal(t, live, readLog(t, dir, "access.log"), "the live file must not be rewritten")
	for _, name := range []string{"access.log.1", "access.log.2.gz"} {
		for i, ln := range strings.Split(strings.TrimSuffix(readLog(t, dir, name), "\n"), "\n") {
			client, _, _ := strings.Cut(ln, " ")
			masked := strings.HasSuffix(client, ".0") || strings.HasSuffix(client, "::")
			assert.True(t, masked, "%s line %d: every client address older than an hour must be masked, found %s", name, i+1, client)
			assert.Contains(t, ln, "client=[IP]", "%s line %d: an address in the query must be replaced", name, i+1)
		}
	}

	// The contact form's rule reacts to its event, in the table backend.
	trep, err := a.eng.Trigger(ctx, retention.Event{Kind: policy.EventMatterSettled, Dataset: "contact_form", Key: "2"})
	require.NoError(t, err)
	assert.Equal(t, 1, trep.Processed())
	_, found, err := a.tables.Get(ctx, "contact_form", "2")
	require.NoError(t, err)
	assert.False(t, found, "a settled contact request must be deleted")
	_, found, err = a.tables.Get(ctx, "contact_form", "1")
	require.NoError(t, err)
	assert.True(t, found, "another contact request must stay")

	// One chain holds everything: the hold, the copies of the log's
	// batches and the table batch; and the routed chain matches it.
	log, err := a.st.ReadAudit(ctx, 0, 0)
	require.NoError(t, err)
	_, err = audit.Verify(log, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(log), 5)
	assert.Equal(t, "hold.place", log[0].Action, "the hold is audited in the home log")
	assert.Equal(t, []string{"delete", "contact_form"}, []string{log[len(log)-2].Action, log[len(log)-2].Dataset}, "the table batch is audited in the home log")
	// The offices in charge receive every contact request (stadt-amt.yaml,
	// disclosure: routine), so they are to be told of its erasure (Art. 19);
	// the prosecution, which receives access logs only case by case, is not.
	assert.Equal(t, []string{"retention.notify", "contact_form", "on matter_settled: recipient departments to be told by the controller (Art. 19): no notifier is configured"},
		[]string{log[len(log)-1].Action, log[len(log)-1].Dataset, log[len(log)-1].Note})
	actions := map[string]int{}
	for _, e := range log[1 : len(log)-2] {
		assert.Equal(t, "access_log", e.Dataset)
		assert.Regexp(t, `chain \S+ seq \d+ hash \S+$`, e.Note, "a routed batch's entry names the chain that holds the original")
		actions[e.Action] += e.Count
	}
	for _, e := range log {
		assert.NotRegexp(t, ipv4, e.Note, "no address in the audit log")
	}
	assert.Equal(t, map[string]int{"anonymize": byRule[anonymizeRule(t, a.decl)].Processed, "delete": byRule[deleteRule(t, a.decl)].Processed}, actions,
		"the home log counts every line the log's batches processed")
	require.NoError(t, a.st.Verify(ctx))

	// Released, the held file is deleted by the next sweep.
	require.NoError(t, a.eng.ReleaseHold(ctx, hold.ID))
	*a.clock = now.Add(time.Minute)
	_, err = a.eng.Sweep(ctx)
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(dir, "access.log.4.gz"), "once released, the held log must be deleted")
	require.NoError(t, a.st.Verify(ctx))
}

// anonymizeRule and deleteRule return the IDs of the access log's rules.
func anonymizeRule(t *testing.T, decl *policy.Declaration) string { return accessRule(t, decl, false) }
func deleteRule(t *testing.T, decl *policy.Declaration) string    { return accessRule(t, decl, true) }

func accessRule(t *testing.T, decl *policy.Declaration, del bool) string {
	t.Helper()
	for _, r := range decl.Dataset("access_log").Rules {
		if r.Delete == del {
			return r.ID
		}
	}
	t.Fatalf("the access log has no rule with delete=%v", del)
	return ""
}
