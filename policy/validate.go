package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Validate checks the declaration and, when it is sound, fills in the
// defaults: rule IDs (Rule.DefaultID), the consent minimum age
// (DefaultMinAge, Art. 8(1)), time-column formats (TimeNative), and the
// controller's time zone returned by Location. Validated then reports true.
//
// Validate returns every problem at once as an ErrorList of *Error, each
// with its field path and, for declarations loaded from YAML, its file
// position; the list matches ErrInvalid. A declaration with a problem is
// left unchanged and not validated. Validate is idempotent: a declaration
// built in Go and the same declaration loaded from YAML validate to the
// same value.
//
// It checks required values; identifier syntax (SQL identifiers are plain
// letters, digits and underscores with an optional schema prefix, so no
// declaration can inject SQL); uniqueness of IDs and names; every reference
// (dataset to purposes and recipients, purpose to recipients, cookie to
// purpose, rule to time columns and fields); operator specs of package
// anonymize; legal bases (Art. 6(1)(a)–(f)) and special-category
// conditions (Art. 9(2)(a)–(j)); consent specifications (Art. 7, Art. 8);
// periods, time zones and formats, including those of the records block
// (Records). Legal assessments that are not errors in
// the declaration's form are left to Lint.
func (d *Declaration) Validate() error { return d.validate(nil) }

// validate is Validate leaving out the problems for which skip, when not
// nil, returns true. A declaration with a problem left out is still not
// valid: it gets no defaults, and validate returns an ErrorList, empty
// when every problem was left out.
func (d *Declaration) validate(skip func(path, reason string) bool) error {
	if d == nil {
		return ErrorList{{Reason: "declaration is nil"}}
	}
	v := &validator{d: d, c: errorsAt{d: d, skip: skip},
		purposeIDs:   newIndex(d.Purposes, purposeID),
		recipientIDs: newIndex(d.Recipients, recipientID),
		cookieNames:  newIndex(d.Cookies, cookieName),
	}
	v.run()
	if len(v.c.list) > 0 || v.c.skipped {
		d.validated = false
		if d.src != nil {
			v.c.list.sortByPosition()
		}
		if v.c.list == nil {
			return ErrorList{}
		}
		return v.c.list
	}
	v.applyDefaults()
	d.validated = true
	return nil
}

// validator holds what Validate learns while checking, so that defaults
// are applied only when everything is sound.
type validator struct {
	d   *Declaration
	c   errorsAt
	loc *time.Location
	// ruleIDs[i][j] is the ID rule j of dataset i gets.
	ruleIDs [][]string
	// The names that references may use: of the declaration's purposes,
	// recipients and cookies, and of the fields and time columns of the
	// dataset being checked.
	purposeIDs   nameIndex[Purpose]
	recipientIDs nameIndex[Recipient]
	cookieNames  nameIndex[Cookie]
	fieldNames   nameIndex[Field]
	timeNames    nameIndex[TimeColumn]
	// fieldSet holds the names of the fields of the dataset being
	// checked, to find one given twice.
	fieldSet nameTable[Field]
	// timeSet holds the names of its time columns.
	timeSet nameTable[TimeColumn]
}

func (v *validator) add(path, format string, args ...any) {
	if len(args) == 0 && !strings.Contains(format, "%") {
		// The text as it is: most complaints of a declaration with a
		// problem in every entry are left out as consequences, and
		// formatting each first was most of their cost.
		v.c.add(path, format)
		return
	}
	v.c.add(path, fmt.Sprintf(format, args...))
}

// addErr records a problem caused by err, which stays reachable through
// errors.Is and errors.As.
func (v *validator) addErr(path, reason string, err error) {
	if e := v.c.add(path, reason); e != nil {
		e.err = err
	}
}

func (v *validator) run() {
	d := v.d
	v.controller()
	v.recipients()
	v.purposes()
	v.datasets()
	v.cookies()
	v.records()
	v.noticeFields()
	for i, r := range d.Rights {
		if !contains(knownRights, r) {
			v.add(idx("rights", i), "%q is not a right (%s)", r, oneOf(knownRights...))
		}
	}
	for i, a := range d.Acknowledged {
		p := idx("acknowledged", i)
		if a.Finding == "" {
			v.add(p+".finding", "missing: the ID of the acknowledged finding")
		}
		if strings.TrimSpace(a.Reason) == "" {
			v.add(p+".reason", "missing: an acknowledgement states the controller's reason, for the auditor")
		}
	}
}

func (v *validator) controller() {
	c := &v.d.Controller
	if strings.TrimSpace(c.Name) == "" {
		v.add("controller.name", "missing: the controller's name (Art. 13(1)(a))")
	}
	if strings.TrimSpace(c.Address) == "" {
		v.add("controller.address", "missing: the controller's address (Art. 13(1)(a))")
	}
	v.loc = time.UTC
	switch tz := c.TimeZone; tz {
	case "":
	case "Local":
		v.add("controller.time_zone", `"Local" depends on the machine; name an IANA zone such as Europe/Berlin`)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			v.add("controller.time_zone", "unknown time zone %q (an IANA name such as Europe/Berlin)", tz)
		} else {
			v.loc = loc
		}
	}
	if h := c.Holidays; h != "" && !germanLand(h) {
		v.add("controller.holidays", "%q is not a German Land: write its ISO 3166-2 code, DE-BW, DE-BY, DE-BE, DE-BB, DE-HB, DE-HH, DE-HE, DE-MV, DE-NI, DE-NW, DE-RP, DE-SL, DE-SN, DE-ST, DE-SH or DE-TH", h)
	}
}

