package policy

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// This file maps the YAML form of a declaration onto the Go model. Where
// the YAML offers a shorter form (a mapping instead of a list of named
// entries, a string instead of a list of one), the positions are recorded
// under the Go model's paths, so that Validate and the linter can point at
// the text whichever form was written.

func (l *loader) declaration(n *yaml.Node, d *Declaration) {
	if n.Kind != yaml.MappingNode {
		l.fail(n, "", "a declaration is a mapping with the keys controller, purposes, datasets, ...; got %s", kind(n))
		return
	}
	l.mark(n, "")
	l.object(n, "", "the declaration", handlers{
		"controller": func(v *yaml.Node, p string) { l.controller(v, p, &d.Controller) },
		"dpo":        func(v *yaml.Node, p string) { l.dpo(v, p, &d.DPO) },
		"authority":  func(v *yaml.Node, p string) { l.authority(v, p, &d.Authority) },
		"recipients": func(v *yaml.Node, p string) { l.recipients(v, p, &d.Recipients) },
		"purposes":   func(v *yaml.Node, p string) { l.purposes(v, p, &d.Purposes) },
		"datasets":   func(v *yaml.Node, p string) { l.datasets(v, p, &d.Datasets) },
		"cookies":    func(v *yaml.Node, p string) { l.cookies(v, p, &d.Cookies) },
		"rights":     func(v *yaml.Node, p string) { l.rights(v, p, &d.Rights) },
		"measures":   l.setText(&d.Measures),
		"automated_decisions": func(v *yaml.Node, p string) {
			d.AutomatedDecisions = &AutomatedDecisions{}
			l.object(v, p, "automated decisions", handlers{
				"logic":        l.setText(&d.AutomatedDecisions.Logic),
				"consequences": l.setText(&d.AutomatedDecisions.Consequences),
			})
		},
		"acknowledged": func(v *yaml.Node, p string) { l.acknowledged(v, p, &d.Acknowledged) },
		"version":      l.setStr(&d.Version),
		"date":         l.setStr(&d.Date),
		"assumptions":  func(v *yaml.Node, p string) { l.annotations(v, p, &d.Assumptions) },
		"additions":    func(v *yaml.Node, p string) { l.annotations(v, p, &d.Additions) },
	})
}

func (l *loader) controller(n *yaml.Node, p string, c *Controller) {
	l.object(n, p, "the controller", handlers{
		"name":             l.setStr(&c.Name),
		"representative":   l.setText(&c.Representative),
		"gender":           func(v *yaml.Node, q string) { l.str(v, q, (*string)(&c.Gender)) },
		"address":          l.setStr(&c.Address),
		"contact":          func(v *yaml.Node, q string) { l.contact(v, q, &c.Contact) },
		"time_zone":        l.setStr(&c.TimeZone),
		"holidays":         l.setStr(&c.Holidays),
		"public_authority": l.setBool(&c.PublicAuthority),
	})
}

func (l *loader) contact(n *yaml.Node, p string, c *Contact) {
	l.object(n, p, "a contact", handlers{
		"email": l.setStr(&c.Email),
		"phone": l.setStr(&c.Phone),
		"web":   l.setStr(&c.Web),
	})
}

func (l *loader) dpo(n *yaml.Node, p string, d *DPO) {
	l.object(n, p, "the data-protection officer", handlers{
		"name":    l.setStr(&d.Name),
		"address": l.setStr(&d.Address),
		"contact": func(v *yaml.Node, q string) { l.contact(v, q, &d.Contact) },
	})
}

func (l *loader) authority(n *yaml.Node, p string, a *Authority) {
	l.object(n, p, "the supervisory authority", handlers{
		"name":    l.setStr(&a.Name),
		"address": l.setStr(&a.Address),
		"contact": func(v *yaml.Node, q string) { l.contact(v, q, &a.Contact) },
	})
}

func (l *loader) recipients(n *yaml.Node, p string, dst *[]Recipient) {
	l.list(n, p, "recipients", false, func(_ int, v *yaml.Node, q string) {
		var r Recipient
		var role string
		l.object(v, q, "a recipient", handlers{
			"id":          l.setStr(&r.ID),
			"name":        l.setText(&r.Name),
			"description": l.setText(&r.Description),
			"address":     l.setStr(&r.Address),
			"role":        l.setStr(&role),
			"country":     l.setStr(&r.Country),
			"safeguard":   l.setText(&r.Safeguard),
		})
		r.Role = RecipientRole(role)
		*dst = append(*dst, r)
	})
}

