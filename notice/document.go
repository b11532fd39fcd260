package notice

// A Document is a rendered-independent form of a notice: sections of
// paragraphs, lists and tables. Markdown and HTML are written from the
// same Document, so both formats always say the same.
type Document struct {
	Lang     Language
	Title    string
	Intro    string
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
	Blocks  []Block
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
