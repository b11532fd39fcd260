package policy

import (
	"strings"
	"time"
)

// noticeFields checks the parts of the model that exist for the published
// notice (notice_model.go).
func (v *validator) noticeFields() {
	d := v.d
	if d.Date != "" {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			v.add("date", "%q is not a date in the form YYYY-MM-DD", d.Date)
		}
	}
	if g := d.Controller.Gender; g != "" && !contains(genders, g) {
		v.add("controller.gender", "%q is not a grammatical gender (%s)", g, oneOf(genders...))
	}
	for i := range d.Purposes {
		pu := &d.Purposes[i]
		p := idx("purposes", i)
		if pr := pu.Provision; pr != nil {
			switch {
			case pr.Kind == "":
				v.add(p+".provision.kind", "missing: whether providing the data is %s (Art. 13(2)(e))", oneOf(provisionKinds...))
			case !contains(provisionKinds, pr.Kind):
				v.add(p+".provision.kind", "%q is not a kind of Art. 13(2)(e) (%s)", pr.Kind, oneOf(provisionKinds...))
			case pr.Kind == ProvisionStatutory && strings.TrimSpace(pr.Norm) == "":
				v.add(p+".provision.norm", "missing: the statute that requires the data (Art. 13(2)(e))")
			}
		}
		if c := pu.Consent; c != nil && c.MinAge != 0 && !pu.OfferedToChildren {
			v.add(p+".consent.min_age", "Art. 8(1) sets an age only for information-society services offered directly to a child; mark the purpose offered_to_children: true, or remove min_age")
		}
		if o := pu.Objection; o != nil && o.Limit != nil {
			if strings.TrimSpace(o.Limit.Norm) == "" {
				v.add(p+".objection.limit.norm", "missing: the provision of national law that restricts the right to object (Art. 23), e.g. § 14 DSG NRW")
			}
			if o.Limit.Text.IsZero() {
				v.add(p+".objection.limit.text", "missing: when the right to object does not apply, in words")
			}
		}
	}
	for i := range d.Datasets {
		n := d.Datasets[i].Number
		for _, x := range []struct {
			lang string
			n    Number
		}{{"de", n.DE}, {"en", n.EN}} {
			if x.n != "" && x.n != Singular && x.n != Plural {
				v.add(idx("datasets", i)+".number."+x.lang, "%q is not a grammatical number (singular or plural)", x.n)
			}
		}
	}
	for _, list := range []struct {
		key string
		as  []Annotation
	}{{"assumptions", d.Assumptions}, {"additions", d.Additions}} {
		for i, a := range list.as {
			p := annotationPath(list.key, i)
			switch {
			case a.Path == "":
				v.add(p+".path", "missing: the field path of the value, e.g. datasets[0].rules[1]")
			case !resolvePath(d, a.Path):
				v.add(p+".path", "%q names no value of this declaration", a.Path)
			}
			if strings.TrimSpace(a.Note) == "" {
				v.add(p+".note", "missing: why the value is marked, for the auditor")
			}
		}
	}
}

var (
	genders        = []Gender{Feminine, Masculine, Neuter, GenderPlural}
	provisionKinds = []ProvisionKind{ProvisionStatutory, ProvisionContractual, ProvisionService, ProvisionVoluntary}
)
