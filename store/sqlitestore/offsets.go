package sqlitestore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/store/internal/sqldriver"
)

// A timestamp column with a declared zone holds, besides wall-clock text
// of that zone, text that names its instant with a UTC offset: SQLite's
// own form followed by "±HH:MM" (what modernc.org/sqlite writes with
// _time_format=sqlite), and modernc.org/sqlite's default form for a
// time.Time, "2006-01-02 15:04:05.999999999 -0700 MST", with the monotonic
// clock reading " m=+0.001234567" that time.Now() leaves in it. Such a
// value sorts by its wall-clock digits; it names that wall clock less its
// offset. The offsets a valid value may carry are UTC's and those the
// zone has had since 1970 (Europe/Berlin: +01:00 and +02:00); a value
// with any other offset is unreadable, since it would widen the index range
// every sweep reads (sqldriver.Spread).

// sqliteMono is "%[1]s, a part of a rest, is the monotonic clock reading
// time.Time.String writes: 'm=', a sign, digits and a point".
const sqliteMono = `(%[1]s GLOB 'm=[+-][0-9]*' AND substr(%[1]s, 4) NOT GLOB '*[^0-9.]*')`

// sqliteAbbrev is "%[1]s is a zone abbreviation as time.Time.String writes
// it ('CET', '+03'), optionally followed by a monotonic clock reading".
var sqliteAbbrev = `(%[1]s <> '' AND CASE WHEN instr(%[1]s, ' ') = 0 THEN %[1]s NOT GLOB '*[^-+A-Za-z0-9]*' ELSE ` +
	`instr(%[1]s, ' ') > 1 AND substr(%[1]s, 1, instr(%[1]s, ' ') - 1) NOT GLOB '*[^-+A-Za-z0-9]*' AND ` +
	fmt.Sprintf(sqliteMono, `substr(%[1]s, instr(%[1]s, ' ') + 1)`) + ` END)`

// sqliteUTCRest is "the rest %[1]s says UTC": the suffixes a UTC column
// has always accepted, and modernc.org/sqlite's with a monotonic clock
// reading. It costs a value with one of the former the IN test alone:
// SQLite evaluates both sides of an OR inside a CASE, so the second test
// stands in a branch of its own.
var sqliteUTCRest = `(CASE WHEN %[1]s IN ('', 'Z', '+00:00', ' +0000 UTC') THEN 1 WHEN substr(%[1]s, 1, 11) = ' +0000 UTC ' THEN ` +
	fmt.Sprintf(sqliteMono, `substr(%[1]s, 12)`) + ` ELSE 0 END)`

// offsetsOf returns the UTC offsets, in whole minutes, that loc has had
// from 1970 to 2100, and UTC's.
func offsetsOf(loc *time.Location) []time.Duration {
	offs := []time.Duration{0}
	add := func(t time.Time) {
		_, o := t.In(loc).Zone()
		if d := time.Duration(o) * time.Second; o%60 == 0 && !slices.Contains(offs, d) {
			offs = append(offs, d)
		}
	}
	end := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
		add(t)
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || !next.After(t) {
			break
		}
		t = next
	}
	slices.Sort(offs)
	return offs
}

// offsetDomain returns the domain of a timestamp column with declared zone
// loc: wall-clock text of loc, and text with an offset in offs
// (offsetsOf).
func offsetDomain(loc *time.Location) sqldriver.Domain {
	offs := offsetsOf(loc)
	var colon, modernc, names []string
	for _, o := range offs {
		colon = append(colon, "'"+offsetText(o, true)+"'")
		modernc = append(modernc, "' "+offsetText(o, false)+" '")
		if o != 0 {
			names = append(names, offsetText(o, true))
		}
	}
	rest := fmt.Sprintf(`(CASE WHEN %[1]s IN ('', 'Z', %[2]s) THEN 1 WHEN substr(%[1]s, 1, 7) IN (%[3]s) THEN `,
		sqliteRest, strings.Join(colon, ", "), strings.Join(modernc, ", ")) +
		strings.ReplaceAll(sqliteAbbrev, "%[1]s", "substr("+sqliteRest+", 8)") + ` ELSE 0 END)`
	valid := `(CASE WHEN length(%[1]s) = 10 THEN date(%[1]s, '+0 days') = %[1]s ELSE ` +
		sqliteClock + ` AND ` + sqliteFraction + ` AND ` + rest + ` END)`
	// The instant of a value with an offset, as SQLite's text in UTC: the
	// seconds moved by the offset, which datetime() reads after the clock
	// ("+01:00", "Z"; modernc's "+0100" gets its colon), and the fraction
	// digits as written. Text compares it exactly with the cutoff's.
	off := `(CASE WHEN substr(` + sqliteRest + `, 1, 1) = ' ' THEN substr(` + sqliteRest + `, 2, 3) || ':' || substr(` +
		sqliteRest + `, 5, 2) ELSE ` + sqliteRest + ` END)`
	due := `(CASE WHEN ` + sqliteRest + ` = '' THEN %[1]s <= %[3]s ELSE datetime(substr(%[1]s, 1, 19) || ` + off +
		`) || substr(%[1]s, 20, length(%[1]s) - 19 - length(` + sqliteRest + `)) <= %[2]s END)`
	kind := "SQLite text, wall-clock time in " + loc.String()
	if len(names) > 0 {
		kind += " or with its offset (" + strings.Join(names, ", ") + ") or UTC's"
	} else {
		kind += " or with UTC's offset"
	}
	return sqldriver.Domain{Lower: "0000-01-01", Upper: "9999-12-31 99", Valid: valid, Kind: kind, Cutoff: textCutoff,
		Spread: &sqldriver.Spread{Low: offs[0], High: offs[len(offs)-1], Due: due, Above: "~"},
		Read:   func(v any) (time.Time, error) { return readText(v, loc, offs) }}
}

