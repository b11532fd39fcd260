package sqlitestore_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/internal/sqltest"
	"github.com/frist-go/frist/store/sqlitestore"
	"github.com/frist-go/frist/store/storetest"
)

// openZoned opens the suite's tables with booked_at declared in zone (""
// for none) and a store on them.
func openZoned(t *testing.T, zone string) (*sql.DB, *sqlitestore.Store) {
	t.Helper()
	decl := storetest.Declaration()
	decl.Datasets[0].Time[0].Zone = zone
	db := openDB(t, recommendedDSN)
	require.NoError(t, sqltest.CreateTables(context.Background(), db, sqltest.SQLite, decl, sqltest.IntKey))
	st, err := sqlitestore.New(db, decl, nil)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return db, st
}

// offsetCase is one stored value of booked_at and what it means for a
// cutoff at storetest.T0 (12:00 UTC on 10 January 2026, 13:00 in Berlin).
type offsetCase struct {
	value string
	// due: the instant the value names is at or before the cutoff, so the
	// record is processed; later: after it; unreadable: not a time the
	// column may hold (reported, never processed); unreadable later: the
	// same, but sorting after every value a cutoff at T0 reads, so it is
	// reported once the cutoff comes near.
	class string
	// at is the instant, for a readable value.
	at time.Time
}

// berlinCases are values of a timestamp column declared in Europe/Berlin
// around T0: with offsets Berlin has (+01:00, +02:00) and UTC's, in
// SQLite's form and modernc.org/sqlite's (with the monotonic clock reading
// time.Now() leaves in it), with fractions of every length, without an
// offset (Berlin's wall clock), and with offsets Berlin cannot have.
//
// Among them, wall-clock order and instant order disagree: "13:30:00 +0100
// CET" (12:30 UTC, later) sorts before "13:59:59 +0200 CEST" (11:59:59 UTC,
// due), and "12:00:00.1Z" (T0 + 0.1 s) before "13:00:00.000000001 +0100 CET"
// (T0 + 1 ns), the earliest instant after T0.
func berlinCases() []offsetCase {
	at := func(d time.Duration) time.Time { return storetest.T0.Add(d) }
	return []offsetCase{
		{"2026-01-10 13:00:00 +0100 CET", "due", at(0)},
		{"2026-01-10 13:00:00 +0100 CET m=+0.002190859", "due", at(0)},
		{"2026-01-10 12:59:59.999999999 +0100 CET m=-1.5", "due", at(-time.Nanosecond)},
		{"2026-01-10 13:00:00.000000001 +0100 CET", "later", at(time.Nanosecond)},
		{"2026-01-10 13:00:00+01:00", "due", at(0)},
		{"2026-01-10 13:00:00.5+01:00", "later", at(500 * time.Millisecond)},
		{"2026-01-10 12:59:59.4+01:00", "due", at(-600 * time.Millisecond)},
		{"2026-01-10 14:00:00+02:00", "due", at(0)},
		{"2026-01-10 14:00:01 +0200 CEST", "later", at(time.Second)},
		{"2026-01-10 13:59:59 +0200 CEST", "due", at(-time.Second)},
		{"2026-01-10 13:30:00 +0100 CET", "later", at(30 * time.Minute)},
		{"2026-01-10 12:00:00Z", "due", at(0)},
		{"2026-01-10 12:00:00.1Z", "later", at(100 * time.Millisecond)},
		{"2026-01-10 12:00:00 +0000 UTC m=+1.25", "due", at(0)},
		{"2026-01-10 11:59:59.123456+00:00", "due", at(-876544 * time.Microsecond)},
		{"2026-01-10 12:59:59", "due", at(-time.Second)},
		{"2026-01-10 13:00:01", "later", at(time.Second)},
		{"2026-01-10", "due", time.Date(2026, 1, 9, 23, 0, 0, 0, time.UTC)},
		{"2026-01-09 08:00:00 -0500 EST", "unreadable", time.Time{}},        // 13:00 UTC the day before: due, but New York's offset
		{"2026-01-10 07:00:00-05:00", "unreadable", time.Time{}},            // T0 in New York
		{"2026-01-10 17:00:00 +0500 PKT", "unreadable later", time.Time{}},  // T0 in Karachi, sorting after the range
		{"2026-01-10 13:00:00 +0100", "unreadable", time.Time{}},            // no abbreviation
		{"2026-01-10 13:00:00+0100", "unreadable", time.Time{}},             // no colon
		{"2026-01-10 13:00:00 +0100 CET m=x", "unreadable", time.Time{}},    // not a clock reading
		{"2026-01-10 13:00:00.+01:00", "unreadable", time.Time{}},           // a point without digits
		{"2026-01-10 13:00:00.1234567890+01:00", "unreadable", time.Time{}}, // ten digits
		{"2026-01-10T13:00:00+01:00", "unreadable later", time.Time{}},      // a 'T': sorts a day late
		{"2026-02-30 13:00:00 +0100 CET", "unreadable later", time.Time{}},
		{"2026-01-10 12:00:00 -0000 UTC", "unreadable", time.Time{}},
	}
}

