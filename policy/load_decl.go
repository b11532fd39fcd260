package policy

import (
	"slices"

	"go.yaml.in/yaml/v3"
)

// This file maps the YAML form of a declaration onto the Go model. Where
// the YAML offers a shorter form (a mapping instead of a list of named
// entries, a string instead of a list of one), the positions are recorded
// under the Go model's paths, so that Validate and the linter can point at
// the text whichever form was written.

func (l *loader) declaration(n *node, d *Declaration) {
	l.steps = newSteps(l.t)
	if n.kind() != yaml.MappingNode {
		l.fail(n, rootPath, "a declaration is a mapping with the keys controller, purposes, datasets, ...; got %s", l.kind(n))
		return
	}
	l.mark(n, rootPath)
	object(l, n, rootPath, "the declaration", declarationKeys, d)
}

// The keys of each kind of mapping, with the decoding of their values. A
// key's function is called at most once per mapping, with a value that is
// neither null nor an alias.

var declarationKeys = keys[Declaration]{
	{"controller", func(l *loader, v *node, p path, d *Declaration) {
		object(l, v, p, "the controller", controllerKeys, &d.Controller)
	}},
	{"dpo", func(l *loader, v *node, p path, d *Declaration) {
		object(l, v, p, "the data-protection officer", dpoKeys, &d.DPO)
	}},
	{"authority", func(l *loader, v *node, p path, d *Declaration) {
		object(l, v, p, "the supervisory authority", authorityKeys, &d.Authority)
	}},
	{"recipients", func(l *loader, v *node, p path, d *Declaration) { l.recipients(v, p, &d.Recipients) }},
	{"purposes", func(l *loader, v *node, p path, d *Declaration) { l.purposes(v, p, &d.Purposes) }},
	{"datasets", func(l *loader, v *node, p path, d *Declaration) { l.datasets(v, p, &d.Datasets) }},
	{"cookies", func(l *loader, v *node, p path, d *Declaration) { l.cookies(v, p, &d.Cookies) }},
	{"rights", func(l *loader, v *node, p path, d *Declaration) { l.rights(v, p, &d.Rights) }},
	{"measures", func(l *loader, v *node, p path, d *Declaration) { l.text(v, p, &d.Measures) }},
	{"automated_decisions", func(l *loader, v *node, p path, d *Declaration) {
		d.AutomatedDecisions = &AutomatedDecisions{}
		object(l, v, p, "automated decisions", automatedDecisionKeys, d.AutomatedDecisions)
	}},
	{"acknowledged", func(l *loader, v *node, p path, d *Declaration) { l.acknowledged(v, p, &d.Acknowledged) }},
	{"records", func(l *loader, v *node, p path, d *Declaration) {
		d.Records = &Records{}
		object(l, v, p, "the retention of frist's own records", recordsKeys, d.Records)
	}},
	{"version", func(l *loader, v *node, p path, d *Declaration) { l.str(v, p, &d.Version) }},
	{"date", func(l *loader, v *node, p path, d *Declaration) { l.str(v, p, &d.Date) }},
	{"assumptions", func(l *loader, v *node, p path, d *Declaration) { l.annotations(v, p, &d.Assumptions) }},
	{"additions", func(l *loader, v *node, p path, d *Declaration) { l.annotations(v, p, &d.Additions) }},
}

var automatedDecisionKeys = keys[AutomatedDecisions]{
	{"logic", func(l *loader, v *node, p path, a *AutomatedDecisions) { l.text(v, p, &a.Logic) }},
	{"consequences", func(l *loader, v *node, p path, a *AutomatedDecisions) { l.text(v, p, &a.Consequences) }},
}

