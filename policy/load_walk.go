package policy

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// handlers maps the keys a mapping may hold to the functions that decode
// their values; p is the field path of the value.
type handlers map[string]func(v *yaml.Node, p string)

// object decodes a mapping with a fixed set of keys. Unknown keys,
// duplicate keys, merge keys and non-string keys are reported; a null value
// counts as absent. It returns false when n is not a mapping.
func (l *loader) object(n *yaml.Node, path, what string, h handlers) bool {
	if n = l.deref(n, path); n == nil || isNull(n) {
		return n != nil
	}
	if n.Kind != yaml.MappingNode {
		l.fail(n, path, "expected %s (a mapping), got %s", what, kind(n))
		return false
	}
	l.pairs(n, path, func(key string, k, v *yaml.Node) {
		p := join(path, key)
		fn, ok := h[key]
		if !ok {
			l.fail(k, p, "unknown field %q in %s%s", key, what, suggest(key, h))
			return
		}
		if v = l.deref(v, p); v == nil {
			return
		}
		if isNull(v) {
			l.mark(k, p)
			return
		}
		l.mark(v, p)
		fn(v, p)
	})
	return true
}

// pairs calls fn for each key of mapping n, reporting keys that are not
// plain strings, merge keys and duplicates.
func (l *loader) pairs(n *yaml.Node, path string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			l.problem(k, path, "a key must be a plain string, got %s", kind(k))
			continue
		}
		if k.Tag == "!!merge" {
			l.problem(k, path, "merge keys (<<) are not supported in a declaration; write the values out")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			l.problem(k, join(path, k.Value), "key %q given twice (first at line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		fn(k.Value, k, v)
	}
}

// list decodes a sequence, calling fn with each element and its path. A
// scalar or mapping where a list is expected is decoded as a list of one
// when single is true.
func (l *loader) list(n *yaml.Node, path, what string, single bool, fn func(i int, v *yaml.Node, p string)) {
	if n.Kind != yaml.SequenceNode {
		if single && (n.Kind == yaml.ScalarNode || n.Kind == yaml.MappingNode) {
			p := path + "[0]"
			l.mark(n, p)
			fn(0, n, p)
			return
		}
		l.fail(n, path, "expected a list of %s, got %s", what, kind(n))
		return
	}
	for i, v := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		if v = l.deref(v, p); v == nil {
			continue
		}
		l.mark(v, p)
		fn(i, v, p)
	}
}

// str decodes a scalar as text. Numbers and booleans are taken as written
// ("2024" for a version, "NO" for Norway).
func (l *loader) str(n *yaml.Node, p string, dst *string) {
	if n.Kind != yaml.ScalarNode {
		l.fail(n, p, "expected a string, got %s", kind(n))
		return
	}
	if !isNull(n) {
		*dst = n.Value
	}
}

// setStr returns a handler storing a string.
func (l *loader) setStr(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) { l.str(n, p, dst) }
}

// setBool returns a handler storing true or false.
func (l *loader) setBool(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			l.fail(n, p, "expected true or false, got %s", kind(n))
			return
		}
		*dst = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	}
}

// setInt returns a handler storing an integer.
func (l *loader) setInt(dst *int) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
			if v, err := strconv.ParseInt(n.Value, 0, 32); err == nil {
				*dst = int(v)
				return
			}
		}
		l.fail(n, p, "expected a whole number, got %s", kind(n))
	}
}

// setStrings returns a handler storing a list of strings; a single string
// is accepted as a list of one.
func (l *loader) setStrings(dst *[]string, what string) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		*dst = nil
		l.list(n, p, what, true, func(_ int, v *yaml.Node, q string) {
			var s string
			l.str(v, q, &s)
			*dst = append(*dst, s)
		})
	}
}

// setText returns a handler storing a Text: a mapping with de and en, or a
// plain string, which is German.
func (l *loader) setText(dst *Text) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		if n.Kind == yaml.ScalarNode {
			l.str(n, p, &dst.DE)
			return
		}
		l.object(n, p, "a text in de and en", handlers{
			"de": l.setStr(&dst.DE),
			"en": l.setStr(&dst.EN),
		})
	}
}

// setPeriod returns a handler storing a Period.
func (l *loader) setPeriod(dst *Period) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		if n.Kind != yaml.ScalarNode {
			l.fail(n, p, "expected a period such as 7d, got %s", kind(n))
			return
		}
		v, err := ParsePeriod(n.Value)
		if err != nil {
			l.fail(n, p, "%s", err.Error())
			return
		}
		*dst = v
	}
}

// setDuration returns a handler storing an elapsed time.Duration ("2m",
// "1h30m").
func (l *loader) setDuration(dst *time.Duration) func(*yaml.Node, string) {
	return func(n *yaml.Node, p string) {
		if n.Kind != yaml.ScalarNode {
			l.fail(n, p, "expected a duration such as 30m, got %s", kind(n))
			return
		}
		v, err := time.ParseDuration(n.Value)
		if err != nil {
			l.fail(n, p, "%q is not a duration (elapsed time in h, m or s, such as 2h or 30m)", n.Value)
			return
		}
		*dst = v
	}
}

// join appends a key to a field path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// suggest returns ` (did you mean "x"?)` for the known key closest to key,
// or "" when none is close, followed by the list of known keys when short.
func suggest(key string, h handlers) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestD := "", 1<<30
	for _, k := range keys {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && (bestD <= 2 || bestD <= len(best)/3) && bestD < len(key) {
		return " (did you mean " + strconv.Quote(best) + "?)"
	}
	return " (known: " + strings.Join(keys, ", ") + ")"
}

// distance is the Levenshtein distance between a and b, counted in bytes
// (keys are ASCII).
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
