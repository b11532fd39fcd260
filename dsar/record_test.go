package dsar

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordRoundTripsThroughJSONAndRestore(t *testing.T) {
	loc := berlin(t)
	opts := &Options{Location: loc, Calendar: calFor(t, NordrheinWestfalen)}
	for _, s := range allStates {
		t.Run(s.String(), func(t *testing.T) {
			r := reach(t, s, time.Date(2026, 5, 4, 9, 0, 0, 0, loc))
			b, err := json.Marshal(r.Record())
			require.NoError(t, err)
			var rec Record
			require.NoError(t, json.Unmarshal(b, &rec))
			back, err := Restore(rec, opts)
			require.NoError(t, err)
			assert.Equal(t, r.ID(), back.ID())
			assert.Equal(t, r.Kind(), back.Kind())
			assert.Equal(t, r.Subject(), back.Subject())
			assert.Equal(t, r.State(), back.State())
			assert.True(t, r.Due().End.Equal(back.Due().End))
			assert.Equal(t, r.Due().Date, back.Due().Date)
			require.Len(t, back.History(), len(r.History()))
			for i, tr := range r.History() {
				got := back.History()[i]
				assert.Equal(t, tr.From, got.From)
				assert.Equal(t, tr.To, got.To)
				assert.True(t, tr.At.Equal(got.At))
				assert.Equal(t, tr.Reason, got.Reason)
			}
			ext, ok := r.Extension()
			backExt, backOK := back.Extension()
			assert.Equal(t, ok, backOK)
			assert.Equal(t, ext.Months, backExt.Months)
			assert.Equal(t, ext.Due.Date, backExt.Due.Date)
		})
	}
}

func TestRestoreKeepsStoredDeadlines(t *testing.T) {
	// Computed without holidays: 4 June 2026, although Fronleichnam in NW
	// would give 5 June. Restoring with the NW calendar keeps 4 June.
	loc := berlin(t)
	r, err := New(Access, subject, time.Date(2026, 5, 4, 9, 0, 0, 0, loc), &Options{Location: loc})
	require.NoError(t, err)
	require.Equal(t, date(t, "2026-06-04"), r.Due().Date)
	back, err := Restore(r.Record(), &Options{Location: loc, Calendar: calFor(t, NordrheinWestfalen)})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-06-04"), back.Due().Date)

	rec := r.Record()
	rec.Deadline = Deadline{}
	back, err = Restore(rec, &Options{Location: loc, Calendar: calFor(t, NordrheinWestfalen)})
	require.NoError(t, err)
	assert.Equal(t, date(t, "2026-06-05"), back.Due().Date, "a missing deadline is computed")
}

func TestRestoreRefusesInconsistentRecords(t *testing.T) {
	loc := berlin(t)
	opts := &Options{Location: loc, Calendar: calFor(t, NordrheinWestfalen)}
	received := time.Date(2026, 5, 4, 9, 0, 0, 0, loc)
	extended := reach(t, Extended, received).Record()
	tests := []struct {
		name   string
		edit   func(rec *Record)
		base   Record
		says   string
		wrapsA error
	}{
		{"completed without verification", func(rec *Record) {
			rec.History = append(rec.History[:1], Transition{From: Received, To: Completed, At: received.Add(time.Hour)})
			rec.State = Completed
		}, reach(t, Received, received).Record(), "verified first", ErrIllegalTransition},
		{"state disagrees with history", func(rec *Record) { rec.State = Completed }, reach(t, InProgress, received).Record(), "history ends in in_progress", nil},
		{"history entry from the wrong state", func(rec *Record) { rec.History[2].From = Received }, reach(t, InProgress, received).Record(), "entry 2 moves from received", nil},
		{"history without receipt", func(rec *Record) { rec.History = rec.History[1:] }, reach(t, Verified, received).Record(), "must start with the receipt", nil},
		{"empty history", func(rec *Record) { rec.History = nil }, reach(t, Received, received).Record(), "must start with the receipt", nil},
		{"times out of order", func(rec *Record) { rec.History[2].At = received.Add(time.Minute) }, reach(t, InProgress, received).Record(), "earlier than the last recorded change", ErrTime},
		{"extension without its record", func(rec *Record) { rec.Extension = nil }, extended, "does not match", nil},
		{"extension told at another time", func(rec *Record) { rec.Extension.ToldAt = rec.Extension.ToldAt.Add(time.Hour) }, extended, "does not match", nil},
		{"extension of three months", func(rec *Record) { rec.Extension.Months = 3 }, extended, "1 or 2 further months", ErrExtension},
		{"extension without history entry", func(rec *Record) {
			rec.Extension = &Extension{Months: 1, Reason: "x", ToldAt: received.Add(time.Hour)}
		}, reach(t, Verified, received).Record(), "history has none", nil},
		{"refusal without norm", func(rec *Record) { rec.History[1].Reason = "no" }, reach(t, Refused, received).Record(), "cites its norm", ErrReasonRequired},
		{"not a UUIDv7", func(rec *Record) { rec.ID = uuid.New() }, reach(t, Received, received).Record(), "version 4", nil},
		{"no subject", func(rec *Record) { rec.Subject = "" }, reach(t, Received, received).Record(), "subject is empty", nil},
		{"unknown kind", func(rec *Record) { rec.Kind = 0 }, reach(t, Received, received).Record(), "kind 0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.base)
			require.NoError(t, err)
			var rec Record
			require.NoError(t, json.Unmarshal(b, &rec))
			tt.edit(&rec)
			r, err := Restore(rec, opts)
			require.ErrorIs(t, err, ErrInvalid)
			if tt.wrapsA != nil {
				require.ErrorIs(t, err, tt.wrapsA)
			}
			assert.Nil(t, r)
			assert.Contains(t, err.Error(), tt.says)
			assert.Contains(t, err.Error(), rec.ID.String())
			noPersonalData(t, err, "")
		})
	}
}

func TestRecordSharesNothingWithTheRequest(t *testing.T) {
	r := reach(t, Extended, time.Date(2026, 3, 3, 9, 0, 0, 0, berlin(t)))
	rec := r.Record()
	rec.History[0].Reason = "changed"
	rec.Extension.Months = 1
	rec.Deadline.Skipped[0].Reason = "changed"
	assert.Empty(t, r.History()[0].Reason)
	ext, _ := r.Extension()
	assert.Equal(t, 2, ext.Months)
	assert.Equal(t, "Karfreitag", r.Deadline().Skipped[0].Reason)
}
