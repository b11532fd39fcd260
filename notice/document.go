package notice

// A Document is a rendered-independent form of a notice: sections of
// paragraphs, lists and tables. Markdown and HTML are written from the
// same Document, so both formats always say the same.
type Document struct {
	Lang  Language
	Title string
	// Edition is the "Stand" line: the declaration's date and version.
	Edition string
	Intro   string
	// Draft, when set, marks the document as a draft that must not be
	// published, and lists what stands in the way (the blocking lint
	// findings and the others), one line each.
	Draft    []string
	Sections []Section
}

// Section is one section of a Document.
type Section struct {
	// ID is a stable anchor ("controller", "storage").
	ID      string
	Heading string
	// Article cites the provision the section fulfils, e.g.
	// "Art. 13 Abs. 1 lit. a DSGVO".
	Article string
	// Boxed sets the section apart from the rest of the document, as
	// Art. 21(4) requires for the right to object.
	Boxed  bool
	Blocks []Block
}

// BlockKind says what a Block holds.
type BlockKind uint8

// The block kinds.
const (
	Paragraph BlockKind = iota + 1
	List
	Table
	Subheading
)

// Block is one paragraph, list, table or subheading.
type Block struct {
	Kind BlockKind
	// Text is the paragraph or subheading text.
	Text string
	// Items are the list items.
	Items []string
	// Caption, Header and Rows make up a table.
	Caption string
	Header  []string
	Rows    [][]string
}

// para, list, table and sub build blocks.
func para(s string) Block        { return Block{Kind: Paragraph, Text: s} }
func list(items ...string) Block { return Block{Kind: List, Items: items} }
func sub(s string) Block         { return Block{Kind: Subheading, Text: s} }
func table(caption string, header []string, rows [][]string) Block {
	return Block{Kind: Table, Caption: caption, Header: header, Rows: rows}
}

// Section returns the section with id, or nil.
func (d *Document) Section(id string) *Section {
	for i := range d.Sections {
		if d.Sections[i].ID == id {
			return &d.Sections[i]
		}
	}
	return nil
}

// String names the kind: "paragraph", "list", "table" or "subheading".
func (k BlockKind) String() string {
	switch k {
	case Paragraph:
		return "paragraph"
	case List:
		return "list"
	case Table:
		return "table"
	case Subheading:
		return "subheading"
	}
	return "unknown"
}