func (l *loader) purposes(n *yaml.Node, p string, dst *[]Purpose) {
	l.list(n, p, "purposes", false, func(_ int, v *yaml.Node, q string) {
		var pu Purpose
		var special string
		l.object(v, q, "a purpose", handlers{
			"id":                  l.setStr(&pu.ID),
			"description":         l.setText(&pu.Description),
			"legal_basis":         func(w *yaml.Node, r string) { l.legalBasis(w, r, &pu.LegalBasis) },
			"legitimate_interest": l.setText(&pu.LegitimateInterest),
			"special_categories":  l.setStr(&special),
			"consent": func(w *yaml.Node, r string) {
				pu.Consent = &ConsentSpec{}
				l.consent(w, r, pu.Consent)
			},
			"recipients": l.setStrings(&pu.Recipients, "recipient IDs"),
			"provision": func(w *yaml.Node, r string) {
				pu.Provision = &Provision{}
				l.provision(w, r, pu.Provision)
			},
			"offered_to_children": l.setBool(&pu.OfferedToChildren),
			"objection": func(w *yaml.Node, r string) {
				pu.Objection = &ObjectionSpec{}
				l.object(w, r, "an objection", handlers{
					"channels": func(x *yaml.Node, s string) { l.channels(x, s, &pu.Objection.Channels) },
					"limit": func(x *yaml.Node, s string) {
						pu.Objection.Limit = &ObjectionLimit{}
						l.object(x, s, "a limit of the right to object", handlers{
							"norm": l.setStr(&pu.Objection.Limit.Norm),
							"text": l.setText(&pu.Objection.Limit.Text),
						})
					},
				})
			},
		})
		pu.SpecialCategories = SpecialCondition(special)
		*dst = append(*dst, pu)
	})
}

// legalBasis accepts "6.1.a", [6.1.e, 6.1.f] and lists of
// {basis: 6.1.a, national: ["§ 35 DSG NRW"]}.
func (l *loader) legalBasis(n *yaml.Node, p string, dst *[]LegalBasis) {
	l.list(n, p, "legal bases", true, func(_ int, v *yaml.Node, q string) {
		var lb LegalBasis
		var basis string
		if v.Kind == yaml.ScalarNode {
			l.mark(v, q+".basis")
			l.str(v, q+".basis", &basis)
		} else {
			l.object(v, q, "a legal basis", handlers{
				"basis":    l.setStr(&basis),
				"national": l.setStrings(&lb.National, "national provisions"),
			})
		}
		lb.Basis = Basis(basis)
		*dst = append(*dst, lb)
	})
}

func (l *loader) consent(n *yaml.Node, p string, c *ConsentSpec) {
	l.object(n, p, "a consent", handlers{
		"version":                l.setStr(&c.Version),
		"text":                   l.setText(&c.Text),
		"text_sha256":            l.setStr(&c.TextSHA256),
		"withdraw":               func(v *yaml.Node, q string) { l.channels(v, q, &c.Withdraw) },
		"min_age":                l.setInt(&c.MinAge),
		"renew_after_withdrawal": l.setBool(&c.RenewAfterWithdrawal),
		"cookie":                 l.setStr(&c.Cookie),
	})
}

// channels accepts [link, email], lists of {kind: email, address: ...} and
// the short form {email: datenschutz@example.org}, where the first key is
// the kind and its value the address; a where may follow
// ({opt_out_cookie: piwik_ignore, where: ...}).
func (l *loader) channels(n *yaml.Node, p string, dst *[]Channel) {
	l.list(n, p, "channels", true, func(_ int, v *yaml.Node, q string) {
		var c Channel
		var k string
		switch {
		case v.Kind == yaml.ScalarNode:
			l.mark(v, q+".kind")
			l.str(v, q+".kind", &k)
		case v.Kind == yaml.MappingNode && len(v.Content) >= 2 && !channelKey[v.Content[0].Value]:
			// {email: x@example.org}: the key is the kind.
			k = v.Content[0].Value
			l.mark(v.Content[0], q+".kind")
			if a := l.deref(v.Content[1], q+".address"); a != nil && !isNull(a) {
				l.mark(a, q+".address")
				l.str(a, q+".address", &c.Address)
			}
			rest := &yaml.Node{Kind: yaml.MappingNode, Content: v.Content[2:], Line: v.Line, Column: v.Column}
			l.object(rest, q, "a channel", handlers{"where": l.setText(&c.Where)})
		default:
			l.object(v, q, "a channel", handlers{
				"kind":    l.setStr(&k),
				"address": l.setStr(&c.Address),
				"where":   l.setText(&c.Where),
			})
		}
		c.Kind = ChannelKind(k)
		*dst = append(*dst, c)
	})
}

