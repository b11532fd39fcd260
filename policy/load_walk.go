package policy

import (
	"hash/maphash"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// key is one key a kind of mapping may hold, with the function that
// decodes its value into the Go value *T; p is the field path of the value.
type key[T any] struct {
	name   string
	decode func(l *loader, v *node, p path, dst *T)
}

// keys lists the keys of one kind of mapping. Each kind's list is a
// package variable, built once: decoding a mapping allocates nothing to
// find its keys, which a declaration of many small entries would otherwise
// pay for at every entry.
type keys[T any] []key[T]

// find returns the key called name, or nil. A linear search: a kind has a
// few dozen keys at most.
func (ks keys[T]) find(name string) *key[T] {
	for i := range ks {
		if ks[i].name == name {
			return &ks[i]
		}
	}
	return nil
}

// names returns the names of the keys, sorted.
func (ks keys[T]) names() []string {
	out := make([]string, len(ks))
	for i := range ks {
		out[i] = ks[i].name
	}
	sort.Strings(out)
	return out
}

// without returns the keys except the one called name.
func (ks keys[T]) without(name string) keys[T] {
	out := make(keys[T], 0, len(ks))
	for _, k := range ks {
		if k.name != name {
			out = append(out, k)
		}
	}
	return out
}

// object decodes a mapping with the keys ks into dst. Unknown keys,
// duplicate keys, merge keys and non-string keys are reported; a null value
// counts as absent. It returns false when n is not a mapping.
func object[T any](l *loader, n *node, at path, what string, ks keys[T], dst *T) bool {
	if n = l.deref(n, at); n == nil || isNull(n) {
		return n != nil
	}
	if n.kind() != yaml.MappingNode {
		l.fail(n, at, "expected %s (a mapping), got %s", what, l.kind(n))
		return false
	}
	l.pairs(n, at, func(name string, k, v *node) {
		p := l.fieldAt(at, k)
		h := ks.find(name)
		if h == nil {
			l.fail(k, p, "unknown field %q in %s%s", name, what, ks.suggest(name))
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
		h.decode(l, v, p, dst)
	})
	return true
}

// pairs calls fn for each key of mapping n, reporting keys that are not
// plain strings, merge keys and duplicates.
func (l *loader) pairs(n *node, at path, fn func(key string, k, v *node)) {
	// Most mappings hold a handful of keys, searched for duplicates in
	// place; a table is used only for a long one (a dataset's fields), so
	// that neither costs more than linear time.
	content := l.content(n)
	var tab keyTable
	if len(content) > 2*shortMapping {
		tab = l.keys.open(len(content) / 2)
		defer l.keys.close(tab)
	}
	for i := 0; i+1 < len(content); i += 2 {
		k, v := &content[i], &content[i+1]
		if k.kind() != yaml.ScalarNode {
			l.problem(k, at, "a key must be a plain string, got %s", l.kind(k))
			continue
		}
		if k.tag() == tagMerge {
			l.problem(k, at, "merge keys (<<) are not supported in a declaration; write the values out")
			continue
		}
		name := l.value(k)
		line, dup := 0, false
		if tab.size != 0 {
			line, dup = l.keys.add(tab, content, i, name, l.t)
		} else {
			line, dup = l.firstKey(content[:i], name)
		}
		if dup {
			l.problem(k, l.fieldAt(at, k), "key %q given twice (first at line %d)", name, line)
			continue
		}
		fn(name, k, v)
	}
}

// keyTables holds the hash tables pairs finds a long mapping's duplicate
// keys with: open addressing over the indexes of the keys, one table
// after another in one array of integers, a table taken for each long
// mapping being decoded and given back when it is done. It holds no
// pointers, so the garbage collector never looks at it, and after the
// first long mappings of a declaration taking a table allocates nothing.
// A map of strings for each cost a long mapping more than decoding it,
// and the collector a look at every key.
type keyTables struct {
	seed  maphash.Seed
	slots []int32
}

// keyTable is a table of keyTables: slots[base:base+size].
type keyTable struct{ base, size int }

// open takes an empty table for n keys.
func (ts *keyTables) open(n int) keyTable {
	if len(ts.slots) == 0 && cap(ts.slots) == 0 {
		ts.seed = maphash.MakeSeed()
	}
	size := 1
	for size < 2*n {
		size *= 2
	}
	t := keyTable{base: len(ts.slots), size: size}
	ts.slots = slices.Grow(ts.slots, size)[:t.base+size]
	clear(ts.slots[t.base:])
	return t
}

// close gives back t, the table taken last.
func (ts *keyTables) close(t keyTable) { ts.slots = ts.slots[:t.base] }

// add looks for name among the keys in t and, when it is not there, adds
// content[i], the key called name; it returns the line of the key found.
func (ts *keyTables) add(t keyTable, content []node, i int, name string, tr *tree) (int, bool) {
	mask := uint64(t.size - 1)
	slots := ts.slots[t.base : t.base+t.size]
	for h := maphash.String(ts.seed, name) & mask; ; h = (h + 1) & mask {
		j := slots[h]
		if j == 0 {
			slots[h] = int32(i + 1)
			return 0, false
		}
		if k := &content[j-1]; tr.value(k) == name {
			return int(k.Line), true
		}
	}
}

// shortMapping is the number of keys up to which pairs looks for a
// duplicate key by going through the keys before it.
const shortMapping = 16

// firstKey returns the line of the first key called name among the
// key-value pairs in content that pairs accepts as keys, if there is one.
func (l *loader) firstKey(content []node, name string) (int, bool) {
	for j := 0; j+1 < len(content); j += 2 {
		if k := &content[j]; k.kind() == yaml.ScalarNode && k.tag() != tagMerge && l.value(k) == name {
			return int(k.Line), true
		}
	}
	return 0, false
}

// list decodes a sequence, calling fn with each element and its path. A
// scalar or mapping where a list is expected is decoded as a list of one
// when single is true.
func (l *loader) list(n *node, at path, what string, single bool, fn func(i int, v *node, p path)) {
	if n.kind() != yaml.SequenceNode {
		if single && (n.kind() == yaml.ScalarNode || n.kind() == yaml.MappingNode) {
			p := l.elem(at, 0)
			l.mark(n, p)
			fn(0, n, p)
			return
		}
		l.fail(n, at, "expected a list of %s, got %s", what, l.kind(n))
		return
	}
	for i := range l.content(n) {
		v := &l.content(n)[i]
		p := l.elem(at, i)
		if v = l.deref(v, p); v == nil {
			continue
		}
		l.mark(v, p)
		fn(i, v, p)
	}
}

// str decodes a scalar as text. Numbers and booleans are taken as written
// ("2024" for a version, "NO" for Norway).
func (l *loader) str(n *node, p path, dst *string) {
	if n.kind() != yaml.ScalarNode {
		l.fail(n, p, "expected a string, got %s", l.kind(n))
		return
	}
	if !isNull(n) {
		*dst = l.value(n)
	}
}

// boolean decodes true or false.
func (l *loader) boolean(n *node, p path, dst *bool) {
	if n.kind() != yaml.ScalarNode || n.tag() != tagBool {
		l.fail(n, p, "expected true or false, got %s", l.kind(n))
		return
	}
	*dst = l.value(n) == "true" || l.value(n) == "True" || l.value(n) == "TRUE"
}

// integer decodes a whole number.
func (l *loader) integer(n *node, p path, dst *int) {
	if n.kind() == yaml.ScalarNode && n.tag() == tagInt {
		if v, err := strconv.ParseInt(l.value(n), 0, 32); err == nil {
			*dst = int(v)
			return
		}
	}
	l.fail(n, p, "expected a whole number, got %s", l.kind(n))
}

// strs decodes a list of strings; a single string is accepted as a list
// of one.
func (l *loader) strs(n *node, p path, what string, dst *[]string) {
	*dst = nil
	reserve(dst, n)
	l.list(n, p, what, true, func(_ int, v *node, q path) {
		var s string
		l.str(v, q, &s)
		*dst = append(*dst, s)
	})
}

// textKeys are the keys of a Text written as a mapping.
var textKeys = keys[Text]{
	{"de", func(l *loader, v *node, p path, t *Text) { l.str(v, p, &t.DE) }},
	{"en", func(l *loader, v *node, p path, t *Text) { l.str(v, p, &t.EN) }},
}

// text decodes a Text: a mapping with de and en, or a plain string, which
// is German.
func (l *loader) text(n *node, p path, dst *Text) {
	if n.kind() == yaml.ScalarNode {
		l.str(n, p, &dst.DE)
		return
	}
	object(l, n, p, "a text in de and en", textKeys, dst)
}

// period decodes a Period.
func (l *loader) period(n *node, p path, dst *Period) {
	if n.kind() != yaml.ScalarNode {
		l.fail(n, p, "expected a period such as 7d, got %s", l.kind(n))
		return
	}
	v, err := ParsePeriod(l.value(n))
	if err != nil {
		l.fail(n, p, "%s", err.Error())
		return
	}
	*dst = v
}

// duration decodes an elapsed time.Duration ("2m", "1h30m").
func (l *loader) duration(n *node, p path, dst *time.Duration) {
	if n.kind() != yaml.ScalarNode {
		l.fail(n, p, "expected a duration such as 30m, got %s", l.kind(n))
		return
	}
	v, err := time.ParseDuration(l.value(n))
	if err != nil {
		l.fail(n, p, "%q is not a duration (elapsed time in h, m or s, such as 2h or 30m)", l.value(n))
		return
	}
	*dst = v
}

// suggest returns ` (did you mean "x"?)` for the known key closest to key
// (of those as close, the first in alphabetical order), or the sorted list
// of known keys when none is close. The list is made only then: a
// declaration with an unknown key in every entry asks for a suggestion at
// each.
func (ks keys[T]) suggest(key string) string {
	low := strings.ToLower(key)
	best, bestD := "", 1<<30
	for i := range ks {
		k := ks[i].name
		if d := distance(low, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if best != "" && (bestD <= 2 || bestD <= len(best)/3) && bestD < len(key) {
		return " (did you mean " + strconv.Quote(best) + "?)"
	}
	return " (known: " + strings.Join(ks.names(), ", ") + ")"
}

// maxKey is the length of the longest key distance compares; longer ones
// are as far from each other as they are long.
const maxKey = 64

// distance is the Levenshtein distance between a and b, counted in bytes
// (keys are ASCII).
func distance(a, b string) int {
	if len(a) > maxKey || len(b) > maxKey {
		return max(len(a), len(b))
	}
	var rows [2][maxKey + 1]int
	prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1]
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
