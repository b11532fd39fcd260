package policy

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