// TestOffsetsOfTheDeclaredZoneAreReadByTheirInstant pins that a timestamp
// column declared in Europe/Berlin holds, besides Berlin's wall clock,
// text with an offset Berlin has or UTC's, each read by the instant it
// names, on every path: Count, Process in batches of two (each starting
// behind the last), Earliest (the due part and the next value after the
// cutoff), Unreadable, Records and Times. Text with another offset is
// unreadable and reported.
//
// Checked against broken implementations: the range not widened by the
// largest offset (Spread.High 0: "14:00:00+02:00" and the other values
// at the cutoff written at +01:00 and +02:00 were left), the instant test
// left out of a batch's range up to its last record (validFrom without
// due: "13:30:00 +0100 CET", 30 minutes after the cutoff, was deleted with
// the batch whose last record is "13:59:59 +0200 CEST"), Earliest with its
// first pass only (it returned T0 + 0.1 s instead of T0 + 1 ns), the
// fraction left out of the instant's text ("13:00:00.5+01:00" deleted),
// and offset values read as Berlin's wall clock in Go (Records and Times
// an hour off).
func TestOffsetsOfTheDeclaredZoneAreReadByTheirInstant(t *testing.T) {
	ctx := context.Background()
	db, st := openZoned(t, "Europe/Berlin")
	cases := berlinCases()
	for i, c := range cases {
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, citizen_id, booked_at) VALUES (?, 42, ?)`, i+1, c.value)
		require.NoError(t, err)
	}
	var due, later, unreadable, unreadableLater []int
	var next time.Time
	for i, c := range cases {
		switch c.class {
		case "due":
			due = append(due, i+1)
		case "later":
			later = append(later, i+1)
			if next.IsZero() || c.at.Before(next) {
				next = c.at
			}
		case "unreadable":
			unreadable = append(unreadable, i+1)
		default:
			unreadableLater = append(unreadableLater, i+1)
		}
	}
	sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: storetest.T0}}, Now: storetest.T0}

	free, held, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, len(due), free+held, "Count counts the values naming an instant at or before the cutoff")
	n, kind, err := st.Unreadable(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, len(unreadable), n, "Unreadable counts the values with an offset Berlin never has, and garbage")
	assert.Contains(t, kind, "Europe/Berlin")
	assert.Contains(t, kind, "+01:00, +02:00")
	first, ok, err := st.Earliest(ctx, sel, "booked_at", time.Time{})
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, first.After(storetest.T0), "the earliest due value is due: %s", first)
	got, ok, err := st.Earliest(ctx, store.Selection{Dataset: storetest.Bookings, Now: storetest.T0}, "booked_at", storetest.T0)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, next, got, "the earliest instant after the cutoff, not the first in wall-clock order")

	recs, err := st.Records(ctx, storetest.Bookings, "42", nil)
	require.NoError(t, err)
	require.Len(t, recs, len(cases))
	for _, r := range recs {
		var i int
		_, err := fmt.Sscan(r.Key, &i)
		require.NoError(t, err)
		c := cases[i-1]
		times, err := st.Times(ctx, storetest.Bookings, r.Key)
		if strings.HasPrefix(c.class, "unreadable") {
			assert.NotContains(t, r.Times, "booked_at", "Records leaves out %q, which no rule selects", c.value)
			assert.Error(t, err, "Times refuses %q", c.value)
			continue
		}
		require.NoError(t, err, c.value)
		assert.True(t, c.at.Equal(r.Times["booked_at"]), "Records reads %q as %s, got %s", c.value, c.at, r.Times["booked_at"])
		assert.True(t, c.at.Equal(times["booked_at"]), "Times reads %q as %s, got %s", c.value, c.at, times["booked_at"])
	}

	batch := store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: func(_ []store.Record, n int) (audit.Entry, error) {
		return audit.Entry{Time: storetest.T0, Action: "delete", Dataset: storetest.Bookings, Count: n}, nil
	}}
	batch.Limit = 2
	for range cases {
		res, err := st.Process(ctx, batch)
		require.NoError(t, err)
		if res.Count < batch.Limit {
			break
		}
	}
	left := remaining(t, db)
	for _, id := range due {
		assert.NotContains(t, left, id, "%q names an instant at or before the cutoff: processed", cases[id-1].value)
	}
	for _, id := range slices.Concat(later, unreadable, unreadableLater) {
		assert.Contains(t, left, id, "%q is not due: kept", cases[id-1].value)
	}
}

// remaining returns the keys of storetest_bookings.
func remaining(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT id FROM storetest_bookings`)
	require.NoError(t, err)
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	return ids
}