// offsetText writes o as "+01:00" (colon) or "+0100".
func offsetText(o time.Duration, colon bool) string {
	sign := "+"
	if o < 0 {
		sign, o = "-", -o
	}
	h, m := int(o/time.Hour), int(o%time.Hour/time.Minute)
	if colon {
		return fmt.Sprintf("%s%02d:%02d", sign, h, m)
	}
	return fmt.Sprintf("%s%02d%02d", sign, h, m)
}

// readText reads a value of a timestamp column as its domain does: wall
// clock text in loc (UTC when nil), or text with one of the offsets offs
// (nil: UTC's suffixes only). It accepts exactly what the domain's Valid
// accepts, so Earliest, Records and Times read the values a rule selects,
// and no other.
func readText(v any, loc *time.Location, offs []time.Duration) (time.Time, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("timestamp column holds a %T, not text", v)
	}
	bad := fmt.Errorf("timestamp column holds text that is not a time in a form it accepts")
	if loc == nil {
		loc = time.UTC
	}
	if len(s) == 10 {
		t, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			return time.Time{}, bad
		}
		return wall(t, loc), nil
	}
	if len(s) < 19 || s[10] != ' ' {
		return time.Time{}, bad
	}
	clock, err := time.Parse("2006-01-02 15:04:05", s[:19])
	if err != nil {
		return time.Time{}, bad
	}
	rest := s[19:]
	var frac time.Duration
	if strings.HasPrefix(rest, ".") {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n < 2 || n > 10 {
			return time.Time{}, bad
		}
		digits := rest[1:n] + strings.Repeat("0", 10-n)
		for _, c := range digits {
			frac = frac*10 + time.Duration(c-'0')
		}
		rest = rest[n:]
	}
	clock = clock.Add(frac)
	if rest == "" {
		return wall(clock, loc), nil
	}
	o, ok := offsetOf(rest, offs)
	if !ok {
		return time.Time{}, bad
	}
	return clock.Add(-o), nil
}

// offsetOf reads the offset a rest (what follows the seconds and their
// fraction) names, when it is one of offs or UTC's.
func offsetOf(rest string, offs []time.Duration) (time.Duration, bool) {
	if offs == nil {
		if rest == "Z" || rest == "+00:00" || rest == " +0000 UTC" {
			return 0, true
		}
		m, ok := strings.CutPrefix(rest, " +0000 UTC ")
		return 0, ok && mono(m)
	}
	if rest == "Z" {
		return 0, true
	}
	for _, o := range offs {
		if rest == offsetText(o, true) {
			return o, true
		}
		abbr, ok := strings.CutPrefix(rest, " "+offsetText(o, false)+" ")
		if !ok || abbr == "" {
			continue
		}
		if a, m, found := strings.Cut(abbr, " "); found {
			return o, a != "" && abbrev(a) && mono(m)
		}
		return o, abbrev(abbr)
	}
	return 0, false
}

// abbrev reports whether s is made of the characters of a zone
// abbreviation as time.Time.String writes it.
func abbrev(s string) bool {
	return strings.Trim(s, "+-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// mono reports whether s is a monotonic clock reading, "m=+0.001234567".
func mono(s string) bool {
	if len(s) < 4 || s[:2] != "m=" || s[2] != '+' && s[2] != '-' || s[3] < '0' || s[3] > '9' {
		return false
	}
	return strings.Trim(s[3:], "0123456789.") == ""
}

// wall returns the instant the wall-clock time t (its clock read, its zone
// ignored) stands for in loc. In the repeated hour when the clocks go back
// it is the later of the two, so a cutoff never finds it due early
// (wallCutoff in package sqldriver errs the same way).
func wall(t time.Time, loc *time.Location) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	first := time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), loc)
	// time.Date picks one of the two instants; the later, if there is one,
	// is an hour or so on with the same wall clock.
	for _, step := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if later := first.Add(step); later.In(loc).Format("2006-01-02 15:04:05.999999999") == first.Format("2006-01-02 15:04:05.999999999") {
			return later.UTC()
		}
	}
	return first.UTC()
}
