package policy

import "fmt"

// Lint checks of what the record of processing activities (Art. 30(1))
// needs from the declaration. The catalogue with IDs is in lint_checks.go.

func checkDatasetSubjects(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		if !ds.Subjects.IsZero() || !datasetPersonal(ds) {
			continue
		}
		l.report(dsPath(i)+".subjects", fmt.Sprintf("dataset %s holds personal data but does not say about whom: the record of processing must describe the categories of data subjects", ds.ID),
			"describe them: subjects: {de: \"Bürgerinnen und Bürger, die einen Termin buchen\", en: \"citizens who book an appointment\"}")
	}
}

// datasetPersonal reports whether ds holds personal data: it has a subject
// column or a personal field.
func datasetPersonal(ds *Dataset) bool {
	if ds.Subject != "" {
		return true
	}
	for _, f := range ds.Fields {
		if f.isPersonal() {
			return true
		}
	}
	return false
}

func checkMeasures(l *linter) {
	if !l.d.Measures.IsZero() {
		return
	}
	l.report("measures", "the declaration does not describe the technical and organisational security measures: the record of processing must give a general description of them",
		"describe them or name the document that does: measures: {de: \"Verschlüsselung (TLS), Zugriffsrechte nach Rollen, ... siehe IT-Sicherheitskonzept vom ...\"}")
}
