package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// simMailbox is the simulation's Mailer: it keeps the link of the last
// mail to each address.
type simMailbox struct{ links map[string]string }

var mailLink = regexp.MustCompile(`https://\S+/bestaetigen\?t=\S+`)

// Send implements Mailer.
func (m *simMailbox) Send(_ context.Context, to, _, body string) error {
	if m.links == nil {
		m.links = map[string]string{}
	}
	m.links[to] = mailLink.FindString(body)
	return nil
}

// take returns and forgets the link last mailed to to.
func (m *simMailbox) take(to string) (string, bool) {
	l, ok := m.links[to]
	delete(m.links, to)
	return l, ok && l != ""
}

// simCitizen is a person in the simulation.
type simCitizen struct {
	n          int
	name       string
	email      string
	birth      string
	customer   string
	ip         string
	appts      []*simAppt
	withdrawOn bool // a withdrawal is scheduled
	withdrawn  bool // consent was withdrawn; booking again needs a new grant
	noEvents   bool // under a hold: neither withdraws nor books again
}

// simAppt is a booked appointment.
type simAppt struct {
	key     string
	token   string
	subject string // the booking's own subject
	citizen *simCitizen
	start   time.Time
}

type simKind int

const (
	evBook simKind = iota
	evVisit
	evCancel
	evWithdraw
	evHolds
	evRelease
	evHoldEnds
)

// simEvent is one thing a citizen or the office does.
type simEvent struct {
	at      time.Time
	seq     int
	kind    simKind
	citizen *simCitizen
	appt    *simAppt
	holdIDs []string
}

var (
	firstNames = []string{"Anna", "Ben", "Clara", "Deniz", "Elif", "Finn", "Greta", "Hamid", "Ida", "Jonas", "Katarzyna", "Lars", "Mia", "Noah", "Olga", "Paul", "Rania", "Sven", "Tanja", "Yusuf"}
	lastNames  = []string{"Schmidt", "Yilmaz", "Petersen", "Nowak", "Hansen", "Jensen", "Kaya", "Meyer", "Schulz", "Wagner", "Becker", "Hoffmann", "Lange", "Krüger", "Popescu", "Thomsen"}
	concerns   = []string{"Antrag auf Bürgergeld", "Weiterbewilligung", "Bewerbungsunterlagen", "Fragen zum Bescheid", "Kinderzuschlag und Wohngeld", "Weiterbildung", "Gesundheitliche Einschränkungen bei der Arbeitssuche", "Umzug in den Kreis"}
	visitPaths = []string{"/", "/datenschutz", "/style.css", "/datenschutz", "/style.css"}
)

// plan creates the citizens and schedules the bookings, page visits and
// holds; cancellations and withdrawals are scheduled when a booking
// succeeds.
func (s *sim) plan() {
	r := s.rng
	for i := range s.cfg.Citizens {
		c := &simCitizen{
			n:        i + 1,
			name:     firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))],
			email:    fmt.Sprintf("buerger%05d@example.org", i+1),
			birth:    fmt.Sprintf("%04d-%02d-%02d", 1950+r.IntN(58), 1+r.IntN(12), 1+r.IntN(28)),
			customer: fmt.Sprintf("%03d-%06d", 100+r.IntN(800), r.IntN(1000000)),
		}
		if r.IntN(4) == 0 {
			c.ip = fmt.Sprintf("2001:db8:%x:%x::%x", r.IntN(0x10000), r.IntN(0x10000), 1+r.IntN(0xffff))
		} else {
			c.ip = fmt.Sprintf("%d.%d.%d.%d", 80+r.IntN(100), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		}
		s.citizens = append(s.citizens, c)
	}
	// About 1.2 bookings per citizen in three weeks, fewer at weekends.
	perDay := float64(s.cfg.Citizens) * 1.2 / 21
	for d := range s.cfg.Days {
		day := s.cfg.Start.In(s.loc).AddDate(0, 0, d)
		n := perDay
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			n *= 0.3
		}
		for range int(n) {
			s.schedule(&simEvent{at: s.daytime(day), kind: evBook})
		}
		for range 150 {
			s.schedule(&simEvent{at: s.daytime(day), kind: evVisit})
		}
	}
	if s.cfg.Days > 4 {
		holdAt := time.Date(s.cfg.Start.Year(), s.cfg.Start.Month(), s.cfg.Start.Day()+4, 10, 0, 0, 0, s.loc)
		s.schedule(&simEvent{at: holdAt, kind: evHolds})
	}
}

