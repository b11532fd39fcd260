package policy

import (
	"math"
	"strconv"
	"strings"
)

// path is a field path the loader has made, such as
// "datasets[3].fields.email": an index into its table of steps. The loader
// passes paths to every value it decodes and records the position of
// nearly every one, but hardly ever needs one written out: only for a
// problem, and for the few positions asked for later. So a path is kept as
// its last step and the path it continues, without a string, and written
// out only when asked; a table of strings, one for every value of a large
// declaration, cost more memory than its nodes, and the garbage collector
// a look at each.
type path int32

// rootPath is the path of the declaration itself, "".
const rootPath path = 0

// step is the last element of a path: a key or a list index, and the
// path it continues. It holds no pointers, so that the garbage collector
// has nothing to look at in a table of them.
type step struct {
	parent path
	// off and cnt place a key at text[off:off+cnt] (stepKey), at
	// extra[off] (stepExtraKey) or at stepNames[off] (stepName); off is
	// the index of a list entry (stepIndex).
	off uint32
	// line and column are where the value at the path was written, when
	// marked.
	line, column int32
	cnt          uint16
	kind         stepKind
	marked       bool
}

// stepKind tells what a step adds to the path it continues.
type stepKind uint8

const (
	stepRoot stepKind = iota
	// stepKey, stepExtraKey and stepName add ".key" ("key" to the root);
	// stepIndex adds "[i]".
	stepKey
	stepExtraKey
	stepName
	stepIndex
)

// stepNames are the keys the loader adds to paths that the text does not
// spell: those of a value written in a short form ("legal_basis: 6.1.e"
// is the basis of the first legal basis).
var stepNames = [...]string{nameBasis: "basis", nameKind: "kind", nameAddress: "address", nameColumn: "column", nameOp: "op"}

// The indexes of stepNames.
const (
	nameBasis = iota
	nameKind
	nameAddress
	nameColumn
	nameOp
)

// steps is a table of paths over the text their keys are taken from.
type steps struct {
	text  string
	extra []string
	list  []step
}

// key returns the key a step adds.
func (s *steps) key(st *step) string {
	switch st.kind {
	case stepKey:
		return s.text[st.off : st.off+uint32(st.cnt)]
	case stepExtraKey:
		return s.extra[st.off]
	case stepName:
		return stepNames[st.off]
	}
	return ""
}

// add appends a step and returns its path.
func (s *steps) add(st step) path {
	s.list = append(s.list, st)
	return path(len(s.list) - 1)
}

// appendPath appends path p written out to b.
func (s *steps) appendPath(b []byte, p path) []byte {
	st := &s.list[p]
	if st.kind == stepRoot {
		return b
	}
	b = s.appendPath(b, st.parent)
	if st.kind == stepIndex {
		b = append(b, '[')
		b = strconv.AppendUint(b, uint64(st.off), 10)
		return append(b, ']')
	}
	if s.list[st.parent].kind != stepRoot {
		b = append(b, '.')
	}
	return append(b, s.key(st)...)
}

// String returns path p written out.
func (s *steps) String(p path) string {
	var buf [128]byte
	return string(s.appendPath(buf[:0], p))
}

// matches reports whether path p written out is want, without writing
// it out: it compares p's steps with the end of want, last step first, so
// that most paths differ at their first comparison.
func (s *steps) matches(p path, want string) bool {
	for {
		st := &s.list[p]
		switch st.kind {
		case stepRoot:
			return want == ""
		case stepIndex:
			var digits [20]byte
			d := strconv.AppendUint(digits[:0], uint64(st.off), 10)
			n := len(want) - len(d) - 2
			if n < 0 || want[n] != '[' || want[len(want)-1] != ']' || want[n+1:len(want)-1] != string(d) {
				return false
			}
			want = want[:n]
		default:
			k := s.key(st)
			if !strings.HasSuffix(want, k) {
				return false
			}
			want = want[:len(want)-len(k)]
			if s.list[st.parent].kind != stepRoot {
				if want == "" || want[len(want)-1] != '.' {
					return false
				}
				want = want[:len(want)-1]
			}
		}
		p = st.parent
	}
}

// all returns every path of the table written out, in the order of the
// table, each slicing one of a few shared strings.
func (s *steps) all() []string {
	out := make([]string, len(s.list))
	var chunk strings.Builder
	for i := range s.list {
		st := &s.list[i]
		if st.kind == stepRoot {
			continue
		}
		parent, k := out[st.parent], s.key(st)
		var d []byte
		var digits [20]byte
		if st.kind == stepIndex {
			d = strconv.AppendUint(digits[:0], uint64(st.off), 10)
		}
		n := len(parent) + len(k) + len(d) + 2
		if chunk.Cap()-chunk.Len() < n {
			chunk = strings.Builder{}
			chunk.Grow(max(n, pathChunk))
		}
		start := chunk.Len()
		chunk.WriteString(parent)
		switch {
		case st.kind == stepIndex:
			chunk.WriteByte('[')
			chunk.Write(d)
			chunk.WriteByte(']')
		case s.list[st.parent].kind != stepRoot:
			chunk.WriteByte('.')
			chunk.WriteString(k)
		default:
			chunk.WriteString(k)
		}
		out[i] = chunk.String()[start:]
	}
	return out
}

// pathChunk is the size of the pieces of memory all writes paths into.
const pathChunk = 32 << 10

// newSteps returns a table of paths for the values of t, holding the
// root path. Every value gets a path and a position. The values of
// mappings are about as many as the colons in the text, the entries of
// lists as the dashes and commas: counting those is three quick passes
// over the bytes, where counting the values took one over the node tree,
// slow once the tree no longer fits the processor's caches. The count
// only makes room; the table grows past it if need be, which would cost
// it twice its size. (A tree yaml.v3 parsed keeps its values apart from
// the text; its table starts small.)
func newSteps(t *tree) steps {
	b := t.text
	values := strings.Count(b, ":") + strings.Count(b, "-") + strings.Count(b, ",")
	return steps{text: t.text, extra: t.extra, list: make([]step, 1, 2+min(values, len(b)/2))}
}

// fieldAt returns the path of the value at key k, a scalar of the tree,
// in the mapping at p.
func (l *loader) fieldAt(p path, k *node) path {
	st := step{parent: p, off: k.off, cnt: uint16(k.cnt), kind: stepKey}
	switch {
	case k.extra():
		st.kind = stepExtraKey
	case k.cnt > math.MaxUint16:
		// Longer than any key the parser takes (maxKeyChars), but
		// should one be this long, it is kept whole.
		st.kind, st.off = stepExtraKey, uint32(len(l.steps.extra))
		l.steps.extra = append(l.steps.extra, l.value(k))
	}
	return l.steps.add(st)
}

// field returns the path of the value at stepNames[name] in the mapping
// at p.
func (l *loader) field(p path, name int) path {
	return l.steps.add(step{parent: p, off: uint32(name), kind: stepName})
}

// elem returns the path of entry i of the list at p.
func (l *loader) elem(p path, i int) path {
	return l.steps.add(step{parent: p, off: uint32(i), kind: stepIndex})
}

// pathString returns path p written out.
func (l *loader) pathString(p path) string { return l.steps.String(p) }
