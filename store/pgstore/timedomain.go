package pgstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/internal/sqldriver"
)

// pgRFC3339 is "%[1]s is the fixed-width text 2006-01-02T15:04:05Z of a
// real date and time". The pattern is tested first, inside CASE, so the
// cast of the year never sees other text; the day is checked against the
// month and leap years without a cast to a timestamp, which would fail the
// whole statement on the first value it cannot read.
const pgRFC3339 = `(CASE WHEN %[1]s ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$' THEN
CASE WHEN substr(%[1]s, 6, 2) IN ('04', '06', '09', '11') THEN substr(%[1]s, 9, 2) <> '31'
WHEN substr(%[1]s, 6, 2) = '02' THEN substr(%[1]s, 9, 2) < '29' OR substr(%[1]s, 9, 2) = '29' AND
CAST(substr(%[1]s, 1, 4) AS integer) %% 4 = 0 AND (CAST(substr(%[1]s, 1, 4) AS integer) %% 100 <> 0 OR CAST(substr(%[1]s, 1, 4) AS integer) %% 400 = 0)
ELSE true END ELSE false END)`

// maxUnix is 9999-12-31 23:59:59 UTC, the last second every representation
// can write.
const maxUnix = 253402300799

// TimeDomain implements sqldriver.TimeDomains from the column's catalog
// type. A timestamptz holds instants: every value is valid but ±infinity.
// A timestamp without time zone (or a date) holds wall-clock times whose
// zone only the declaration can give; without one it is refused. A text
// column must hold fixed-width RFC 3339 text in UTC, the one text form
// that sorts by time in every collation; an integer column unix seconds
// or milliseconds.
func (dialect) TimeDomain(format policy.TimeFormat, typ string, zone *time.Location) (sqldriver.Domain, error) {
	t := strings.ToLower(typ)
	switch {
	case t == "timestamp with time zone" && (format == policy.TimeNative || format == policy.TimeRFC3339):
		if zone != nil {
			return sqldriver.Domain{}, fmt.Errorf("a timestamp with time zone holds instants; remove zone %s", zone)
		}
		return sqldriver.Domain{Lower: "0001-01-01T00:00:00Z", Upper: "9999-12-31T23:59:59.999999Z", Kind: "a timestamptz other than ±infinity", LowerFilter: true}, nil
	case (t == "timestamp without time zone" || t == "date") && format == policy.TimeNative:
		if zone == nil {
			return sqldriver.Domain{}, fmt.Errorf("its values carry no zone, so frist cannot tell when they are due (the application may have written them under any session TimeZone); declare the zone they are in (zone: UTC, zone: Europe/Berlin) or make the column timestamptz")
		}
		return sqldriver.Domain{Lower: "0001-01-01T00:00:00Z", Upper: "9999-12-31T23:59:59.999999Z", Kind: "a " + t + " other than ±infinity, in " + zone.String(), LowerFilter: true}, nil
	case (t == "text" || t == "character varying" || t == "character") && format == policy.TimeRFC3339:
		return sqldriver.Domain{Lower: "0000-01-01T00:00:00Z", Upper: "9999-12-31T23:59:59Z", Valid: pgRFC3339,
			Kind: `RFC 3339 text in UTC ("2006-01-02T15:04:05Z")`, LowerFilter: true}, nil
	case (t == "bigint" || t == "integer" || t == "numeric" || t == "double precision") && format == policy.TimeUnix:
		return sqldriver.Domain{Lower: "0", Upper: fmt.Sprint(maxUnix), Kind: "a number of seconds since 1970", LowerFilter: true}, nil
	case (t == "bigint" || t == "numeric" || t == "double precision") && format == policy.TimeUnixMs:
		return sqldriver.Domain{Lower: "0", Upper: fmt.Sprint(maxUnix*1000 + 999), Kind: "a number of milliseconds since 1970", LowerFilter: true}, nil
	}
	want := map[policy.TimeFormat]string{
		policy.TimeNative:  "timestamptz (or timestamp with a declared zone)",
		policy.TimeRFC3339: "text or timestamptz",
		policy.TimeUnix:    "an integer type",
		policy.TimeUnixMs:  "bigint",
	}[format]
	if want == "" {
		return sqldriver.Domain{}, fmt.Errorf("unknown time format %q", format)
	}
	return sqldriver.Domain{}, fmt.Errorf("a %s column cannot hold format %s, which needs %s", typ, format, want)
}