func (l *loader) datasets(n *yaml.Node, p string, dst *[]Dataset) {
	l.list(n, p, "datasets", false, func(_ int, v *yaml.Node, q string) {
		var ds Dataset
		l.object(v, q, "a dataset", handlers{
			"id":          l.setStr(&ds.ID),
			"description": l.setText(&ds.Description),
			"number":      func(w *yaml.Node, r string) { l.nounNumber(w, r, &ds.Number) },
			"table":       l.setStr(&ds.Table),
			"files": func(w *yaml.Node, r string) {
				ds.Files = &FileBinding{}
				l.object(w, r, "a file binding", handlers{
					"dir":       l.setStr(&ds.Files.Dir),
					"pattern":   l.setStr(&ds.Files.Pattern),
					"format":    l.setStr(&ds.Files.Format),
					"live":      l.setStr(&ds.Files.Live),
					"malformed": l.setStr(&ds.Files.Malformed),
				})
			},
			"key":     l.setStr(&ds.Key),
			"subject": l.setStr(&ds.Subject),
			"subject_key": func(w *yaml.Node, r string) {
				ds.SubjectKey = &SubjectKey{}
				var from string
				l.object(w, r, "a subject key", handlers{
					"from":      l.setStr(&from),
					"pseudonym": l.setStr(&ds.SubjectKey.Pseudonym),
				})
				ds.SubjectKey.From = IdentifierForm(from)
			},
			"identifiers": func(w *yaml.Node, r string) {
				l.list(w, r, "identifiers", false, func(_ int, v *yaml.Node, q string) {
					var id Identifier
					var form string
					l.object(v, q, "an identifier", handlers{
						"field":     l.setStr(&id.Field),
						"form":      l.setStr(&form),
						"pseudonym": l.setStr(&id.Pseudonym),
					})
					id.Form = IdentifierForm(form)
					ds.Identifiers = append(ds.Identifiers, id)
				})
			},
			"time":         func(w *yaml.Node, r string) { l.timeColumns(w, r, &ds.Time) },
			"marker":       l.setStr(&ds.Marker),
			"purposes":     l.setStrings(&ds.Purposes, "purpose IDs"),
			"recipients":   l.setStrings(&ds.Recipients, "recipient IDs"),
			"subjects":     l.setText(&ds.Subjects),
			"source":       l.setText(&ds.Source),
			"fields":       func(w *yaml.Node, r string) { l.fields(w, r, &ds.Fields) },
			"not_personal": l.setStrings(&ds.NotPersonal, "column names"),
			"rules":        func(w *yaml.Node, r string) { l.rules(w, r, &ds.Rules) },
		})
		*dst = append(*dst, ds)
	})
}

// named decodes either a mapping from names to entries or a list of
// entries. For the mapping form, the entry's path points at its key and
// name(key, path) is called before entry; for the list form, entry decodes
// the name itself.
func (l *loader) named(n *yaml.Node, p, what string, name func(k *yaml.Node, q string), entry func(v *yaml.Node, q string)) {
	if n.Kind == yaml.SequenceNode {
		l.list(n, p, what, false, func(_ int, v *yaml.Node, q string) { entry(v, q) })
		return
	}
	if n.Kind != yaml.MappingNode {
		l.fail(n, p, "expected a mapping or list of %s, got %s", what, kind(n))
		return
	}
	i := 0
	l.pairs(n, p, func(_ string, k, v *yaml.Node) {
		q := p + "[" + strconv.Itoa(i) + "]"
		i++
		l.mark(k, q)
		l.mark(k, q+".name")
		name(k, q)
		if v = l.deref(v, q); v != nil {
			entry(v, q)
		}
	})
}

