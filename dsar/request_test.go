package dsar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subject is personal data that must never appear in an error.
const subject = "Erika.Mustermann@example.org"

func newRequest(t *testing.T, kind Kind, received time.Time) *Request {
	t.Helper()
	r, err := New(kind, subject, received, &Options{Location: berlin(t), Calendar: calFor(t, NordrheinWestfalen)})
	require.NoError(t, err)
	return r
}

// noPersonalData fails when err mentions the subject or a reason's text.
func noPersonalData(t *testing.T, err error, reason string) {
	t.Helper()
	require.Error(t, err)
	assert.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(subject))
	if reason = strings.TrimSpace(reason); reason != "" {
		assert.NotContains(t, err.Error(), reason)
	}
}

func TestNewRequest(t *testing.T) {
	// Stadt Waltrop: "Sie haben jederzeit das Recht, unentgeltlich Auskunft
	// über Herkunft, Empfänger und Zweck Ihrer gespeicherten
	// personenbezogenen Daten zu erhalten."
	loc := berlin(t)
	received := time.Date(2026, 3, 3, 10, 15, 0, 0, loc)
	r := newRequest(t, Access, received)
	assert.Equal(t, uuid.Version(7), r.ID().Version())
	assert.Equal(t, Access, r.Kind())
	assert.Equal(t, subject, r.Subject())
	assert.Equal(t, received, r.ReceivedAt())
	assert.Equal(t, Received, r.State())
	assert.Equal(t, date(t, "2026-04-07"), r.Deadline().Date)
	assert.Equal(t, r.Deadline(), r.Due())
	_, extended := r.Extension()
	assert.False(t, extended)
	assert.Equal(t, []Transition{{To: Received, At: received}}, r.History())
	assert.False(t, r.Late())
	assert.Equal(t, fmt.Sprintf("request %s (access, received)", r.ID()), r.String())
	assert.NotContains(t, r.String(), subject)

	other := newRequest(t, Access, received)
	assert.NotEqual(t, r.ID(), other.ID())
}

func TestNewRequestRejectsBadInput(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	v4 := func() (uuid.UUID, error) { return uuid.New(), nil }
	broken := func() (uuid.UUID, error) { return uuid.UUID{}, errors.New("entropy exhausted") }
	tests := []struct {
		name    string
		kind    Kind
		subject string
		at      time.Time
		opts    *Options
		want    error
		says    string
	}{
		{"invalid kind", Kind(0), subject, at, nil, ErrInvalid, "kind 0"},
		{"kind out of range", Kind(7), subject, at, nil, ErrInvalid, "kind 7"},
		{"empty subject", Access, " ", at, nil, ErrInvalid, "subject is empty"},
		{"no time of receipt", Access, subject, time.Time{}, nil, ErrTime, "time of receipt"},
		{"ID not version 7", Access, subject, at, &Options{NewID: v4}, ErrInvalid, "version 4"},
		{"ID generator fails", Access, subject, at, &Options{NewID: broken}, nil, "entropy exhausted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.kind, tt.subject, tt.at, tt.opts)
			require.Error(t, err)
			assert.Nil(t, r)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.Contains(t, err.Error(), tt.says)
			noPersonalData(t, err, "")
		})
	}
}

// reach brings a new request into state s along a legal path.
func reach(t *testing.T, s State, received time.Time) *Request {
	t.Helper()
	r := newRequest(t, Erasure, received)
	at := received.Add(time.Hour)
	step := func(to State) {
		require.NoError(t, r.Transition(to, at, ReasonExcessive))
		at = at.Add(time.Hour)
	}
	switch s {
	case Received:
	case IdentityPending:
		step(IdentityPending)
	case Verified:
		step(Verified)
	case InProgress:
		step(Verified)
		step(InProgress)
	case Extended:
		step(Verified)
		require.NoError(t, r.Extend(2, "many records in several systems", at))
	case Completed:
		step(Verified)
		step(Completed)
	case Refused:
		step(Refused)
	}
	require.Equal(t, s, r.State())
	return r
}

var allStates = []State{Received, IdentityPending, Verified, InProgress, Extended, Completed, Refused}