var controllerKeys = keys[Controller]{
	{"name", func(l *loader, v *node, p path, c *Controller) { l.str(v, p, &c.Name) }},
	{"representative", func(l *loader, v *node, p path, c *Controller) { l.text(v, p, &c.Representative) }},
	{"gender", func(l *loader, v *node, p path, c *Controller) { l.str(v, p, (*string)(&c.Gender)) }},
	{"address", func(l *loader, v *node, p path, c *Controller) { l.str(v, p, &c.Address) }},
	{"contact", func(l *loader, v *node, p path, c *Controller) { l.contact(v, p, &c.Contact) }},
	{"time_zone", func(l *loader, v *node, p path, c *Controller) { l.str(v, p, &c.TimeZone) }},
	{"holidays", func(l *loader, v *node, p path, c *Controller) { l.str(v, p, &c.Holidays) }},
	{"public_authority", func(l *loader, v *node, p path, c *Controller) { l.boolean(v, p, &c.PublicAuthority) }},
}

var contactKeys = keys[Contact]{
	{"email", func(l *loader, v *node, p path, c *Contact) { l.str(v, p, &c.Email) }},
	{"phone", func(l *loader, v *node, p path, c *Contact) { l.str(v, p, &c.Phone) }},
	{"web", func(l *loader, v *node, p path, c *Contact) { l.str(v, p, &c.Web) }},
}

func (l *loader) contact(n *node, p path, c *Contact) {
	object(l, n, p, "a contact", contactKeys, c)
}

var dpoKeys = keys[DPO]{
	{"name", func(l *loader, v *node, p path, d *DPO) { l.str(v, p, &d.Name) }},
	{"address", func(l *loader, v *node, p path, d *DPO) { l.str(v, p, &d.Address) }},
	{"contact", func(l *loader, v *node, p path, d *DPO) { l.contact(v, p, &d.Contact) }},
}

var authorityKeys = keys[Authority]{
	{"name", func(l *loader, v *node, p path, a *Authority) { l.str(v, p, &a.Name) }},
	{"address", func(l *loader, v *node, p path, a *Authority) { l.str(v, p, &a.Address) }},
	{"contact", func(l *loader, v *node, p path, a *Authority) { l.contact(v, p, &a.Contact) }},
}

var recipientKeys = keys[Recipient]{
	{"id", func(l *loader, v *node, p path, r *Recipient) { l.str(v, p, &r.ID) }},
	{"name", func(l *loader, v *node, p path, r *Recipient) { l.text(v, p, &r.Name) }},
	{"description", func(l *loader, v *node, p path, r *Recipient) { l.text(v, p, &r.Description) }},
	{"address", func(l *loader, v *node, p path, r *Recipient) { l.str(v, p, &r.Address) }},
	{"role", func(l *loader, v *node, p path, r *Recipient) { l.str(v, p, (*string)(&r.Role)) }},
	{"country", func(l *loader, v *node, p path, r *Recipient) { l.str(v, p, &r.Country) }},
	{"safeguard", func(l *loader, v *node, p path, r *Recipient) { l.text(v, p, &r.Safeguard) }},
	{"disclosure", func(l *loader, v *node, p path, r *Recipient) { l.str(v, p, (*string)(&r.Disclosure)) }},
}

func (l *loader) recipients(n *node, p path, dst *[]Recipient) {
	reserve(dst, n)
	l.list(n, p, "recipients", false, func(_ int, v *node, q path) {
		object(l, v, q, "a recipient", recipientKeys, grow(dst))
	})
}

// grow appends a zero value to *dst and returns a pointer to it, so that
// an entry is decoded in place. The pointer is used only until the next
// append to *dst.
func grow[T any](dst *[]T) *T {
	var zero T
	*dst = append(*dst, zero)
	return &(*dst)[len(*dst)-1]
}

// reserve makes room in *dst for the entries of n, a list or a mapping
// from names to entries, so that decoding them appends without copying
// what came before.
func reserve[T any](dst *[]T, n *node) {
	switch n.kind() {
	case yaml.SequenceNode:
		*dst = slices.Grow(*dst, int(n.cnt))
	case yaml.MappingNode:
		*dst = slices.Grow(*dst, int(n.cnt)/2)
	}
}

