package policy

import (
	"reflect"
	"strconv"
	"strings"
)

// This file holds the parts of the model that exist for the published
// notice: the grammar a German sentence needs, the Art. 13(2)(e) statement,
// the limit national law sets to the Art. 21 objection, and the marks that
// say which declared values the published source does not state.

// Gender is the grammatical gender of the controller's name, so that the
// notice can write "die Stadt Versmold", "das Jobcenter Kreis Segeberg" or
// "der Kreis Unna" instead of pasting the name without its article.
type Gender string

// The genders; GenderPlural is for names that are plural nouns ("die
// Stadtwerke").
const (
	Feminine     Gender = "feminine"
	Masculine    Gender = "masculine"
	Neuter       Gender = "neuter"
	GenderPlural Gender = "plural"
)

// genderByHead gives the gender of the head nouns that name German public
// bodies, for controllers that declare no gender.
var genderByHead = map[string]Gender{
	"stadt": Feminine, "gemeinde": Feminine, "verbandsgemeinde": Feminine, "samtgemeinde": Feminine,
	"kreisverwaltung": Feminine, "stadtverwaltung": Feminine, "verwaltung": Feminine, "behörde": Feminine,
	"hansestadt": Feminine, "kreisstadt": Feminine, "agentur": Feminine, "bundesagentur": Feminine,
	"jobcenter": Neuter, "amt": Neuter, "landratsamt": Neuter, "bezirksamt": Neuter, "bürgerbüro": Neuter,
	"ministerium": Neuter, "landesamt": Neuter, "bundesamt": Neuter,
	"kreis": Masculine, "landkreis": Masculine, "bezirk": Masculine, "zweckverband": Masculine, "markt": Masculine,
	"stadtwerke": GenderPlural,
}

// ControllerGender returns the declared gender of the controller's name,
// or the one its first word implies ("Stadt" feminine, "Jobcenter" neuter,
// "Kreis" masculine); "" when neither is known, in which case a notice
// avoids the article.
func (c *Controller) ControllerGender() Gender {
	if c.Gender != "" {
		return c.Gender
	}
	if strings.Contains(c.Name, "/") {
		return "" // "Stadt / Amt" names two bodies of different genders
	}
	first, _, _ := strings.Cut(strings.TrimSpace(c.Name), " ")
	return genderByHead[strings.ToLower(first)]
}

// Number is the grammatical number of a noun.
type Number string

// The numbers.
const (
	Singular Number = "singular"
	Plural   Number = "plural"
)

// NounNumber is the grammatical number of a dataset's description in
// German and in English ("Kundendatenbank" is singular, "Terminbuchungen"
// plural; "data" takes a singular verb in English).
type NounNumber struct {
	DE Number `yaml:"de,omitempty" json:"de,omitempty"`
	EN Number `yaml:"en,omitempty" json:"en,omitempty"`
}

// IsZero reports whether neither language is declared.
func (n NounNumber) IsZero() bool { return n.DE == "" && n.EN == "" }

// DescriptionNumber returns the grammatical number of the dataset's
// description in lang ("de" or "en"): the declared one, or else the one
// its head noun suggests (a German head noun ending in -en, -e, -er or -s,
// an English one ending in -s, is plural; "Daten" is plural, "data" is
// singular).
func (ds *Dataset) DescriptionNumber(lang string) Number {
	if lang == "en" && ds.Number.EN != "" {
		return ds.Number.EN
	}
	if lang != "en" && ds.Number.DE != "" {
		return ds.Number.DE
	}
	return guessNumber(lang, ds.Description.In(lang))
}

// headStops end the head noun phrase of a description: what follows is an
// attribute ("Protokolldatei des Webservers", "Logins mit Zeitpunkt").
var headStops = map[string]bool{
	"des": true, "der": true, "von": true, "mit": true, "für": true, "bei": true, "auf": true, "über": true,
	"in": true, "im": true, "aus": true, "zu": true, "zur": true, "zum": true, "und": true,
	"an": true, "the": true, "that": true, "which": true, "a": true,
	"of": true, "with": true, "for": true, "from": true, "on": true, "to": true, "by": true, "and": true, "when": true,
}

func guessNumber(lang, desc string) Number {
	if i := strings.IndexAny(desc, "(,:;"); i >= 0 {
		desc = desc[:i]
	}
	var head string
	for _, w := range strings.Fields(desc) {
		if headStops[strings.ToLower(w)] {
			break
		}
		head = w
	}
	h := strings.ToLower(head)
	if lang == "en" {
		// The head comes first and participles follow it ("appointments
		// booked online", "entries published by users"): the first plural
		// noun before an attribute decides.
		for _, w := range strings.Fields(desc) {
			w = strings.ToLower(w)
			if headStops[w] {
				break
			}
			if englishPlural(w) {
				return Plural
			}
		}
		return Singular
	}
	for _, suf := range []string{"en", "e", "er", "s"} {
		if strings.HasSuffix(h, suf) {
			return Plural
		}
	}
	return Singular
}