// daytime is a random second between 07:00 and 21:00 on day, but not
// before the start.
func (s *sim) daytime(day time.Time) time.Time {
	t := time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, s.loc).Add(time.Duration(s.rng.IntN(14*3600)) * time.Second)
	if t.Before(s.cfg.Start) {
		t = s.cfg.Start.Add(time.Duration(s.rng.IntN(3600)) * time.Second)
	}
	return t
}

// do runs one event at the clock's time.
func (s *sim) do(e *simEvent) error {
	switch e.kind {
	case evBook:
		return s.book(e.citizen)
	case evVisit:
		c := s.citizens[s.rng.IntN(len(s.citizens))]
		_, err := s.request(c, http.MethodGet, visitPaths[s.rng.IntN(len(visitPaths))], nil)
		return err
	case evCancel:
		return s.cancel(e.appt)
	case evWithdraw:
		return s.withdraw(e.citizen)
	case evHolds:
		return s.placeHolds()
	case evRelease:
		for _, id := range e.holdIDs {
			if err := s.app.Engine().ReleaseHold(s.ctx, id); err != nil {
				return err
			}
		}
		for _, key := range e.appt.citizen.keys() {
			s.release(key, e.at)
		}
		s.day.released += len(e.holdIDs)
		return nil
	case evHoldEnds:
		for _, key := range e.citizen.keys() {
			s.release(key, e.at)
		}
		s.day.released++
		return nil
	}
	return fmt.Errorf("booking: unknown simulation event %d", e.kind)
}

func (c *simCitizen) keys() []string {
	out := make([]string, len(c.appts))
	for i, a := range c.appts {
		out[i] = a.key
	}
	return out
}

// request sends one request through the service's handler from c's
// address and accounts for its access-log row.
func (s *sim) request(c *simCitizen, method, target string, form url.Values) (*httptest.ResponseRecorder, error) {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequestWithContext(s.ctx, method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequestWithContext(s.ctx, method, target, nil)
	}
	req.Host = "termine.example"
	req.RemoteAddr = "[" + c.ip + "]:50000"
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	w := httptest.NewRecorder()
	s.app.Handler().ServeHTTP(w, req)
	s.logRows++
	s.res.Requests++
	s.day.requests++
	return w, s.track(datasetLog, strconv.Itoa(s.logRows))
}

var withdrawLink = regexp.MustCompile(`id="withdraw-link" href="([^"]+)"`)

