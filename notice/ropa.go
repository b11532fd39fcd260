package notice

import (
	"slices"
	"strconv"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Activity is one processing activity of the record of processing
// activities: one purpose with everything Art. 30(1)(a)–(g) asks for, in
// the order of the model record of the German data-protection authorities
// (DSK, "Muster Verzeichnis von Verarbeitungstätigkeiten – Verantwortlicher").
// A field the declaration does not fill is empty, never a placeholder: what
// is missing is a lint finding (FR060 subjects, FR061 measures, FR020 DPO)
// that keeps the record from being published.
type Activity struct {
	// ID is the purpose's ID, which names the activity.
	ID string
	// Controller names the controller, its representative and its contact
	// details (Art. 30(1)(a)).
	Controller string
	// JointControllers names the joint controllers (Art. 26), the
	// recipients declared with role joint_controller (Art. 30(1)(a)).
	JointControllers string
	// DPO is the data-protection officer's contact (Art. 30(1)(a)).
	DPO string
	// Purpose is the purpose of processing (Art. 30(1)(b)); LegalBasis is
	// not required by Art. 30 but recorded so the record stands alone.
	Purpose    string
	LegalBasis string
	// Subjects and Data are the categories of data subjects and of personal
	// data (Art. 30(1)(c)); Data names the fields of each category.
	Subjects string
	Data     string
	// Recipients are the categories of recipients (Art. 30(1)(d)).
	Recipients string
	// Transfers are transfers to third countries with their safeguards
	// (Art. 30(1)(e), Art. 49(1) second subparagraph).
	Transfers string
	// Erasure states the time limits for erasure (Art. 30(1)(f)): each
	// dataset's periods from the rules the engine enforces, a dataset
	// without rules as having none, each cookie's lifetime, and the
	// periods of the controller's own records of the activity
	// (RecordPeriods: proof of consent, requests, objections,
	// restrictions and holds, the audit log).
	Erasure string
	// Measures describes the technical and organisational measures
	// (Art. 30(1)(g), Art. 32(1)).
	Measures string
}

// Record returns the record of processing activities of d in lang, one
// Activity per purpose, in the declaration's order.
func Record(d *policy.Declaration, lang Language) ([]Activity, error) {
	if !d.Validated() {
		return nil, ErrNotValidated
	}
	b := &builder{d: d, l: lang}
	none := lang.pick("keine", "none")
	orNone := func(items []string) string {
		if len(items) == 0 {
			return none
		}
		return strings.Join(items, "; ")
	}
	ctrl := []string{d.Controller.Name}
	if r := lang.text(d.Controller.Representative); r != "" && b.stated("controller.representative") {
		ctrl = append(ctrl, lang.pick("vertreten durch ", "represented by ")+r)
	}
	ctrl = append(ctrl, b.contactLines(d.Controller.Address, d.Controller.Contact)...)
	dpo := strings.Join(b.contactLines(d.DPO.Address, d.DPO.Contact), ", ")
	if d.DPO.Name != "" && dpo != "" {
		dpo = d.DPO.Name + ", " + dpo
	}
	var out []Activity
	for i := range d.Purposes {
		p := &d.Purposes[i]
		var bases []string
		for _, lb := range p.LegalBasis {
			bases = append(bases, basisText(lang, lb))
		}
		if p.SpecialCategories != "" {
			bases = append(bases, specialText(lang, p.SpecialCategories))
		}
		var subjects, joint, recipients, transfers, erasure []string
		data := &categoryList{}
		recipientIDs := slices.Clone(p.Recipients)
		for _, ds := range b.datasetsOf(p.ID) {
			k := slices.IndexFunc(d.Datasets, func(x policy.Dataset) bool { return x.ID == ds.ID })
			if s := lang.text(ds.Subjects); s != "" && !slices.Contains(subjects, s) {
				subjects = append(subjects, s)
			}
			for j := range ds.Fields {
				data.add(lang, &ds.Fields[j])
			}
			for _, r := range ds.Recipients {
				if !slices.Contains(recipientIDs, r) {
					recipientIDs = append(recipientIDs, r)
				}
			}
			erasure = append(erasure, b.datasetErasure(k, ds)...)
		}
		for j := range d.Cookies {
			if c := &d.Cookies[j]; c.Purpose == p.ID {
				e := cookieErasure(lang, c)
				if !b.stated("cookies[" + strconv.Itoa(j) + "].lifetime") {
					e += assumedMark(lang)
				}
				erasure = append(erasure, e)
			}
		}
		// The controller's own records of the activity: proof of its
		// consents, requests about it, objections to it, restrictions
		// and holds on its records, and the audit log that proves its
		// erasures.
		own := []int{ownRequests}
		if consentPurpose(d, i) {
			own = []int{ownConsent, ownRequests}
		}
		if slices.Contains(objectionPurposes(d), i) {
			own = append(own, ownObjections)
		}
		own = append(own, ownHolds, ownAudit)
		for _, k := range own {
			// Like a rule, a period the source does not state is
			// recorded as enforced, marked as an assumption.
			for _, s := range b.ownSentences(k) {
				if !b.statedOwn(k) {
					s += assumedMark(lang)
				}
				erasure = append(erasure, s)
			}
		}
		for _, id := range recipientIDs {
			r := d.Recipient(id)
			if r == nil {
				continue
			}
			if r.Role == policy.RoleJointController {
				joint = append(joint, strings.Join(append([]string{lang.text(r.Name)}, b.contactLines(r.Address, policy.Contact{})...), ", "))
			} else {
				recipients = append(recipients, lang.text(r.Name)+" ("+b.roleName(r.Role)+")")
			}
			if r.Country != "" && !InEEA(r.Country) {
				g := lang.text(r.Safeguard)
				if g == "" {
					g = lang.pick("keine Garantie angegeben", "no safeguard stated")
				}
				transfers = append(transfers, lang.text(r.Name)+" ("+r.Country+"): "+g)
			}
		}
		out = append(out, Activity{
			ID:               p.ID,
			Controller:       strings.Join(ctrl, ", "),
			JointControllers: orNone(joint),
			DPO:              dpo,
			Purpose:          lang.text(p.Description),
			LegalBasis:       strings.Join(bases, "; "),
			Subjects:         strings.Join(subjects, "; "),
			Data:             data.String(),
			Recipients:       orNone(recipients),
			Transfers:        orNone(transfers),
			Erasure:          erasureText(lang, erasure),
			Measures:         lang.text(d.Measures),
		})
	}
	return out, nil
}

// categoryList collects the personal fields of an activity by category,
// in the order first seen: "Kontaktdaten (E-Mail-Adresse, Rufnummer)".
type categoryList struct {
	names  []string
	fields map[string][]string
}

func (c *categoryList) add(lang Language, f *policy.Field) {
	if f.Category == policy.CatNone && !f.Special {
		return // not personal data on its own
	}
	cat := categoryName(lang, f.Category)
	if f.Special {
		cat = categoryName(lang, policy.CatSpecial)
	}
	if c.fields == nil {
		c.fields = map[string][]string{}
	}
	if _, ok := c.fields[cat]; !ok {
		c.names = append(c.names, cat)
	}
	if name := fieldName(lang, f); !slices.Contains(c.fields[cat], name) {
		c.fields[cat] = append(c.fields[cat], name)
	}
}

func (c *categoryList) String() string {
	var out []string
	for _, n := range c.names {
		out = append(out, n+" ("+strings.Join(c.fields[n], ", ")+")")
	}
	return strings.Join(out, "; ")
}

// erasureText joins the erasure sentences of an activity.
func erasureText(lang Language, sentences []string) string {
	if len(sentences) == 0 {
		return lang.pick("keine", "none")
	}
	return strings.Join(sentences, " ")
}

// datasetErasure states the time limits of the rules of dataset k, or
// that it has none, so that no dataset of an activity is silently left out.
// The record states what the engine enforces; a rule the declaration marks
// as an assumption (its source does not state it) is stated too, marked as
// such, so that the controller confirms it before the record is signed.
func (b *builder) datasetErasure(k int, ds *policy.Dataset) []string {
	lang := b.l
	rulePath := func(j int) string { return "datasets[" + strconv.Itoa(k) + "].rules[" + strconv.Itoa(j) + "]" }
	out := storagePeriods(ds, lang, func(j int) bool { return b.stated(rulePath(j)) })
	for _, s := range storagePeriods(ds, lang, func(j int) bool { return !b.stated(rulePath(j)) }) {
		out = append(out, s+assumedMark(lang))
	}
	if len(out) > 0 {
		return out
	}
	return []string{lang.pick(datasetName(lang, ds)+": keine Löschfrist festgelegt.", datasetName(lang, ds)+": no erasure time limit set.")}
}

// assumedMark follows a value the declaration marks as an assumption.
func assumedMark(lang Language) string {
	return lang.pick(" (Annahme, von der Quelle nicht belegt)", " (assumption, not stated by the source)")
}

// cookieErasure states how long a cookie is stored on the device.
func cookieErasure(lang Language, c *policy.Cookie) string {
	name := lang.pick("Cookie „"+c.Name+"“", "Cookie “"+c.Name+"”")
	switch {
	case c.Session:
		return name + lang.pick(": bis zum Ende der Browsersitzung.", ": until the end of the browser session.")
	case !c.Lifetime.IsZero():
		return name + lang.pick(": "+periodPhrase(lang, c.Lifetime, false)+" nach dem Setzen.", ": "+periodPhrase(lang, c.Lifetime, false)+" after it is set.")
	}
	return name + lang.pick(": keine Speicherdauer festgelegt.", ": no lifetime set.")
}