// englishPlural reports whether an English word looks like a plural noun:
// ending in -s, but not in -ss, -us or -is, and not "data".
func englishPlural(w string) bool {
	if w == "data" || !strings.HasSuffix(w, "s") {
		return false
	}
	for _, suf := range []string{"ss", "us", "is"} {
		if strings.HasSuffix(w, suf) {
			return false
		}
	}
	return true
}

// ProvisionKind says why a subject provides data (Art. 13(2)(e)).
type ProvisionKind string

// The kinds of Art. 13(2)(e).
const (
	// ProvisionStatutory: a statute requires the data; Norm cites it.
	ProvisionStatutory ProvisionKind = "statutory"
	// ProvisionContractual: the data is needed to conclude or perform a
	// contract.
	ProvisionContractual ProvisionKind = "contractual"
	// ProvisionService: neither statute nor contract requires it, but the
	// service cannot be used without it.
	ProvisionService ProvisionKind = "service"
	// ProvisionVoluntary: providing it is up to the subject.
	ProvisionVoluntary ProvisionKind = "voluntary"
)

// Provision is the Art. 13(2)(e) statement of a purpose: whether providing
// the data is a statutory or contractual requirement, or a requirement
// necessary to use the service, or voluntary, and the consequence of not
// providing it. It covers the purpose's required fields; fields not marked
// required are voluntary whatever Kind says.
type Provision struct {
	Kind ProvisionKind `yaml:"kind" json:"kind"`
	// Norm cites the statute for ProvisionStatutory ("§ 60 SGB I").
	Norm string `yaml:"norm,omitempty" json:"norm,omitempty"`
	// Consequence says what happens if the data is not provided ("ohne
	// diese Angaben kann kein Termin online gebucht werden").
	Consequence Text `yaml:"consequence,omitempty" json:"consequence,omitempty"`
}

// ObjectionLimit is a provision of national law that restricts the right
// to object (Art. 21(1), Art. 23), e.g. § 14 DSG NRW for public bodies of
// North Rhine-Westphalia where a compelling public interest outweighs the
// subject's interests or a statute requires the processing. The notice
// states it with the right, so that the subject is not promised more than
// the law grants.
type ObjectionLimit struct {
	Norm string `yaml:"norm" json:"norm"`
	// Text says in words when the right does not apply.
	Text Text `yaml:"text" json:"text"`
}

// Annotation marks a value of the declaration by its field path, in the
// syntax of [Declaration.Position] ("datasets[0].rules[1]",
// "cookies[0].lifetime"); a path covers everything under it.
type Annotation struct {
	Path string `yaml:"path" json:"path"`
	// Note says why: what the published source says instead, or why the
	// controller adds the value.
	Note string `yaml:"note" json:"note"`
}

// Assumed reports whether the value at path, or a value enclosing it, is
// marked as an assumption: a value frist needs that the published source
// does not state. A notice never states an assumed value as a promise.
func (d *Declaration) Assumed(path string) bool { return annotated(d.Assumptions, path) }

// Added reports whether the value at path, or one enclosing it, is marked
// as the controller's own addition to what the published source says.
func (d *Declaration) Added(path string) bool { return annotated(d.Additions, path) }

func annotated(list []Annotation, path string) bool {
	for _, a := range list {
		if a.Path == path {
			return true
		}
		if rest, ok := strings.CutPrefix(path, a.Path); ok && (rest[0] == '.' || rest[0] == '[') {
			return true
		}
	}
	return false
}

// resolvePath reports whether path names a value of d: each element a
// field by its YAML key or an index into a list.
func resolvePath(d *Declaration, path string) bool {
	v := reflect.ValueOf(d).Elem()
	rest := path
	for rest != "" {
		var elem string
		elem, rest = nextElem(rest)
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return false
			}
			v = v.Elem()
		}
		if n, ok := pathIndex(elem); ok {
			if v.Kind() != reflect.Slice || n >= v.Len() {
				return false
			}
			v = v.Index(n)
			continue
		}
		if strings.HasPrefix(elem, "[") || v.Kind() != reflect.Struct {
			return false
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if key, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); key == elem && f.IsExported() {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return false
		}
	}
	return path != ""
}

// annotationPath is the field path of entry i of a list of annotations.
func annotationPath(list string, i int) string { return list + "[" + strconv.Itoa(i) + "]" }
