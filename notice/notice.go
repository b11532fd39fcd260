// Package notice renders the privacy notice of Art. 13 GDPR and the record
// of processing activities of Art. 30 GDPR from a declaration, in German and
// English, as Markdown, standalone HTML and (for the record) CSV.
//
// Everything the notice says comes from the declaration that the retention
// engine enforces: storage periods are written from the retention rules
// (in a rule's own words where it has a description), withdrawal channels
// from the consent specs, recipients and transfers from the recipients. The
// only fixed texts are the explanations of the law itself (what each right
// means, Art. 12(3) and Art. 21).
//
// # What is published
//
// Build refuses a declaration with error-level lint findings
// (*UnpublishableError); BuildDraft renders it under the banner "Entwurf —
// nicht veröffentlichen" with the findings listed, for review. A notice never
// speaks about the declaration: where the declaration lacks what an item of
// Art. 13 needs, the linter reports it and the notice says nothing in its
// place. Values marked as assumptions (policy.Declaration.Assumptions: what
// frist needs but the published source does not state) are never stated;
// values marked as additions are the controller's own promise and are.
//
// The storage periods include those of the controller's own records of the
// processing, from policy.Declaration.RecordRetention (RecordPeriods): the
// proof of consent, requests and objections, and when a closed request's
// identifier is replaced by a keyed pseudonym. Nothing is said of the audit
// log, whose retention the declaration does not set.
//
// # Readings that protect the data subject
//
// Where the law leaves a choice, the notice takes the reading that protects
// the data subject:
//
//   - The right to object (Art. 21) is stated, set apart from the rest
//     (Art. 21(4)), for every purpose resting on Art. 6(1)(e) or (f), also
//     when the declaration's list of rights omits it; it is never stated for
//     processing on other bases, and a national limit (e.g. § 14 DSG NRW) is
//     stated only where the declaration names it. An objection needs no form.
//   - An opt-out cookie is described with its consequence: deleting it
//     switches the processing back on. Deleting a cookie is never presented
//     as a withdrawal or an objection.
//   - Art. 12(3) is worded as the law says it: one month from receipt; the
//     period may be extended by two further months where necessary, and the
//     subject is told within the first month. The notice never says that it
//     is extended.
//   - "No transfer outside the EEA" is said only when every recipient's
//     country is declared and in the EEA; "no processing rests on legitimate
//     interests" only when every purpose's basis can be stated.
//   - The Art. 8 sentence on children appears only for a purpose declared as
//     offered directly to children; elsewhere no age is promised or checked.
//   - The right to complain to a supervisory authority is always stated.
package notice

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

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
	SecObjection   = "objection"   // Art. 13(2)(b), Art. 21(4): set apart
	SecWithdrawal  = "withdrawal"  // Art. 13(2)(c)
	SecComplaint   = "complaint"   // Art. 13(2)(d)
	SecRequirement = "requirement" // Art. 13(2)(e)
	SecAutomated   = "automated"   // Art. 13(2)(f)
	SecCookies     = "cookies"     // § 25 TDDDG
)

// Build assembles the Art. 13 notice of d in lang for publication. It
// refuses, with an *UnpublishableError listing them, a declaration that
// has lint findings that block a notice (policy.BlockingFor): what the declaration
// lacks is a finding to fix, never a sentence of the published notice.
// BuildDraft renders such a declaration anyway, marked as a draft.
func Build(d *policy.Declaration, lang Language) (*Document, error) {
	if !d.Validated() {
		return nil, ErrNotValidated
	}
	if blocking := policy.BlockingFor(policy.Lint(d), policy.PublishNotice); len(blocking) > 0 {
		return nil, &UnpublishableError{Findings: blocking}
	}
	return build(d, lang)
}

// BuildDraft assembles the notice of d in lang whatever the lint findings,
// as a draft: the document carries a banner ("Entwurf — nicht
// veröffentlichen") and every finding that is not acknowledged, so that
// the draft cannot be mistaken for the notice to publish.
func BuildDraft(d *policy.Declaration, lang Language) (*Document, error) {
	if !d.Validated() {
		return nil, ErrNotValidated
	}
	doc, err := build(d, lang)
	if err != nil {
		return nil, err
	}
	for _, f := range policy.Lint(d) {
		if f.Acknowledged == nil {
			doc.Draft = append(doc.Draft, norm(lang, FindingLine(f)))
		}
	}
	if len(doc.Draft) == 0 {
		doc.Draft = []string{lang.pick("keine Befunde", "no findings")}
	}
	return doc, nil
}

