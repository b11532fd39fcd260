package policy

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// This file holds a parser for the part of YAML that declarations are
// written in: block mappings and sequences, flow mappings and sequences on
// one or more lines, plain, quoted, literal and folded scalars, and
// comments. It builds the same yaml.Node tree as go.yaml.in/yaml/v3 does
// (kind, tag, value, line and column of every node; styles and comments
// are not kept, the loader reads none), several times faster and with a few
// large allocations instead of several per node.
//
// It never reports an error. Whatever it does not handle exactly as
// yaml.v3 does, it declines: a tab, a carriage return, a byte-order mark, a
// document marker, an anchor, alias or tag, a complex key, an empty value
// in a flow collection, anything yaml.v3 would refuse, and any input that
// is not one block mapping. Load then parses the input with yaml.v3, so
// that every syntax error, and every text and position that follows from
// the tree, comes from yaml.v3 as before. FuzzFastYAML compares the two
// parsers on every input the fast one accepts.

// fastYAML is the state of one parse. Values are slices of src where the
// text is the value as written, so most scalars allocate nothing.
type fastYAML struct {
	src string
	i   int // the byte being read
	// line is the number of line breaks before i, ls the offset at which
	// the line of i starts; cpos and ccol are an offset on that line and
	// its column in characters, so that columns are counted once.
	line, ls   int
	cpos, ccol int
	depth      int
	t          *tree
	stack      []node
	buf        []byte
	tags       map[string]nodeTag
}

// declined unwinds a parse that meets what it does not handle.
type declined struct{}

// maxFastDepth is how deeply collections may nest before the parser
// leaves the input to yaml.v3.
const maxFastDepth = 64

// maxKeyChars is the longest implicit key the parser accepts, in
// characters; yaml.v3 stops looking for a key's colon after 1024.
const maxKeyChars = 1000

// parseFast returns the tree of the one YAML document in src when src is
// a block mapping written in the subset this file handles, or nil when
// yaml.v3 has to parse it. Should the parser itself fail, a bug FuzzFastYAML
// looks for, the text is left to yaml.v3 as well: a mistake of a faster
// way is no reason to refuse a declaration.
func parseFast(src string) (t *tree) {
	defer func() {
		if recover() != nil {
			t = nil
		}
	}()
	return subset(src)
}

// subset is the parser parseFast runs: parseSubset, replaced only by the
// test that proves the safety net.
var subset = parseSubset

// parseSubset is parseFast without the safety net: it panics if the parser
// fails, so that the tests see it.
func parseSubset(src string) (t *tree) {
	if !fastText(src) {
		return nil
	}
	p := &fastYAML{src: src, stack: make([]node, 0, 64)}
	// Room for the nodes: a key and a value at each colon, an entry at
	// each dash and comma, give or take.
	size := 2*strings.Count(src, ":") + strings.Count(src, "-") + strings.Count(src, ",")
	p.t = &tree{text: p.src, nodes: make([]node, 0, min(size, len(src)))}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(declined); !ok {
				panic(r)
			}
			t = nil
		}
	}()
	p.skipToContent()
	if p.i >= len(p.src) {
		return nil
	}
	p.t.root = p.blockNode(-1, true)
	if p.t.root.kind() != yaml.MappingNode || p.i < len(p.src) {
		return nil
	}
	return p.t
}

// fastText reports whether src is free of what the parser leaves to
// yaml.v3 wherever it stands: characters YAML does not allow, invalid
// UTF-8, tabs, carriage returns, a byte-order mark, the line breaks NEL,
// LS and PS, and document markers and directives at the start of a line.
func fastText(src string) bool {
	for i := 0; i < len(src); {
		// At the start of a line.
		if c := src[i]; c == '%' || (c == '-' || c == '.') && i+2 < len(src) && src[i+1] == c && src[i+2] == c {
			return false
		}
		for {
			i = skipPrintable(src, i)
			if i >= len(src) {
				return true
			}
			c := src[i]
			if c == '\n' {
				i++
				break
			}
			r, size := utf8.DecodeRuneInString(src[i:])
			if c < utf8.RuneSelf || r == utf8.RuneError && size == 1 || !yamlPrintable(r) ||
				r == 0x85 || r == 0x2028 || r == 0x2029 {
				// Controls including tab and carriage return, and DEL.
				return false
			}
			i += size
		}
	}
	return true
}

