package logstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
)

// The log formats of policy.FileBinding.Format.
const (
	formatCommon   = "common"
	formatCombined = "combined"
	formatJSONL    = "jsonl"
)

// dataset is a files dataset of the declaration, compiled.
type dataset struct {
	decl    *policy.Dataset
	dir     string
	pattern string
	live    string
	format  string
	drop    bool // malformed lines are dropped, not masked
	// fieldCol maps Field.Name to its column: a CLF part (clfCol) or a
	// JSON member (jsonCol).
	clfCol  map[string]int
	jsonCol map[string]string
	timeCol map[string]*policy.TimeColumn
	// keyCol and subjCol are JSON members (jsonl only); "" means the key is
	// <file>:<line> and there is no subject.
	keyCol, subjCol string
	marker          string
	// ipField is the field that holds the client address: its rule masks
	// every other IP address in the line too.
	ipField string
	// own are the JSON members frist reads or writes itself (key, subject,
	// times, marker); IP addresses in them are never masked.
	own map[string]bool
}

// compile checks a files dataset and resolves its columns. dir, when not
// "", replaces files.dir.
func compile(ds *policy.Dataset, dir, root string) (*dataset, error) {
	f := ds.Files
	bad := func(format string, args ...any) (*dataset, error) {
		return nil, fmt.Errorf("%w: dataset %q: %s", ErrBinding, ds.ID, fmt.Sprintf(format, args...))
	}
	if dir == "" {
		dir = f.Dir
	}
	d := &dataset{decl: ds, dir: dir, pattern: f.Pattern, format: f.Format, drop: f.Malformed == policy.MalformedDrop,
		timeCol: map[string]*policy.TimeColumn{}, marker: ds.Marker, own: map[string]bool{}}
	if !filepath.IsAbs(d.dir) && root != "" {
		d.dir = filepath.Join(root, d.dir)
	}
	if _, err := filepath.Match(d.pattern, "x"); err != nil || strings.ContainsRune(d.pattern, '/') {
		return bad("files.pattern %q is not a file-name pattern", f.Pattern)
	}
	d.live = f.Live
	if d.live == "" {
		d.live = liveName(d.pattern)
	}
	for i := range ds.Time {
		tc := &ds.Time[i]
		d.timeCol[tc.Name] = tc
	}
	switch f.Format {
	case formatCommon, formatCombined:
		if ds.Subject != "" {
			return bad("a %s log line names no data subject; remove subject", f.Format)
		}
		if len(ds.Time) == 0 {
			return bad("declare the request time under time (any name; it reads [time] of each line)")
		}
		d.clfCol = map[string]int{}
		for _, fl := range ds.Fields {
			col := colName(fl.Column, fl.Name)
			p, ok := clfColumns[col]
			if !ok {
				return bad("field %q: %q is not a part of a %s log line (remote_addr, remote_user, request, path, query, status, body_bytes_sent, http_referer, http_user_agent)", fl.Name, col, f.Format)
			}
			if f.Format == formatCommon && (p == partReferer || p == partAgent) {
				return bad("field %q: the common log format has no %s; use format: combined", fl.Name, col)
			}
			d.clfCol[fl.Name] = p
			if p == partAddr && d.ipField == "" {
				d.ipField = fl.Name
			}
		}
	case formatJSONL:
		d.keyCol, d.subjCol = ds.Key, ds.Subject
		d.jsonCol = map[string]string{}
		for _, fl := range ds.Fields {
			d.jsonCol[fl.Name] = colName(fl.Column, fl.Name)
			if fl.Category == policy.CatOnlineIdentifier && d.ipField == "" {
				d.ipField = fl.Name
			}
		}
		for _, m := range []string{d.keyCol, d.subjCol, d.marker} {
			if m != "" {
				d.own[m] = true
			}
		}
		for _, tc := range ds.Time {
			d.own[colName(tc.Column, tc.Name)] = true
		}
	default:
		return bad("files.format %q is not common, combined or jsonl", f.Format)
	}
	return d, nil
}

func colName(col, name string) string {
	if col != "" {
		return col
	}
	return name
}

// liveName is the unrotated name a pattern stands for: the pattern up to
// its first wildcard, without a trailing '.', '-' or '_'.
func liveName(pattern string) string {
	i := strings.IndexAny(pattern, "*?[")
	if i < 0 {
		return pattern
	}
	return strings.TrimRight(pattern[:i], ".-_")
}

// line is one line of a log file as the scanner yields it.
type line struct {
	n   int // 1-based line number
	raw []byte
	bad bool // malformed: it does not parse in the dataset's format
	// t is the request time (common, combined), or the time a malformed
	// line inherits from the line before it.
	t   time.Time
	clf clfLine
	js  jsonLine
	// dirty is set when the line was changed and must be encoded again.
	dirty bool
	// rest is set for an overlong line (MaxLineLength): raw is its head,
	// and the rest can be copied from rest until the next line is read.
	rest *lineReader
}

// overlong reports whether only the head of l is in memory.
func (l *line) overlong() bool { return l.rest != nil }

// timeOf returns the value of time column name of l.
func (d *dataset) timeOf(l *line, name string) (time.Time, bool) {
	if l.bad || d.format != formatJSONL {
		return l.t, !l.t.IsZero()
	}
	tc := d.timeCol[name]
	if tc == nil {
		return time.Time{}, false
	}
	return l.js.jsonTime(colName(tc.Column, tc.Name), tc.Format)
}

