package anonymize

import (
	"strconv"
	"strings"
	"time"
)

// parseBirthDate reads a date of birth as time.Time, ISO text
// ("1980-05-17", also with a time part) or German text ("17.05.1980").
func parseBirthDate(op string, v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		return parseDateText(op, x)
	case []byte:
		return parseDateText(op, string(x))
	}
	return time.Time{}, unsupported(op, v)
}

func parseDateText(op, s string) (time.Time, error) {
	if strings.IndexByte(s, '.') >= 0 && len(s) <= 10 {
		if t, err := time.Parse("2.1.2006", s); err == nil {
			return t, nil
		}
		return time.Time{}, invalid(op, "not a date in \"YYYY-MM-DD\" or \"DD.MM.YYYY\" form")
	}
	t, _, err := parseTimeText(op, s)
	if err != nil {
		return time.Time{}, invalid(op, "not a date in \"YYYY-MM-DD\" or \"DD.MM.YYYY\" form")
	}
	return t, nil
}

// BirthYear is the operator birth_year: it generalizes a date of birth to
// its year. A time.Time yields January 1 of the year, 00:00 in the same
// location (so the column type is kept); text yields the year as four
// digits ("1980"); an int64 is taken to be a year already. It is
// idempotent.
type BirthYear struct{}

// Apply generalizes v.
func (BirthYear) Apply(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case time.Time:
		return TruncateTime(x, Year), nil
	case int64:
		if x < 1 || x > 9999 {
			return nil, invalid("birth_year", "integer is not a year")
		}
		return x, nil
	case string, []byte:
		s := asString(x)
		if len(s) == 4 && allDigits(s) {
			return x, nil
		}
		t, err := parseDateText("birth_year", s)
		if err != nil {
			return nil, err
		}
		y := t.Format("2006") // four digits, also for years below 1000
		if _, ok := x.([]byte); ok {
			return []byte(y), nil
		}
		return y, nil
	}
	return nil, unsupported("birth_year", v)
}

// AgeBand returns the band of width years that contains the age at at of a
// person born on birth, as "30-39" (width 10, lower bound a multiple of
// width), or "" and false when at is before birth or width < 1.
func AgeBand(birth, at time.Time, width int) (string, bool) {
	if width < 1 || at.Before(birth) {
		return "", false
	}
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || at.Month() == birth.Month() && at.Day() < birth.Day() {
		age--
	}
	lo := age / width * width
	if width == 1 {
		return strconv.Itoa(lo), true
	}
	return strconv.Itoa(lo) + "-" + strconv.Itoa(lo+width-1), true
}

// AgeBander is the operator age_band: it replaces a date of birth with the
// band of the person's age on the fixed date At (see AgeBand). The
// reference date is part of the spec rather than the current time so that
// the result is reproducible and the operator idempotent: a value that is
// already a band of this width is returned as it is.
type AgeBander struct {
	Width int
	At    time.Time
}

// Apply generalizes v; the result is text.
func (a AgeBander) Apply(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && a.isBand(s) {
		return s, nil
	}
	t, err := parseBirthDate("age_band", v)
	if err != nil {
		return nil, err
	}
	band, ok := AgeBand(t, a.At, a.Width)
	if !ok {
		return nil, invalid("age_band", "date of birth after the reference date")
	}
	return band, nil
}

func (a AgeBander) isBand(s string) bool {
	lo, hi, found := strings.Cut(s, "-")
	if !found {
		hi = lo
	}
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	return err1 == nil && err2 == nil && allDigits(lo) && allDigits(hi) && l%a.Width == 0 && h == l+a.Width-1 && (found || a.Width == 1)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

var birthYearDefinition = Definition{
	Name: "birth_year",
	Doc:  "generalize a date of birth to its year",
	Compile: func(Args) (Constructor, error) {
		return func(*KeyRing) (Operator, error) { return BirthYear{}, nil }, nil
	},
}

var ageBandDefinition = Definition{
	Name: "age_band",
	Doc:  "replace a date of birth with an age band on a fixed reference date",
	Params: []Param{
		{Name: "width", Positional: true, Default: "10", Doc: "band width in years, 1 to 100"},
		{Name: "at", Required: true, Doc: "reference date, YYYY-MM-DD"},
	},
	Compile: func(a Args) (Constructor, error) {
		w, err := a.Int("width", 1, 100)
		if err != nil {
			return nil, err
		}
		at, err := time.Parse("2006-01-02", a.String("at"))
		if err != nil {
			return nil, a.Errorf("at", "must be a date YYYY-MM-DD")
		}
		op := AgeBander{Width: w, At: at}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