// TestOffsetsAcrossClockChangesAreNeverEarly inserts values around the
// nights the clocks go forward and back in Berlin (30 March and 26 October
// 2025) and New York (9 March and 2 November 2025), into a column declared
// in that zone, written as time.Time.String writes a time there (its
// offset and abbreviation, CET or CEST, EST or EDT), in SQLite's form with
// an offset, with the zone's other offset, in UTC and as the zone's wall
// clock, with fractions of none to nine digits, and sweeps with a cutoff
// every quarter of an hour across each night. After each sweep the values whose
// instant (read by the test with time.Parse) is at or before the cutoff
// are gone and the rest are there; a wall-clock value of the repeated hour
// is due only once its later instant has come. It also checks Count and
// Earliest against the same reading before each sweep; a wall clock within
// an hour of the cutoff may be read up to the clock change late
// (wallCutoff), never early.
//
// Checked against broken implementations: Spread.High fixed at +01:00
// (Berlin's values written "+0200 CEST" were kept past their instant, and
// Count fell short), the sign of modernc's offset dropped (New York's
// "-0500 EST" read as +05:00), and Earliest's second range bounded by
// I + Low instead of I + High (a later instant returned).
func TestOffsetsAcrossClockChangesAreNeverEarly(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		zone   string
		nights []time.Time
	}{
		{"Europe/Berlin", []time.Time{time.Date(2025, 3, 30, 1, 0, 0, 0, time.UTC), time.Date(2025, 10, 26, 1, 0, 0, 0, time.UTC)}},
		{"America/New_York", []time.Time{time.Date(2025, 3, 9, 7, 0, 0, 0, time.UTC), time.Date(2025, 11, 2, 6, 0, 0, 0, time.UTC)}},
	} {
		loc, err := time.LoadLocation(c.zone)
		require.NoError(t, err)
		for _, night := range c.nights {
			t.Run(c.zone+"/"+night.Format("2006-01-02"), func(t *testing.T) { clockChange(ctx, t, c.zone, loc, night) })
		}
	}
}

