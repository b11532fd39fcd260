package policy

import (
	"fmt"
	"time"
)

// Validate checks the declaration, fills in defaults (rule IDs, the
// consent minimum age, time-column formats) and resolves the time zone.
// It returns every problem at once as an *ErrorList.
//
// TEMPORARY: the full checks are being written; this version only fills
// defaults so that dependent packages compile.
func (d *Declaration) Validate() error {
	loc := time.UTC
	if d.Controller.TimeZone != "" {
		l, err := time.LoadLocation(d.Controller.TimeZone)
		if err != nil {
			return fmt.Errorf("controller.time_zone: %w", err)
		}
		loc = l
	}
	d.loc = loc
	for i := range d.Datasets {
		ds := &d.Datasets[i]
		for j := range ds.Time {
			if ds.Time[j].Format == "" {
				ds.Time[j].Format = TimeNative
			}
		}
		for j := range ds.Rules {
			if ds.Rules[j].ID == "" {
				ds.Rules[j].ID = ds.Rules[j].DefaultID()
			}
		}
	}
	for i := range d.Purposes {
		if c := d.Purposes[i].Consent; c != nil && c.MinAge == 0 {
			c.MinAge = DefaultMinAge
		}
	}
	d.validated = true
	return nil
}

// DefaultID returns the ID a rule gets when the declaration names none:
// "<action>_after_<period>_<from>" or "<action>_on_<event>", e.g.
// "delete_after_14d_appointment_at". It does not depend on the rule's
// position, so audit entries stay comparable when rules are reordered.
func (r *Rule) DefaultID() string {
	action := "delete"
	if !r.Delete {
		action = "anonymize"
	}
	if r.On != "" {
		return action + "_on_" + string(r.On)
	}
	p := r.After.String()
	if r.After.FromYearEnd {
		p = fmt.Sprintf("%d%s_year_end", r.After.N, unitSuffix[r.After.Unit])
	}
	return action + "_after_" + p + "_" + r.From
}
