package policy_test

import (
	"fmt"
	"strings"

	"github.com/frist-go/frist/policy"
)

// ExampleLint lints a declaration of a public authority that keeps its web
// server logs with IP addresses for 30 days on the basis of its legitimate
// interests, and acknowledges one of the findings.
func ExampleLint() {
	const yaml = `
controller:
  name: Stadt Beispiel
  address: Rathausplatz 1, 12345 Beispiel
  contact: {email: info@beispiel.de}
  public_authority: true
dpo: {address: "Rathausplatz 1, 12345 Beispiel"}
authority: {name: LDI NRW}
purposes:
  - id: website
    description: {de: Bereitstellung der Webseite}
    legal_basis: [6.1.f]
    legitimate_interest: {de: Abwehr von Angriffen}
datasets:
  - id: access_log
    table: access_log
    key: id
    time: {requested_at: requested_at}
    purposes: [website]
    subjects: {de: Besucherinnen und Besucher der Webseite}
    fields:
      ip: {category: online_identifier, provided: false}
    rules:
      - {after: 30d, from: requested_at, delete: true}
measures: {de: "siehe IT-Sicherheitskonzept"}
acknowledged:
  - finding: FR005
    reason: "Angriffe werden erst in der monatlichen Auswertung erkannt"
    by: Datenschutzbeauftragte
date: 2026-01-15
`
	d, err := policy.Load(strings.NewReader(yaml), "website.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range policy.Lint(d) {
		status := string(f.Severity)
		if f.Acknowledged != nil {
			status += ", acknowledged"
		}
		fmt.Printf("%s:%d: %s (%s) %s [%s]\n", f.Position.File, f.Position.Line, f.ID, status, f.Path, f.Article)
	}
	// Output:
	// website.yaml:12: FR010 (error) purposes[0].legal_basis[0] [Art. 6(1) subpara. 2 DSGVO]
	// website.yaml:22: FR005 (warning, acknowledged) datasets[0].fields[0] [Art. 5(1)(c), (e) DSGVO; EuGH C-582/14 (Breyer); BGH VI ZR 135/13; BGH III ZR 391/13]
}
