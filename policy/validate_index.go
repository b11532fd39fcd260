package policy

import "hash/maphash"

// nameIndex tells whether a name is among those of a list of entries, for
// checking references. A short list is searched; a long one is put in a
// set on first use, so that checking every reference into a long list
// costs time linear in both, not their product.
type nameIndex[T any] struct {
	list []T
	name func(*T) string
	set  map[string]bool
}

// shortList is the length up to which a nameIndex searches its list.
const shortList = 16

func newIndex[T any](list []T, name func(*T) string) nameIndex[T] {
	return nameIndex[T]{list: list, name: name}
}

// has reports whether an entry of the list has the name s.
func (x *nameIndex[T]) has(s string) bool {
	if len(x.list) <= shortList {
		for i := range x.list {
			if x.name(&x.list[i]) == s {
				return true
			}
		}
		return false
	}
	if x.set == nil {
		x.set = make(map[string]bool, len(x.list))
		for i := range x.list {
			x.set[x.name(&x.list[i])] = true
		}
	}
	return x.set[s]
}

func purposeID(p *Purpose) string     { return p.ID }
func recipientID(r *Recipient) string { return r.ID }
func cookieName(c *Cookie) string     { return c.Name }
func fieldName(f *Field) string       { return f.Name }
func timeColumnName(c *TimeColumn) string {
	return c.Name
}

// idSet records the IDs of a list's entries, to find one given twice.
type idSet interface {
	// first returns the index of the entry recorded with id.
	first(id string) (int, bool)
	// add records entry i with id, which first did not find.
	add(id string, i int)
}

// idMap is an idSet for the short lists of a declaration and those it has
// one of.
type idMap map[string]int

func (m idMap) first(id string) (int, bool) { i, ok := m[id]; return i, ok }
func (m idMap) add(id string, i int)        { m[id] = i }

// nameTable is an idSet over the names of a list's entries, for the lists
// every dataset has (its fields and time columns): a hash table of the entries' indexes,
// emptied and used again for the next list. It holds no pointers and,
// after the first lists, allocates nothing; a map for each dataset, or one
// emptied for each, cost a large declaration's validation a third of its
// time.
type nameTable[T any] struct {
	list  []T
	name  func(*T) string
	seed  maphash.Seed
	slots []int32
}

// reset empties t for list.
func (t *nameTable[T]) reset(list []T, name func(*T) string) {
	if t.slots == nil {
		t.seed = maphash.MakeSeed()
	}
	size := 1
	for size < 2*len(list) {
		size *= 2
	}
	if cap(t.slots) < size {
		t.slots = make([]int32, size)
	} else {
		t.slots = t.slots[:size]
		clear(t.slots)
	}
	t.list, t.name = list, name
}

// find returns the index of the entry recorded with id, or the slot where
// an entry with id goes.
func (t *nameTable[T]) find(id string) (i int, slot uint64, found bool) {
	mask := uint64(len(t.slots) - 1)
	for h := maphash.String(t.seed, id) & mask; ; h = (h + 1) & mask {
		j := t.slots[h]
		if j == 0 {
			return 0, h, false
		}
		if t.name(&t.list[j-1]) == id {
			return int(j - 1), h, true
		}
	}
}

func (t *nameTable[T]) first(id string) (int, bool) {
	i, _, found := t.find(id)
	return i, found
}

func (t *nameTable[T]) add(id string, i int) {
	if _, slot, found := t.find(id); !found {
		t.slots[slot] = int32(i + 1)
	}
}

// addNew records entry i with id unless an entry was recorded with id;
// it reports whether it recorded i.
func (t *nameTable[T]) addNew(id string, i int) bool {
	_, slot, found := t.find(id)
	if !found {
		t.slots[slot] = int32(i + 1)
	}
	return !found
}