var purposeKeys = keys[Purpose]{
	{"id", func(l *loader, v *node, p path, pu *Purpose) { l.str(v, p, &pu.ID) }},
	{"description", func(l *loader, v *node, p path, pu *Purpose) { l.text(v, p, &pu.Description) }},
	{"legal_basis", func(l *loader, v *node, p path, pu *Purpose) { l.legalBasis(v, p, &pu.LegalBasis) }},
	{"legitimate_interest", func(l *loader, v *node, p path, pu *Purpose) { l.text(v, p, &pu.LegitimateInterest) }},
	{"special_categories", func(l *loader, v *node, p path, pu *Purpose) {
		l.str(v, p, (*string)(&pu.SpecialCategories))
	}},
	{"consent", func(l *loader, v *node, p path, pu *Purpose) {
		pu.Consent = &ConsentSpec{}
		object(l, v, p, "a consent", consentKeys, pu.Consent)
	}},
	{"recipients", func(l *loader, v *node, p path, pu *Purpose) {
		l.strs(v, p, "recipient IDs", &pu.Recipients)
	}},
	{"provision", func(l *loader, v *node, p path, pu *Purpose) {
		pu.Provision = &Provision{}
		l.provision(v, p, pu.Provision)
	}},
	{"offered_to_children", func(l *loader, v *node, p path, pu *Purpose) { l.boolean(v, p, &pu.OfferedToChildren) }},
	{"objection", func(l *loader, v *node, p path, pu *Purpose) {
		pu.Objection = &ObjectionSpec{}
		object(l, v, p, "an objection", objectionKeys, pu.Objection)
	}},
}

var objectionKeys = keys[ObjectionSpec]{
	{"channels", func(l *loader, v *node, p path, o *ObjectionSpec) { l.channels(v, p, &o.Channels) }},
	{"limit", func(l *loader, v *node, p path, o *ObjectionSpec) {
		o.Limit = &ObjectionLimit{}
		object(l, v, p, "a limit of the right to object", objectionLimitKeys, o.Limit)
	}},
}

var objectionLimitKeys = keys[ObjectionLimit]{
	{"norm", func(l *loader, v *node, p path, o *ObjectionLimit) { l.str(v, p, &o.Norm) }},
	{"text", func(l *loader, v *node, p path, o *ObjectionLimit) { l.text(v, p, &o.Text) }},
}

func (l *loader) purposes(n *node, p path, dst *[]Purpose) {
	reserve(dst, n)
	l.list(n, p, "purposes", false, func(_ int, v *node, q path) {
		object(l, v, q, "a purpose", purposeKeys, grow(dst))
	})
}

var legalBasisKeys = keys[LegalBasis]{
	{"basis", func(l *loader, v *node, p path, lb *LegalBasis) { l.str(v, p, (*string)(&lb.Basis)) }},
	{"national", func(l *loader, v *node, p path, lb *LegalBasis) {
		l.strs(v, p, "national provisions", &lb.National)
	}},
}

// legalBasis accepts "6.1.a", [6.1.e, 6.1.f] and lists of
// {basis: 6.1.a, national: ["§ 35 DSG NRW"]}.
func (l *loader) legalBasis(n *node, p path, dst *[]LegalBasis) {
	reserve(dst, n)
	l.list(n, p, "legal bases", true, func(_ int, v *node, q path) {
		lb := grow(dst)
		if v.kind() == yaml.ScalarNode {
			b := l.field(q, nameBasis)
			l.mark(v, b)
			l.str(v, b, (*string)(&lb.Basis))
		} else {
			object(l, v, q, "a legal basis", legalBasisKeys, lb)
		}
	})
}

