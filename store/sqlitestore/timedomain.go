package sqlitestore

import (
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// The valid values of each representation (sqldriver.Domain). SQLite
// orders NULL < numbers < text < blobs, so a text Lower and Upper leave
// out every number and blob, and numeric ones every text and blob.
//
// A timestamp column holds SQLite's own text form, which sorts by time in
// UTC: "2006-01-02 15:04:05" (a real date and time: datetime() with a
// "+0 days" modifier gives the same text back, which it does not for
// "2025-02-30" or "99:99:99"), optionally followed by up to nine fraction
// digits and by a suffix that says UTC ("Z", "+00:00", or " +0000 UTC",
// which modernc.org/sqlite writes for a time.Time in UTC, with or without
// the monotonic clock reading of time.Now()); a bare date "2006-01-02" is
// its midnight. With a declared zone, text without a suffix is that zone's
// wall clock, and text with an offset the zone has is read by its instant
// (offsets.go). Any other offset, a 'T' between date and time, or any
// other text is unreadable: it sorts by its wall-clock digits, not by the
// instant it names, so comparing it with a cutoff would select it hours
// early or late.
const (
	// sqliteClock is "the first 19 characters of %[1]s are a real date
	// and time".
	sqliteClock = `substr(%[1]s, 11, 1) = ' ' AND datetime(substr(%[1]s, 1, 19), '+0 days') = substr(%[1]s, 1, 19)`
	// sqliteRest is what follows the seconds of %[1]s with its fraction
	// digits left out.
	sqliteRest = `(CASE WHEN substr(%[1]s, 20, 1) = '.' THEN ltrim(substr(%[1]s, 21), '0123456789') ELSE substr(%[1]s, 20) END)`
	// sqliteFraction is "a '.' after the seconds has one to nine digits".
	sqliteFraction = `(substr(%[1]s, 20, 1) <> '.' OR length(%[1]s) - length(` + sqliteRest + `) BETWEEN 21 AND 29)`
	// sqliteRFC3339 is the fixed-width "2006-01-02T15:04:05Z".
	sqliteRFC3339 = `(length(%[1]s) = 20 AND substr(%[1]s, 11, 1) = 'T' AND substr(%[1]s, 20, 1) = 'Z' AND
datetime(substr(%[1]s, 1, 10) || ' ' || substr(%[1]s, 12, 8), '+0 days') = substr(%[1]s, 1, 10) || ' ' || substr(%[1]s, 12, 8))`
)

// sqliteUTC is the Valid of a timestamp column without a declared zone.
var sqliteUTC = `(CASE WHEN length(%[1]s) = 10 THEN date(%[1]s, '+0 days') = %[1]s ELSE ` +
	sqliteClock + ` AND ` + sqliteFraction + ` AND ` + strings.ReplaceAll(sqliteUTCRest, "%[1]s", sqliteRest) + ` END)`

// textCutoff writes a cutoff for a timestamp column: SQLite's text in UTC
// with all nine fraction digits. A value with fewer digits and no offset
// compares with it as the time it names ("12:00:00.10" and "12:00:00" are
// at or before "12:00:00.100000000"), and so does one whose offset suffix
// sorts below the digits (" +0000 UTC", "+00:00"); one ending in "Z" at
// exactly the cutoff's instant waits for the next sweep.
func textCutoff(t time.Time) any { return t.UTC().Format("2006-01-02 15:04:05.000000000") }

// maxUnix is 9999-12-31 23:59:59 UTC, the last second every representation
// can write.
const maxUnix = 253402300799

// TimeDomain implements sqldriver.TimeDomains. A unix or unix_ms column
// whose declared type gives it TEXT affinity (a type containing CHAR, CLOB
// or TEXT) is refused: SQLite stores every integer written to it as text,
// which no numeric cutoff selects, so no record would ever be processed.
func (dialect) TimeDomain(format policy.TimeFormat, typ string, zone *time.Location) (sqldriver.Domain, error) {
	if (format == policy.TimeUnix || format == policy.TimeUnixMs) && textAffinity(typ) {
		return sqldriver.Domain{}, fmt.Errorf("SQLite stores the integers of format %s in a %s column as text, which no cutoff selects; declare the column INTEGER", format, typ)
	}
	switch format {
	case policy.TimeNative:
		if zone != nil {
			return offsetDomain(zone), nil
		}
		return sqldriver.Domain{Lower: "0000-01-01", Upper: "9999-12-31 99", Valid: sqliteUTC,
			Kind: `SQLite text in UTC ("2006-01-02 15:04:05")`,
			Read: func(v any) (time.Time, error) { return readText(v, nil, nil) }, Cutoff: textCutoff}, nil
	case policy.TimeRFC3339:
		return sqldriver.Domain{Lower: "0000-01-01T00:00:00Z", Upper: "9999-12-31T23:59:59Z", Valid: sqliteRFC3339,
			Kind: `RFC 3339 text in UTC ("2006-01-02T15:04:05Z")`}, nil
	case policy.TimeUnix:
		return sqldriver.Domain{Lower: int64(0), Upper: int64(maxUnix), Kind: "a number of seconds since 1970"}, nil
	case policy.TimeUnixMs:
		return sqldriver.Domain{Lower: int64(0), Upper: int64(maxUnix*1000 + 999), Kind: "a number of milliseconds since 1970"}, nil
	}
	return sqldriver.Domain{}, fmt.Errorf("unknown time format %q", format)
}

// textAffinity reports whether SQLite gives a column of declared type typ
// TEXT affinity, by SQLite's rules for a column's affinity.
func textAffinity(typ string) bool {
	t := strings.ToUpper(typ)
	if strings.Contains(t, "INT") {
		return false
	}
	return strings.Contains(t, "CHAR") || strings.Contains(t, "CLOB") || strings.Contains(t, "TEXT")
}
