// Package notice renders the privacy notice of Art. 13 GDPR and the record
// of processing activities of Art. 30 GDPR from a declaration, in German and
// English, as Markdown, standalone HTML and (for the record) CSV.
//
// Everything the notice says comes from the declaration that the retention
// engine enforces: storage periods are written from the retention rules,
// withdrawal channels from the consent specs, recipients and transfers from
// the recipients. The published notice therefore cannot drift from what is
// enforced. The only fixed texts are the explanations of the law itself
// (what each right means).
package notice

import (
	"errors"
	"slices"
	"strings"

	"github.com/frist-go/frist/policy"
)

// ErrNotValidated is returned for a declaration on which Validate has not
// succeeded.
var ErrNotValidated = errors.New("notice: declaration is not validated")

// The section IDs of an Art. 13 notice, in order.
const (
	SecController  = "controller"  // Art. 13(1)(a)
	SecDPO         = "dpo"         // Art. 13(1)(b)
	SecPurposes    = "purposes"    // Art. 13(1)(c)
	SecInterests   = "interests"   // Art. 13(1)(d)
	SecRecipients  = "recipients"  // Art. 13(1)(e)
	SecTransfers   = "transfers"   // Art. 13(1)(f)
	SecStorage     = "storage"     // Art. 13(2)(a)
	SecRights      = "rights"      // Art. 13(2)(b)
	SecWithdrawal  = "withdrawal"  // Art. 13(2)(c)
	SecComplaint   = "complaint"   // Art. 13(2)(d)
	SecRequirement = "requirement" // Art. 13(2)(e)
	SecAutomated   = "automated"   // Art. 13(2)(f)
	SecCookies     = "cookies"     // § 25 TDDDG
)

// Build assembles the Art. 13 notice of d in lang.
func Build(d *policy.Declaration, lang Language) (*Document, error) {
	if !d.Validated() {
		return nil, ErrNotValidated
	}
	if lang != German && lang != English {
		return nil, errors.New("notice: unsupported language " + string(lang))
	}
	b := &builder{d: d, l: lang}
	doc := &Document{
		Lang:  lang,
		Title: lang.pick("Datenschutzerklärung", "Privacy notice") + " – " + d.Controller.Name,
		Intro: lang.pick(
			"Diese Hinweise informieren Sie nach Art. 13 der Datenschutz-Grundverordnung (DSGVO) darüber, welche personenbezogenen Daten "+d.Controller.Name+" bei der Nutzung dieses Dienstes verarbeitet, zu welchen Zwecken, auf welcher Rechtsgrundlage, an wen sie übermittelt und wie lange sie gespeichert werden.",
			"This notice informs you under Art. 13 of the General Data Protection Regulation (GDPR) which personal data "+d.Controller.Name+" processes when you use this service, for which purposes, on which legal basis, to whom it is disclosed and how long it is kept."),
	}
	doc.Sections = []Section{
		b.controller(), b.dpo(), b.purposes(), b.interests(), b.recipients(), b.transfers(),
		b.storage(), b.rights(), b.withdrawal(), b.complaint(), b.requirement(), b.automated(),
	}
	if len(d.Cookies) > 0 {
		doc.Sections = append(doc.Sections, b.cookies())
	}
	return doc, nil
}

type builder struct {
	d *policy.Declaration
	l Language
}

func (b *builder) art(de, en string) string { return b.l.pick(de, en) }

// contactLines lists an address and contacts as lines.
func (b *builder) contactLines(address string, c policy.Contact) []string {
	var out []string
	if address != "" {
		out = append(out, address)
	}
	if c.Email != "" {
		out = append(out, b.l.pick("E-Mail: ", "E-mail: ")+c.Email)
	}
	if c.Phone != "" {
		out = append(out, b.l.pick("Telefon: ", "Phone: ")+c.Phone)
	}
	if c.Web != "" {
		out = append(out, "Web: "+c.Web)
	}
	return out
}

