package dsar

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Calendar tells which dates are public holidays. Regulation (EEC, Euratom)
// No 1182/71 Art. 2(1) defines public holidays as "all days designated as
// such in the Member State ... in which action is to be taken"; Art. 2(2)
// makes working days all days other than public holidays, Sundays and
// Saturdays, so a Calendar need not list Saturdays or Sundays.
//
// Implementations must be safe for concurrent use and must not depend on
// anything but the date.
type Calendar interface {
	// Holiday reports whether d is a public holiday and, if so, its name.
	Holiday(d Date) (name string, ok bool)
}

// HolidayList is a Calendar of fixed dates, mapping each date to its name.
// It serves holidays that no built-in calendar knows, such as a
// municipality's local holiday (the Augsburger Hohes Friedensfest on
// 8 August) or a one-off holiday decided after this package was written;
// combine it with a built-in calendar through Union.
type HolidayList map[Date]string

// Holiday implements Calendar.
func (l HolidayList) Holiday(d Date) (string, bool) {
	name, ok := l[d]
	return name, ok
}

// Union returns a Calendar in which a date is a public holiday when it is
// one in any of cals; the name comes from the first calendar that knows the
// date. Nil calendars are skipped.
func Union(cals ...Calendar) Calendar {
	var u union
	for _, c := range cals {
		if c != nil {
			u = append(u, c)
		}
	}
	return u
}

type union []Calendar

func (u union) Holiday(d Date) (string, bool) {
	for _, c := range u {
		if name, ok := c.Holiday(d); ok {
			return name, true
		}
	}
	return "", false
}

// Easter returns Easter Sunday of year y in the Gregorian calendar (valid
// for 1583 and later), computed with the anonymous Gregorian computus
// (Meeus/Jones/Butcher). The movable German holidays are counted from it.
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{Year: y, Month: time.Month(month), Day: day}
}

// Land is a German federal state (Bundesland), written as the second part
// of its ISO 3166-2 code: "NW" for DE-NW, Nordrhein-Westfalen.
type Land string

// The sixteen Länder.
const (
	BadenWuerttemberg     Land = "BW"
	Bayern                Land = "BY"
	Berlin                Land = "BE"
	Brandenburg           Land = "BB"
	Bremen                Land = "HB"
	Hamburg               Land = "HH"
	Hessen                Land = "HE"
	MecklenburgVorpommern Land = "MV"
	Niedersachsen         Land = "NI"
	NordrheinWestfalen    Land = "NW"
	RheinlandPfalz        Land = "RP"
	Saarland              Land = "SL"
	Sachsen               Land = "SN"
	SachsenAnhalt         Land = "ST"
	SchleswigHolstein     Land = "SH"
	Thueringen            Land = "TH"
)

var landNames = map[Land]string{
	BadenWuerttemberg: "Baden-Württemberg", Bayern: "Bayern", Berlin: "Berlin",
	Brandenburg: "Brandenburg", Bremen: "Bremen", Hamburg: "Hamburg", Hessen: "Hessen",
	MecklenburgVorpommern: "Mecklenburg-Vorpommern", Niedersachsen: "Niedersachsen",
	NordrheinWestfalen: "Nordrhein-Westfalen", RheinlandPfalz: "Rheinland-Pfalz",
	Saarland: "Saarland", Sachsen: "Sachsen", SachsenAnhalt: "Sachsen-Anhalt",
	SchleswigHolstein: "Schleswig-Holstein", Thueringen: "Thüringen",
}

// Laender returns the sixteen Länder in the order of their codes.
func Laender() []Land { return slices.Sorted(maps.Keys(landNames)) }

// Name returns the Land's German name, or "" for an unknown code.
func (l Land) Name() string { return landNames[l] }