// book books an appointment for c, a new citizen when c is nil or a
// returning one, through the form's POST and the confirmation page.
func (s *sim) book(c *simCitizen) error {
	r := s.rng
	if c == nil {
		if s.fresh < len(s.citizens) && r.IntN(5) > 0 {
			c = s.citizens[s.fresh]
			s.fresh++
		} else {
			c = s.citizens[r.IntN(max(s.fresh, 1))]
			if c.noEvents || c.withdrawOn {
				return nil
			}
		}
	}
	now := s.clock.Now().In(s.loc)
	for attempt := 0; attempt < 5; attempt++ {
		day := time.Date(now.Year(), now.Month(), now.Day()+1+r.IntN(8), 0, 0, 0, 0, s.loc)
		for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			day = day.AddDate(0, 0, 1)
		}
		start := day.Add(time.Duration(firstSlotHour)*time.Hour + time.Duration(r.IntN(16))*slotLength)
		start = time.Date(day.Year(), day.Month(), day.Day(), start.Hour(), start.Minute(), 0, 0, s.loc)
		slot := Slot{Place: s.app.places[r.IntN(len(s.app.places))], Start: start}
		form := url.Values{
			"slot": {slot.Value()}, "name": {c.name}, "email": {c.email}, "birth_date": {c.birth},
			"customer_number": {c.customer}, "concern": {concerns[r.IntN(len(concerns))]},
			"consent": {"yes"}, "consent_sha256": {s.app.consentHash},
		}
		w, err := s.request(c, http.MethodPost, "/buchen", form)
		if err != nil {
			return err
		}
		if w.Code == http.StatusConflict {
			continue // the slot filled up; pick another
		}
		if w.Code != http.StatusSeeOther {
			s.res.Refused++
			s.day.refused++
			return nil
		}
		loc := w.Header().Get("Location")
		conf, err := s.request(c, http.MethodGet, loc, nil)
		if err != nil {
			return err
		}
		u, err := url.Parse(loc)
		if err != nil {
			return err
		}
		id, err := s.app.ParseToken(u.Query().Get("t"))
		if err != nil || conf.Code != http.StatusOK {
			s.res.Failures = append(s.res.Failures, fmt.Sprintf("a booking at %s was not confirmed (status %d)", stamp(now), conf.Code))
			return nil
		}
		if withdrawLink.FindStringSubmatch(conf.Body.String()) == nil {
			s.res.Failures = append(s.res.Failures, "a confirmation page has no withdrawal link")
			return nil
		}
		ap, err := s.app.Appointment(s.ctx, id)
		if err != nil {
			return err
		}
		// "Sollten Sie unseren Service der Online-Terminbuchung erneut
		// nutzen wollen, wird auch erneut Ihre Einwilligungserklärung
		// benötigt.": every booking records a grant of its own.
		valid, err := s.app.Ledger().Valid(s.ctx, ap.Citizen, purposeBooking, s.clock.Now())
		if err != nil {
			return err
		}
		if !valid {
			s.res.Failures = append(s.res.Failures, fmt.Sprintf("a booking at %s recorded no consent", stamp(now)))
		}
		if c.withdrawn {
			c.withdrawn = false
			s.res.Rebookings++
		}
		a := &simAppt{key: strconv.FormatInt(id, 10), token: u.Query().Get("t"), subject: ap.Citizen, citizen: c, start: start}
		c.appts = append(c.appts, a)
		s.appts[a.key] = a
		s.res.Bookings++
		s.day.bookings++
		if err := s.track(datasetAppointment, a.key); err != nil {
			return err
		}
		// 12 % cancel before the appointment; 3 % of citizens withdraw
		// their consent within a week, and a third of them book again
		// with new consent a few days later.
		if r.IntN(100) < 12 {
			s.schedule(&simEvent{at: now.Add(time.Duration(r.Int64N(int64(start.Sub(now))))), kind: evCancel, appt: a})
		}
		if !c.withdrawOn && !c.noEvents && r.IntN(100) < 3 {
			c.withdrawOn = true
			s.schedule(&simEvent{at: now.Add(time.Duration(r.Int64N(int64(7 * 24 * time.Hour)))), kind: evWithdraw, citizen: c})
		}
		return nil
	}
	return nil
}

// cancel cancels a through the cancellation page and checks that the
// appointment is gone in the same request.
func (s *sim) cancel(a *simAppt) error {
	if _, ok := s.appts[a.key]; !ok {
		return nil // withdrawn meanwhile
	}
	c := a.citizen
	if _, err := s.request(c, http.MethodGet, "/absagen?t="+url.QueryEscape(a.token), nil); err != nil {
		return err
	}
	w, err := s.request(c, http.MethodPost, "/absagen", url.Values{"t": {a.token}})
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(a.key, 10, 64)
	if _, err := s.app.Appointment(s.ctx, id); w.Code != http.StatusOK || !errors.Is(err, ErrNotFound) {
		s.res.Failures = append(s.res.Failures, fmt.Sprintf("cancelling appointment %s at %s: status %d, not deleted at once", a.key, stamp(s.clock.Now()), w.Code))
		return nil
	}
	delete(s.appts, a.key)
	c.drop(a.key)
	s.res.Cancellations++
	s.day.cancelled++
	return nil
}

func (c *simCitizen) drop(key string) {
	for i, a := range c.appts {
		if a.key == key {
			c.appts = append(c.appts[:i], c.appts[i+1:]...)
			return
		}
	}
}