func (p *fastYAML) decline() { panic(declined{}) }

// at returns the byte at offset i, or 0 past the end.
func (p *fastYAML) at(i int) byte {
	if i < len(p.src) {
		return p.src[i]
	}
	return 0
}

// blankz reports whether the byte at i is a space, a line break or the
// end of the input.
func (p *fastYAML) blankz(i int) bool {
	c := p.at(i)
	return c == ' ' || c == '\n' || c == 0
}

// col returns the column of i, which is on the current line.
func (p *fastYAML) col(i int) int {
	if i < p.cpos {
		p.cpos, p.ccol = p.ls, 0
	}
	s := p.src[p.cpos:i]
	n := len(s)
	for j := 0; j < len(s); j++ {
		if s[j] >= utf8.RuneSelf {
			n = utf8.RuneCountInString(s)
			break
		}
	}
	p.ccol += n
	p.cpos = i
	return p.ccol
}

// newline steps over the line break at i.
func (p *fastYAML) newline() {
	p.i++
	p.line++
	p.ls, p.cpos, p.ccol = p.i, p.i, 0
}

// place is a position to come back to.
type place struct{ i, line, ls int }

func (p *fastYAML) here() place { return place{p.i, p.line, p.ls} }

func (p *fastYAML) back(m place) {
	// The column counted last stays good on the same line: col counts
	// on from it, or from the line's start when i is before it. Counting
	// from the start after every plain scalar cost the parser a tenth of
	// its time on lines of several.
	if m.ls != p.ls {
		p.cpos, p.ccol = m.ls, 0
	}
	p.i, p.line, p.ls = m.i, m.line, m.ls
}

// node0 returns a node at the 0-based line and col.
func node0(kind yaml.Kind, tag nodeTag, line, col int) node {
	return makeNode(kind, tag, int32(line+1), int32(col+1))
}

// scalar returns a scalar at the 0-based line and col whose value is
// src[from:to].
func (p *fastYAML) scalar(tag nodeTag, from, to, line, col int) node {
	n := node0(yaml.ScalarNode, tag, line, col)
	n.off, n.cnt = uint32(from), uint32(to-from)
	return n
}

// built returns a scalar at the 0-based line and col whose value is v.
func (p *fastYAML) built(tag nodeTag, v string, line, col int) node {
	n := node0(yaml.ScalarNode, tag, line, col)
	p.t.setValue(&n, v)
	return n
}

// collection ends a mapping or sequence: its children are the nodes
// pushed on the stack since start.
func (p *fastYAML) collection(n *node, start int) {
	if k := len(p.stack) - start; k > 0 {
		n.off, n.cnt = uint32(len(p.t.nodes)), uint32(k)
		p.t.nodes = append(p.t.nodes, p.stack[start:]...)
	}
	p.stack = p.stack[:start]
	p.depth--
}

func (p *fastYAML) enter() {
	p.depth++
	if p.depth > maxFastDepth {
		p.decline()
	}
}

// skipToContent moves past spaces, line breaks and comments to the next
// character that is content, or to the end.
func (p *fastYAML) skipToContent() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ':
			p.i++
		case '\n':
			p.newline()
		case '#':
			if p.i > p.ls && p.src[p.i-1] != ' ' {
				p.decline()
			}
			if j := strings.IndexByte(p.src[p.i:], '\n'); j >= 0 {
				p.i += j
			} else {
				p.i = len(p.src)
			}
		default:
			return
		}
	}
}

