package policy

import "go.yaml.in/yaml/v3"

// node is one node of a parsed declaration: what the loader reads of a
// yaml.Node, under the same names, in less than half the memory and with
// a quarter of the pointers. A declaration near MaxDeclarationSize has
// over half a million nodes; their size and their pointers are what the
// garbage collector and the processor's caches pay for.
type node struct {
	// Kind is a yaml.Kind: scalar, mapping, sequence or alias.
	Kind yaml.Kind
	// Tag is the scalar's resolved tag, as far as the loader tells tags
	// apart.
	Tag nodeTag
	// Line and Column start at 1.
	Line, Column int
	// Value is a scalar's text, or an alias's anchor name.
	Value string
	// Content holds a sequence's entries, or a mapping's keys and values
	// in turn.
	Content []node
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

// fromYAML copies the tree yaml.v3 parsed into nodes.
func fromYAML(y *yaml.Node) *node {
	n := new(node)
	var a nodeSlab
	a.copy(n, y)
	return n
}

// nodeSlab hands out the children of nodes from larger blocks, so that a
// tree costs a few allocations instead of one a collection.
type nodeSlab []node

// content returns room for k children, whose capacity ends at k.
func (a *nodeSlab) content(k int) []node {
	if len(*a) < k {
		*a = make([]node, max(1024, k))
	}
	c := (*a)[:k:k]
	*a = (*a)[k:]
	return c
}

func (a *nodeSlab) copy(n *node, y *yaml.Node) {
	*n = node{Kind: y.Kind, Tag: tagOf(y.Tag), Line: y.Line, Column: y.Column, Value: y.Value}
	if len(y.Content) > 0 {
		n.Content = a.content(len(y.Content))
		for i, c := range y.Content {
			a.copy(&n.Content[i], c)
		}
	}
}
