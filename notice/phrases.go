package notice

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/frist-go/frist/policy"
)

// Language is a language a notice is rendered in.
type Language string

// The supported languages.
const (
	German  Language = "de"
	English Language = "en"
)

// ParseLanguage accepts "de" and "en" (case-insensitive).
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "de":
		return German, nil
	case "en":
		return English, nil
	}
	return "", fmt.Errorf("notice: unsupported language %q (use de or en)", s)
}

// pick returns de or en by language.
func (l Language) pick(de, en string) string {
	if l == English {
		return en
	}
	return de
}

// text returns a declaration text in l.
func (l Language) text(t policy.Text) string { return t.In(string(l)) }

// germanWords spells the numbers up to twelve, as German prose does.
var germanWords = [...]string{"null", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf", "zwölf"}

var englishWords = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}

// unitNames are the singular and plural forms of each unit; the German
// plural is the dative form used after "nach" ("nach 7 Tagen") when dative
// is set.
type unitName struct {
	de1, deN, deDat, en1, enN string
	// deArticle is the German indefinite article in the accusative
	// ("einen Tag", "eine Woche", "ein Jahr").
	deArticle, deDatArticle string
}

var unitNames = map[policy.Unit]unitName{
	policy.Hours:  {"Stunde", "Stunden", "Stunden", "hour", "hours", "eine", "einer"},
	policy.Days:   {"Tag", "Tage", "Tagen", "day", "days", "einen", "einem"},
	policy.Weeks:  {"Woche", "Wochen", "Wochen", "week", "weeks", "eine", "einer"},
	policy.Months: {"Monat", "Monate", "Monaten", "month", "months", "einen", "einem"},
	policy.Years:  {"Jahr", "Jahre", "Jahren", "year", "years", "ein", "einem"},
}

// periodPhrase writes a period as prose: "zwei Wochen", "48 Stunden",
// "seven days". With dative it gives the German dative used after "nach"
// ("nach sieben Tagen", "nach einer Woche").
func periodPhrase(l Language, p policy.Period, dative bool) string {
	u, ok := unitNames[p.Unit]
	if !ok || p.N <= 0 {
		return p.String()
	}
	if l == English {
		n := strconv.Itoa(p.N)
		if p.N < len(englishWords) && p.Unit != policy.Hours {
			n = englishWords[p.N]
		}
		if p.N == 1 {
			return n + " " + u.en1
		}
		return n + " " + u.enN
	}
	if p.N == 1 {
		if dative {
			return u.deDatArticle + " " + u.de1
		}
		return u.deArticle + " " + u.de1
	}
	n := strconv.Itoa(p.N)
	if p.N < len(germanWords) && p.Unit != policy.Hours {
		n = germanWords[p.N]
	}
	if dative {
		return n + " " + u.deDat
	}
	return n + " " + u.deN
}

// moment names the time a period counts from: the time column's
// description, or its name in quotes when the declaration gives none.
func moment(l Language, ds *policy.Dataset, name string) string {
	if tc := ds.TimeColumn(name); tc != nil && !tc.Description.IsZero() {
		return l.text(tc.Description)
	}
	return l.pick("dem Zeitpunkt „"+name+"“", "the time “"+name+"”")
}

// deadlinePhrase says when a period rule acts: "zwei Wochen nach dem
// Termin", "sechs Jahre nach Ende des Kalenderjahres von dem Termin".
func deadlinePhrase(l Language, ds *policy.Dataset, p policy.Period, from string) string {
	m := moment(l, ds, from)
	if p.FromYearEnd {
		q := p
		q.FromYearEnd = false
		return l.pick(
			periodPhrase(l, q, false)+" nach Ablauf des Kalenderjahres von "+m,
			periodPhrase(l, q, false)+" after the end of the calendar year of "+m)
	}
	return l.pick(periodPhrase(l, p, false)+" nach "+m, periodPhrase(l, p, false)+" after "+m)
}

// EventPhrase says, in l, as a notice words it, on which event a rule
// acts: "bei Stornierung", "on withdrawal of consent".
func EventPhrase(l Language, e policy.Event) string { return eventPhrase(l, e) }

