package policy

import "go.yaml.in/yaml/v3"

// tree is a parsed declaration: its nodes, and the text their values are
// taken from. The nodes hold no pointers, so that the garbage collector
// has nothing to look at in them and writing them costs no write
// barriers: a declaration near MaxDeclarationSize has over half a million
// nodes, and scanning them cost as much as parsing them.
type tree struct {
	// text is the declaration; most values are slices of it.
	text string
	// extra holds the values that are not written as they are: quoted
	// with escapes, folded over lines, or copied from yaml.v3.
	extra []string
	// nodes holds the children of every collection, those of one in a
	// row.
	nodes []node
	root  node
}

// node is one node of a parsed declaration: what the loader reads of a
// yaml.Node, with its value and children kept in its tree.
type node struct {
	// Kind is a yaml.Kind: scalar, mapping, sequence or alias.
	Kind yaml.Kind
	// Tag is the scalar's resolved tag, as far as the loader tells tags
	// apart.
	Tag nodeTag
	// inExtra tells that a scalar's value is tree.extra[off], not
	// tree.text[off:off+cnt].
	inExtra bool
	// Line and Column start at 1.
	Line, Column int32
	// off and cnt place a scalar's value at tree.text[off:off+cnt] (or
	// at tree.extra[off]), and a collection's children at
	// tree.nodes[off:off+cnt]: a sequence's entries, or a mapping's keys
	// and values in turn.
	off, cnt uint32
}

// nodeTag is a scalar's tag, as far as the loader tells tags apart.
type nodeTag uint8

const (
	// tagOther is "!!str" and every tag the loader treats as text:
	// "!!timestamp", "!!binary", the tags of mappings and sequences and
	// tags of the writer's own.
	tagOther nodeTag = iota
	tagNull
	tagBool
	tagInt
	tagFloat
	tagMerge
)

// tagOf returns the nodeTag of a yaml.v3 short tag.
func tagOf(t string) nodeTag {
	switch t {
	case "!!null":
		return tagNull
	case "!!bool":
		return tagBool
	case "!!int":
		return tagInt
	case "!!float":
		return tagFloat
	case "!!merge":
		return tagMerge
	}
	return tagOther
}

// value returns a scalar's text, or an alias's anchor name; a
// collection has none.
func (t *tree) value(n *node) string {
	switch {
	case n.Kind != yaml.ScalarNode && n.Kind != yaml.AliasNode:
		return ""
	case n.inExtra:
		return t.extra[n.off]
	}
	return t.text[n.off : n.off+n.cnt]
}

// content returns a collection's children; a scalar has none.
func (t *tree) content(n *node) []node {
	if n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode {
		return nil
	}
	return t.nodes[n.off : n.off+n.cnt : n.off+n.cnt]
}

// setValue makes s the value of n.
func (t *tree) setValue(n *node, s string) {
	n.inExtra, n.off = true, uint32(len(t.extra))
	t.extra = append(t.extra, s)
}

// fromYAML copies the tree yaml.v3 parsed into a tree of nodes.
func fromYAML(y *yaml.Node) *tree {
	t := &tree{}
	t.root = t.copy(y)
	return t
}

func (t *tree) copy(y *yaml.Node) node {
	n := node{Kind: y.Kind, Tag: tagOf(y.Tag), Line: int32(y.Line), Column: int32(y.Column)}
	if y.Value != "" {
		t.setValue(&n, y.Value)
	}
	if len(y.Content) > 0 {
		kids := make([]node, len(y.Content))
		for i, c := range y.Content {
			kids[i] = t.copy(c)
		}
		n.off, n.cnt = uint32(len(t.nodes)), uint32(len(kids))
		t.nodes = append(t.nodes, kids...)
	}
	return n
}