var consentKeys = keys[ConsentSpec]{
	{"version", func(l *loader, v *node, p path, c *ConsentSpec) { l.str(v, p, &c.Version) }},
	{"text", func(l *loader, v *node, p path, c *ConsentSpec) { l.text(v, p, &c.Text) }},
	{"text_sha256", func(l *loader, v *node, p path, c *ConsentSpec) { l.str(v, p, &c.TextSHA256) }},
	{"withdraw", func(l *loader, v *node, p path, c *ConsentSpec) { l.channels(v, p, &c.Withdraw) }},
	{"min_age", func(l *loader, v *node, p path, c *ConsentSpec) { l.integer(v, p, &c.MinAge) }},
	{"renew_after_withdrawal", func(l *loader, v *node, p path, c *ConsentSpec) {
		l.boolean(v, p, &c.RenewAfterWithdrawal)
	}},
	{"cookie", func(l *loader, v *node, p path, c *ConsentSpec) { l.str(v, p, &c.Cookie) }},
}

var channelKeys = keys[Channel]{
	{"kind", func(l *loader, v *node, p path, c *Channel) { l.str(v, p, (*string)(&c.Kind)) }},
	{"address", func(l *loader, v *node, p path, c *Channel) { l.str(v, p, &c.Address) }},
	{"where", func(l *loader, v *node, p path, c *Channel) { l.text(v, p, &c.Where) }},
}

// channelWhereKeys are the keys that may follow the kind in a channel's
// short form.
var channelWhereKeys = keys[Channel]{
	{"where", func(l *loader, v *node, p path, c *Channel) { l.text(v, p, &c.Where) }},
}

// channels accepts [link, email], lists of {kind: email, address: ...} and
// the short form {email: datenschutz@example.org}, where the first key is
// the kind and its value the address; a where may follow
// ({opt_out_cookie: piwik_ignore, where: ...}).
func (l *loader) channels(n *node, p path, dst *[]Channel) {
	reserve(dst, n)
	l.list(n, p, "channels", true, func(_ int, v *node, q path) {
		c := grow(dst)
		switch {
		case v.kind() == yaml.ScalarNode:
			k := l.field(q, nameKind)
			l.mark(v, k)
			l.str(v, k, (*string)(&c.Kind))
		case v.kind() == yaml.MappingNode && v.cnt >= 2 && channelKeys.find(l.value(&l.content(v)[0])) == nil:
			// {email: x@example.org}: the key is the kind.
			c.Kind = ChannelKind(l.value(&l.content(v)[0]))
			l.mark(&l.content(v)[0], l.field(q, nameKind))
			aq := l.field(q, nameAddress)
			if a := l.deref(&l.content(v)[1], aq); a != nil && !isNull(a) {
				l.mark(a, aq)
				l.str(a, aq, &c.Address)
			}
			rest := &node{Line: v.Line, meta: v.meta, off: v.off + 2, cnt: v.cnt - 2}
			object(l, rest, q, "a channel", channelWhereKeys, c)
		default:
			object(l, v, q, "a channel", channelKeys, c)
		}
	})
}

