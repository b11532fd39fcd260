package policy

import (
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The scalars of parseFast: plain, single- and double-quoted, literal and
// folded, each read as yaml.v3's scanner reads it, and the tags of plain
// ones resolved as yaml.v3 resolves them.

// plainStart reports whether a plain scalar may start at i.
func (p *fastYAML) plainStart(flow bool) bool {
	switch c := p.src[p.i]; c {
	case ' ', '\n', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '-':
		return !p.blankz(p.i + 1)
	}
	return true
}

// plain reads a plain scalar, as yaml.v3's scanner does: in block context
// it goes on over lines indented more than indent, lines are folded into
// spaces and empty lines into line breaks; it ends before a colon followed
// by a blank, a comment, or in flow context a flow indicator. It returns
// with i after the scalar's last character.
func (p *fastYAML) plain(indent int, flow bool) (node, bool) {
	line, col := p.line, p.col(p.i)
	start := p.i
	end := p.here()
	multiline := false
	var b []byte
	// Folding state: spaces seen on the line, and whether a line break
	// was seen (leading) and how many more (trailing).
	spaces, leading, trailing := 0, false, 0
	for {
		if p.at(p.i) == '#' {
			break
		}
		stop := &plainStop[0]
		if flow {
			stop = &plainStop[1]
		}
		for !p.blankz(p.i) {
			c := p.src[p.i]
			if c == ':' && p.blankz(p.i+1) {
				break
			}
			if flow && stop[c] && c != ':' {
				break
			}
			// Spaces inside a line are kept as written: in the text of a
			// one-line scalar, appended to that of a folded one. A line
			// break is folded into a space, or into the empty lines after
			// it.
			switch {
			case leading:
				if !multiline {
					b = append(p.buf[:0], p.src[start:end.i]...)
					multiline = true
				}
				if trailing == 0 {
					b = append(b, ' ')
				}
				for range trailing {
					b = append(b, '\n')
				}
			case multiline && spaces > 0:
				b = append(b, p.src[p.i-spaces:p.i]...)
			}
			spaces, leading, trailing = 0, false, 0
			j := p.i
			for p.i++; p.i < len(p.src) && !stop[p.src[p.i]]; p.i++ {
			}
			if multiline {
				b = append(b, p.src[j:p.i]...)
			}
			end = p.here()
		}
		if c := p.at(p.i); c != ' ' && c != '\n' {
			break
		}
		for {
			c := p.at(p.i)
			if c == ' ' {
				if !leading {
					spaces++
				}
				p.i++
			} else if c == '\n' {
				if !leading {
					spaces = 0
					leading = true
				} else {
					trailing++
				}
				p.newline()
			} else {
				break
			}
		}
		if !flow && p.col(p.i) < indent+1 {
			break
		}
	}
	p.back(end)
	if multiline {
		v := string(b)
		p.buf = b[:0]
		return p.built(p.tag(v), v, line, col), true
	}
	return p.scalar(p.tag(p.src[start:end.i]), start, end.i, line, col), false
}

// plainStop tells the bytes at which a run of a plain scalar's characters
// stops to be looked at: a blank, a line break or a colon in block context
// ([0]), and the flow indicators too in flow context ([1]).
var plainStop = func() (t [2][256]bool) {
	for _, c := range " \n:" {
		t[0][c], t[1][c] = true, true
	}
	for _, c := range ",?[]{}" {
		t[1][c] = true
	}
	return t
}()

// tag returns the tag yaml.v3 gives the plain scalar v. "<<" is a merge
// key. Text that starts with one of yaml.v3's first letters of a word it
// knows is a bool or null if it is one of those words, else a string;
// text that starts with none of the characters yaml.v3 looks at (signs,
// digits, ".", "~" and those letters) is a string. The rest (numbers,
// dates, ".inf") is left to yaml.v3's own resolution (Node.ShortTag),
// whose answers are kept for the values met most, such as "7d".
func (p *fastYAML) tag(v string) nodeTag {
	if v == "" {
		return tagNull
	}
	switch resolvable[v[0]] {
	case 0:
		if v == "<<" {
			return tagMerge
		}
		return tagOther
	case 'M':
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return tagBool
		case "null", "Null", "NULL", "~":
			return tagNull
		}
		return tagOther
	}
	if t, ok := p.tags[v]; ok {
		return t
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
	t := tagOf(n.ShortTag())
	if p.tags == nil {
		p.tags = make(map[string]nodeTag)
	}
	if len(p.tags) < 1024 {
		p.tags[v] = t
	}
	return t
}

// resolvable tells, for the first byte of a plain scalar, how yaml.v3
// resolves its tag: 'M' for the first letters of true, false and null
// (and of yes, no, on and off, which yaml.v3 leaves strings), 'N' for
// signs, digits, "." and "~", which may start a number, and 0 for the
// rest, which start a string.
var resolvable = func() (t [256]byte) {
	for _, c := range "yYnNtTfFoO~" {
		t[c] = 'M'
	}
	for _, c := range "+-0123456789." {
		t[c] = 'N'
	}
	return t
}()

// quoted parses a single- or double-quoted scalar, folding its lines as
// yaml.v3 does. It returns with i after the closing quote.
func (p *fastYAML) quoted() node {
	line, col := p.line, p.col(p.i)
	q := p.src[p.i]
	single := q == '\''
	p.i++
	start := p.i
	// Most quoted scalars are one line without escapes: the text between
	// the quotes is the value.
	for j := start; j < len(p.src); j++ {
		c := p.src[j]
		if c == q && !(single && p.at(j+1) == '\'') {
			p.i = j + 1
			return p.scalar(tagOther, start, j, line, col)
		}
		if c == '\n' || c == q || c == '\\' && !single {
			break
		}
	}
	b := p.buf[:0]
	leadingBreak, trailing := false, 0
	for {
		if p.i >= len(p.src) {
			p.decline()
		}
		leadingBlanks := false
		for !p.blankz(p.i) {
			c := p.src[p.i]
			if single && c == '\'' && p.at(p.i+1) == '\'' {
				b = append(b, '\'')
				p.i += 2
				continue
			}
			if c == q {
				break
			}
			if !single && c == '\\' && p.at(p.i+1) == '\n' {
				p.i++
				p.newline()
				leadingBlanks = true
				break
			}
			if !single && c == '\\' {
				b = p.escape(b)
				continue
			}
			b = append(b, c)
			p.i++
		}
		if p.at(p.i) == q {
			break
		}
		spaces := 0
		for {
			c := p.at(p.i)
			if c == ' ' {
				if !leadingBlanks {
					spaces++
				}
				p.i++
			} else if c == '\n' {
				if !leadingBlanks {
					spaces = 0
					leadingBreak = true
					leadingBlanks = true
				} else {
					trailing++
				}
				p.newline()
			} else {
				break
			}
		}
		if leadingBlanks {
			if leadingBreak && trailing == 0 {
				b = append(b, ' ')
			}
			for range trailing {
				b = append(b, '\n')
			}
			leadingBreak, trailing = false, 0
		} else {
			for range spaces {
				b = append(b, ' ')
			}
		}
	}
	p.i++
	v := string(b)
	p.buf = b[:0]
	return p.built(tagOther, v, line, col)
}

// escape appends the character the escape sequence at i stands for, and
// moves past it.
func (p *fastYAML) escape(b []byte) []byte {
	n := 0
	switch c := p.at(p.i + 1); c {
	case '0':
		b = append(b, 0)
	case 'a':
		b = append(b, '\a')
	case 'b':
		b = append(b, '\b')
	case 't':
		b = append(b, '\t')
	case 'n':
		b = append(b, '\n')
	case 'v':
		b = append(b, '\v')
	case 'f':
		b = append(b, '\f')
	case 'r':
		b = append(b, '\r')
	case 'e':
		b = append(b, 0x1B)
	case ' ', '"', '\'', '\\', '/':
		if c == '/' {
			// yaml.v3 does not know this JSON escape.
			p.decline()
		}
		b = append(b, c)
	case 'N':
		b = append(b, "\u0085"...)
	case '_':
		b = append(b, "\u00a0"...)
	case 'L':
		b = append(b, "\u2028"...)
	case 'P':
		b = append(b, "\u2029"...)
	case 'x':
		n = 2
	case 'u':
		n = 4
	case 'U':
		n = 8
	default:
		p.decline()
	}
	p.i += 2
	if n == 0 {
		return b
	}
	r := 0
	for k := 0; k < n; k++ {
		c := p.at(p.i + k)
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 + int(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 + int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 + int(c-'A'+10)
		default:
			p.decline()
		}
	}
	if r >= 0xD800 && r <= 0xDFFF || r > 0x10FFFF {
		p.decline()
	}
	p.i += n
	return utf8.AppendRune(b, rune(r))
}

// blockScalar parses a literal (|) or folded (>) scalar, with an optional
// chomping indicator (- or +), inside a block collection indented by
// indent.
func (p *fastYAML) blockScalar(indent int) node {
	line, col := p.line, p.col(p.i)
	literal := p.src[p.i] == '|'
	p.i++
	chomp := 0
	switch p.at(p.i) {
	case '-':
		chomp = -1
		p.i++
	case '+':
		chomp = 1
		p.i++
	}
	if c := p.at(p.i); c >= '0' && c <= '9' {
		p.decline()
	}
	p.endLine0()
	b := p.buf[:0]
	ind, trailing := 0, 0
	breaks := func() {
		most := 0
		for {
			for (ind == 0 || p.col(p.i) < ind) && p.at(p.i) == ' ' {
				p.i++
			}
			most = max(most, p.col(p.i))
			if p.at(p.i) != '\n' {
				break
			}
			trailing++
			p.newline()
		}
		if ind == 0 {
			ind = max(most, indent+1, 1)
		}
	}
	breaks()
	leadingBreak, leadingBlank := false, false
	for p.i < len(p.src) && p.col(p.i) == ind {
		trailingBlank := p.src[p.i] == ' '
		if !literal && !leadingBlank && !trailingBlank && leadingBreak {
			if trailing == 0 {
				b = append(b, ' ')
			}
		} else if leadingBreak {
			b = append(b, '\n')
		}
		leadingBreak = false
		for range trailing {
			b = append(b, '\n')
		}
		trailing = 0
		leadingBlank = p.src[p.i] == ' '
		j := strings.IndexByte(p.src[p.i:], '\n')
		if j < 0 {
			j = len(p.src) - p.i
		}
		b = append(b, p.src[p.i:p.i+j]...)
		p.i += j
		if p.at(p.i) == '\n' {
			leadingBreak = true
			p.newline()
		}
		breaks()
	}
	if chomp != -1 && leadingBreak {
		b = append(b, '\n')
	}
	if chomp == 1 {
		for range trailing {
			b = append(b, '\n')
		}
	}
	v := string(b)
	p.buf = b[:0]
	p.skipToContent()
	return p.built(tagOther, v, line, col)
}

// endLine0 requires that nothing but spaces and a comment follow on the
// line of a block scalar's header, and moves to the start of the next
// line.
func (p *fastYAML) endLine0() {
	for p.at(p.i) == ' ' {
		p.i++
	}
	if p.at(p.i) == '#' {
		if p.src[p.i-1] != ' ' {
			p.decline()
		}
		for p.i < len(p.src) && p.src[p.i] != '\n' {
			p.i++
		}
	}
	switch p.at(p.i) {
	case '\n':
		p.newline()
	case 0:
	default:
		p.decline()
	}
}