// Germany returns the Calendar of public holidays in Germany: the
// nationwide holidays, and with a non-empty land also that Land's own.
// It returns an error wrapping ErrUnknownLand for a code that is not one of
// the sixteen Länder (accepted with or without the "DE-" prefix).
//
// Nationwide (every Land's holiday law lists them): Neujahr (1 January),
// Karfreitag, Ostermontag, Tag der Arbeit (1 May), Christi Himmelfahrt,
// Pfingstmontag, Tag der Deutschen Einheit (3 October, Einigungsvertrag
// Art. 2(2)), 1. and 2. Weihnachtstag (25 and 26 December), and the one-off
// Reformationstag on 31 October 2017 (500 years of the Reformation).
//
// Per Land:
//   - Heilige Drei Könige (6 January): BW, BY, ST.
//   - Internationaler Frauentag (8 March): BE since 2019, MV since 2023.
//   - Ostersonntag and Pfingstsonntag: BB. They are Sundays, which Art. 3(4)
//     of Regulation No 1182/71 treats alike, so they move no deadline.
//   - Fronleichnam (Easter + 60 days): BW, BY, HE, NW, RP, SL.
//   - Mariä Himmelfahrt (15 August): SL.
//   - Weltkindertag (20 September): TH since 2019.
//   - Reformationstag (31 October): BB, MV, SN, ST, TH; HB, HH, NI, SH since 2018.
//   - Allerheiligen (1 November): BW, BY, NW, RP, SL.
//   - Buß- und Bettag (the Wednesday before 23 November): SN.
//   - One-off: 8 May 2020 and 8 May 2025 in BE (75th and 80th anniversary of
//     the liberation from National Socialism).
//
// Holidays that hold only in part of a Land are not included, because
// counting a day off that is not one would make a deadline late: Mariä
// Himmelfahrt in the Bavarian communities with a predominantly Catholic
// population (Art. 1(1) no. 2 Bayerisches Feiertagsgesetz), the Augsburger
// Hohes Friedensfest (8 August, city of Augsburg), and Fronleichnam in the
// Catholic communities of Sachsen and Thüringen. A controller seated there
// adds them with Union and a HolidayList. The calendar reflects the law in
// force since 2017; it does not model earlier changes (the abolition of the
// nationwide Buß- und Bettag in 1995, for one), which predate the GDPR.
func Germany(land Land) (Calendar, error) {
	if len(land) == 5 && (land[:3] == "DE-" || land[:3] == "de-") {
		land = land[3:]
	}
	if len(land) == 2 {
		land = Land([]byte{upper(land[0]), upper(land[1])})
	}
	if land != "" && landNames[land] == "" {
		return nil, fmt.Errorf("%w %q (want one of the ISO 3166-2:DE codes BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH)", ErrUnknownLand, string(land))
	}
	return germany{land: land}, nil
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

type germany struct{ land Land }

// in reports whether the calendar's Land is one of ls.
func (g germany) in(ls ...Land) bool { return slices.Contains(ls, g.land) }

func (g germany) Holiday(d Date) (string, bool) {
	y := d.Year
	// The movable holidays fall between Karfreitag (22 March at the
	// earliest) and Fronleichnam (24 June at the latest).
	off := -1000
	if d.Month >= time.March && d.Month <= time.June {
		off = Easter(y).DaysUntil(d)
	}
	switch off {
	case -2:
		return "Karfreitag", true
	case 0:
		if g.in(Brandenburg) {
			return "Ostersonntag", true
		}
	case 1:
		return "Ostermontag", true
	case 39:
		return "Christi Himmelfahrt", true
	case 49:
		if g.in(Brandenburg) {
			return "Pfingstsonntag", true
		}
	case 50:
		return "Pfingstmontag", true
	case 60:
		if g.in(BadenWuerttemberg, Bayern, Hessen, NordrheinWestfalen, RheinlandPfalz, Saarland) {
			return "Fronleichnam", true
		}
	}
	switch d.Month {
	case time.January:
		switch {
		case d.Day == 1:
			return "Neujahr", true
		case d.Day == 6 && g.in(BadenWuerttemberg, Bayern, SachsenAnhalt):
			return "Heilige Drei Könige", true
		}
	case time.March:
		if d.Day == 8 && (g.in(Berlin) && y >= 2019 || g.in(MecklenburgVorpommern) && y >= 2023) {
			return "Internationaler Frauentag", true
		}
	case time.May:
		switch {
		case d.Day == 1:
			return "Tag der Arbeit", true
		case d.Day == 8 && g.in(Berlin) && (y == 2020 || y == 2025):
			return "Jahrestag der Befreiung vom Nationalsozialismus", true
		}
	case time.August:
		if d.Day == 15 && g.in(Saarland) {
			return "Mariä Himmelfahrt", true
		}
	case time.September:
		if d.Day == 20 && g.in(Thueringen) && y >= 2019 {
			return "Weltkindertag", true
		}
	case time.October:
		switch {
		case d.Day == 3:
			return "Tag der Deutschen Einheit", true
		case d.Day == 31 && (y == 2017 ||
			g.in(Brandenburg, MecklenburgVorpommern, Sachsen, SachsenAnhalt, Thueringen) ||
			g.in(Bremen, Hamburg, Niedersachsen, SchleswigHolstein) && y >= 2018):
			return "Reformationstag", true
		}
	case time.November:
		switch {
		case d.Day == 1 && g.in(BadenWuerttemberg, Bayern, NordrheinWestfalen, RheinlandPfalz, Saarland):
			return "Allerheiligen", true
		case g.in(Sachsen) && d == bussUndBettag(y):
			return "Buß- und Bettag", true
		}
	case time.December:
		switch d.Day {
		case 25:
			return "1. Weihnachtstag", true
		case 26:
			return "2. Weihnachtstag", true
		}
	}
	return "", false
}

// bussUndBettag returns the Wednesday before 23 November of year y (between
// 16 and 22 November).
func bussUndBettag(y int) Date {
	d := Date{Year: y, Month: time.November, Day: 22}
	back := (int(d.Weekday()) - int(time.Wednesday) + 7) % 7
	return d.AddDays(-back)
}