var datasetKeys = keys[Dataset]{
	{"id", func(l *loader, v *node, p path, ds *Dataset) { l.str(v, p, &ds.ID) }},
	{"description", func(l *loader, v *node, p path, ds *Dataset) { l.text(v, p, &ds.Description) }},
	{"number", func(l *loader, v *node, p path, ds *Dataset) { l.nounNumber(v, p, &ds.Number) }},
	{"table", func(l *loader, v *node, p path, ds *Dataset) { l.str(v, p, &ds.Table) }},
	{"files", func(l *loader, v *node, p path, ds *Dataset) {
		ds.Files = &FileBinding{}
		object(l, v, p, "a file binding", fileBindingKeys, ds.Files)
	}},
	{"key", func(l *loader, v *node, p path, ds *Dataset) { l.str(v, p, &ds.Key) }},
	{"subject", func(l *loader, v *node, p path, ds *Dataset) { l.str(v, p, &ds.Subject) }},
	{"subject_key", func(l *loader, v *node, p path, ds *Dataset) {
		ds.SubjectKey = &SubjectKey{}
		object(l, v, p, "a subject key", subjectKeyKeys, ds.SubjectKey)
	}},
	{"identifiers", func(l *loader, v *node, p path, ds *Dataset) {
		reserve(&ds.Identifiers, v)
		l.list(v, p, "identifiers", false, func(_ int, w *node, q path) {
			object(l, w, q, "an identifier", identifierKeys, grow(&ds.Identifiers))
		})
	}},
	{"time", func(l *loader, v *node, p path, ds *Dataset) { l.timeColumns(v, p, &ds.Time) }},
	{"marker", func(l *loader, v *node, p path, ds *Dataset) { l.str(v, p, &ds.Marker) }},
	{"purposes", func(l *loader, v *node, p path, ds *Dataset) { l.strs(v, p, "purpose IDs", &ds.Purposes) }},
	{"recipients", func(l *loader, v *node, p path, ds *Dataset) {
		l.strs(v, p, "recipient IDs", &ds.Recipients)
	}},
	{"subjects", func(l *loader, v *node, p path, ds *Dataset) { l.text(v, p, &ds.Subjects) }},
	{"source", func(l *loader, v *node, p path, ds *Dataset) { l.text(v, p, &ds.Source) }},
	{"fields", func(l *loader, v *node, p path, ds *Dataset) { l.fields(v, p, &ds.Fields) }},
	{"not_personal", func(l *loader, v *node, p path, ds *Dataset) {
		l.strs(v, p, "column names", &ds.NotPersonal)
	}},
	{"rules", func(l *loader, v *node, p path, ds *Dataset) { l.rules(v, p, &ds.Rules) }},
}

var fileBindingKeys = keys[FileBinding]{
	{"dir", func(l *loader, v *node, p path, f *FileBinding) { l.str(v, p, &f.Dir) }},
	{"pattern", func(l *loader, v *node, p path, f *FileBinding) { l.str(v, p, &f.Pattern) }},
	{"format", func(l *loader, v *node, p path, f *FileBinding) { l.str(v, p, &f.Format) }},
	{"live", func(l *loader, v *node, p path, f *FileBinding) { l.str(v, p, &f.Live) }},
	{"malformed", func(l *loader, v *node, p path, f *FileBinding) { l.str(v, p, &f.Malformed) }},
}

var subjectKeyKeys = keys[SubjectKey]{
	{"from", func(l *loader, v *node, p path, s *SubjectKey) { l.str(v, p, (*string)(&s.From)) }},
	{"pseudonym", func(l *loader, v *node, p path, s *SubjectKey) { l.str(v, p, &s.Pseudonym) }},
}

var identifierKeys = keys[Identifier]{
	{"field", func(l *loader, v *node, p path, id *Identifier) { l.str(v, p, &id.Field) }},
	{"form", func(l *loader, v *node, p path, id *Identifier) { l.str(v, p, (*string)(&id.Form)) }},
	{"pseudonym", func(l *loader, v *node, p path, id *Identifier) { l.str(v, p, &id.Pseudonym) }},
}

func (l *loader) datasets(n *node, p path, dst *[]Dataset) {
	reserve(dst, n)
	l.list(n, p, "datasets", false, func(_ int, v *node, q path) {
		object(l, v, q, "a dataset", datasetKeys, grow(dst))
	})
}

// named decodes either a mapping from names to entries or a list of
// entries. For the mapping form, the entry's path points at its key and
// name(key, path) is called before entry; for the list form, entry decodes
// the name itself.
func (l *loader) named(n *node, p path, what string, name func(k *node, q path), entry func(v *node, q path)) {
	if n.kind() == yaml.SequenceNode {
		l.list(n, p, what, false, func(_ int, v *node, q path) { entry(v, q) })
		return
	}
	if n.kind() != yaml.MappingNode {
		l.fail(n, p, "expected a mapping or list of %s, got %s", what, l.kind(n))
		return
	}
	i := 0
	l.pairs(n, p, func(_ string, k, v *node) {
		q := l.elem(p, i)
		i++
		// The name is where the entry is: its position is the entry's,
		// which Position finds for q+".name" as the enclosing value.
		l.mark(k, q)
		name(k, q)
		if v = l.deref(v, q); v != nil {
			entry(v, q)
		}
	})
}