// FindingLine writes a lint finding on one line: "FR010 (error)
// purposes[1].legal_basis[0]: message [article]".
func FindingLine(f policy.Finding) string {
	return f.ID + " (" + string(f.Severity) + ") " + f.Path + ": " + f.Message + " [" + f.Article + "]"
}

// UnpublishableError is returned by Build for a declaration with blocking
// lint findings.
type UnpublishableError struct {
	Findings []policy.Finding
}

func (e *UnpublishableError) Error() string {
	var b strings.Builder
	b.WriteString("notice: the declaration has " + strconv.Itoa(len(e.Findings)) + " error-level lint finding(s), so the notice must not be published (render a draft to review it):")
	for _, f := range e.Findings {
		b.WriteString("\n  " + FindingLine(f))
	}
	return b.String()
}

func build(d *policy.Declaration, lang Language) (*Document, error) {
	if lang != German && lang != English {
		return nil, errors.New("notice: unsupported language " + string(lang))
	}
	b := &builder{d: d, l: lang}
	we := controllerNominative(&d.Controller)
	verb := "verarbeitet"
	if we == "" {
		we, verb = "wir", "verarbeiten"
	}
	doc := &Document{
		Lang:    lang,
		Title:   lang.pick("Datenschutzerklärung", "Privacy notice") + " – " + d.Controller.Name,
		Edition: edition(lang, d),
		Intro: lang.pick(
			"Diese Hinweise informieren Sie nach Art. 13 der Datenschutz-Grundverordnung (DSGVO) darüber, welche personenbezogenen Daten "+we+" bei der Nutzung dieses Dienstes "+verb+", zu welchen Zwecken, auf welcher Rechtsgrundlage, an wen sie übermittelt und wie lange sie gespeichert werden.",
			"This notice informs you under Art. 13 of the General Data Protection Regulation (GDPR) which personal data "+d.Controller.Name+" processes when you use this service, for which purposes, on which legal basis, to whom it is disclosed and how long it is kept."),
	}
	for _, s := range []Section{
		b.controller(), b.dpo(), b.purposes(), b.interests(), b.recipients(), b.transfers(),
		b.storage(), b.rights(), b.objection(), b.withdrawal(), b.complaint(), b.requirement(), b.automated(), b.cookies(),
	} {
		if len(s.Blocks) > 0 {
			doc.Sections = append(doc.Sections, s)
		}
	}
	return doc, nil
}

// edition is the "Stand" line from the declaration's date and version;
// "" when it has neither (FR085).
func edition(l Language, d *policy.Declaration) string {
	var parts []string
	if d.Date != "" {
		date := d.Date
		if t, err := time.Parse(time.DateOnly, d.Date); err == nil && l == German {
			date = t.Format("02.01.2006")
		}
		parts = append(parts, date)
	}
	if d.Version != "" {
		parts = append(parts, l.pick("Version ", "version ")+d.Version)
	}
	if len(parts) == 0 {
		return ""
	}
	return l.pick("Stand: ", "As of: ") + strings.Join(parts, ", ")
}

type builder struct {
	d *policy.Declaration
	l Language
}

func (b *builder) art(de, en string) string { return b.l.pick(de, en) }

// stated reports whether the value at path may be stated: it is not an
// assumption.
func (b *builder) stated(path string) bool { return !b.d.Assumed(path) }

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
	lines := []string{c.Name}
	if r := b.l.text(c.Representative); r != "" && b.stated("controller.representative") {
		lines = append(lines, b.l.pick("vertreten durch ", "represented by ")+r)
	}
	address := c.Address
	if !b.stated("controller.address") {
		address = ""
	}
	lines = append(lines, b.contactLines(address, c.Contact)...)
	s.Blocks = append(s.Blocks, para(b.l.pick("Verantwortlich für die Verarbeitung ist:", "The controller is:")), list(lines...))
	return s
}