// badTime reports whether the JSON line l sets the member of time column
// name to a value that is not a time in the column's format.
func (d *dataset) badTime(l *line, name string) bool {
	if l.bad || d.format != formatJSONL {
		return false
	}
	tc := d.timeCol[name]
	if tc == nil || l.js.get(colName(tc.Column, tc.Name)) == nil {
		return false
	}
	_, ok := d.timeOf(l, name)
	return !ok
}

// firstTime returns the time a line is ordered and indexed by: the
// request time, or the first time column of a JSON line that has one.
func (d *dataset) firstTime(l *line) time.Time {
	if l.bad || d.format != formatJSONL {
		return l.t
	}
	for _, tc := range d.decl.Time {
		if t, ok := d.timeOf(l, tc.Name); ok {
			return t
		}
	}
	return time.Time{}
}

// field returns the value of field name of l (nil for a malformed line).
func (d *dataset) field(l *line, name string) any {
	if l.bad {
		return nil
	}
	if d.format == formatJSONL {
		return l.js.get(d.jsonCol[name])
	}
	return l.clf.get(d.clfCol[name])
}

// setField writes v into field name of l.
func (d *dataset) setField(l *line, name string, v any) error {
	l.dirty = true
	if d.format == formatJSONL {
		return l.js.set(d.jsonCol[name], v)
	}
	switch x := v.(type) {
	case nil:
		l.clf.set(d.clfCol[name], nil)
	case string:
		l.clf.set(d.clfCol[name], &x)
	case []byte:
		s := string(x)
		l.clf.set(d.clfCol[name], &s)
	default:
		return fmt.Errorf("logstore: field %q of a %s line takes text, not %T", name, d.format, v)
	}
	return nil
}

// key returns the record key of l in file.
func (d *dataset) key(file string, l *line) string {
	if d.keyCol != "" && !l.bad {
		if k := l.js.text(d.keyCol); k != "" {
			return k
		}
	}
	return lineKey(file, l.n)
}

// subject returns the subject of l in text form, "" when none.
func (d *dataset) subject(l *line) string {
	if d.subjCol == "" || l.bad {
		return ""
	}
	return l.js.text(d.subjCol)
}

// markedAt reports whether the JSON marker member of l is set.
func (d *dataset) marked(l *line) bool {
	return !l.bad && l.js.get(d.marker) != nil
}

// encode returns the line as it is to be written, without newline.
func (d *dataset) encode(l *line, buf []byte) []byte {
	if !l.dirty {
		return append(buf, l.raw...)
	}
	if l.bad {
		return append(buf, l.raw...)
	}
	if d.format == formatJSONL {
		return l.js.appendTo(buf)
	}
	return l.clf.appendTo(buf)
}

// maskStrayIPs replaces every IP address found in the parts of l that are
// not the client address with the placeholder [IP]: an address in a URL
// query, a referrer or a forwarded-for header identifies a person as well
// as the client address does (examples/policies/stadt-amt.yaml: "so dass es nicht möglich ist,
// einen Bezug auf einzelne Nutzer herzustellen"). Fields the action names
// are left to the action.
func (d *dataset) maskStrayIPs(l *line, named map[string]bool) {
	if l.bad {
		if s, ok := scrubIPs(string(l.raw)); ok {
			l.raw, l.dirty = []byte(s), true
		}
		return
	}
	if d.format == formatJSONL {
		for i, name := range l.js.names {
			if d.own[name] || named[name] {
				continue
			}
			v, ok := l.js.get(name).(string)
			if !ok {
				continue
			}
			if s, ok := scrubIPs(v); ok {
				_ = l.js.set(l.js.names[i], s)
				l.dirty = true
			}
		}
		return
	}
	// The user agent is left alone: its version numbers read as IPv4
	// addresses ("Chrome/120.0.0.0"), and no client writes its address
	// there.
	for _, p := range []int{partUser, partRequest, partReferer} {
		if p >= l.clf.n {
			continue
		}
		raw := l.clf.parts[p]
		v := raw
		if quoted(p) {
			v = unescape(raw)
		}
		if s, ok := scrubIPs(v); ok {
			l.clf.set(p, &s)
			l.dirty = true
		}
	}
	if s, ok := scrubIPs(l.clf.tail); ok {
		l.clf.tail, l.dirty = s, true
	}
}

// scrubIPs replaces the IP addresses anonymize.Find finds in s, and
// reports whether it found any.
func scrubIPs(s string) (string, bool) {
	if strings.Count(s, ".") < 3 && strings.Count(s, ":") < 2 {
		return s, false // no address can be in it
	}
	var b strings.Builder
	last, found := 0, false
	for _, m := range anonymize.Find(s) {
		if m.Kind != anonymize.KindIP {
			continue
		}
		found = true
		b.WriteString(s[last:m.Start])
		b.WriteString(anonymize.KindIP.Placeholder())
		last = m.End
	}
	if !found {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// hasIP reports whether s holds something that reads as an IP address.
func hasIP(s []byte) bool {
	_, found := scrubIPs(string(s))
	return found
}