// timeColumnKeys are the keys of a time column in the list form;
// timeColumnValueKeys those of the mapping form's values, which are
// named by their key.
var (
	timeColumnKeys = keys[TimeColumn]{
		{"name", func(l *loader, v *node, p path, c *TimeColumn) { l.str(v, p, &c.Name) }},
		{"column", func(l *loader, v *node, p path, c *TimeColumn) { l.str(v, p, &c.Column) }},
		{"format", func(l *loader, v *node, p path, c *TimeColumn) { l.str(v, p, (*string)(&c.Format)) }},
		{"zone", func(l *loader, v *node, p path, c *TimeColumn) { l.str(v, p, &c.Zone) }},
		{"description", func(l *loader, v *node, p path, c *TimeColumn) { l.text(v, p, &c.Description) }},
	}
	timeColumnValueKeys = timeColumnKeys.without("name")
)

// timeColumns accepts {appointment_at: starts_at},
// {appointment_at: {column: starts_at, format: unix}} and lists of
// {name, column, format}.
func (l *loader) timeColumns(n *node, p path, dst *[]TimeColumn) {
	reserve(dst, n)
	if n.kind() == yaml.SequenceNode {
		l.list(n, p, "time columns", false, func(_ int, v *node, q path) {
			object(l, v, q, "a time column", timeColumnKeys, grow(dst))
		})
		return
	}
	var cur *TimeColumn
	l.named(n, p, "time columns",
		func(k *node, _ path) {
			cur = grow(dst)
			cur.Name = l.value(k)
		},
		func(v *node, q path) {
			if v.kind() == yaml.ScalarNode {
				c := l.field(q, nameColumn)
				l.mark(v, c)
				l.str(v, c, &cur.Column)
			} else {
				object(l, v, q, "a time column", timeColumnValueKeys, cur)
			}
		})
}

// fieldKeys are the keys of a field in the list form; fieldValueKeys
// those of the mapping form's values, which are named by their key.
var (
	fieldKeys = keys[Field]{
		{"name", func(l *loader, v *node, p path, f *Field) { l.str(v, p, &f.Name) }},
		{"column", func(l *loader, v *node, p path, f *Field) { l.str(v, p, &f.Column) }},
		{"category", func(l *loader, v *node, p path, f *Field) { l.str(v, p, (*string)(&f.Category)) }},
		{"description", func(l *loader, v *node, p path, f *Field) { l.text(v, p, &f.Description) }},
		{"required", func(l *loader, v *node, p path, f *Field) { l.boolean(v, p, &f.Required) }},
		{"special", func(l *loader, v *node, p path, f *Field) { l.boolean(v, p, &f.Special) }},
		{"provided", func(l *loader, v *node, p path, f *Field) {
			// Given, even if not as true or false: the value is read
			// as false and its problem reported.
			f.Provided = new(bool)
			l.boolean(v, p, f.Provided)
		}},
	}
	fieldValueKeys = fieldKeys.without("name")
)

// fields accepts {name: {category: identity, required: true}} and lists of
// {name, category, ...}.
func (l *loader) fields(n *node, p path, dst *[]Field) {
	reserve(dst, n)
	if n.kind() == yaml.SequenceNode {
		l.list(n, p, "fields", false, func(_ int, v *node, q path) {
			object(l, v, q, "a field", fieldKeys, grow(dst))
		})
		return
	}
	var cur *Field
	l.named(n, p, "fields",
		func(k *node, _ path) {
			cur = grow(dst)
			cur.Name = l.value(k)
		},
		func(v *node, q path) { object(l, v, q, "a field", fieldValueKeys, cur) })
}