func (b *builder) dpo() Section {
	s := Section{ID: SecDPO, Heading: b.l.pick("Datenschutzbeauftragte Person", "Data-protection officer"),
		Article: b.art("Art. 13 Abs. 1 lit. b DSGVO", "Art. 13(1)(b) GDPR")}
	p := b.d.DPO
	lines := b.contactLines(p.Address, p.Contact)
	if len(lines) == 0 || !b.stated("dpo") {
		return s // FR020
	}
	if p.Name != "" {
		lines = append([]string{p.Name}, lines...)
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

// purposePath is the field path of purpose i.
func purposePath(i int) string { return "purposes[" + strconv.Itoa(i) + "]" }

// bases cites the legal bases of purpose i that may be stated.
func (b *builder) bases(i int, meaning bool) []string {
	p := &b.d.Purposes[i]
	var out []string
	for j, lb := range p.LegalBasis {
		if !b.stated(purposePath(i) + ".legal_basis[" + strconv.Itoa(j) + "]") {
			continue
		}
		t := basisText(b.l, lb)
		if meaning {
			t += " (" + basisMeaning(b.l, lb.Basis) + ")"
		}
		out = append(out, t)
	}
	return out
}

func (b *builder) purposes() Section {
	s := Section{ID: SecPurposes, Heading: b.l.pick("Zwecke und Rechtsgrundlagen der Verarbeitung", "Purposes and legal bases of processing"),
		Article: b.art("Art. 13 Abs. 1 lit. c DSGVO", "Art. 13(1)(c) GDPR")}
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
		if bases := b.bases(i, true); len(bases) > 0 {
			s.Blocks = append(s.Blocks, para(b.l.pick("Rechtsgrundlage: ", "Legal basis: ")+joinWords(b.l, bases)+"."))
		}
		if p.SpecialCategories != "" && b.stated(purposePath(i)+".special_categories") {
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Besondere Kategorien personenbezogener Daten (Art. 9 Abs. 1 DSGVO) werden verarbeitet auf Grundlage von ",
				"Special categories of personal data (Art. 9(1) GDPR) are processed under ")+specialText(b.l, p.SpecialCategories)+"."))
		}
		if p.OfferedToChildren && p.Consent != nil && p.Consent.MinAge > 0 {
			age := strconv.Itoa(p.Consent.MinAge)
			s.Blocks = append(s.Blocks, para(b.l.pick(
				"Dieses Angebot richtet sich auch unmittelbar an Kinder. Wer das "+age+". Lebensjahr noch nicht vollendet hat, kann nur einwilligen, wenn die Träger der elterlichen Verantwortung zustimmen oder selbst einwilligen (Art. 8 Abs. 1 DSGVO).",
				"This service is also offered directly to children. A child under "+age+" can consent only if the holder of parental responsibility gives or authorises the consent (Art. 8(1) GDPR).")))
		}
		var fields []string
		for _, ds := range b.datasetsOf(p.ID) {
			for _, f := range b.statedFields(ds) {
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
	rests, unknown := false, false
	for i := range b.d.Purposes {
		p := &b.d.Purposes[i]
		if len(b.bases(i, false)) == 0 {
			unknown = true // no basis can be stated (FR083): nothing is said either way
		}
		if !b.statedBasis(i, policy.LegitimateInterests) {
			continue
		}
		rests = true
		interest := b.l.text(p.LegitimateInterest)
		if interest == "" || !b.stated(purposePath(i)+".legitimate_interest") {
			continue // FR011, FR083
		}
		items = append(items, b.l.text(p.Description)+": "+interest)
	}
	if !rests && !unknown {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Keine Verarbeitung beruht auf berechtigten Interessen (Art. 6 Abs. 1 lit. f DSGVO).",
			"No processing rests on legitimate interests (Art. 6(1)(f) GDPR).")))
		return s
	}
	if len(items) > 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Soweit die Verarbeitung auf Art. 6 Abs. 1 lit. f DSGVO beruht, verfolgen wir folgende Interessen:",
			"Where processing rests on Art. 6(1)(f) GDPR, we pursue these interests:")), list(items...))
	}
	return s
}

// statedBasis reports whether purpose i rests on basis by a legal basis
// the notice may state.
func (b *builder) statedBasis(i int, basis policy.Basis) bool {
	for j, lb := range b.d.Purposes[i].LegalBasis {
		if lb.Basis == basis && b.stated(purposePath(i)+".legal_basis["+strconv.Itoa(j)+"]") {
			return true
		}
	}
	return false
}

// statedFields returns the fields of ds the notice may name: those not
// marked as assumptions.
func (b *builder) statedFields(ds *policy.Dataset) []*policy.Field {
	di := slices.IndexFunc(b.d.Datasets, func(x policy.Dataset) bool { return x.ID == ds.ID })
	var out []*policy.Field
	for j := range ds.Fields {
		if b.stated("datasets[" + strconv.Itoa(di) + "].fields[" + strconv.Itoa(j) + "]") {
			out = append(out, &ds.Fields[j])
		}
	}
	return out
}