// timeColumns accepts {appointment_at: starts_at},
// {appointment_at: {column: starts_at, format: unix}} and lists of
// {name, column, format}.
func (l *loader) timeColumns(n *yaml.Node, p string, dst *[]TimeColumn) {
	var cur *TimeColumn
	var format string
	h := func(c *TimeColumn) handlers {
		return handlers{
			"name":        l.setStr(&c.Name),
			"column":      l.setStr(&c.Column),
			"format":      l.setStr(&format),
			"zone":        l.setStr(&c.Zone),
			"description": l.setText(&c.Description),
		}
	}
	listForm := n.Kind == yaml.SequenceNode
	l.named(n, p, "time columns",
		func(k *yaml.Node, _ string) {
			*dst = append(*dst, TimeColumn{Name: k.Value})
			cur = &(*dst)[len(*dst)-1]
		},
		func(v *yaml.Node, q string) {
			format = ""
			if listForm {
				*dst = append(*dst, TimeColumn{})
				cur = &(*dst)[len(*dst)-1]
				l.object(v, q, "a time column", h(cur))
			} else if v.Kind == yaml.ScalarNode {
				l.mark(v, q+".column")
				l.str(v, q+".column", &cur.Column)
			} else {
				hh := h(cur)
				delete(hh, "name")
				l.object(v, q, "a time column", hh)
			}
			cur.Format = TimeFormat(format)
		})
}

// fields accepts {name: {category: identity, required: true}} and lists of
// {name, category, ...}.
func (l *loader) fields(n *yaml.Node, p string, dst *[]Field) {
	var cur *Field
	listForm := n.Kind == yaml.SequenceNode
	l.named(n, p, "fields",
		func(k *yaml.Node, _ string) { *dst = append(*dst, Field{Name: k.Value}); cur = &(*dst)[len(*dst)-1] },
		func(v *yaml.Node, q string) {
			if listForm {
				*dst = append(*dst, Field{})
				cur = &(*dst)[len(*dst)-1]
			}
			f := cur
			var category string
			var provided bool
			h := handlers{
				"column":      l.setStr(&f.Column),
				"category":    l.setStr(&category),
				"description": l.setText(&f.Description),
				"required":    l.setBool(&f.Required),
				"special":     l.setBool(&f.Special),
				"provided": func(w *yaml.Node, r string) {
					l.setBool(&provided)(w, r)
					f.Provided = &provided
				},
			}
			if listForm {
				h["name"] = l.setStr(&f.Name)
			}
			l.object(v, q, "a field", h)
			f.Category = Category(category)
		})
}

func (l *loader) rules(n *yaml.Node, p string, dst *[]Rule) {
	l.list(n, p, "rules", false, func(_ int, v *yaml.Node, q string) {
		var r Rule
		var on string
		l.object(v, q, "a rule", handlers{
			"id":        l.setStr(&r.ID),
			"after":     l.setPeriod(&r.After),
			"from":      l.setStr(&r.From),
			"on":        l.setStr(&on),
			"delete":    l.setBool(&r.Delete),
			"anonymize": func(w *yaml.Node, s string) { l.fieldOps(w, s, &r.Anonymize) },
			"keep_at_least": func(w *yaml.Node, s string) {
				r.KeepAtLeast = &Minimum{}
				l.object(w, s, "a statutory minimum", handlers{
					"period": l.setPeriod(&r.KeepAtLeast.Period),
					"from":   l.setStr(&r.KeepAtLeast.From),
					"norm":   l.setStr(&r.KeepAtLeast.Norm),
				})
			},
			"lead":        l.setDuration(&r.Lead),
			"description": l.setText(&r.Description),
		})
		r.On = Event(on)
		*dst = append(*dst, r)
	})
}

