package policy

import (
	"fmt"
	"strings"
)

// Lint checks of the controller's details. The catalogue with IDs is in
// lint_checks.go.

func checkControllerContact(l *linter) {
	c := l.d.Controller.Contact
	if c.Email != "" || c.Phone != "" {
		return
	}
	msg := fmt.Sprintf("the controller %s gives neither an e-mail address nor a phone number", cmpOr(l.d.Controller.Name, "(unnamed)"))
	if a := strings.TrimSpace(l.d.Controller.Address); a != "" {
		msg += " (only the address " + quote(a) + ")"
	}
	msg += ": a subject who wants to exercise a right has no quick way to reach the controller"
	l.report("controller.contact", msg, "add controller: {contact: {email: ..., phone: ...}} with addresses that reach the office in charge")
}

// germanZones are the IANA zones of Germany.
var germanZones = map[string]bool{"Europe/Berlin": true, "Europe/Busingen": true}

// germanController reports whether the declaration says the controller is
// seated in Germany: by its time zone, a German postal address or a cited
// Land law.
func germanController(d *Declaration) bool {
	if germanZones[d.Controller.TimeZone] {
		return true
	}
	a := strings.ToLower(d.Controller.Address)
	return strings.Contains(a, "deutschland") || strings.Contains(a, "germany") || controllerLand(d) != ""
}

func checkHolidays(l *linter) {
	if l.d.Controller.Holidays != "" || !germanController(l.d) {
		return
	}
	l.report("controller.holidays", fmt.Sprintf("the controller %s is seated in Germany but names no Land in controller.holidays, so the deadlines of data-subject requests move past the nationwide public holidays only and ignore the Land's own (Fronleichnam and Allerheiligen in Nordrhein-Westfalen): a deadline that ends on one is counted a working day too early",
		cmpOr(l.d.Controller.Name, "(unnamed)")),
		"name the Land: controller: {holidays: DE-NW} (the ISO 3166-2 code, DE-BW to DE-TH)")
}
