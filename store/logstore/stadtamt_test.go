package logstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/logstore"
)

// The generic Stadt/Amt declaration binds its web-server log to files;
// its rules run through the retention engine unchanged. examples/policies/stadt-amt.yaml: "Die
// IP-Adresse des aufrufenden Rechners wird anonymisiert ... Nach 7 Tagen
// werden die Protokolle des Webservers gelöscht."
func TestStadtAmtDeclarationEnforcesItsLogRulesOnFiles(t *testing.T) {
	t.Parallel()
	decl, err := policy.LoadFile("../../examples/policies/stadt-amt.yaml")
	require.NoError(t, err)
	require.NoError(t, decl.Validate())
	ds := decl.Dataset("access_log")
	require.NotNil(t, ds)
	require.NotNil(t, ds.Files, "the access log must be bound to files")
	dir := t.TempDir()
	ds.Files.Dir = dir
	rotatedLogs(t, dir)

	st, err := logstore.New(decl, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	// The engine is given the log store alone, which retention.New
	// refuses for the contact form's rules (store.Driver.Serves); claiming
	// every dataset lets this test watch the log rules on their own.
	eng, err := retention.New(decl, servesAll{st}, &retention.Options{Now: func() time.Time { return now }, AuditKey: auditKey(t)})
	require.NoError(t, err)
	rep, _ := eng.Sweep(context.Background())
	for _, rr := range rep.Rules {
		if rr.Dataset == "access_log" {
			assert.NoError(t, rr.Err, "rule %s", rr.Rule)
			assert.Positive(t, rr.Processed+rr.Held, "rule %s", rr.Rule)
		} else {
			// The other datasets are tables: another backend serves them.
			assert.True(t, errors.Is(rr.Err, store.ErrUnknownDataset), "rule %s of %s: %v", rr.Rule, rr.Dataset, rr.Err)
		}
	}
	after := readAll(t, dir)
	assert.NotContains(t, after, "access.log.9.gz", "logs older than seven days must be deleted")
	for ip := range ipsIn(after["access.log.1"]) {
		assert.True(t, ip == "120.0.0.0" || strings.HasSuffix(ip, ".0") || strings.HasSuffix(ip, "::"),
			"every address in a rotated file more than an hour old must be masked, found %s", ip)
	}
}

// servesAll is a log store that claims to serve every dataset, so that
// retention.New accepts a declaration with tables too.
type servesAll struct{ *logstore.Store }

func (servesAll) Serves(string) bool { return true }