// fieldOps accepts {ip: "ip_mask(v4=1)"} and lists of {field, op}.
func (l *loader) fieldOps(n *yaml.Node, p string, dst *[]FieldOp) {
	if n.Kind == yaml.SequenceNode {
		l.list(n, p, "field operations", false, func(_ int, v *yaml.Node, q string) {
			var fo FieldOp
			l.object(v, q, "a field operation", handlers{
				"field": l.setStr(&fo.Field),
				"op":    l.setStr(&fo.Op),
			})
			*dst = append(*dst, fo)
		})
		return
	}
	if n.Kind != yaml.MappingNode {
		l.fail(n, p, "expected a mapping from fields to operators, such as {ip: \"ip_mask(v4=1)\"}, got %s", kind(n))
		return
	}
	i := 0
	l.pairs(n, p, func(key string, k, v *yaml.Node) {
		q := p + "[" + strconv.Itoa(i) + "]"
		i++
		fo := FieldOp{Field: key}
		l.mark(k, q)
		l.mark(k, q+".field")
		if v = l.deref(v, q+".op"); v != nil {
			l.mark(v, q+".op")
			l.str(v, q+".op", &fo.Op)
		}
		*dst = append(*dst, fo)
	})
}

func (l *loader) cookies(n *yaml.Node, p string, dst *[]Cookie) {
	l.list(n, p, "cookies", false, func(_ int, v *yaml.Node, q string) {
		var c Cookie
		var basis string
		l.object(v, q, "a cookie", handlers{
			"name":        l.setStr(&c.Name),
			"purpose":     l.setStr(&c.Purpose),
			"description": l.setText(&c.Description),
			"provider":    l.setStr(&c.Provider),
			"session":     l.setBool(&c.Session),
			"lifetime": func(w *yaml.Node, r string) {
				if w.Kind == yaml.ScalarNode && w.Value == "session" {
					c.Session = true
					return
				}
				l.setPeriod(&c.Lifetime)(w, r)
			},
			"basis": l.setStr(&basis),
		})
		c.Basis = CookieNecessity(basis)
		*dst = append(*dst, c)
	})
}

func (l *loader) rights(n *yaml.Node, p string, dst *[]Right) {
	var s []string
	l.setStrings(&s, "rights")(n, p)
	for _, r := range s {
		*dst = append(*dst, Right(r))
	}
}

func (l *loader) acknowledged(n *yaml.Node, p string, dst *[]Acknowledgement) {
	l.list(n, p, "acknowledgements", false, func(_ int, v *yaml.Node, q string) {
		var a Acknowledgement
		l.object(v, q, "an acknowledgement", handlers{
			"finding": l.setStr(&a.Finding),
			"path":    l.setStr(&a.Path),
			"reason":  l.setStr(&a.Reason),
			"by":      l.setStr(&a.By),
		})
		*dst = append(*dst, a)
	})
}

// provision accepts {kind: service, consequence: ...} and the kind alone
// (provision: voluntary).
func (l *loader) provision(n *yaml.Node, p string, dst *Provision) {
	if n.Kind == yaml.ScalarNode {
		l.mark(n, p+".kind")
		l.str(n, p+".kind", (*string)(&dst.Kind))
		return
	}
	l.object(n, p, "an Art. 13(2)(e) provision", handlers{
		"kind":        func(v *yaml.Node, q string) { l.str(v, q, (*string)(&dst.Kind)) },
		"norm":        l.setStr(&dst.Norm),
		"consequence": l.setText(&dst.Consequence),
	})
}

// nounNumber accepts "plural" for both languages and {de: singular, en:
// plural}.
func (l *loader) nounNumber(n *yaml.Node, p string, dst *NounNumber) {
	if n.Kind == yaml.ScalarNode {
		var s string
		l.str(n, p, &s)
		dst.DE, dst.EN = Number(s), Number(s)
		return
	}
	l.object(n, p, "a grammatical number in de and en", handlers{
		"de": func(v *yaml.Node, q string) { l.str(v, q, (*string)(&dst.DE)) },
		"en": func(v *yaml.Node, q string) { l.str(v, q, (*string)(&dst.EN)) },
	})
}

func (l *loader) annotations(n *yaml.Node, p string, dst *[]Annotation) {
	l.list(n, p, "annotations", false, func(_ int, v *yaml.Node, q string) {
		var a Annotation
		l.object(v, q, "an annotation", handlers{
			"path": l.setStr(&a.Path),
			"note": l.setStr(&a.Note),
		})
		*dst = append(*dst, a)
	})
}

// channelKey lists the keys of a channel's long form.
var channelKey = map[string]bool{"kind": true, "address": true, "where": true}