// germanLand reports whether s is the ISO 3166-2 code of a German Land,
// with or without its "DE-" prefix.
func germanLand(s string) bool {
	s = strings.TrimPrefix(s, "DE-")
	switch s {
	case "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH":
		return true
	}
	return false
}

func (v *validator) recipients() {
	seen := make(idMap, len(v.d.Recipients))
	for i := range v.d.Recipients {
		r := &v.d.Recipients[i]
		p := idx("recipients", i)
		v.id(p, ".id", r.ID, "recipient", seen, i)
		if strings.TrimSpace(r.Name.In("de")) == "" {
			v.add(p+".name", "missing: the recipient's name (Art. 13(1)(e))")
		}
		switch {
		case r.Role == "":
			v.add(p+".role", "missing: the recipient's role (%s)", oneOf(roles...))
		case !contains(roles, r.Role):
			v.add(p+".role", "%q is not a recipient role (%s)", r.Role, oneOf(roles...))
		}
		if r.Country != "" && !countryPattern.MatchString(r.Country) {
			v.add(p+".country", "%q is not an ISO 3166-1 country code (two capital letters such as DE)", r.Country)
		}
		if r.Disclosure != "" && !contains(disclosures, r.Disclosure) {
			v.add(p+".disclosure", "%q is not a disclosure (%s)", r.Disclosure, oneOf(disclosures...))
		}
	}
}

// id checks an identifier written at path+suffix and that it is unique
// among its kind; seen maps IDs to the index of their first use. The path
// is built only to report a problem.
func (v *validator) id(path, suffix, id, what string, seen idSet, i int) {
	if id == "" {
		v.add(path+suffix, "missing: every %s needs an id", what)
		return
	}
	if r := checkID(id); r != "" {
		v.add(path+suffix, "%s", r)
		return
	}
	if first, dup := seen.first(id); dup {
		v.add(path+suffix, "%s id %q is already used by entry %d", what, id, first)
		return
	}
	seen.add(id, i)
}

// refs checks that every ID in ids, the list at path+suffix, names
// something that exists. The path is built only to report a problem.
func (v *validator) refs(path, suffix string, ids []string, what string, exists func(string) bool) {
	for i, id := range ids {
		if id == "" {
			v.add(idx(path+suffix, i), "empty %s reference", what)
		} else if !exists(id) {
			v.add(idx(path+suffix, i), "%s %q is not declared", what, id)
		}
	}
}

func (v *validator) recipientExists(id string) bool { return v.recipientIDs.has(id) }
func (v *validator) purposeExists(id string) bool   { return v.purposeIDs.has(id) }

func (v *validator) purposes() {
	if len(v.d.Purposes) == 0 {
		v.add("purposes", "missing: a declaration names at least one purpose (Art. 5(1)(b), Art. 13(1)(c))")
	}
	seen := make(idMap, len(v.d.Purposes))
	for i := range v.d.Purposes {
		pu := &v.d.Purposes[i]
		p := idx("purposes", i)
		v.id(p, ".id", pu.ID, "purpose", seen, i)
		if len(pu.LegalBasis) == 0 {
			v.add(p+".legal_basis", "missing: every purpose needs a legal basis of Art. 6(1) (6.1.a … 6.1.f)")
		}
		for j, lb := range pu.LegalBasis {
			q := idx(p+".legal_basis", j)
			if !validBasis(lb.Basis) {
				v.add(q+".basis", "%q is not a legal basis of Art. 6(1) (one of 6.1.a … 6.1.f)%s", lb.Basis, basisHint(string(lb.Basis)))
			}
			for k, n := range lb.National {
				if strings.TrimSpace(n) == "" {
					v.add(idx(q+".national", k), "empty national provision")
				}
			}
		}
		if c := pu.SpecialCategories; c != "" && !validCondition(c) {
			v.add(p+".special_categories", "%q is not a condition of Art. 9(2) (one of 9.2.a … 9.2.j)%s", c, basisHint(string(c)))
		}
		v.refs(p, ".recipients", pu.Recipients, "recipient", v.recipientExists)
		if pu.HasBasis(Consent) && pu.Consent == nil {
			v.add(p+".consent", "missing: a purpose resting on consent (6.1.a) needs a consent with a version, so that consent can be demonstrated (Art. 7(1))")
		}
		if pu.Consent != nil {
			v.consent(p+".consent", pu.Consent)
		}
		if pu.Objection != nil {
			v.channels(p+".objection.channels", pu.Objection.Channels)
		}
	}
}