var ruleKeys = keys[Rule]{
	{"id", func(l *loader, v *node, p path, r *Rule) { l.str(v, p, &r.ID) }},
	{"after", func(l *loader, v *node, p path, r *Rule) { l.period(v, p, &r.After) }},
	{"from", func(l *loader, v *node, p path, r *Rule) { l.str(v, p, &r.From) }},
	{"on", func(l *loader, v *node, p path, r *Rule) { l.str(v, p, (*string)(&r.On)) }},
	{"delete", func(l *loader, v *node, p path, r *Rule) { l.boolean(v, p, &r.Delete) }},
	{"anonymize", func(l *loader, v *node, p path, r *Rule) { l.fieldOps(v, p, &r.Anonymize) }},
	{"keep_at_least", func(l *loader, v *node, p path, r *Rule) {
		r.KeepAtLeast = &Minimum{}
		object(l, v, p, "a statutory minimum", minimumKeys, r.KeepAtLeast)
	}},
	{"lead", func(l *loader, v *node, p path, r *Rule) { l.duration(v, p, &r.Lead) }},
	{"description", func(l *loader, v *node, p path, r *Rule) { l.text(v, p, &r.Description) }},
}

var minimumKeys = keys[Minimum]{
	{"period", func(l *loader, v *node, p path, m *Minimum) { l.period(v, p, &m.Period) }},
	{"from", func(l *loader, v *node, p path, m *Minimum) { l.str(v, p, &m.From) }},
	{"norm", func(l *loader, v *node, p path, m *Minimum) { l.str(v, p, &m.Norm) }},
}

func (l *loader) rules(n *node, p path, dst *[]Rule) {
	reserve(dst, n)
	l.list(n, p, "rules", false, func(_ int, v *node, q path) {
		object(l, v, q, "a rule", ruleKeys, grow(dst))
	})
}

var fieldOpKeys = keys[FieldOp]{
	{"field", func(l *loader, v *node, p path, fo *FieldOp) { l.str(v, p, &fo.Field) }},
	{"op", func(l *loader, v *node, p path, fo *FieldOp) { l.str(v, p, &fo.Op) }},
}

// fieldOps accepts {ip: "ip_mask(v4=1)"} and lists of {field, op}.
func (l *loader) fieldOps(n *node, p path, dst *[]FieldOp) {
	reserve(dst, n)
	if n.kind() == yaml.SequenceNode {
		l.list(n, p, "field operations", false, func(_ int, v *node, q path) {
			object(l, v, q, "a field operation", fieldOpKeys, grow(dst))
		})
		return
	}
	if n.kind() != yaml.MappingNode {
		l.fail(n, p, "expected a mapping from fields to operators, such as {ip: \"ip_mask(v4=1)\"}, got %s", l.kind(n))
		return
	}
	i := 0
	l.pairs(n, p, func(key string, k, v *node) {
		q := l.elem(p, i)
		i++
		fo := grow(dst)
		fo.Field = key
		// The field is where the operation is: Position finds the
		// operation's position for q+".field".
		l.mark(k, q)
		op := l.field(q, nameOp)
		if v = l.deref(v, op); v != nil {
			l.mark(v, op)
			l.str(v, op, &fo.Op)
		}
	})
}

var cookieKeys = keys[Cookie]{
	{"name", func(l *loader, v *node, p path, c *Cookie) { l.str(v, p, &c.Name) }},
	{"purpose", func(l *loader, v *node, p path, c *Cookie) { l.str(v, p, &c.Purpose) }},
	{"description", func(l *loader, v *node, p path, c *Cookie) { l.text(v, p, &c.Description) }},
	{"provider", func(l *loader, v *node, p path, c *Cookie) { l.str(v, p, &c.Provider) }},
	{"session", func(l *loader, v *node, p path, c *Cookie) { l.boolean(v, p, &c.Session) }},
	{"lifetime", func(l *loader, v *node, p path, c *Cookie) {
		if v.kind() == yaml.ScalarNode && l.value(v) == "session" {
			c.Session = true
			return
		}
		l.period(v, p, &c.Lifetime)
	}},
	{"basis", func(l *loader, v *node, p path, c *Cookie) { l.str(v, p, (*string)(&c.Basis)) }},
}