func (b *builder) controller() Section {
	c := b.d.Controller
	s := Section{ID: SecController, Heading: b.l.pick("Verantwortlicher", "Controller"),
		Article: b.art("Art. 13 Abs. 1 lit. a DSGVO", "Art. 13(1)(a) GDPR")}
	s.Blocks = append(s.Blocks, para(b.l.pick("Verantwortlich für die Verarbeitung ist:", "The controller is:")))
	lines := []string{c.Name}
	if c.Representative != "" {
		lines = append(lines, b.l.pick("vertreten durch ", "represented by ")+c.Representative)
	}
	lines = append(lines, b.contactLines(c.Address, c.Contact)...)
	s.Blocks = append(s.Blocks, list(lines...))
	if c.PublicAuthority {
		s.Blocks = append(s.Blocks, para(b.l.pick(c.Name+" ist eine öffentliche Stelle.", c.Name+" is a public authority.")))
	}
	return s
}

func (b *builder) dpo() Section {
	s := Section{ID: SecDPO, Heading: b.l.pick("Datenschutzbeauftragte Person", "Data-protection officer"),
		Article: b.art("Art. 13 Abs. 1 lit. b DSGVO", "Art. 13(1)(b) GDPR")}
	p := b.d.DPO
	lines := b.contactLines(p.Address, p.Contact)
	if p.Name != "" {
		lines = append([]string{p.Name}, lines...)
	}
	if len(lines) == 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Die Erklärung nennt keine Kontaktdaten einer oder eines Datenschutzbeauftragten.",
			"The declaration gives no contact details of a data-protection officer.")))
		return s
	}
	s.Blocks = append(s.Blocks, para(b.l.pick("Sie erreichen die oder den Datenschutzbeauftragten unter:", "You can reach the data-protection officer at:")), list(lines...))
	return s
}

// datasetsOf returns the datasets serving a purpose.
func (b *builder) datasetsOf(purpose string) []*policy.Dataset {
	var out []*policy.Dataset
	for i := range b.d.Datasets {
		if slices.Contains(b.d.Datasets[i].Purposes, purpose) {
			out = append(out, &b.d.Datasets[i])
		}
	}
	return out
}

func (b *builder) purposes() Section {
	s := Section{ID: SecPurposes, Heading: b.l.pick("Zwecke und Rechtsgrundlagen der Verarbeitung", "Purposes and legal bases of processing"),
		Article: b.art("Art. 13 Abs. 1 lit. c DSGVO", "Art. 13(1)(c) GDPR")}
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
		var bases []string
		for _, lb := range p.LegalBasis {
			bases = append(bases, basisText(b.l, lb)+" ("+basisMeaning(b.l, lb.Basis)+")")
		}
		s.Blocks = append(s.Blocks, para(b.l.pick("Rechtsgrundlage: ", "Legal basis: ")+joinWords(b.l, bases)+"."))
		if p.SpecialCategories != "" {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Besondere Kategorien personenbezogener Daten (Art. 9 Abs. 1 DSGVO) werden verarbeitet auf Grundlage von ",
				"Special categories of personal data (Art. 9(1) GDPR) are processed under ")+specialText(b.l, p.SpecialCategories)+"."))
		}
		var fields []string
		for _, ds := range b.datasetsOf(p.ID) {
			for j := range ds.Fields {
				f := &ds.Fields[j]
				name := fieldName(b.l, f)
				if f.Special {
					name += b.l.pick(" (besondere Kategorie)", " (special category)")
				}
				if !slices.Contains(fields, name) {
					fields = append(fields, name)
				}
			}
		}
		if len(fields) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("Verarbeitete Daten:", "Data processed:")), list(fields...))
		}
	}
	return s
}