func TestTransitionFollowsTheLifecycle(t *testing.T) {
	// What Transition allows, written out independently of the table in
	// state.go. Extended is reached only through Extend.
	legal := map[State][]State{
		Received:        {IdentityPending, Verified, Refused},
		IdentityPending: {Verified, Refused},
		Verified:        {InProgress, Completed, Refused},
		InProgress:      {Completed, Refused},
		Extended:        {Completed, Refused},
		Completed:       nil,
		Refused:         nil,
	}
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, berlin(t))
	for _, from := range allStates {
		for _, to := range append(allStates, State(0), State(99)) {
			t.Run(from.String()+"→"+to.String(), func(t *testing.T) {
				r := reach(t, from, received)
				before := r.History()
				at := received.Add(24 * time.Hour)
				err := r.Transition(to, at, ReasonManifestlyUnfounded)
				ok := false
				for _, s := range legal[from] {
					ok = ok || s == to
				}
				if !ok {
					require.ErrorIs(t, err, ErrIllegalTransition)
					noPersonalData(t, err, ReasonManifestlyUnfounded)
					assert.Contains(t, err.Error(), r.ID().String())
					assert.Equal(t, from, r.State(), "a refused transition leaves the state")
					assert.Equal(t, before, r.History(), "a refused transition leaves the history")
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, r.State())
				h := r.History()
				require.Len(t, h, len(before)+1)
				assert.Equal(t, Transition{From: from, To: to, At: at, Reason: ReasonManifestlyUnfounded}, h[len(h)-1])
			})
		}
	}
}

func TestNothingIsCompletedBeforeVerification(t *testing.T) {
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, berlin(t))
	for _, from := range []State{Received, IdentityPending} {
		for _, to := range []State{InProgress, Completed} {
			r := reach(t, from, received)
			err := r.Transition(to, received.Add(time.Hour), "")
			require.ErrorIs(t, err, ErrIllegalTransition)
			assert.Contains(t, err.Error(), "Art. 12(6)")
			assert.Contains(t, err.Error(), "verified first")
		}
		// An extension noted before verification leaves the request
		// unverified: completing it is still refused.
		r := reach(t, from, received)
		require.NoError(t, r.Extend(1, "complex", received.Add(time.Hour)))
		assert.Equal(t, from, r.State())
		err := r.Transition(Completed, received.Add(2*time.Hour), "")
		require.ErrorIs(t, err, ErrIllegalTransition)
		assert.Contains(t, err.Error(), "verified first")
	}
}

func TestTransitionRejectsExtendedDirectly(t *testing.T) {
	r := reach(t, InProgress, time.Date(2026, 5, 4, 9, 0, 0, 0, berlin(t)))
	err := r.Transition(Extended, r.ReceivedAt().Add(48*time.Hour), "complex")
	require.ErrorIs(t, err, ErrIllegalTransition)
	assert.Contains(t, err.Error(), "use Extend")
	assert.Equal(t, InProgress, r.State())
}

func TestRefusalNeedsAReasonCitingItsNorm(t *testing.T) {
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, berlin(t))
	for _, reason := range []string{"", "  ", "we do not want to", "Herr Mustermann fragt zu oft"} {
		r := reach(t, Received, received)
		err := r.Transition(Refused, received.Add(time.Hour), reason)
		require.ErrorIs(t, err, ErrReasonRequired, "%q", reason)
		assert.Contains(t, err.Error(), "Art. 12(4)")
		noPersonalData(t, err, strings.TrimSpace(reason))
		assert.Equal(t, Received, r.State())
	}
	for _, reason := range []string{ReasonIdentityNotEstablished, ReasonExcessive, "§ 34 Abs. 1 Nr. 2 BDSG: archive data", "Artikel 12 Absatz 5 DSGVO"} {
		r := reach(t, IdentityPending, received)
		require.NoError(t, r.Transition(Refused, received.Add(2*time.Hour), " "+reason+" "))
		h := r.History()
		assert.Equal(t, reason, h[len(h)-1].Reason, "the reason is recorded, trimmed")
	}
}

func TestTransitionRejectsMissingOrEarlierTimes(t *testing.T) {
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, berlin(t))
	r := reach(t, Verified, received)
	err := r.Transition(InProgress, time.Time{}, "")
	require.ErrorIs(t, err, ErrTime)
	assert.Contains(t, err.Error(), "missing")
	err = r.Transition(InProgress, received, "")
	require.ErrorIs(t, err, ErrTime, "earlier than the verification an hour after receipt")
	assert.Contains(t, err.Error(), "earlier than the last recorded change")
	noPersonalData(t, err, "")
	require.NoError(t, r.Transition(InProgress, received.Add(time.Hour), ""), "the same instant as the last change is allowed")
}