// endLine requires that nothing but spaces and a comment follow on the
// line, and moves to the next content.
func (p *fastYAML) endLine() {
	for p.at(p.i) == ' ' {
		p.i++
	}
	if c := p.at(p.i); c != 0 && c != '\n' && c != '#' {
		p.decline()
	}
	p.skipToContent()
}

// blockNode parses the node at i in block context, inside a collection
// indented by indent. compact tells whether a mapping or sequence may
// start here (at the start of a line or after "- "), not after "key: ".
// It returns with i at the next content after the node.
func (p *fastYAML) blockNode(indent int, compact bool) node {
	c := p.src[p.i]
	line, col := p.line, p.col(p.i)
	switch {
	case c == '-' && p.blankz(p.i+1):
		if !compact || col <= indent {
			p.decline()
		}
		return p.blockSequence(col, false)
	case c == '|' || c == '>':
		return p.blockScalar(indent)
	case c == '{' || c == '[':
		n := p.flowNode(indent)
		p.endLine()
		return n
	}
	var n node
	var multiline bool
	switch {
	case c == '"' || c == '\'':
		n = p.quoted()
		multiline = int(n.Line) != p.line+1
	case p.plainStart(false):
		n, multiline = p.plain(indent, false)
	default:
		p.decline()
	}
	k := p.i
	for p.at(k) == ' ' {
		k++
	}
	if p.at(k) == ':' && p.blankz(k+1) {
		if !compact || multiline || col <= indent || p.col(k)-col > maxKeyChars {
			p.decline()
		}
		p.i = k
		return p.blockMapping(n, line, col)
	}
	p.endLine()
	return n
}

// blockMapping parses a block mapping whose first key, at line and col,
// has been read; i is at the colon after it.
func (p *fastYAML) blockMapping(key node, line, col int) node {
	p.enter()
	m := node0(yaml.MappingNode, tagOther, line, col)
	start := len(p.stack)
	for {
		p.stack = append(p.stack, key)
		// At the colon after the key.
		p.i++
		vline, vcol := p.line, p.col(p.i)
		for p.at(p.i) == ' ' {
			p.i++
		}
		var v node
		if c := p.at(p.i); c == 0 || c == '\n' || c == '#' {
			p.skipToContent()
			nc := -1
			if p.i < len(p.src) {
				nc = p.col(p.i)
			}
			switch {
			case nc == col && p.src[p.i] == '-' && p.blankz(p.i+1):
				v = p.blockSequence(col, true)
			case nc > col:
				v = p.blockNode(col, true)
			default:
				v = node0(yaml.ScalarNode, tagNull, vline, vcol)
			}
		} else {
			v = p.blockNode(col, false)
		}
		p.stack = append(p.stack, v)
		if p.i >= len(p.src) {
			break
		}
		nc := p.col(p.i)
		if nc < col {
			break
		}
		if nc > col {
			p.decline()
		}
		key = p.key(col)
	}
	p.collection(&m, start)
	return m
}

// key parses the next key of a block mapping at col, and moves to the
// colon after it.
func (p *fastYAML) key(col int) node {
	var k node
	multiline := false
	switch c := p.src[p.i]; {
	case c == '"' || c == '\'':
		k = p.quoted()
		multiline = int(k.Line) != p.line+1
	case p.plainStart(false):
		k, multiline = p.plain(col, false)
	default:
		p.decline()
	}
	for p.at(p.i) == ' ' {
		p.i++
	}
	if multiline || p.at(p.i) != ':' || !p.blankz(p.i+1) || p.col(p.i)-col > maxKeyChars {
		p.decline()
	}
	return k
}

