package retention

import (
	"fmt"
	"slices"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// rule is a declared rule compiled for execution: its timing, its operators
// built with the application's keys, and how a backend tells processed
// records from due ones.
type rule struct {
	ds     *policy.Dataset
	id     string
	on     policy.Event
	action Action
	timing timing
	// null are fields set to NULL in SQL; transform are fields whose new
	// values the operators compute in Go, in rule order.
	null      []string
	transform []fieldOp
	// notNull and marker exclude processed records: a pure nulling rule
	// has work left while one of its fields is set; a rule with Go
	// operators sets the dataset's marker column.
	notNull []string
	marker  string
}

// fieldOp is one field and its built operator.
type fieldOp struct {
	field string
	name  string // operator name, for errors
	op    anonymize.Operator
}

// compile checks r for execution and builds its operators with keys.
func compile(decl *policy.Declaration, ds *policy.Dataset, r *policy.Rule, opts *Options) (*rule, error) {
	tm, err := newTiming(decl, ds, r, opts)
	if err != nil {
		return nil, err
	}
	ru := &rule{ds: ds, id: r.ID, on: r.On, action: ruleAction(r), timing: tm}
	bad := func(format string, args ...any) (*rule, error) {
		return nil, &RuleError{Dataset: ds.ID, Rule: r.ID, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case r.ID == "":
		return bad("the rule has no ID")
	case r.Delete && len(r.Anonymize) > 0:
		return bad("a rule either deletes or anonymizes, not both")
	case !r.Delete && len(r.Anonymize) == 0:
		return bad("the rule neither deletes nor anonymizes")
	}
	seen := map[string]bool{}
	for _, fo := range r.Anonymize {
		if ds.Field(fo.Field) == nil {
			return bad("%q is not a field of the dataset", fo.Field)
		}
		if seen[fo.Field] {
			return bad("field %q is anonymized twice", fo.Field)
		}
		seen[fo.Field] = true
		spec, err := anonymize.Parse(fo.Op)
		if err != nil {
			return nil, &RuleError{Dataset: ds.ID, Rule: r.ID, Reason: "field " + fo.Field, Err: err}
		}
		if spec.Nulls() {
			ru.null = append(ru.null, fo.Field)
			continue
		}
		op, err := spec.Build(opts.keys())
		if err != nil {
			return nil, &RuleError{Dataset: ds.ID, Rule: r.ID, Reason: "field " + fo.Field + ": cannot build " + spec.Name(), Err: err}
		}
		ru.transform = append(ru.transform, fieldOp{field: fo.Field, name: spec.Name(), op: op})
	}
	switch {
	case len(ru.transform) > 0 && ds.Marker == "":
		return bad("operators that keep a value need the dataset's marker column to tell processed records from due ones")
	case len(ru.transform) > 0:
		ru.marker = ds.Marker
	case len(ru.null) > 0:
		ru.notNull = ru.null
	}
	return ru, nil
}

// selection returns the records the rule may process at now, restricted by
// bounds.
func (ru *rule) selection(now time.Time, bounds []store.Bound) store.Selection {
	return store.Selection{
		Dataset: ru.ds.ID,
		Bounds:  bounds,
		NotNull: ru.notNull,
		Marker:  ru.marker,
		Now:     now,
	}
}

// storeAction returns what a backend does to each selected record.
func (ru *rule) storeAction() store.Action {
	if ru.action == ActionDelete {
		return store.Action{Delete: true}
	}
	a := store.Action{Null: ru.null, SetMarker: ru.marker}
	if len(ru.transform) == 0 {
		return a
	}
	for _, fo := range ru.transform {
		a.Transform = append(a.Transform, fo.field)
	}
	a.Apply = ru.apply
	return a
}

// apply computes the new values of the transformed fields of rec. An
// operator error names the field and operator, never the value.
func (ru *rule) apply(rec store.Record) (map[string]any, error) {
	out := make(map[string]any, len(ru.transform))
	for _, fo := range ru.transform {
		v, err := fo.op.Apply(rec.Fields[fo.field])
		if err != nil {
			return nil, &OperatorError{Dataset: ru.ds.ID, Rule: ru.id, Field: fo.field, Operator: fo.name, err: err}
		}
		out[fo.field] = v
	}
	return out, nil
}

// auditor returns the Audit callback of a batch: an entry naming the rule,
// the count and the keyed pseudonyms of the subjects touched, and the hash
// of the declaration in force (Art. 5(2), Art. 30).
func (e *Engine) auditor(ru *rule, now time.Time, note string) func([]store.Record, int) (audit.Entry, error) {
	return func(recs []store.Record, count int) (audit.Entry, error) {
		subjects := make([]string, 0, len(recs))
		for _, r := range recs {
			if r.Subject != "" {
				subjects = append(subjects, e.auditKey.Pseudonym(r.Subject))
			}
		}
		slices.Sort(subjects)
		return audit.Entry{
			Time:     now,
			Action:   string(ru.action),
			Dataset:  ru.ds.ID,
			Rule:     ru.id,
			Count:    count,
			Subjects: slices.Compact(subjects),
			Policy:   e.policyHash,
			Note:     note,
		}.SignedBy(e.signer), nil
	}
}
