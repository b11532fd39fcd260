package consent_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/memstore"
)

func TestNewRefusesWhatCannotKeepALedger(t *testing.T) {
	decl, err := policy.LoadFile("testdata/ledger.yaml")
	require.NoError(t, err)
	st, err := memstore.New(decl)
	require.NoError(t, err)
	keys, links := keyRing(t, "audit"), keyRing(t, "link")
	eng, err := retention.New(decl, st, &retention.Options{AuditKey: keys})
	require.NoError(t, err)

	tests := []struct {
		name string
		eng  *retention.Engine
		cs   store.ConsentStore
		opts *consent.Options
		want error
		msg  string
	}{
		{"nil engine", nil, st, &consent.Options{Keys: keys}, consent.ErrInvalid, "engine is nil"},
		{"nil consent store", eng, nil, &consent.Options{Keys: keys}, consent.ErrInvalid, "consent store is nil"},
		{"nil options", eng, st, nil, consent.ErrNoKeys, "Options.Keys"},
		{"no keys", eng, st, &consent.Options{LinkKeys: links}, consent.ErrNoKeys, "Options.Keys"},
		{"link keys are the pseudonym keys", eng, st, &consent.Options{Keys: keys, LinkKeys: keys}, consent.ErrInvalid, "LinkKeys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := consent.New(tt.eng, tt.cs, tt.opts)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Nil(t, l)
		})
	}
	l, err := consent.New(eng, st, &consent.Options{Keys: keys})
	require.NoError(t, err, "an engine, a store with a ledger and keys make a Ledger")
	assert.NotNil(t, l)
}

func TestGrantRefusesBadInputWithoutRecordingIt(t *testing.T) {
	tests := []struct {
		name   string
		change func(*consent.Grant)
		want   error
		msg    string
	}{
		{"unknown purpose", func(g *consent.Grant) { g.Purpose = "marketing" }, consent.ErrUnknownPurpose, `"marketing"`},
		{"purpose not on consent", func(g *consent.Grant) { g.Purpose = "statistics" }, consent.ErrNotConsentBased, "statistics"},
		{"empty purpose", func(g *consent.Grant) { g.Purpose = "" }, consent.ErrInvalid, "purpose is empty"},
		{"empty subject", func(g *consent.Grant) { g.Subject = "" }, consent.ErrInvalid, "no subject"},
		{"no method", func(g *consent.Grant) { g.Method = " " }, consent.ErrInvalid, "no method"},
		{"time in the future", func(g *consent.Grant) { g.At = t0.Add(time.Minute) }, consent.ErrInvalid, "future"},
		{"unknown actor", func(g *consent.Grant) { g.Actor = "friend" }, consent.ErrInvalid, `actor "friend"`},
		{"guardian actor without guardian", func(g *consent.Grant) { g.Actor = consent.ActorGuardian }, consent.ErrInvalid, "no Guardian"},
		{"negative age", func(g *consent.Grant) { g.Age = -1 }, consent.ErrInvalid, "negative"},
		{"birth after the grant", func(g *consent.Grant) { g.BirthDate = t0.AddDate(0, 0, 2) }, consent.ErrInvalid, "birth date lies after"},
		{"age and birth date disagree", func(g *consent.Grant) {
			g.BirthDate, g.Age = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 20
		}, consent.ErrInvalid, "disagree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "testdata/ledger.yaml")
			g := bookingGrant("1001")
			tt.change(&g)
			_, err := f.ledger.Grant(f.ctx, g)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.msg)
			evs, err := f.ledger.History(f.ctx, "1001", "")
			require.NoError(t, err)
			assert.Empty(t, evs, "bad input is refused without a ledger event")
			assert.Empty(t, f.auditLog(t), "bad input is refused without an audit entry")
		})
	}
}

