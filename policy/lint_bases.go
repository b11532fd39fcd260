package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Lint checks of the legal bases that a public body may cite and of
// consent that cannot precede the processing. The catalogue with IDs is in
// lint_checks.go.

// controllerLand returns the ISO 3166-2 subdivision code of the German
// Land the controller is seated in ("NW"), as far as the declaration says:
// from controller.holidays, else from a cited Land law. It returns "" when
// the declaration does not tell.
func controllerLand(d *Declaration) string {
	if h := strings.TrimPrefix(strings.ToUpper(d.Controller.Holidays), "DE-"); len(h) == 2 {
		return h
	}
	for i := range d.Purposes {
		for _, lb := range d.Purposes[i].LegalBasis {
			for _, n := range lb.National {
				if strings.Contains(n, "DSG NRW") {
					return "NW"
				}
			}
		}
	}
	return ""
}

// publicTaskProvision returns how a hint names the national provision a
// public body cites with Art. 6(1)(e): the general clause of its Land's
// data-protection act where frist knows the Land, otherwise a neutral
// description, so that no Land is pointed at another Land's law.
func publicTaskProvision(d *Declaration) string {
	switch controllerLand(d) {
	case "NW":
		return "6.1.e with national: [\"§ 3 DSG NRW\"], or the provision of specialised law that assigns the task"
	}
	return "6.1.e with the provision that assigns the task: the general clause of the data-protection act of the controller's Land, or the provision of specialised law (e.g. the SGB for a Jobcenter)"
}

func checkNationalProvision(l *linter) {
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		for j, lb := range p.LegalBasis {
			if lb.Basis != PublicTask && lb.Basis != LegalObligation || len(lb.National) > 0 {
				continue
			}
			letter := "e"
			if lb.Basis == LegalObligation {
				letter = "c"
			}
			l.report(basisPath(i, j), fmt.Sprintf("purpose %s rests on Art. 6(1)(%s) without the Union or national law that lays the %s down; the notice cannot tell the subject which law allows the processing",
				p.ID, letter, map[string]string{"e": "task", "c": "obligation"}[letter]),
				"name the provision: legal_basis: [{basis: "+string(lb.Basis)+", national: [...]}], e.g. "+publicTaskProvision(l.d))
		}
	}
}

func checkPublicContract(l *linter) {
	if !l.d.Controller.PublicAuthority {
		return
	}
	for i := range l.d.Purposes {
		p := &l.d.Purposes[i]
		for j, lb := range p.LegalBasis {
			if lb.Basis != Contract {
				continue
			}
			l.report(basisPath(i, j), fmt.Sprintf("purpose %s rests on Art. 6(1)(b), but %s is a public authority: a service it renders under public law (an appointment at a citizens' office, an application for a benefit) is no contract with the subject",
				p.ID, cmpOr(l.d.Controller.Name, "the controller")),
				"rest the purpose on "+publicTaskProvision(l.d)+"; acknowledge the finding only where the authority acts under a private-law contract (e.g. a ticket sale)")
		}
	}
}

// collectedOnAccess reports whether the records of ds are what a browser
// sends with every request (a server log, or request data without a
// subject of which the subject provides nothing), which the server keeps
// before the user could have consented to anything.
func collectedOnAccess(ds *Dataset) bool {
	if ds.Files != nil {
		return true
	}
	if ds.Subject != "" || len(ds.Fields) == 0 {
		return false
	}
	personal := false
	for _, f := range ds.Fields {
		if !f.isPersonal() {
			continue
		}
		personal = true
		if provided := f.Provided == nil && ds.Source.IsZero() || f.Provided != nil && *f.Provided; provided {
			return false
		}
		switch f.Category {
		case CatOnlineIdentifier, CatDevice, CatUsage:
		default:
			return false
		}
	}
	return personal
}

func checkConsentBeforeCollection(l *linter) {
	for i := range l.d.Datasets {
		ds := &l.d.Datasets[i]
		if !collectedOnAccess(ds) {
			continue
		}
		other, first := false, -1
		for k, id := range ds.Purposes {
			p := l.d.Purpose(id)
			if p == nil {
				continue
			}
			if slices.ContainsFunc(p.LegalBasis, func(lb LegalBasis) bool { return lb.Basis != Consent }) {
				other = true
			} else if first < 0 && p.HasBasis(Consent) {
				first = k
			}
		}
		if other || first < 0 {
			continue
		}
		l.report(dsPath(i)+"."+index("purposes", first), fmt.Sprintf("dataset %s holds what the browser sends with every request, which the server records before the user can consent to anything, but purpose %s rests on consent alone: consent given afterwards cannot be the basis of processing that preceded it",
			ds.ID, ds.Purposes[first]),
			"give the request data a purpose of its own that rests on a basis that holds from the first request ("+publicTaskProvision(l.d)+" for a public body, 6.1.f for others), and keep consent for what follows it")
	}
}