// clockChange is TestOffsetsAcrossClockChangesAreNeverEarly for the night
// whose change is at night in zone loc.
func clockChange(ctx context.Context, t *testing.T, zone string, loc *time.Location, night time.Time) {
	_, before := night.Add(-time.Hour).In(loc).Zone()
	_, after := night.Add(time.Hour).In(loc).Zone()
	db, st := openZoned(t, zone)
	rng := rand.New(rand.NewPCG(uint64(night.Unix()), 7))
	type row struct {
		value       string
		first, last time.Time // the instants it names (equal but for wall clocks of a repeated hour)
		wall        bool      // the zone's wall clock, without an offset
	}
	var rows []row
	for id := 1; id <= 300; id++ {
		at := night.Add(time.Duration(rng.Int64N(int64(6*time.Hour))) - 3*time.Hour)
		digits := rng.IntN(10)
		at = at.Truncate(time.Duration(pow10(9 - digits)))
		frac := ""
		if digits > 0 {
			frac = "." + fmt.Sprintf("%09d", at.Nanosecond())[:digits]
		}
		var v string
		first, last := at, at
		switch rng.IntN(5) {
		case 0:
			v = at.In(loc).String() // "… +0100 CET", "… -0400 EDT"
			if rng.IntN(2) == 0 {
				v += fmt.Sprintf(" m=+%d.%09d", rng.IntN(1000), rng.IntN(1e9))
			}
		case 1:
			v = at.In(loc).Format("2006-01-02 15:04:05") + frac + at.In(loc).Format("-07:00")
		case 2:
			v = at.UTC().Format("2006-01-02 15:04:05") + frac + []string{"Z", "+00:00", " +0000 UTC"}[rng.IntN(3)]
		case 3:
			v = at.In(loc).Format("2006-01-02 15:04:05") + frac
			first, last = wallInstants(at.In(loc), loc)
		default: // the zone's other offset: summer's in winter, and the reverse
			_, o := at.In(loc).Zone()
			other := time.FixedZone("", before+after-o)
			v = at.In(other).Format("2006-01-02 15:04:05") + frac + at.In(other).Format("-07:00")
		}
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, booked_at) VALUES (?, ?)`, id, v)
		require.NoError(t, err)
		rows = append(rows, row{v, first, last, !strings.ContainsAny(v[19:], "+-Z")})
	}
	n, _, err := st.Unreadable(ctx, store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: night.Add(4 * time.Hour)}}, Now: night})
	require.NoError(t, err)
	require.Zero(t, n, "every value is readable")
	gone := map[int]bool{}
	for cut := night.Add(-3 * time.Hour); cut.Before(night.Add(3 * time.Hour)); cut = cut.Add(15*time.Minute + 337*time.Millisecond) {
		sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: cut}}, Now: cut}
		// A wall clock within an hour of the cutoff may be read
		// up to the clock change late (wallCutoff).
		uncertain := func(r row) bool {
			return !r.first.Equal(r.last) || r.wall && r.last.After(cut.Add(-time.Hour)) && !r.first.After(cut.Add(time.Hour))
		}
		wantCount, mayCount := 0, 0
		var next time.Time
		var fuzzy []time.Time
		for i, r := range rows {
			switch {
			case gone[i+1]:
			case uncertain(r):
				mayCount++
				fuzzy = append(fuzzy, r.last)
			case !r.last.After(cut):
				wantCount++
			case next.IsZero() || r.last.Before(next):
				next = r.last
			}
		}
		free, _, err := st.Count(ctx, sel)
		require.NoError(t, err)
		require.True(t, free >= wantCount && free <= wantCount+mayCount, "cutoff %s: Count %d, want %d (+%d)", cut, free, wantCount, mayCount)
		if !next.IsZero() {
			got, ok, err := st.Earliest(ctx, store.Selection{Dataset: storetest.Bookings, Now: cut}, "booked_at", cut)
			require.NoError(t, err)
			require.True(t, ok)
			require.True(t, next.Equal(got) || got.Before(next) && slices.ContainsFunc(fuzzy, got.Equal), "cutoff %s: Earliest %s, want %s", cut, got, next)
		}
		batch := store.Batch{Selection: sel, Action: store.Action{Delete: true}, Audit: func(_ []store.Record, n int) (audit.Entry, error) {
			return audit.Entry{Time: cut, Action: "delete", Dataset: storetest.Bookings, Count: n}, nil
		}}
		batch.Limit = 5
		for {
			res, err := st.Process(ctx, batch)
			require.NoError(t, err)
			if res.Count < batch.Limit {
				break
			}
		}
		left := remaining(t, db)
		for i, r := range rows {
			id := i + 1
			if gone[id] {
				continue
			}
			kept := slices.Contains(left, id)
			if !kept && r.first.After(cut) {
				t.Fatalf("cutoff %s: %q (%s) processed before its instant", cut, r.value, r.first)
			}
			if kept && !r.last.After(cut) && !(r.wall && r.last.After(cut.Add(-time.Hour))) {
				t.Fatalf("cutoff %s: %q (%s) kept past its instant", cut, r.value, r.last)
			}
			gone[id] = !kept
		}
	}
	require.Greater(t, len(gone), 200, "the sweeps processed most values")
}

// wallInstants returns the instants Berlin's wall clock w stands for: one,
// or two in the hour repeated when the clocks go back.
func wallInstants(w time.Time, loc *time.Location) (first, last time.Time) {
	first = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	last = first
	for _, d := range []time.Duration{-time.Hour, time.Hour} {
		o := first.Add(d)
		if o.In(loc).Format(time.DateTime+".000000000") == first.In(loc).Format(time.DateTime+".000000000") {
			first, last = minTime(first, o), maxTime(first, o)
		}
	}
	return first.UTC(), last.UTC()
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// TestTextWithoutAZoneIsUTCOnly pins that a timestamp column without a
// declared zone reads text in UTC only: modernc.org/sqlite's form of a
// time.Time in UTC with the monotonic clock reading time.Now() leaves in
// it is due by its instant, and text with any other offset is unreadable,
// as before, so such a column's sweeps read no wider range than the due
// one. Checked by accepting only " +0000 UTC" exactly (the value with "m=" was
// reported unreadable and kept).
func TestTextWithoutAZoneIsUTCOnly(t *testing.T) {
	ctx := context.Background()
	db, st := openZoned(t, "")
	for id, v := range map[int]string{1: "2026-01-10 11:59:59 +0000 UTC m=+0.002190859", 2: "2026-01-10 11:00:00 +0100 CET",
		3: "2026-01-10 11:30:00+01:00", 4: "2026-01-10 12:00:00.5 +0000 UTC m=+3.1", 5: "2026-01-10 11:00:00 +0000 UTC m=+x"} {
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, booked_at) VALUES (?, ?)`, id, v)
		require.NoError(t, err)
	}
	sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: storetest.T0}}, Now: storetest.T0}
	free, _, err := st.Count(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 1, free)
	n, _, err := st.Unreadable(ctx, sel)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "offsets other than UTC's in a column without a zone, and a broken clock reading")
	times, err := st.Times(ctx, storetest.Bookings, "4")
	require.NoError(t, err)
	assert.Equal(t, storetest.T0.Add(500*time.Millisecond), times["booked_at"], "modernc's form with a fraction and a clock reading")
	_, err = st.Times(ctx, storetest.Bookings, "2")
	assert.Error(t, err, "Times refuses what no rule selects")
	assert.True(t, strings.Contains(fmt.Sprint(err), "booked_at"), "the error names the column: %v", err)
}