// blockSequence parses a block sequence whose first "-" is at i, in
// column col. An indentless sequence, the value of a mapping key written
// at the key's own indentation, ends at the first line of that
// indentation that is not an entry.
func (p *fastYAML) blockSequence(col int, indentless bool) node {
	p.enter()
	s := node0(yaml.SequenceNode, tagOther, p.line, col)
	start := len(p.stack)
	for {
		// At the "-".
		p.i++
		eline, ecol := p.line, col+1
		for p.at(p.i) == ' ' {
			p.i++
		}
		var v node
		if c := p.at(p.i); c == 0 || c == '\n' || c == '#' {
			p.skipToContent()
			if p.i < len(p.src) && p.col(p.i) > col {
				v = p.blockNode(col, true)
			} else {
				v = node0(yaml.ScalarNode, tagNull, eline, ecol)
			}
		} else {
			v = p.blockNode(col, true)
		}
		p.stack = append(p.stack, v)
		if p.i >= len(p.src) {
			break
		}
		nc := p.col(p.i)
		if nc < col {
			break
		}
		if nc > col {
			p.decline()
		}
		if p.src[p.i] != '-' || !p.blankz(p.i+1) {
			if indentless {
				break
			}
			p.decline()
		}
	}
	p.collection(&s, start)
	return s
}

// flowNode parses a node in flow context: a flow collection, a quoted
// scalar or a plain scalar on one line. indent is the indentation of the
// block collection around the flow collection.
func (p *fastYAML) flowNode(indent int) node {
	switch c := p.src[p.i]; {
	case c == '{':
		return p.flowCollection(indent, true)
	case c == '[':
		return p.flowCollection(indent, false)
	case c == '"' || c == '\'':
		return p.quoted()
	case p.plainStart(true):
		n, multiline := p.plain(indent, true)
		if multiline {
			p.decline()
		}
		return n
	}
	p.decline()
	return node{}
}

// flowSpace moves past spaces, line breaks and comments inside a flow
// collection. A line continuing the collection must be indented more than
// the block collection around it.
func (p *fastYAML) flowSpace(indent int) {
	moved := false
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ':
			p.i++
		case '\n':
			p.newline()
			moved = true
		case '#':
			if p.i > p.ls && p.src[p.i-1] != ' ' {
				p.decline()
			}
			if j := strings.IndexByte(p.src[p.i:], '\n'); j >= 0 {
				p.i += j
			} else {
				p.i = len(p.src)
			}
		default:
			if moved && p.col(p.i) <= indent {
				p.decline()
			}
			return
		}
	}
	p.decline()
}

// flowCollection parses {key: value, ...} or [value, ...]. Every key is a
// scalar on one line followed by ": ", every value is given, and no comma
// trails.
func (p *fastYAML) flowCollection(indent int, mapping bool) node {
	p.enter()
	kind, closing := yaml.SequenceNode, byte(']')
	if mapping {
		kind, closing = yaml.MappingNode, '}'
	}
	n := node0(kind, tagOther, p.line, p.col(p.i))
	start := len(p.stack)
	p.i++
	p.flowSpace(indent)
	if p.src[p.i] == closing {
		p.i++
		p.collection(&n, start)
		return n
	}
	for {
		if mapping {
			kcol := p.col(p.i)
			k := p.flowNode(indent)
			if k.kind() != yaml.ScalarNode || int(k.Line) != p.line+1 {
				p.decline()
			}
			for p.at(p.i) == ' ' {
				p.i++
			}
			if p.at(p.i) != ':' || !p.blankz(p.i+1) || p.col(p.i)-kcol > maxKeyChars {
				p.decline()
			}
			p.i++
			p.stack = append(p.stack, k)
			p.flowSpace(indent)
			if c := p.src[p.i]; c == ',' || c == closing {
				p.decline()
			}
		}
		v := p.flowNode(indent)
		p.stack = append(p.stack, v)
		p.flowSpace(indent)
		switch p.src[p.i] {
		case ',':
			p.i++
			p.flowSpace(indent)
			if c := p.src[p.i]; c == ',' || c == closing {
				p.decline()
			}
		case closing:
			p.i++
			p.collection(&n, start)
			return n
		default:
			p.decline()
		}
	}
}
