package policy

import (
	"fmt"
	"slices"
	"strings"
)

// Lint checks of cookies beyond their declared footing. The catalogue with
// IDs is in lint_checks.go.

// analyticsCookiePrefixes are name prefixes of the cookies of common web
// analytics tools (Matomo/Piwik, Google Analytics, Hotjar, Microsoft
// Clarity, the Meta pixel).
var analyticsCookiePrefixes = []string{"_pk_", "_pk.", "_ga", "_gid", "_gat", "__utm", "_hj", "_clck", "_clsk", "_fbp", "mtm_", "matomo", "piwik"}

// analyticsWords mark a purpose or cookie description as web analytics.
var analyticsWords = []string{"analy", "statisti", "piwik", "matomo", "tracking", "reichweite", "nutzungsauswertung", "auswertung der benutzung"}

// choiceCookieWords mark a cookie that stores the user's own choice (an
// opt-out or a consent decision), which is needed to respect it.
var choiceCookieWords = []string{"ignore", "optout", "opt_out", "opt-out", "consent", "cookieconsent", "disclaimer"}

func containsAny(s string, words []string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// analyticsCookie reports whether c serves web analytics, by its name or
// by what its purpose or its own description says, and why.
func analyticsCookie(d *Declaration, c *Cookie) (string, bool) {
	name := strings.ToLower(c.Name)
	if containsAny(name, choiceCookieWords) {
		return "", false
	}
	if slices.ContainsFunc(analyticsCookiePrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
		return "its name is that of a web-analytics cookie", true
	}
	if containsAny(c.Description.DE+" "+c.Description.EN, analyticsWords) {
		return "its description says it serves analytics", true
	}
	if p := d.Purpose(c.Purpose); p != nil && containsAny(p.Description.DE+" "+p.Description.EN, analyticsWords) {
		return "its purpose " + p.ID + " is " + quote(p.Description.In("de")), true
	}
	return "", false
}

func checkAnalyticsNecessary(l *linter) {
	for i := range l.d.Cookies {
		c := &l.d.Cookies[i]
		if c.Basis != StrictlyNecessary {
			continue
		}
		if p := l.d.Purpose(c.Purpose); p != nil && p.Objection != nil {
			continue // FR041 reports the cookie of a purpose with an opt-out
		}
		why, ok := analyticsCookie(l.d, c)
		if !ok {
			continue
		}
		l.report(index("cookies", i)+".basis", fmt.Sprintf("cookie %s serves web analytics (%s) but is declared strictly necessary: measuring how a site is used is not needed to provide the service the user asked for, so storing the cookie needs the user's prior consent",
			c.Name, why),
			"declare basis: consent and set the cookie only after the user agreed, or measure without storing anything on the device")
	}
}
