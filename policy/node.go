package policy

import (
	"math/bits"

	"go.yaml.in/yaml/v3"
)

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
// yaml.Node, with its value and children kept in its tree. It takes 16
// bytes: a declaration near MaxDeclarationSize has over half a million
// nodes, written twice by the parser and read by the loader, and a third
// more of them cost the loader a third more of what it waits for memory.
type node struct {
	// Line starts at 1.
	Line int32
	// meta holds the column (from 1), the kind, the tag and whether the
	// value is in tree.extra; see makeNode.
	meta uint32
	// off and cnt place a scalar's value at tree.text[off:off+cnt] (or
	// at tree.extra[off]), and a collection's children at
	// tree.nodes[off:off+cnt]: a sequence's entries, or a mapping's keys
	// and values in turn.
	off, cnt uint32
}

// The bits of node.meta: the column in the low columnBits, then three
// bits of kind (an index of nodeKinds), three of tag and one telling that
// the value is in tree.extra. A column is at most MaxDeclarationSize+1,
// well below 1<<columnBits.
const (
	columnBits = 25
	kindShift  = columnBits
	tagShift   = kindShift + 3
	extraBit   = 1 << (tagShift + 3)
)

// nodeKinds are the yaml.Kinds a node has, by their index in node.meta.
var nodeKinds = [8]yaml.Kind{0, yaml.DocumentNode, yaml.SequenceNode, yaml.MappingNode, yaml.ScalarNode, yaml.AliasNode}

// makeNode returns a node of kind, with tag, at line and column.
func makeNode(kind yaml.Kind, tag nodeTag, line, column int32) node {
	// yaml.v3's kinds are the bits 1<<0 to 1<<4, so their index in
	// nodeKinds is the bit's position plus one.
	k := uint32(0)
	if kind != 0 {
		k = uint32(bits.TrailingZeros32(uint32(kind))+1) & 7
	}
	return node{Line: line, meta: uint32(column)&(1<<columnBits-1) | k<<kindShift | uint32(tag)<<tagShift}
}

// kind returns the node's yaml.Kind: scalar, mapping, sequence or alias.
func (n *node) kind() yaml.Kind { return nodeKinds[n.meta>>kindShift&7] }

// tag returns the scalar's resolved tag, as far as the loader tells tags
// apart.
func (n *node) tag() nodeTag { return nodeTag(n.meta >> tagShift & 7) }

// column returns the node's column, from 1.
func (n *node) column() int32 { return int32(n.meta & (1<<columnBits - 1)) }

// extra tells that a scalar's value is tree.extra[off], not
// tree.text[off:off+cnt].
func (n *node) extra() bool { return n.meta&extraBit != 0 }

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
	case n.kind() != yaml.ScalarNode && n.kind() != yaml.AliasNode:
		return ""
	case n.extra():
		return t.extra[n.off]
	}
	return t.text[n.off : n.off+n.cnt]
}

// content returns a collection's children; a scalar has none.
func (t *tree) content(n *node) []node {
	if n.kind() != yaml.MappingNode && n.kind() != yaml.SequenceNode {
		return nil
	}
	return t.nodes[n.off : n.off+n.cnt : n.off+n.cnt]
}

// setValue makes s the value of n.
func (t *tree) setValue(n *node, s string) {
	n.meta |= extraBit
	n.off = uint32(len(t.extra))
	t.extra = append(t.extra, s)
}

// fromYAML copies the tree yaml.v3 parsed into a tree of nodes.
func fromYAML(y *yaml.Node) *tree {
	t := &tree{}
	t.root = t.copy(y)
	return t
}

func (t *tree) copy(y *yaml.Node) node {
	n := makeNode(y.Kind, tagOf(y.Tag), int32(y.Line), int32(y.Column))
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