// TestSQLAndGoReadOffsetTextAlike mutates the values of berlinCases
// character by character and checks, for each, that the store's SQL and
// its Go reader agree: Times reads a value exactly when a cutoff far in
// the future selects it, and a value Times reads as instant I is selected
// by a cutoff at I and not by one a nanosecond before (January, so that no
// wall clock is near a clock change). Checked against broken
// implementations: Go accepting a zone abbreviation with a point in it
// (abbrev with "." allowed: "13:00:00 +0100 C.T" read by Times, never
// selected), a fraction of ten digits accepted in Go, and cutoffs written
// without their trailing zeros ("12:00:00.10" in Berlin, read by Times as
// 11:00:00.1 UTC, was not selected by a cutoff there).
func TestSQLAndGoReadOffsetTextAlike(t *testing.T) {
	ctx := context.Background()
	db, st := openZoned(t, "Europe/Berlin")
	rng := rand.New(rand.NewPCG(3, 5))
	const alphabet = " .:+-0123456789ZTUCEStm="
	var values []string
	for _, c := range berlinCases() {
		values = append(values, c.value)
		for range 12 {
			b := []byte(c.value)
			switch i := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = slices.Insert(b, i, alphabet[rng.IntN(len(alphabet))])
			}
			values = append(values, string(b))
		}
	}
	values = append(values, "2026-01-10 13:00:00 +0100 C.T", "2026-01-10 13:00:00.1234567891 +0100 CET")
	for i, v := range values {
		_, err := db.Exec(`INSERT INTO storetest_bookings (id, booked_at) VALUES (?, ?)`, i+1, v)
		require.NoError(t, err)
	}
	count := func(key string, cut time.Time) int {
		sel := store.Selection{Dataset: storetest.Bookings, Bounds: []store.Bound{{Column: "booked_at", Cutoff: cut}}, Now: cut, Keys: []string{key}}
		n, _, err := st.Count(ctx, sel)
		require.NoError(t, err)
		return n
	}
	readable := 0
	for i, v := range values {
		key := fmt.Sprint(i + 1)
		times, err := st.Times(ctx, storetest.Bookings, key)
		selected := count(key, time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)) == 1
		if err != nil {
			assert.False(t, selected, "%q: Times refuses it (%v), but a cutoff selects it", v, err)
			continue
		}
		at := times["booked_at"]
		require.True(t, selected, "%q: Times reads it as %s, but no cutoff selects it", v, at)
		readable++
		assert.Equal(t, 1, count(key, at), "%q: Times reads %s, a cutoff there selects it", v, at)
		assert.Equal(t, 0, count(key, at.Add(-time.Nanosecond)), "%q: Times reads %s, a cutoff before it does not select it", v, at)
	}
	t.Logf("%d of %d values readable", readable, len(values))
	require.Greater(t, readable, 40)
}