// roleName names a recipient role.
func roleName(l Language, r policy.RecipientRole) string {
	switch r {
	case policy.RoleProcessor:
		return l.pick("Auftragsverarbeiter (Art. 28 DSGVO)", "Processor (Art. 28 GDPR)")
	case policy.RoleController:
		return l.pick("eigener Verantwortlicher", "independent controller")
	case policy.RolePublicBody:
		return l.pick("öffentliche Stelle", "public body")
	case policy.RoleJointController:
		return l.pick("gemeinsam Verantwortlicher (Art. 26 DSGVO)", "joint controller (Art. 26 GDPR)")
	}
	return string(r)
}

// roleName names a recipient role in the builder's language.
func (b *builder) roleName(r policy.RecipientRole) string { return roleName(b.l, r) }

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
		rows = append(rows, []string{b.l.text(r.Name), b.l.text(r.Description), b.roleName(r.Role), r.Address, strings.Join(purposes, "; ")})
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
	var third []string
	unknown := false
	for _, r := range b.d.Recipients {
		switch {
		case r.Country == "":
			unknown = true // FR086: nothing can be said for it
		case !InEEA(r.Country):
			t := b.l.text(r.Name) + " (" + r.Country + ")"
			if g := b.l.text(r.Safeguard); g != "" {
				t += ": " + norm(b.l, g)
			}
			third = append(third, t)
		}
	}
	if len(third) == 0 && !unknown {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Eine Übermittlung in Länder außerhalb des Europäischen Wirtschaftsraums findet nicht statt.",
			"No personal data is transferred to countries outside the European Economic Area.")))
	}
	if len(third) > 0 {
		s.Blocks = append(s.Blocks, para(b.l.pick(
			"Folgende Empfänger haben ihren Sitz außerhalb des Europäischen Wirtschaftsraums; die Übermittlung stützt sich auf die genannte Garantie:",
			"These recipients are established outside the European Economic Area; the transfer rests on the safeguard named:")), list(third...))
	}
	return s
}