func (v *validator) consent(p string, c *ConsentSpec) {
	if strings.TrimSpace(c.Version) == "" {
		v.add(p+".version", "missing: the version of the consent text, so that a grant can be tied to what was shown (Art. 7(1))")
	}
	if c.TextSHA256 != "" && !sha256Pattern.MatchString(c.TextSHA256) {
		v.add(p+".text_sha256", "%q is not a SHA-256 in lower-case hex (64 characters)", c.TextSHA256)
	}
	if c.MinAge != 0 && (c.MinAge < 13 || c.MinAge > 16) {
		v.add(p+".min_age", "%d is not an age Art. 8(1) allows (13 to 16; default %d for a service offered to children)", c.MinAge, DefaultMinAge)
	}
	v.channels(p+".withdraw", c.Withdraw)
	if c.Cookie != "" && !v.cookieExists(c.Cookie) {
		v.add(p+".cookie", "cookie %q is not declared under cookies", c.Cookie)
	}
}

func (v *validator) cookieExists(name string) bool { return v.cookieNames.has(name) }

func (v *validator) channels(p string, chs []Channel) {
	for i, ch := range chs {
		switch {
		case ch.Kind == "":
			v.add(idx(p, i)+".kind", "missing: the kind of channel (%s)", oneOf(channelKinds...))
		case !contains(channelKinds, ch.Kind):
			v.add(idx(p, i)+".kind", "%q is not a channel kind (%s)", ch.Kind, oneOf(channelKinds...))
		}
	}
}

func (v *validator) cookies() {
	seen := map[string]int{}
	for i := range v.d.Cookies {
		c := &v.d.Cookies[i]
		p := idx("cookies", i)
		switch {
		case c.Name == "":
			v.add(p+".name", "missing: the cookie's name")
		case strings.ContainsAny(c.Name, " \t\r\n;,=\"\\") || len(c.Name) > 256:
			v.add(p+".name", "%q is not a cookie name (no spaces, ; , = \" or \\)", c.Name)
		default:
			if first, dup := seen[c.Name]; dup {
				v.add(p+".name", "cookie %q is already declared by entry %d", c.Name, first)
			} else {
				seen[c.Name] = i
			}
		}
		switch {
		case c.Purpose == "":
			v.add(p+".purpose", "missing: the ID of the purpose the cookie serves")
		case !v.purposeExists(c.Purpose):
			v.add(p+".purpose", "purpose %q is not declared", c.Purpose)
		}
		switch {
		case c.Basis == "":
			v.add(p+".basis", "missing: whether the cookie is strictly necessary or needs consent under § 25 TDDDG (%s)", oneOf(necessities...))
		case !contains(necessities, c.Basis):
			v.add(p+".basis", "%q is not a cookie basis under § 25 TDDDG (%s)", c.Basis, oneOf(necessities...))
		}
		switch {
		case c.Session && c.Lifetime != (Period{}):
			v.add(p+".lifetime", "a session cookie has no lifetime of its own; give either lifetime: session or a period")
		case !c.Session && c.Lifetime == (Period{}):
			v.add(p+".lifetime", "missing: the cookie's lifetime, a period such as 1y or \"session\"")
		case !c.Session:
			if r := validPeriod(c.Lifetime); r != "" {
				v.add(p+".lifetime", "%s", r)
			}
		}
		if c.Provider != "" && c.Provider != cookieFirstPt && !v.recipientExists(c.Provider) {
			v.add(p+".provider", "provider %q is neither %q nor a declared recipient", c.Provider, cookieFirstPt)
		}
	}
}

// applyDefaults fills in what Validate promises once the declaration is
// sound.
func (v *validator) applyDefaults() {
	d := v.d
	d.loc = v.loc
	for i := range d.Purposes {
		if c := d.Purposes[i].Consent; c != nil && c.MinAge == 0 && d.Purposes[i].OfferedToChildren {
			c.MinAge = DefaultMinAge
		}
	}
	for i := range d.Datasets {
		ds := &d.Datasets[i]
		for j := range ds.Time {
			if ds.Time[j].Format == "" {
				ds.Time[j].Format = TimeNative
			}
		}
		for j := range ds.Rules {
			ds.Rules[j].ID = v.ruleIDs[i][j]
		}
	}
}

// DefaultID returns the ID a rule gets when the declaration names none:
// "<action>_after_<period>_<from>" or "<action>_on_<event>", e.g.
// "delete_after_14d_appointment_at" or "delete_after_6y_year_end_booked_at".
// It does not depend on the rule's position, so audit entries stay
// comparable when rules are reordered.
func (r *Rule) DefaultID() string {
	action := "delete"
	if !r.Delete {
		action = "anonymize"
	}
	if r.On != "" {
		return action + "_on_" + string(r.On)
	}
	p := strings.ReplaceAll(r.After.String(), yearEndSuffix, "_year_end")
	return action + "_after_" + p + "_" + r.From
}

// idx appends an index to a field path: idx("datasets", 1) is
// "datasets[1]".
func idx(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