func TestExtend(t *testing.T) {
	// Received 4 May 2026 in NW: the month ends on Fronleichnam, 4 June, so
	// the first period ends with 5 June; two further months from there end
	// with 5 August, three months from receipt and two from 4 June with
	// 4 August, the date worked to.
	loc := berlin(t)
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, loc)
	r := reach(t, InProgress, received)
	require.Equal(t, date(t, "2026-06-05"), r.Deadline().Date)
	told := time.Date(2026, 6, 5, 23, 59, 0, 0, loc)
	require.NoError(t, r.Extend(2, " records in three systems ", told))

	assert.Equal(t, Extended, r.State())
	ext, ok := r.Extension()
	require.True(t, ok)
	assert.Equal(t, 2, ext.Months)
	assert.Equal(t, "records in three systems", ext.Reason)
	assert.Equal(t, told, ext.ToldAt)
	assert.Equal(t, date(t, "2026-08-04"), ext.Due.Date)
	assert.False(t, ext.Pending)
	require.Len(t, ext.Readings, 3)
	assert.Equal(t, AfterFirstPeriod, ext.Readings[0].Rule)
	assert.Equal(t, date(t, "2026-08-05"), ext.Readings[0].Due.Date)
	assert.Equal(t, FromReceipt, ext.Readings[1].Rule)
	assert.Equal(t, date(t, "2026-08-04"), ext.Readings[1].Due.Date)
	assert.Equal(t, ext.Due, r.Due())
	assert.Equal(t, date(t, "2026-06-05"), r.Deadline().Date, "the original deadline stays on record")
	h := r.History()
	assert.Equal(t, Transition{From: InProgress, To: Extended, At: told, Reason: "records in three systems"}, h[len(h)-1])

	// Completed after the first month but within the extension is in time.
	require.NoError(t, r.Transition(Completed, time.Date(2026, 7, 20, 12, 0, 0, 0, loc), ""))
	assert.False(t, r.Late())
}

func TestExtendRefusesWhatArticle12_3DoesNotAllow(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, loc)
	endOfFirstMonth := time.Date(2026, 6, 6, 0, 0, 0, 0, loc) // 24:00 on 5 June
	tests := []struct {
		name   string
		from   State
		months int
		reason string
		told   time.Time
		want   error
		says   string
	}{
		{"three months", Verified, 3, "complex", received.Add(time.Hour * 48), ErrExtension, "1 or 2 further months"},
		{"zero months", Verified, 0, "complex", received.Add(time.Hour * 48), ErrExtension, "1 or 2 further months"},
		{"no reason", InProgress, 2, " ", received.Add(time.Hour * 48), ErrReasonRequired, "Art. 12(3) sentence 3"},
		{"told at 24:00 of the last day", InProgress, 1, "complex", endOfFirstMonth, ErrExtension, "not within one month"},
		{"told a week late", InProgress, 1, "complex", endOfFirstMonth.Add(7 * 24 * time.Hour), ErrExtension, "not within one month"},
		{"told before the last change", InProgress, 1, "complex", received, ErrTime, "earlier than the last recorded change"},
		{"told at no time", InProgress, 1, "complex", time.Time{}, ErrTime, "missing"},
		{"already extended", Extended, 1, "complex", received.Add(time.Hour * 48), ErrExtension, "already extended"},
		{"completed", Completed, 1, "complex", received.Add(time.Hour * 48), ErrIllegalTransition, "final"},
		{"refused", Refused, 1, "complex", received.Add(time.Hour * 48), ErrIllegalTransition, "final"},
		{"not verified, told too late", IdentityPending, 1, "complex", endOfFirstMonth, ErrExtension, "not within one month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reach(t, tt.from, received)
			before := r.History()
			due := r.Due()
			err := r.Extend(tt.months, tt.reason, tt.told)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.says)
			noPersonalData(t, err, tt.reason)
			assert.Equal(t, tt.from, r.State())
			assert.Equal(t, before, r.History())
			assert.Equal(t, due, r.Due())
		})
	}
}

func TestLate(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2026, 3, 3, 9, 0, 0, 0, loc) // due 7 April (Karfreitag, Ostermontag)
	r := reach(t, InProgress, received)
	require.NoError(t, r.Transition(Completed, time.Date(2026, 4, 7, 23, 59, 59, 0, loc), ""))
	assert.False(t, r.Late(), "completed on the last day")

	r = reach(t, InProgress, received)
	require.NoError(t, r.Transition(Completed, time.Date(2026, 4, 8, 0, 0, 0, 0, loc), ""))
	assert.True(t, r.Late(), "completed at 24:00 of the last day")

	r = reach(t, InProgress, received)
	assert.False(t, r.Late(), "an open request is not late; Overdue reports it")
}