func (b *builder) storage() Section {
	s := Section{ID: SecStorage, Heading: b.l.pick("Dauer der Speicherung", "Storage period"),
		Article: b.art("Art. 13 Abs. 2 lit. a DSGVO", "Art. 13(2)(a) GDPR")}
	for i := range b.d.Datasets {
		ds := &b.d.Datasets[i]
		sentences := storagePeriods(ds, b.l, func(j int) bool {
			return b.stated("datasets[" + strconv.Itoa(i) + "].rules[" + strconv.Itoa(j) + "]")
		})
		if len(sentences) == 0 {
			continue // FR002, FR082
		}
		heading := b.l.text(ds.Description)
		if heading == "" {
			heading = ds.ID
		}
		s.Blocks = append(s.Blocks, sub(heading), list(sentences...))
	}
	if kinds := b.ownKinds(); len(kinds) > 0 {
		s.Blocks = append(s.Blocks, sub(ownHeading(b.l, kinds)), list(b.recordPeriods(kinds...)...))
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
	if a.Name == "" || !b.stated("authority") {
		return s // FR022
	}
	s.Blocks = append(s.Blocks, para(b.l.pick("Zuständig ist:", "The competent authority is:")),
		list(append([]string{a.Name}, b.contactLines(a.Address, a.Contact)...)...))
	return s
}

// provisionText states an Art. 13(2)(e) kind for the required data.
func provisionText(l Language, p *policy.Provision) string {
	switch p.Kind {
	case policy.ProvisionStatutory:
		return l.pick("Die Angabe ist gesetzlich vorgeschrieben ("+p.Norm+")", "Providing it is required by law ("+norm(l, p.Norm)+")")
	case policy.ProvisionContractual:
		return l.pick("Die Angabe ist für den Abschluss oder die Durchführung des Vertrags erforderlich", "Providing it is required to conclude or perform the contract")
	case policy.ProvisionService:
		return l.pick("Die Angabe ist weder gesetzlich noch vertraglich vorgeschrieben, für die Nutzung des Dienstes aber erforderlich", "Providing it is required neither by law nor by contract, but is necessary to use the service")
	case policy.ProvisionVoluntary:
		return l.pick("Die Angabe ist freiwillig", "Providing it is voluntary")
	}
	return ""
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
			for _, f := range b.statedFields(ds) {
				name := fieldName(b.l, f)
				switch {
				case f.Provided != nil && !*f.Provided:
					if !slices.Contains(auto, name) {
						auto = append(auto, name)
					}
				case f.Required && p.Provision != nil && p.Provision.Kind != policy.ProvisionVoluntary:
					if !slices.Contains(req, name) {
						req = append(req, name)
					}
				default:
					if !slices.Contains(vol, name) {
						vol = append(vol, name)
					}
				}
			}
		}
		pr := p.Provision
		if pr != nil && !b.stated(purposePath(i)+".provision") {
			pr = nil // FR084
		}
		var blocks []Block
		if pr != nil && len(req) > 0 {
			blocks = append(blocks, para(provisionText(b.l, pr)+b.l.pick(" für: ", " for: ")+joinWords(b.l, req)+"."))
			if c := b.l.text(pr.Consequence); c != "" {
				blocks = append(blocks, para(b.l.pick("Folge, wenn Sie diese Angaben nicht machen: ", "If you do not provide them: ")+c))
			}
		}
		if pr != nil && len(vol) > 0 {
			blocks = append(blocks, para(b.l.pick("Freiwillig sind: ", "Voluntary: ")+joinWords(b.l, vol)+"."))
			if c := b.l.text(pr.Consequence); c != "" && len(req) == 0 {
				blocks = append(blocks, para(b.l.pick("Folge, wenn Sie diese Angaben nicht machen: ", "If you do not provide them: ")+c))
			}
		}
		if len(auto) > 0 {
			blocks = append(blocks, para(b.l.pick(
				"Automatisch bei der Nutzung erhoben, ohne dass Sie sie angeben: ",
				"Collected automatically when you use the service, without you entering them: ")+joinWords(b.l, auto)+"."))
		}
		if len(blocks) > 0 {
			s.Blocks = append(s.Blocks, sub(b.l.text(p.Description)))
			s.Blocks = append(s.Blocks, blocks...)
		}
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
	if len(b.d.Cookies) == 0 {
		return s
	}
	var rows [][]string
	for i, c := range b.d.Cookies {
		path := "cookies[" + strconv.Itoa(i) + "]"
		if !b.stated(path) {
			continue
		}
		purpose := c.Purpose
		if p := b.d.Purpose(c.Purpose); p != nil {
			purpose = b.l.text(p.Description)
		}
		if d := b.l.text(c.Description); d != "" {
			purpose = d + " (" + purpose + ")"
		}
		life := b.l.pick("bis zum Ende der Sitzung", "until the end of the session")
		if !c.Session {
			life = ""
			if b.stated(path + ".lifetime") {
				life = periodPhrase(b.l, c.Lifetime, false) // FR082 otherwise
			}
		}
		basis := ""
		switch {
		case !b.stated(path + ".basis"):
		case c.Basis == policy.ConsentBased:
			basis = b.l.pick("nur mit Ihrer Einwilligung (§ 25 Abs. 1 TDDDG)", "only with your consent (§ 25(1) TDDDG)")
		case c.Basis == policy.StrictlyNecessary:
			basis = b.l.pick("unbedingt erforderlich, keine Einwilligung nötig (§ 25 Abs. 2 Nr. 2 TDDDG)", "strictly necessary, no consent needed (§ 25(2) no. 2 TDDDG)")
		}
		provider := b.l.pick("wir selbst", "ourselves")
		if c.Provider != "" && c.Provider != "first_party" {
			provider = c.Provider
			if r := b.d.Recipient(c.Provider); r != nil {
				provider = b.l.text(r.Name)
			}
		}
		name := c.Name
		if !b.stated(path + ".name") {
			name = "" // a name the source does not give is not published
		}
		rows = append(rows, []string{name, purpose, life, basis, provider})
	}
	if len(rows) > 0 {
		s.Blocks = append(s.Blocks, table(b.l.pick("Cookies dieses Dienstes", "Cookies of this service"),
			[]string{"Cookie", b.l.pick("Zweck", "Purpose"), b.l.pick("Speicherdauer", "Lifetime"), b.l.pick("Rechtsgrundlage", "Legal basis"), b.l.pick("Anbieter", "Set by")}, rows))
	}
	return s
}