// withdraw withdraws c's consent for all of c's appointments: c asks for
// a verification link by e-mail, opens it (GET asks, POST withdraws), and
// all of c's appointments must be gone in that request: "Bitte beachten
// Sie, dass im Fall eines Widerrufs von Ihnen bereits gebuchte Termine
// ebenfalls alle gelöscht werden."
func (s *sim) withdraw(c *simCitizen) error {
	c.withdrawOn = false
	c.withdrawn = true
	fail := func(format string, args ...any) error {
		s.res.Failures = append(s.res.Failures, fmt.Sprintf("withdrawal at %s: ", stamp(s.clock.Now()))+fmt.Sprintf(format, args...))
		return nil
	}
	w, err := s.request(c, http.MethodPost, "/nachweis", url.Values{"art": {string(verifyWithdrawal)}, "email": {c.email}})
	if err != nil {
		return err
	}
	link, ok := s.mails.take(c.email)
	if w.Code != http.StatusOK || !ok {
		return fail("status %d, mail sent: %v", w.Code, ok)
	}
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	if _, err := s.request(c, http.MethodGet, u.RequestURI(), nil); err != nil {
		return err
	}
	w, err = s.request(c, http.MethodPost, u.Path, url.Values{"t": {u.Query().Get("t")}})
	if err != nil {
		return err
	}
	for _, a := range c.appts {
		var left int
		if err := s.db.QueryRowContext(s.ctx, `SELECT COUNT(*) FROM appointments WHERE citizen_id = ?`, a.subject).Scan(&left); err != nil {
			return err
		}
		valid, err := s.app.Ledger().Valid(s.ctx, a.subject, purposeBooking, s.clock.Now())
		if err != nil {
			return err
		}
		if w.Code != http.StatusOK || left != 0 || valid {
			return fail("status %d, appointment %s left: %v, consent still valid: %v", w.Code, a.key, left != 0, valid)
		}
	}
	for _, a := range c.appts {
		delete(s.appts, a.key)
	}
	s.res.Withdrawals++
	s.res.WithdrawnAppointments += len(c.appts)
	s.day.withdrawn += len(c.appts)
	c.appts = nil
	// A third book again a few days later, which needs new consent.
	if s.rng.IntN(3) == 0 {
		s.schedule(&simEvent{at: s.clock.Now().Add(time.Duration(24+s.rng.IntN(72)) * time.Hour), kind: evBook, citizen: c})
	}
	return nil
}

// placeHolds places legal holds as an office would when a citizen
// disputes a decision: three appointments that have taken place are kept
// for legal claims (Art. 17(3)(e)) until the office releases them on the
// 18th day, and one citizen's records are restricted (Art. 18) until the
// 17th day at noon, a hold that ends by itself.
func (s *sim) placeHolds() error {
	now := s.clock.Now()
	var cands []*simCitizen
	for _, c := range s.citizens[:s.fresh] {
		if len(c.appts) == 1 && !c.withdrawOn && c.appts[0].start.Before(now) {
			cands = append(cands, c)
		}
		if len(cands) == 4 {
			break
		}
	}
	if len(cands) < 4 {
		return nil
	}
	release := time.Date(s.cfg.Start.Year(), s.cfg.Start.Month(), s.cfg.Start.Day()+17, 10, 0, 0, 0, s.loc)
	for _, c := range cands[:3] {
		c.noEvents = true
		h, err := s.app.Engine().PlaceHold(s.ctx, retention.HoldRequest{
			Dataset: datasetAppointment, Key: c.appts[0].key, Reason: store.HoldLegalClaims,
			Note: "Widerspruchsverfahren gegen einen Bescheid",
		})
		if err != nil {
			return err
		}
		s.held[c.appts[0].key] = time.Time{}
		s.schedule(&simEvent{at: release, kind: evRelease, appt: c.appts[0], holdIDs: []string{h.ID}})
	}
	c := cands[3]
	c.noEvents = true
	until := time.Date(s.cfg.Start.Year(), s.cfg.Start.Month(), s.cfg.Start.Day()+16, 12, 0, 30, 0, s.loc)
	if _, err := s.app.Engine().PlaceHold(s.ctx, retention.HoldRequest{
		Subject: c.appts[0].subject, Reason: store.HoldRestriction, Until: until,
		Note: "Einschränkung der Verarbeitung, solange die Richtigkeit bestritten wird",
	}); err != nil {
		return err
	}
	s.held[c.appts[0].key] = until
	s.schedule(&simEvent{at: until, kind: evHoldEnds, citizen: c})
	s.res.Holds = 4
	s.day.placed += 4
	return nil
}