// eventPhrase says on which event a rule acts.
func eventPhrase(l Language, e policy.Event) string {
	switch e {
	case policy.EventCancelled:
		return l.pick("bei Stornierung", "on cancellation")
	case policy.EventConsentWithdrawn:
		return l.pick("bei Widerruf der Einwilligung", "on withdrawal of consent")
	case policy.EventMatterSettled:
		return l.pick("sobald Ihr Anliegen erledigt ist", "once your matter is settled")
	case policy.EventSessionEnd:
		return l.pick("mit dem Ende der Sitzung", "when the session ends")
	case policy.EventErasureRequested:
		return l.pick("auf Ihren Antrag auf Löschung", "on your request for erasure")
	}
	return l.pick("bei dem Ereignis „"+string(e)+"“", "on the event “"+string(e)+"”")
}

// joinWords joins items as prose: "a", "a und b", "a, b und c".
func joinWords(l Language, items []string) string {
	and := l.pick(" und ", " and ")
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + and + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

// joinOr joins items with "oder" / "or".
func joinOr(l Language, items []string) string {
	or := l.pick(" oder ", " or ")
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + or + items[len(items)-1]
}

// fieldName names a field for prose: its description or its name.
func fieldName(l Language, f *policy.Field) string {
	if !f.Description.IsZero() {
		return l.text(f.Description)
	}
	return f.Name
}

// datasetName names a dataset for prose: its description or its ID.
func datasetName(l Language, ds *policy.Dataset) string {
	if !ds.Description.IsZero() {
		return l.text(ds.Description)
	}
	return l.pick("Die Daten „"+ds.ID+"“", "The data “"+ds.ID+"”")
}

// basisText cites a legal basis: "Art. 6 Abs. 1 lit. a DSGVO i. V. m.
// § 35 DSG NRW".
func basisText(l Language, lb policy.LegalBasis) string {
	s := string(lb.Basis)
	letter := ""
	if strings.HasPrefix(s, "6.1.") && len(s) == 5 {
		letter = s[4:]
	}
	var out string
	if letter != "" {
		out = l.pick("Art. 6 Abs. 1 lit. "+letter+" DSGVO", "Art. 6(1)("+letter+") GDPR")
	} else {
		out = s
	}
	if len(lb.National) > 0 {
		var ns []string
		for _, n := range lb.National {
			ns = append(ns, norm(l, n))
		}
		out += l.pick(" i. V. m. ", " in conjunction with ") + joinWords(l, ns)
	}
	return out
}

// basisMeaning explains a legal basis in a few words.
func basisMeaning(l Language, b policy.Basis) string {
	switch b {
	case policy.Consent:
		return l.pick("Einwilligung", "consent")
	case policy.Contract:
		return l.pick("Vertragserfüllung oder vorvertragliche Maßnahmen", "performance of a contract or pre-contractual steps")
	case policy.LegalObligation:
		return l.pick("rechtliche Verpflichtung", "legal obligation")
	case policy.VitalInterests:
		return l.pick("lebenswichtige Interessen", "vital interests")
	case policy.PublicTask:
		return l.pick("Wahrnehmung einer Aufgabe im öffentlichen Interesse oder in Ausübung öffentlicher Gewalt", "performance of a task in the public interest or in the exercise of official authority")
	case policy.LegitimateInterests:
		return l.pick("berechtigte Interessen", "legitimate interests")
	}
	return string(b)
}

// specialText cites an Art. 9(2) condition: "Art. 9 Abs. 2 lit. a DSGVO".
func specialText(l Language, c policy.SpecialCondition) string {
	s := string(c)
	if strings.HasPrefix(s, "9.2.") && len(s) == 5 {
		return l.pick("Art. 9 Abs. 2 lit. "+s[4:]+" DSGVO", "Art. 9(2)("+s[4:]+") GDPR")
	}
	return s
}

// channelText describes a withdrawal or objection channel. A channel
// that cannot be stated (a cookie deletion, or one lacking its address)
// gives "": the linter reports it (FR052, FR080) and the notice leaves it
// out.
func channelText(l Language, c policy.Channel) string {
	where := l.text(c.Where)
	switch c.Kind {
	case policy.ChannelLink:
		switch {
		case c.Address != "" && where != "":
			return l.pick("über den Link "+c.Address+" ("+where+")", "through the link "+c.Address+" ("+where+")")
		case c.Address != "":
			return l.pick("über den Link "+c.Address, "through the link "+c.Address)
		case where != "":
			return l.pick("über den Link, den Sie "+where+" finden", "through the link you find "+where)
		}
	case policy.ChannelEmail:
		if c.Address != "" {
			return l.pick("per E-Mail an "+c.Address, "by e-mail to "+c.Address)
		}
	case policy.ChannelPost:
		if c.Address != "" {
			return l.pick("per Post an "+c.Address, "by post to "+c.Address)
		}
	case policy.ChannelPhone:
		if c.Address != "" {
			return l.pick("telefonisch unter "+c.Address, "by phone at "+c.Address)
		}
	case policy.ChannelInPerson:
		if c.Address != "" {
			return l.pick("persönlich bei "+c.Address, "in person at "+c.Address)
		}
	case policy.ChannelForm:
		if c.Address != "" {
			return l.pick("über das Formular unter "+c.Address, "through the form at "+c.Address)
		}
	case policy.ChannelOptOutCookie:
		if c.Address != "" && where != "" {
			return l.pick(
				"über das Bedienelement auf der Seite „"+where+"“: es setzt das Cookie „"+c.Address+"“, das die Verarbeitung verhindert, solange es gespeichert ist. Löschen Sie dieses Cookie (etwa beim Löschen aller Cookies im Browser), findet die Verarbeitung wieder statt, bis Sie erneut widersprechen",
				"through the control on the page “"+where+"”: it sets the cookie “"+c.Address+"”, which prevents the processing while it is stored. If you delete this cookie (for instance when clearing all cookies in your browser), the processing resumes until you object again")
		}
	}
	return ""
}

// norm writes a citation of a norm in l: in English, "DSGVO" becomes
// "GDPR"; German statutes keep their German names, as is usual.
func norm(l Language, s string) string {
	if l == English {
		return strings.ReplaceAll(strings.ReplaceAll(s, "DSGVO", "GDPR"), "DS-GVO", "GDPR")
	}
	return s
}

// articles are the German definite articles in the nominative and dative.
var articles = map[policy.Gender][2]string{
	policy.Feminine:     {"die", "der"},
	policy.Masculine:    {"der", "dem"},
	policy.Neuter:       {"das", "dem"},
	policy.GenderPlural: {"die", "den"},
}

// controllerNominative names the controller as the subject of a German
// sentence, with its article ("das Jobcenter Kreis Segeberg"), and
// reports whether it could; without a known gender it gives "".
func controllerNominative(c *policy.Controller) string {
	a, ok := articles[c.ControllerGender()]
	if !ok {
		return ""
	}
	return a[0] + " " + c.Name
}

// categoryName names a data category.
func categoryName(l Language, c policy.Category) string {
	switch c {
	case policy.CatIdentity:
		return l.pick("Identitätsdaten", "identity data")
	case policy.CatContact:
		return l.pick("Kontaktdaten", "contact data")
	case policy.CatIdentifier:
		return l.pick("Kennnummern", "identifiers")
	case policy.CatOnlineIdentifier:
		return l.pick("Online-Kennungen", "online identifiers")
	case policy.CatDevice:
		return l.pick("Geräte- und Browserdaten", "device and browser data")
	case policy.CatUsage:
		return l.pick("Nutzungsdaten", "usage data")
	case policy.CatAppointment:
		return l.pick("Termindaten", "appointment data")
	case policy.CatFreeText:
		return l.pick("Freitextangaben", "free-text entries")
	case policy.CatSpecial:
		return l.pick("besondere Kategorien personenbezogener Daten", "special categories of personal data")
	case policy.CatNone:
		return l.pick("sonstige Daten", "other data")
	}
	return string(c)
}