func (b *builder) interests() Section {
	s := Section{ID: SecInterests, Heading: b.l.pick("Berechtigte Interessen", "Legitimate interests"),
		Article: b.art("Art. 13 Abs. 1 lit. d DSGVO", "Art. 13(1)(d) GDPR")}
	var items []string
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		if !p.HasBasis(policy.LegitimateInterests) {
			continue
		}
		interest := b.l.text(p.LegitimateInterest)
		if interest == "" {
			interest = b.l.pick("(die Erklärung benennt das Interesse nicht)", "(the declaration does not state the interest)")
		}
		items = append(items, b.l.text(p.Description)+": "+interest)
	}
	if len(items) == 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Keine Verarbeitung beruht auf berechtigten Interessen (Art. 6 Abs. 1 lit. f DSGVO).",
			"No processing rests on legitimate interests (Art. 6(1)(f) GDPR).")))
		return s
	}
	s.Blocks = append(s.Blocks, para(b.l.pick(
		"Soweit die Verarbeitung auf Art. 6 Abs. 1 lit. f DSGVO beruht, verfolgen wir folgende Interessen:",
		"Where processing rests on Art. 6(1)(f) GDPR, we pursue these interests:")), list(items...))
	return s
}

// roleName names a recipient role.
func (b *builder) roleName(r policy.RecipientRole) string {
	switch r {
	case policy.RoleProcessor:
		return b.l.pick("Auftragsverarbeiter (Art. 28 DSGVO)", "Processor (Art. 28 GDPR)")
	case policy.RoleController:
		return b.l.pick("eigener Verantwortlicher", "independent controller")
	case policy.RolePublicBody:
		return b.l.pick("öffentliche Stelle", "public body")
	}
	return string(r)
}

func (b *builder) recipients() Section {
	s := Section{ID: SecRecipients, Heading: b.l.pick("Empfänger", "Recipients"),
		Article: b.art("Art. 13 Abs. 1 lit. e DSGVO", "Art. 13(1)(e) GDPR")}
	if len(b.d.Recipients) == 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Personenbezogene Daten werden an keine Empfänger außerhalb des Verantwortlichen übermittelt.",
			"Personal data is not disclosed to recipients outside the controller.")))
		return s
	}
	var rows [][]string
	for _, r := range b.d.Recipients {
		var purposes []string
		for i := range b.d.Purposes {
			if slices.Contains(b.d.Purposes[i].Recipients, r.ID) {
				purposes = append(purposes, b.l.text(b.d.Purposes[i].Description))
			}
		}
		for i := range b.d.Datasets {
			ds := &b.d.Datasets[i]
			if !slices.Contains(ds.Recipients, r.ID) {
				continue
			}
			for _, pid := range ds.Purposes {
				if p := b.d.Purpose(pid); p != nil && !slices.Contains(purposes, b.l.text(p.Description)) {
					purposes = append(purposes, b.l.text(p.Description))
				}
			}
		}
		rows = append(rows, []string{r.Name, b.l.text(r.Description), b.roleName(r.Role), r.Address, strings.Join(purposes, "; ")})
	}
	s.Blocks = append(s.Blocks, table(b.l.pick("Empfänger personenbezogener Daten", "Recipients of personal data"),
		[]string{b.l.pick("Empfänger", "Recipient"), b.l.pick("Tätigkeit", "Activity"), b.l.pick("Rolle", "Role"), b.l.pick("Anschrift", "Address"), b.l.pick("Zweck", "Purpose")}, rows))
	return s
}

// eea lists the member states of the European Economic Area (EU plus
// Iceland, Liechtenstein and Norway) by ISO 3166-1 alpha-2 code.
var eea = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true, "EE": true, "FI": true,
	"FR": true, "DE": true, "GR": true, "HU": true, "IE": true, "IT": true, "LV": true, "LT": true, "LU": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
	"IS": true, "LI": true, "NO": true,
}

// InEEA reports whether the ISO 3166-1 alpha-2 country code belongs to the
// European Economic Area, where Chapter V GDPR does not apply.
func InEEA(country string) bool { return eea[strings.ToUpper(country)] }

