package sqldriver

import (
	"fmt"
	"strconv"
	"time"

	"github.com/frist-go/frist/policy"
)

// RFC3339Layout is the one RFC 3339 form frist compares lexicographically:
// UTC, whole seconds, fixed width. Text in any other form (offsets,
// fractions, a lower-case "z") does not sort by time.
const RFC3339Layout = "2006-01-02T15:04:05Z"

// SQLiteLayout is SQLite's own date-time text form (what datetime() and
// CURRENT_TIMESTAMP write), with optional fractional seconds; in UTC it
// sorts by time, fraction or not, because a shorter value is a prefix.
const SQLiteLayout = "2006-01-02 15:04:05.999999999"

// TimeValue converts t into the representation format stores, rounded down
// to the representation's resolution. For whole-second (or millisecond)
// values v and any t, v <= TimeValue(t) exactly when v <= t, and
// v > TimeValue(t) exactly when v > t, so cutoffs stay exact. Native times
// are returned as t in UTC; dialects convert them further.
func TimeValue(format policy.TimeFormat, t time.Time) any {
	switch format {
	case policy.TimeUnix:
		return t.Unix()
	case policy.TimeUnixMs:
		return t.UnixMilli()
	case policy.TimeRFC3339:
		return t.UTC().Format(RFC3339Layout)
	default:
		return t.UTC()
	}
}

// textLayouts are the text forms a native time column is read in.
var textLayouts = []string{
	SQLiteLayout,
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// ParseTime converts a value read from a time column in format back into a
// time in UTC.
func ParseTime(format policy.TimeFormat, v any) (time.Time, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch format {
	case policy.TimeUnix, policy.TimeUnixMs:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case float64:
			n = int64(x)
		case string:
			p, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("%s time column holds %q, not an integer", format, x)
			}
			n = p
		default:
			return time.Time{}, fmt.Errorf("%s time column holds a %T, not an integer", format, v)
		}
		if format == policy.TimeUnix {
			return time.Unix(n, 0).UTC(), nil
		}
		return time.UnixMilli(n).UTC(), nil
	default:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			for _, l := range textLayouts {
				if t, err := time.Parse(l, x); err == nil {
					return t.UTC(), nil
				}
			}
			return time.Time{}, fmt.Errorf("%s time column holds text that is not a time in a known form", format)
		case int64:
			return time.Unix(x, 0).UTC(), nil
		default:
			return time.Time{}, fmt.Errorf("%s time column holds a %T, not a time", format, v)
		}
	}
}
