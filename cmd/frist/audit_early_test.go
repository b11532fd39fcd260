package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// auditPeriodFile writes the declaration of jobcenterFile with records.audit
// set to keep, counted from each entry's time, and returns its path and
// hash.
func auditPeriodFile(t *testing.T, keep string) (string, string) {
	t.Helper()
	text, err := os.ReadFile(jobcenterFile)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "jobcenter-audit-"+keep+".yaml")
	require.NoError(t, os.WriteFile(path, append(text, []byte("\nrecords:\n  audit: {keep: "+keep+", from: end}\n")...), 0o644))
	decl, err := policy.LoadFile(path)
	require.NoError(t, err)
	return path, decl.Hash()
}

// publicKeys writes the public keys of the key file's audit ring, as
// "frist audit keys" prints them, and returns the file's path.
func publicKeys(t *testing.T, keys string) string {
	t.Helper()
	code, out, errs := runCLI("audit", "keys", "--keys", keys)
	require.Equal(t, exitOK, code, errs)
	pub := filepath.Join(t.TempDir(), "audit.pub")
	require.NoError(t, os.WriteFile(pub, []byte(out), 0o644))
	return pub
}

// appendAt appends one signed entry at each of times.
func appendAt(t *testing.T, path string, s *audit.Signer, times ...time.Time) {
	t.Helper()
	st := openStore(t, path)
	for _, at := range times {
		_, err := st.AppendAudit(context.Background(), audit.Entry{Time: at, Action: "hold.place", Note: "§ 147 AO"}.SignedBy(s))
		require.NoError(t, err)
	}
	require.NoError(t, st.Close())
}

// dropBefore drops, as the store's DropAudit does for a sweep, every entry
// before before, and records the drop at at under the declaration whose
// hash is policyHash, signed with s as frist signs.
func dropBefore(t *testing.T, path string, s *audit.Signer, before, at time.Time, policyHash string) store.AuditDropped {
	t.Helper()
	st := openStore(t, path)
	res, err := st.DropAudit(context.Background(), store.AuditDrop{Before: before, Entry: audit.Entry{Time: at, Policy: policyHash}.SignedBy(s)})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	return res
}

// A drop of entries that the declaration still keeps, made through the
// store with a cutoff later than the declared one and signed with the
// real key (as a defect, a shortened records.audit or someone holding the
// key would make it), verifies as a chain, signatures and all, and is
// reported as early: exit 1, the base's position, the entry's time, until
// when the declaration keeps it and when it was dropped, in text and
// JSON. Seen to fail: with the CheckAuditDrop call left out of verify,
// the log verified (exit 0) and the JSON had no drop.
func TestAuditVerifyReportsAnEarlyDrop(t *testing.T) {
	be, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	url, path := newJobcenterDB(t, seed{})
	keys := keyFile(t)
	s := signerOf(t, keys)
	appendAt(t, path, s,
		time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC), // due since 1 January 2024
		time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), // kept until 1 January 2029
		time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC))
	dropAt := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	// The declared cutoff at dropAt is 1 January 2023 in Berlin; this
	// one drops the entry of June 2025 too.
	res := dropBefore(t, path, s, time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC), dropAt, jobcenterHash(t))
	require.Equal(t, uint64(2), res.Last)
	pub := publicKeys(t, keys)

	reason := "the base says entry 2, written at 2025-06-01T12:00:00+02:00, was dropped at 2026-11-02T10:00:00+01:00 (recorded by entry 4), " +
		"but records.audit of the declaration (3y from year end) keeps it until 2029-01-01T00:00:00+01:00: it was dropped early"
	v := verifyJSONOf(t, exitFindings, "--db", url, "--public-keys", pub)
	assert.False(t, v.OK)
	require.NotNil(t, v.Broken)
	assert.Equal(t, brokeJSON{Seq: 2, Kind: "early", Reason: reason}, *v.Broken)
	assert.Equal(t, uint64(2), v.Entries, "entry 3 and the drop's entry 4")
	require.NotNil(t, v.Base)
	assert.True(t, v.Base.SignatureChecked, "the base is genuine: signed with the real key")
	require.NotNil(t, v.Base.Drop)
	assert.Equal(t, uint64(4), v.Base.Drop.Seq)
	assert.True(t, dropAt.Equal(v.Base.Drop.Time))
	require.NotNil(t, v.Base.Drop.KeptUntil)
	assert.True(t, time.Date(2029, 1, 1, 0, 0, 0, 0, be).Equal(*v.Base.Drop.KeptUntil), "%s", v.Base.Drop.KeptUntil)
	assert.True(t, v.Base.Drop.Early)
	assert.False(t, v.Base.Drop.OtherDeclaration)
	assert.Equal(t, jobcenterHash(t), v.Base.Drop.Policy)

	code, out, errs := runCLI("audit", "verify", jobcenterFile, "--db", url, "--public-keys", pub)
	require.Equal(t, exitFindings, code)
	assert.Contains(t, out, "entries were dropped EARLY, up to entry 2: "+reason+"\n")
	assert.Contains(t, out, "The 2 entries kept after the base verify (head 4:")
	assert.NotContains(t, out, "another version")
	assert.Contains(t, errs, "entries the declaration still keeps were dropped (early, up to entry 2)")
}

