package notice

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/frist-go/frist/policy"
)

// StoragePeriods writes the retention rules of a dataset as sentences, in
// the order of the declaration, with the rules that act on events grouped
// by what they do: "Termindaten werden zwei Wochen nach dem Termin
// gelöscht." "Termindaten werden bei Stornierung oder bei Widerruf der
// Einwilligung sofort gelöscht." This is the storage period of
// Art. 13(2)(a), stated from the same rules the engine enforces.
func StoragePeriods(ds *policy.Dataset, lang Language) []string {
	return storagePeriods(ds, lang, func(int) bool { return true })
}

// storagePeriods states the rules j of ds for which state(j) holds.
func storagePeriods(ds *policy.Dataset, lang Language, state func(j int) bool) []string {
	var out []string
	type group struct {
		key    string
		rules  []*policy.Rule
		events []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for i := range ds.Rules {
		r := &ds.Rules[i]
		if !state(i) {
			continue
		}
		if r.On == "" {
			out = append(out, periodSentence(lang, ds, r))
			continue
		}
		key := actionKey(r)
		g := byKey[key]
		if g == nil {
			g = &group{key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.rules = append(g.rules, r)
		e := eventPhrase(lang, r.On)
		if !r.Description.IsZero() {
			e = lang.text(r.Description) // the rule's own words say when it acts
		}
		g.events = append(g.events, e)
	}
	for _, g := range groups {
		out = append(out, eventSentence(lang, ds, g.rules, g.events))
	}
	return out
}

// actionKey identifies what a rule does, so that event rules doing the same
// thing are stated together.
func actionKey(r *policy.Rule) string {
	if r.Delete {
		return "delete"
	}
	var b strings.Builder
	b.WriteString("anonymize")
	for _, op := range r.Anonymize {
		b.WriteString("|" + op.Field)
	}
	return b.String()
}

// subjectOf names what a rule acts on and whether it is plural: the dataset
// for deletions, the fields for anonymization.
func subjectOf(lang Language, ds *policy.Dataset, r *policy.Rule) (string, bool) {
	if r.Delete {
		if ds.Description.IsZero() {
			return datasetName(lang, ds), true // "Die Daten „x“"
		}
		return datasetName(lang, ds), ds.DescriptionNumber(string(lang)) == policy.Plural
	}
	var names []string
	for _, op := range r.Anonymize {
		if f := ds.Field(op.Field); f != nil {
			names = append(names, fieldName(lang, f))
		} else {
			names = append(names, op.Field)
		}
	}
	return joinWords(lang, names), len(names) > 1
}

// verb is the passive verb phrase of a rule's action.
func verb(lang Language, r *policy.Rule) string {
	if r.Delete {
		return lang.pick("gelöscht", "deleted")
	}
	return lang.pick("anonymisiert", "anonymized")
}

// aux is the auxiliary verb agreeing with the subject.
func aux(lang Language, plural bool) string {
	if lang == English {
		if plural {
			return "are"
		}
		return "is"
	}
	if plural {
		return "werden"
	}
	return "wird"
}

// periodSentence states a rule that counts a period from a time column.
func periodSentence(lang Language, ds *policy.Dataset, r *policy.Rule) string {
	subj, plural := subjectOf(lang, ds, r)
	when := deadlinePhrase(lang, ds, r.After, r.From)
	s := subj + " " + aux(lang, plural) + " " + when + " " + verb(lang, r) // German: "werden zwei Wochen nach dem Termin gelöscht"
	if lang == English {
		s = subj + " " + aux(lang, plural) + " " + verb(lang, r) + " " + when // "is deleted two weeks after the appointment"
	}
	if !r.Description.IsZero() {
		s += " (" + lang.text(r.Description) + ")"
	}
	return finish(lang, ds, r, s)
}

// eventSentence states the event rules of one group.
func eventSentence(lang Language, ds *policy.Dataset, rules []*policy.Rule, events []string) string {
	r := rules[0]
	subj, plural := subjectOf(lang, ds, r)
	var prepositional, clauses, described []string
	for i, e := range events {
		switch {
		case !rules[i].Description.IsZero() && startsClause(e):
			clauses = append(clauses, e) // "sobald die Daten nicht mehr benötigt werden"
		case !rules[i].Description.IsZero():
			described = append(described, e) // the rule's own words, as written
		case isClause(rules[i].On):
			clauses = append(clauses, e)
		default:
			prepositional = append(prepositional, e)
		}
	}
	s := subj + " " + aux(lang, plural)
	switch {
	case len(prepositional) > 0 && lang == English:
		s += " " + verb(lang, r) + " immediately " + joinOr(lang, prepositional)
	case len(prepositional) > 0:
		s += " " + joinOr(lang, prepositional) + " sofort " + verb(lang, r)
	case len(described) > 0 && lang == English:
		s += " " + verb(lang, r) + " " + joinOr(lang, described)
		described = nil
	case len(described) > 0:
		s += " " + joinOr(lang, described) + " " + verb(lang, r)
		described = nil
	default:
		s += " " + verb(lang, r)
	}
	clauses = append(described, clauses...)
	if len(clauses) > 0 {
		if len(prepositional) > 0 {
			s += lang.pick(", spätestens ", ", and at the latest ")
		} else {
			s += lang.pick(", ", " ")
		}
		s += joinOr(lang, clauses)
	}
	// keep_at_least and notes of every rule of the group.
	for _, rr := range rules {
		s = addMinimum(lang, ds, rr, s)
	}
	return sentence(s)
}

// startsClause reports whether a rule's description is a subordinate
// clause, which follows the verb after a comma.
func startsClause(s string) bool {
	first, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(s)), " ")
	switch first {
	case "sobald", "wenn", "nachdem", "bis", "sofern", "soweit", "once", "when", "as", "after", "until":
		return true
	}
	return false
}

// isClause reports whether an event's phrase is a subordinate clause
// ("sobald Ihr Anliegen erledigt ist") rather than a prepositional phrase.
func isClause(e policy.Event) bool { return e == policy.EventMatterSettled }

// finish adds the statutory minimum and ends the sentence.
func finish(lang Language, ds *policy.Dataset, r *policy.Rule, s string) string {
	return sentence(addMinimum(lang, ds, r, s))
}

// addMinimum appends a rule's keep_at_least to a sentence.
func addMinimum(lang Language, ds *policy.Dataset, r *policy.Rule, s string) string {
	if r.KeepAtLeast == nil || r.KeepAtLeast.Period.IsZero() {
		return s
	}
	from := r.KeepAtLeast.From
	if from == "" {
		from = r.From
	}
	when := periodPhrase(lang, r.KeepAtLeast.Period, false)
	if from != "" {
		when = deadlinePhrase(lang, ds, r.KeepAtLeast.Period, from)
	}
	return s + lang.pick(", frühestens jedoch "+when+" ("+r.KeepAtLeast.Norm+")",
		", but not before "+when+" ("+r.KeepAtLeast.Norm+")")
}

// sentence capitalises the first letter and adds a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