func (b *builder) transfers() Section {
	s := Section{ID: SecTransfers, Heading: b.l.pick("Übermittlung in Drittländer", "Transfers to third countries"),
		Article: b.art("Art. 13 Abs. 1 lit. f DSGVO", "Art. 13(1)(f) GDPR")}
	var third, unknown []string
	for _, r := range b.d.Recipients {
		switch {
		case r.Country == "":
			unknown = append(unknown, r.Name)
		case !InEEA(r.Country):
			g := r.Safeguard
			if g == "" {
				g = b.l.pick("keine Garantie angegeben", "no safeguard stated")
			}
			third = append(third, r.Name+" ("+r.Country+"): "+g)
		}
	}
	if len(third) == 0 && len(unknown) == 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Eine Übermittlung in Länder außerhalb des Europäischen Wirtschaftsraums findet nicht statt.",
			"No personal data is transferred to countries outside the European Economic Area.")))
	}
	if len(third) > 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Folgende Empfänger haben ihren Sitz außerhalb des Europäischen Wirtschaftsraums; die Übermittlung stützt sich auf die genannte Garantie:",
			"These recipients are established outside the European Economic Area; the transfer rests on the safeguard named:")), list(third...))
	}
	if len(unknown) > 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Für folgende Empfänger nennt die Erklärung kein Sitzland: ",
			"The declaration names no country for these recipients: ")+joinWords(b.l, unknown)+"."))
	}
	return s
}

func (b *builder) storage() Section {
	s := Section{ID: SecStorage, Heading: b.l.pick("Dauer der Speicherung", "Storage period"),
		Article: b.art("Art. 13 Abs. 2 lit. a DSGVO", "Art. 13(2)(a) GDPR")}
	for i := range b.d.Datasets {
		ds := &b.d.Datasets[i]
		heading := b.l.text(ds.Description)
		if heading == "" {
			heading = ds.ID
		}
		s.Blocks = append(s.Blocks, sub(heading))
		sentences := StoragePeriods(ds, b.l)
		if len(sentences) == 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Für diese Daten legt die Erklärung keine Speicherfrist fest.",
				"The declaration sets no storage period for this data.")))
			continue
		}
		s.Blocks = append(s.Blocks, list(sentences...))
	}
	return s
}

func (b *builder) complaint() Section {
	s := Section{ID: SecComplaint, Heading: b.l.pick("Beschwerderecht bei einer Aufsichtsbehörde", "Right to lodge a complaint"),
		Article: b.art("Art. 13 Abs. 2 lit. d DSGVO, Art. 77 DSGVO", "Art. 13(2)(d) GDPR, Art. 77 GDPR")}
	s.Blocks = append(s.Blocks, para(b.l.pick(
		"Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren, wenn Sie der Ansicht sind, dass die Verarbeitung der Sie betreffenden Daten gegen die DSGVO verstößt.",
		"You have the right to lodge a complaint with a supervisory authority if you consider that the processing of your personal data infringes the GDPR.")))
	a := b.d.Authority
	if a.Name == "" {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Die Erklärung nennt keine zuständige Aufsichtsbehörde.",
			"The declaration names no competent supervisory authority.")))
		return s
	}
	s.Blocks = append(s.Blocks, para(b.l.pick("Zuständig ist:", "The competent authority is:")),
		list(append([]string{a.Name}, b.contactLines(a.Address, a.Contact)...)...))
	return s
}