func TestKinds(t *testing.T) {
	// Stadt Versmold: "Recht auf Auskunft, Recht auf Berichtigung oder
	// Löschung, Recht auf Einschränkung der Verarbeitung, Recht auf
	// Widerspruch gegen die Verarbeitung, Recht auf Datenübertragbarkeit."
	want := map[Kind][3]string{
		Access:        {"access", "Art. 15", "Recht auf Auskunft"},
		Rectification: {"rectification", "Art. 16", "Recht auf Berichtigung"},
		Erasure:       {"erasure", "Art. 17", "Recht auf Löschung"},
		Restriction:   {"restriction", "Art. 18", "Recht auf Einschränkung der Verarbeitung"},
		Portability:   {"portability", "Art. 20", "Recht auf Datenübertragbarkeit"},
		Objection:     {"objection", "Art. 21", "Widerspruchsrecht"},
	}
	require.Len(t, Kinds(), len(want))
	for _, k := range Kinds() {
		w := want[k]
		assert.Equal(t, w[0], k.String())
		assert.Equal(t, w[1], k.Article())
		assert.Equal(t, w[2], k.Title("de"))
		assert.NotEmpty(t, k.Title("en"))
		parsed, err := ParseKind(w[0])
		require.NoError(t, err)
		assert.Equal(t, k, parsed)
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	for _, bad := range []Kind{0, 7, 255} {
		assert.False(t, bad.Valid())
		assert.Equal(t, "", bad.Article())
		assert.Equal(t, "", bad.Title("de"))
		assert.Contains(t, bad.String(), "Kind(")
		_, err := bad.MarshalText()
		require.ErrorIs(t, err, ErrInvalid)
	}
	_, err := ParseKind("deletion")
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `"deletion"`)
	assert.Contains(t, err.Error(), "erasure")
}

func TestStates(t *testing.T) {
	for _, s := range allStates {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back State
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	assert.Equal(t, "identity_pending", IdentityPending.String())
	final := map[State]bool{Completed: true, Refused: true}
	verified := map[State]bool{Verified: true, InProgress: true, Extended: true, Completed: true}
	for _, s := range allStates {
		assert.Equal(t, final[s], s.Final(), s)
		assert.Equal(t, verified[s], s.Verified(), s)
	}
	assert.True(t, InProgress.CanMoveTo(Extended))
	assert.False(t, Received.CanMoveTo(Extended))
	assert.False(t, State(0).CanMoveTo(Received))
	_, err := State(42).MarshalText()
	require.ErrorIs(t, err, ErrInvalid)
	var s State
	err = s.UnmarshalText([]byte("done"))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `"done"`)
}

// TestExtendWhileVerificationPending pins that an extension may be noted
// before the requester is verified, works to the earliest reading, keeps the
// request unverified and survives a store round trip. With Extend refusing
// unverified requests (as it did), the first NoError fails; with the
// extension moving the request to Extended, the state assertion fails.
func TestExtendWhileVerificationPending(t *testing.T) {
	loc := berlin(t)
	received := time.Date(2027, 1, 31, 10, 0, 0, 0, loc)
	opts := &Options{Location: loc, Calendar: calFor(t, NordrheinWestfalen)}
	r, err := New(Access, "citizen-4711", received, opts)
	require.NoError(t, err)
	require.NoError(t, r.Transition(IdentityPending, received.Add(time.Hour), "asked for the booking number"))
	require.Equal(t, date(t, "2027-03-01"), r.Deadline().Date, "28 February 2027 is a Sunday")

	told := time.Date(2027, 2, 20, 9, 0, 0, 0, loc)
	require.NoError(t, r.Extend(2, "records in three archives", told))
	assert.Equal(t, IdentityPending, r.State())
	ext, ok := r.Extension()
	require.True(t, ok)
	assert.True(t, ext.Pending)
	assert.Equal(t, date(t, "2027-04-28"), r.Due().Date)
	assert.Equal(t, AfterNominalFirstPeriod, ext.Readings[2].Rule)
	assert.Equal(t, ext.Readings[2].Due, ext.Due)
	h := r.History()
	assert.Equal(t, Transition{From: IdentityPending, To: IdentityPending, At: told, Reason: "records in three archives"}, h[len(h)-1])

	err = r.Extend(1, "again", told.Add(time.Hour))
	require.ErrorIs(t, err, ErrExtension)
	assert.Contains(t, err.Error(), "already extended")

	back, err := Restore(r.Record(), opts)
	require.NoError(t, err)
	assert.Equal(t, r.Record(), back.Record())

	require.NoError(t, back.Transition(Verified, told.Add(24*time.Hour), ""))
	err = back.Extend(1, "again", told.Add(25*time.Hour))
	require.ErrorIs(t, err, ErrExtension, "verification does not open a second extension")
	require.NoError(t, back.Transition(Completed, time.Date(2027, 4, 28, 23, 0, 0, 0, loc), ""))
	assert.False(t, back.Late())

	// A record whose extension entry claims to have moved the request
	// elsewhere is refused.
	rec := r.Record()
	rec.History[len(rec.History)-1].To = Verified
	rec.State = Verified
	_, err = Restore(rec, opts)
	require.ErrorIs(t, err, ErrInvalid)
}