func TestGrantRecordsRefusalsWithTheNorm(t *testing.T) {
	tests := []struct {
		name   string
		change func(*consent.Grant)
		want   error
		reason string
	}{
		{"older version", func(g *consent.Grant) { g.Version = "2024-01" }, consent.ErrVersion, "Art. 7(1)"},
		{"text other than the declared one", func(g *consent.Grant) { g.TextSHA256 = consent.TextHash("Ich willige ein.") }, consent.ErrTextMismatch, "Art. 7(1)"},
		{"no text hash although the text is declared", func(g *consent.Grant) { g.TextSHA256 = "" }, consent.ErrTextMismatch, "Art. 7(1)"},
		{"declared hash, other text", func(g *consent.Grant) {
			g.Purpose, g.Version, g.TextSHA256 = "newsletter", "1", consent.TextHash("bar")
		}, consent.ErrTextMismatch, "Art. 7(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "testdata/ledger.yaml")
			g := bookingGrant("1001")
			tt.change(&g)
			ev, err := f.ledger.Grant(f.ctx, g)
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, store.ConsentRefused, ev.Kind)
			assert.Contains(t, ev.Reason, tt.reason)
			evs, err := f.ledger.History(f.ctx, "1001", g.Purpose)
			require.NoError(t, err)
			require.Len(t, evs, 1, "a refused grant is recorded")
			assert.Equal(t, ev, evs[0])
			assert.False(t, f.valid(t, "1001", g.Purpose, t0), "a refused grant gives no consent")
			log := f.auditLog(t)
			require.Len(t, log, 1)
			assert.Equal(t, "consent.refuse", log[0].Action)
		})
	}
}

func TestGrantAcceptsEitherLanguageOfTheDeclaredTextAndTheDeclaredHash(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	g := bookingGrant("1001")
	g.TextSHA256 = strings.ToUpper(consent.TextHash("I consent to the processing of my details for booking an appointment."))
	f.grant(t, g)
	n := consent.Grant{Subject: "1001", Purpose: "newsletter", Version: "1", TextSHA256: consent.TextHash("foo"), Method: "web_form"}
	f.grant(t, n)
	assert.True(t, f.valid(t, "1001", "booking", t0))
	assert.True(t, f.valid(t, "1001", "newsletter", t0))
}

func TestGrantKeepsEvidenceAndSubjectOutOfTheAuditLog(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	g := bookingGrant("citizen-4711")
	ev := f.grant(t, g)
	assert.Equal(t, store.ConsentGranted, ev.Kind)
	assert.Equal(t, consent.ActorSubject, ev.Actor)
	assert.NotEqual(t, g.Evidence, ev.Evidence, "the raw evidence is never stored")
	assert.True(t, f.keys.Verify(g.Evidence, ev.Evidence), "the evidence is stored as its keyed pseudonym, so it can be checked against a claimed value")
	assert.Equal(t, t0, ev.At)
	assert.NotEmpty(t, ev.ID)

	log := f.auditLog(t)
	require.Len(t, log, 1)
	assert.Equal(t, "consent.grant", log[0].Action)
	assert.Equal(t, []string{f.ledger.Pseudonym("citizen-4711")}, log[0].Subjects)
	assert.Equal(t, f.decl.Hash(), log[0].Policy)
	raw, err := json.Marshal(log)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "citizen-4711", "the audit log names subjects only by pseudonym")
	assert.NotContains(t, string(raw), "203.0.113.9", "the audit log holds no evidence")
}

func TestABackdatedGrantIsAuditedWhenRecorded(t *testing.T) {
	f := newFixture(t, "testdata/ledger.yaml")
	g := bookingGrant("1001")
	g.Method, g.At = "paper", t0.Add(-72*time.Hour)
	ev := f.grant(t, g)
	assert.Equal(t, t0.Add(-72*time.Hour), ev.At, "the event carries the time consent was given")
	assert.True(t, f.valid(t, "1001", "booking", t0.Add(-71*time.Hour)))
	log := f.auditLog(t)
	require.Len(t, log, 1)
	assert.Equal(t, t0, log[0].Time, "the audit entry is dated when the grant was recorded")
	assert.Contains(t, log[0].Note, "dated "+t0.Add(-72*time.Hour).Format(time.RFC3339Nano))
}
