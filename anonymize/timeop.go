package anonymize

import (
	"strconv"
	"strings"
	"time"
)

// TimeUnit is the precision to which TruncateTime reduces a timestamp.
type TimeUnit uint8

// The units of TruncateTime.
const (
	Hour TimeUnit = iota + 1
	Day
	Month
	Year
)

var timeUnitNames = []string{"hour", "day", "month", "year"}

// String returns "hour", "day", "month" or "year".
func (u TimeUnit) String() string {
	if u >= Hour && u <= Year {
		return timeUnitNames[u-1]
	}
	return "TimeUnit(" + strconv.Itoa(int(u)) + ")"
}

// TruncateTime sets everything below unit to its smallest value, in t's own
// location: TruncateTime(10:47:12, Hour) is 10:00:00, and a day starts at
// local midnight (a day shortened by a daylight-saving change still starts
// at its midnight). TruncateTime is idempotent.
func TruncateTime(t time.Time, unit TimeUnit) time.Time {
	y, m, d := t.Date()
	switch unit {
	case Hour:
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, t.Location())
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
	default:
		return time.Date(y, time.January, 1, 0, 0, 0, 0, t.Location())
	}
}

// timeLayouts are the text forms of timestamps that the time operators
// read, most specific first; the result is written in the layout of the
// input.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// outLayout drops fractional seconds, which truncation zeroes anyway.
var outLayouts = []string{
	time.RFC3339,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02",
}

func parseTimeText(op, s string) (time.Time, int, error) {
	// The shape selects the one layout that can match, so a valid value
	// costs a single parse.
	layout := -1
	switch {
	case len(s) == 10:
		layout = 4
	case len(s) >= 19 && (s[10] == 'T' || s[10] == ' '):
		zone := strings.ContainsAny(s[19:], "Z+-")
		switch {
		case s[10] == 'T' && zone:
			layout = 0
		case zone:
			layout = 1
		case s[10] == ' ':
			layout = 2
		default:
			layout = 3
		}
	}
	if layout >= 0 {
		if t, err := time.Parse(timeLayouts[layout], s); err == nil {
			return t, layout, nil
		}
	}
	return time.Time{}, 0, invalid(op, "not a timestamp in RFC 3339, \"YYYY-MM-DD hh:mm:ss\" or \"YYYY-MM-DD\" form")
}

// TimeTruncator is the operator truncate_time: it applies TruncateTime to a
// time.Time, to text in RFC 3339, "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DD"
// form (written back in the same form), and to an int64 of Unix seconds
// (truncated in UTC).
type TimeTruncator struct {
	Unit TimeUnit
}

// Apply truncates v.
func (tt TimeTruncator) Apply(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return TruncateTime(x, tt.Unit), nil
	case int64:
		return TruncateTime(time.Unix(x, 0).UTC(), tt.Unit).Unix(), nil
	case string:
		return tt.text(x)
	case []byte:
		s, err := tt.text(string(x))
		if err != nil {
			return nil, err
		}
		return []byte(s.(string)), nil
	}
	return nil, unsupported("truncate_time", v)
}

func (tt TimeTruncator) text(s string) (any, error) {
	t, layout, err := parseTimeText("truncate_time", s)
	if err != nil {
		return nil, err
	}
	return TruncateTime(t, tt.Unit).Format(outLayouts[layout]), nil
}

var truncateTimeDefinition = Definition{
	Name:   "truncate_time",
	Doc:    "truncate a timestamp to the hour, day, month or year",
	Params: []Param{{Name: "unit", Positional: true, Required: true, Doc: "hour, day, month or year"}},
	Compile: func(a Args) (Constructor, error) {
		u, err := a.Choice("unit", timeUnitNames...)
		if err != nil {
			return nil, err
		}
		var op TimeTruncator
		for i, n := range timeUnitNames {
			if n == u {
				op.Unit = TimeUnit(i + 1)
			}
		}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