// A log dropped by a real sweep under the declaration's default period
// verifies, and says until when the declaration kept the last entry
// dropped; a drop made under another version of the declaration is
// checked against the one given and says so: one whose records.audit is
// longer than the one in force at the drop finds it early, one that also
// lets the entries go does not. Seen to fail: with verify checking the
// drop's time against the base's own time instead of the drop entry's
// (CheckAuditDrop given the base's Time as the drop's), the default
// period's sweep was reported early; with the OtherDeclaration sentence
// left out of the text of a verified log, "2d" did not say so.
func TestAuditVerifyChecksADropAgainstTheDeclarationGiven(t *testing.T) {
	be, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)

	// The default period, by frist run.
	url, path := newJobcenterDB(t, seed{})
	keys := keyFile(t)
	s := signerOf(t, keys)
	appendAt(t, path, s, time.Date(2020, 5, 4, 10, 0, 0, 0, time.UTC), time.Date(2020, 5, 4, 11, 0, 0, 0, time.UTC))
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	pub := publicKeys(t, keys)
	v := verifyJSONOf(t, exitOK, "--db", url, "--public-keys", pub)
	require.NotNil(t, v.Base)
	require.NotNil(t, v.Base.Drop)
	assert.False(t, v.Base.Drop.Early)
	assert.False(t, v.Base.Drop.OtherDeclaration)
	require.NotNil(t, v.Base.Drop.KeptUntil)
	assert.True(t, time.Date(2024, 1, 1, 0, 0, 0, 0, be).Equal(*v.Base.Drop.KeptUntil), "%s", v.Base.Drop.KeptUntil)
	code, out, errs := runCLI("audit", "verify", jobcenterFile, "--db", url, "--public-keys", pub)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "was not early: the declaration keeps the last entry dropped until 2024-01-01T00:00:00+01:00.")
	assert.NotContains(t, out, "another version")

	// A day, by frist run under that declaration, checked against it,
	// against one of two days and against the default of three years.
	day, dayHash := auditPeriodFile(t, "1d")
	twoDays, _ := auditPeriodFile(t, "2d")
	url, path = newJobcenterDB(t, seed{})
	now := time.Now()
	appendAt(t, path, s, now.AddDate(0, 0, -4), now.AddDate(0, 0, -3))
	code, _, errs = runCLI("run", day, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	require.Equal(t, 0, countRows(t, path, "frist_audit", "seq <= 2"), "both entries dropped")

	code, out, errs = runCLI("audit", "verify", day, "--db", url, "--public-keys", pub)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "was not early")
	assert.NotContains(t, out, "another version")

	code, out, errs = runCLI("audit", "verify", twoDays, "--db", url, "--public-keys", pub)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "was not early")
	assert.Contains(t, out, "The drop was made under another version of the declaration (its entry names another hash); it was checked against the one given.")

	v = verifyJSONOf(t, exitFindings, "--db", url, "--public-keys", pub)
	require.NotNil(t, v.Broken)
	assert.Equal(t, "early", v.Broken.Kind)
	assert.Equal(t, uint64(2), v.Broken.Seq)
	assert.Contains(t, v.Broken.Reason, "records.audit of the declaration (3y from year end) keeps it until ")
	assert.Contains(t, v.Broken.Reason, "the drop was made under another version of the declaration (hash "+dayHash+", this one's is "+jobcenterHash(t)+"), and the check uses the one given")
	require.NotNil(t, v.Base.Drop)
	assert.True(t, v.Base.Drop.OtherDeclaration)
	assert.True(t, v.Base.Drop.Early)
	assert.Equal(t, dayHash, v.Base.Drop.Policy)
	code, out, _ = runCLI("audit", "verify", jobcenterFile, "--db", url, "--public-keys", pub)
	require.Equal(t, exitFindings, code)
	assert.Contains(t, out, "dropped EARLY, up to entry 2")
	assert.Contains(t, out, "another version of the declaration")
}

// The check is exact at the boundary: under a period of a day, a drop at
// D of a last entry written exactly a day before D verifies, and one whose
// last entry was written a microsecond later is early, kept until a
// microsecond after D. Seen to fail: with CheckAuditDrop's
// KeptUntil.After(At) replaced by !KeptUntil.Before(At), the drop at the
// boundary was reported early.
func TestAuditVerifyEarlyDropIsExactAtTheBoundary(t *testing.T) {
	be, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	day, dayHash := auditPeriodFile(t, "1d")
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, be)
	last := at.AddDate(0, 0, -1)
	for _, tt := range []struct {
		name  string
		drop  time.Time // the last entry dropped
		code  int
		until time.Time
	}{
		{name: "at the end of its period", drop: last, code: exitOK, until: at},
		{name: "a microsecond inside it", drop: last.Add(time.Microsecond), code: exitFindings, until: at.Add(time.Microsecond)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, path := newJobcenterDB(t, seed{})
			keys := keyFile(t)
			s := signerOf(t, keys)
			appendAt(t, path, s, last.Add(-time.Hour), last, last.Add(time.Microsecond), at)
			res := dropBefore(t, path, s, tt.drop.Add(time.Microsecond), at, dayHash)
			require.True(t, tt.drop.Equal(res.Base.Time), "the last entry dropped is %s", res.Base.Time)
			code, out, errs := runCLI("audit", "verify", day, "--db", url, "--public-keys", publicKeys(t, keys), "--format", "json")
			require.Equal(t, tt.code, code, errs)
			var v verifyJSON
			require.NoError(t, jsonUnmarshal(out, &v))
			require.NotNil(t, v.Base)
			require.NotNil(t, v.Base.Drop)
			require.NotNil(t, v.Base.Drop.KeptUntil)
			assert.True(t, tt.until.Equal(*v.Base.Drop.KeptUntil), "kept until %s", v.Base.Drop.KeptUntil)
			assert.Equal(t, tt.code == exitFindings, v.Base.Drop.Early)
			if tt.code == exitFindings {
				require.NotNil(t, v.Broken)
				assert.Equal(t, "early", v.Broken.Kind)
				assert.Equal(t, res.Last, v.Broken.Seq)
			}
		})
	}
}