func (l *loader) cookies(n *node, p path, dst *[]Cookie) {
	reserve(dst, n)
	l.list(n, p, "cookies", false, func(_ int, v *node, q path) {
		object(l, v, q, "a cookie", cookieKeys, grow(dst))
	})
}

func (l *loader) rights(n *node, p path, dst *[]Right) {
	var s []string
	l.strs(n, p, "rights", &s)
	for _, r := range s {
		*dst = append(*dst, Right(r))
	}
}

var acknowledgementKeys = keys[Acknowledgement]{
	{"finding", func(l *loader, v *node, p path, a *Acknowledgement) { l.str(v, p, &a.Finding) }},
	{"path", func(l *loader, v *node, p path, a *Acknowledgement) { l.str(v, p, &a.Path) }},
	{"reason", func(l *loader, v *node, p path, a *Acknowledgement) { l.str(v, p, &a.Reason) }},
	{"by", func(l *loader, v *node, p path, a *Acknowledgement) { l.str(v, p, &a.By) }},
}

func (l *loader) acknowledged(n *node, p path, dst *[]Acknowledgement) {
	reserve(dst, n)
	l.list(n, p, "acknowledgements", false, func(_ int, v *node, q path) {
		object(l, v, q, "an acknowledgement", acknowledgementKeys, grow(dst))
	})
}

var provisionKeys = keys[Provision]{
	{"kind", func(l *loader, v *node, p path, pr *Provision) { l.str(v, p, (*string)(&pr.Kind)) }},
	{"norm", func(l *loader, v *node, p path, pr *Provision) { l.str(v, p, &pr.Norm) }},
	{"consequence", func(l *loader, v *node, p path, pr *Provision) { l.text(v, p, &pr.Consequence) }},
}

// provision accepts {kind: service, consequence: ...} and the kind alone
// (provision: voluntary).
func (l *loader) provision(n *node, p path, dst *Provision) {
	if n.kind() == yaml.ScalarNode {
		k := l.field(p, nameKind)
		l.mark(n, k)
		l.str(n, k, (*string)(&dst.Kind))
		return
	}
	object(l, n, p, "an Art. 13(2)(e) provision", provisionKeys, dst)
}

var nounNumberKeys = keys[NounNumber]{
	{"de", func(l *loader, v *node, p path, nn *NounNumber) { l.str(v, p, (*string)(&nn.DE)) }},
	{"en", func(l *loader, v *node, p path, nn *NounNumber) { l.str(v, p, (*string)(&nn.EN)) }},
}

// nounNumber accepts "plural" for both languages and {de: singular, en:
// plural}.
func (l *loader) nounNumber(n *node, p path, dst *NounNumber) {
	if n.kind() == yaml.ScalarNode {
		var s string
		l.str(n, p, &s)
		dst.DE, dst.EN = Number(s), Number(s)
		return
	}
	object(l, n, p, "a grammatical number in de and en", nounNumberKeys, dst)
}

var annotationKeys = keys[Annotation]{
	{"path", func(l *loader, v *node, p path, a *Annotation) { l.str(v, p, &a.Path) }},
	{"note", func(l *loader, v *node, p path, a *Annotation) { l.str(v, p, &a.Note) }},
}

func (l *loader) annotations(n *node, p path, dst *[]Annotation) {
	reserve(dst, n)
	l.list(n, p, "annotations", false, func(_ int, v *node, q path) {
		object(l, v, q, "an annotation", annotationKeys, grow(dst))
	})
}
