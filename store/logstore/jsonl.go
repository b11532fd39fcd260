package logstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/policy"
)

// jsonLine is one JSON-lines record: a JSON object whose members keep
// their order and their raw encoding, so that members nobody changed are
// written back byte for byte.
type jsonLine struct {
	names []string
	vals  []json.RawMessage
}

// parseJSON parses b as one JSON object and nothing else.
func parseJSON(b []byte) (jsonLine, bool) {
	var l jsonLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return l, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return l, false
		}
		name, ok := tok.(string)
		if !ok {
			return l, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return l, false
		}
		l.names = append(l.names, name)
		l.vals = append(l.vals, raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return l, false
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return l, false
	}
	return l, true
}

// index returns the position of member name, or -1.
func (l *jsonLine) index(name string) int {
	for i, n := range l.names {
		if n == name {
			return i
		}
	}
	return -1
}

// get returns the value of member name as a Record value: nil for null or
// absent, string, int64 for integral numbers, float64, bool, or the raw
// text of an object or array.
func (l *jsonLine) get(name string) any {
	i := l.index(name)
	if i < 0 {
		return nil
	}
	raw := bytes.TrimSpace(l.vals[i])
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return nil
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return string(raw)
		}
		return s
	case string(raw) == "true":
		return true
	case string(raw) == "false":
		return false
	case raw[0] == '{' || raw[0] == '[':
		return string(raw)
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return f
	}
	return string(raw)
}

// text returns the member's value in text form ("" when null or absent),
// as a key or subject crosses the store interface.
func (l *jsonLine) text(name string) string {
	switch v := l.get(name).(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// set writes v into member name, appending the member when absent.
func (l *jsonLine) set(name string, v any) error {
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339Nano)
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("logstore: cannot write a %T into a JSON member", v)
	}
	if i := l.index(name); i >= 0 {
		l.vals[i] = raw
		return nil
	}
	l.names = append(l.names, name)
	l.vals = append(l.vals, raw)
	return nil
}

// appendTo writes the object (without newline) to b.
func (l *jsonLine) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, n := range l.names {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(n)
		b = append(b, name...)
		b = append(b, ':')
		b = append(b, l.vals[i]...)
	}
	return append(b, '}')
}

// jsonTime reads member name as a time in format f: RFC 3339 text (or the
// CLF form nginx writes for $time_local) for timestamp and rfc3339,
// seconds (possibly fractional, as nginx's $msec) for unix, milliseconds
// for unix_ms. A number may be written as a string.
func (l *jsonLine) jsonTime(name string, f policy.TimeFormat) (time.Time, bool) {
	return inRange(l.rawTime(name, f))
}

// rawTime reads member name in format f, whatever year it gives.
func (l *jsonLine) rawTime(name string, f policy.TimeFormat) (time.Time, bool) {
	switch v := l.get(name).(type) {
	case string:
		switch f {
		case policy.TimeUnix, policy.TimeUnixMs:
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return time.Time{}, false
			}
			return numTime(n, f), true
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
		if t, err := time.Parse(clfTimeLayout, v); err == nil {
			return t, true
		}
	case int64:
		if f == policy.TimeUnix || f == policy.TimeUnixMs {
			return numTime(float64(v), f), true
		}
	case float64:
		if f == policy.TimeUnix || f == policy.TimeUnixMs {
			return numTime(v, f), true
		}
	}
	return time.Time{}, false
}

// inRange keeps the times every representation can write, years 0 to
// 9999: a number of milliseconds in a seconds member gives a year beyond,
// which is not a time the line was written at.
func inRange(t time.Time, ok bool) (time.Time, bool) {
	if !ok || t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func numTime(n float64, f policy.TimeFormat) time.Time {
	if f == policy.TimeUnixMs {
		ms := int64(n)
		return time.UnixMilli(ms).UTC()
	}
	sec := int64(n)
	ns := int64((n - float64(sec)) * 1e9)
	return time.Unix(sec, ns).UTC()
}