func (b *builder) requirement() Section {
	s := Section{ID: SecRequirement, Heading: b.l.pick("Pflicht zur Bereitstellung", "Whether you must provide the data"),
		Article: b.art("Art. 13 Abs. 2 lit. e DSGVO", "Art. 13(2)(e) GDPR")}
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		var req, vol, auto []string
		for _, ds := range b.datasetsOf(p.ID) {
			if !ds.Source.IsZero() {
				continue // not collected from the subject
			}
			for j := range ds.Fields {
				f := &ds.Fields[j]
				name := fieldName(b.l, f)
				if f.Provided != nil && !*f.Provided {
					// Collected by the system, not entered by the subject.
					if !slices.Contains(auto, name) {
						auto = append(auto, name)
					}
					continue
				}
				if f.Required {
					if !slices.Contains(req, name) {
						req = append(req, name)
					}
				} else if !slices.Contains(vol, name) {
					vol = append(vol, name)
				}
			}
		}
		if len(req) == 0 && len(vol) == 0 && len(auto) == 0 && p.Required.IsZero() {
			continue
		}
		s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
		if len(req) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("Erforderliche Angaben: ", "Required: ")+joinWords(b.l, req)+"."))
		}
		if len(vol) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("Freiwillige Angaben: ", "Voluntary: ")+joinWords(b.l, vol)+"."))
		}
		if len(auto) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Automatisch bei der Nutzung erhoben, ohne dass Sie sie angeben: ",
				"Collected automatically when you use the service, without you entering them: ")+joinWords(b.l, auto)+"."))
		}
		if t := b.l.text(p.Required); t != "" {
			s.Blocks = append(s.Blocks, para(t))
		}
	}
	if len(s.Blocks) == 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Die Erklärung legt für keine Angabe fest, ob sie erforderlich ist.",
			"The declaration does not state for any data whether it is required.")))
	}
	return s
}

func (b *builder) automated() Section {
	s := Section{ID: SecAutomated, Heading: b.l.pick("Automatisierte Entscheidungsfindung", "Automated decision-making"),
		Article: b.art("Art. 13 Abs. 2 lit. f DSGVO, Art. 22 DSGVO", "Art. 13(2)(f) GDPR, Art. 22 GDPR")}
	a := b.d.AutomatedDecisions
	if a == nil {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Eine automatisierte Entscheidungsfindung einschließlich Profiling nach Art. 22 DSGVO findet nicht statt.",
			"No automated decision-making, including profiling, under Art. 22 GDPR takes place.")))
		return s
	}
	s.Blocks = append(s.Blocks,
		para(b.l.pick("Logik: ", "Logic involved: ")+b.l.text(a.Logic)),
		para(b.l.pick("Tragweite und Auswirkungen: ", "Significance and consequences: ")+b.l.text(a.Consequences)))
	return s
}

func (b *builder) cookies() Section {
	s := Section{ID: SecCookies, Heading: b.l.pick("Cookies", "Cookies"),
		Article: b.art("§ 25 TDDDG", "§ 25 TDDDG (German Telecommunications Digital Services Data Protection Act)")}
	var rows [][]string
	for _, c := range b.d.Cookies {
		purpose := c.Purpose
		if p := b.d.Purpose(c.Purpose); p != nil {
			purpose = b.l.text(p.Description)
		}
		if d := b.l.text(c.Description); d != "" {
			purpose = d + " (" + purpose + ")"
		}
		life := b.l.pick("bis zum Ende der Sitzung", "until the end of the session")
		if !c.Session {
			life = periodPhrase(b.l, c.Lifetime, false)
		}
		basis := b.l.pick("unbedingt erforderlich, keine Einwilligung nötig (§ 25 Abs. 2 Nr. 2 TDDDG)", "strictly necessary, no consent needed (§ 25(2) no. 2 TDDDG)")
		if c.Basis == policy.ConsentBased {
			basis = b.l.pick("nur mit Ihrer Einwilligung (§ 25 Abs. 1 TDDDG)", "only with your consent (§ 25(1) TDDDG)")
		}
		provider := b.l.pick("wir selbst", "ourselves")
		if c.Provider != "" && c.Provider != "first_party" {
			provider = c.Provider
			if r := b.d.Recipient(c.Provider); r != nil {
				provider = r.Name
			}
		}
		rows = append(rows, []string{c.Name, purpose, life, basis, provider})
	}
	s.Blocks = append(s.Blocks, table(b.l.pick("Cookies dieses Dienstes", "Cookies of this service"),
		[]string{"Cookie", b.l.pick("Zweck", "Purpose"), b.l.pick("Speicherdauer", "Lifetime"), b.l.pick("Rechtsgrundlage", "Legal basis"), b.l.pick("Anbieter", "Set by")}, rows))
	return s
}
