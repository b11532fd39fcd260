package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/frist-go/frist/consent"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// Errors of the booking service, for errors.Is. Their messages never
// contain what a citizen entered.
var (
	// ErrNotFound: the appointment does not exist (any more).
	ErrNotFound = errors.New("booking: appointment not found")
	// ErrSlotTaken: the slot was booked up in the meantime.
	ErrSlotTaken = errors.New("booking: slot is fully booked")
	// ErrToken: an appointment link is malformed or was changed.
	ErrToken = errors.New("booking: invalid appointment link")
)

// The working hours in which slots are offered, in the controller's zone.
const (
	firstSlotHour = 8
	lastSlotHour  = 15 // the last slot starts at 15:30
	slotLength    = 30 * time.Minute
)

// Slot is a time at a place with the number of appointments still free.
type Slot struct {
	Place string
	Start time.Time
	Free  int
}

// Value is the slot's form value: place and start in Unix seconds.
func (s Slot) Value() string { return s.Place + "|" + strconv.FormatInt(s.Start.Unix(), 10) }

// Appointment is a booked appointment as the service stores it.
type Appointment struct {
	ID             int64
	Citizen        string // the booking's own random subject ID
	Place          string
	Start          time.Time
	BookedAt       time.Time
	Name           string
	BirthDate      string
	CustomerNumber string
	Concern        string
	Email          string
	FreeText       string
}

// Request is what a citizen enters in the booking form.
type Request struct {
	Slot           string
	Name           string
	Email          string
	BirthDate      string
	CustomerNumber string
	Concern        string
	FreeText       string
	// Consent is true when the consent box was ticked; TextSHA256 is the
	// hash of the consent text the form showed.
	Consent    bool
	TextSHA256 string
	// IP is the request's address, recorded in the ledger only as a keyed
	// pseudonym (evidence of the grant, Art. 7(1)).
	IP string
}

// FormError lists the form fields that are wrong, with a German message
// each. It never repeats what was entered.
type FormError map[string]string

// Error lists the fields.
func (e FormError) Error() string {
	names := make([]string, 0, len(e))
	for _, f := range []string{"slot", "name", "email", "birth_date", "customer_number", "concern", "free_text", "consent"} {
		if _, ok := e[f]; ok {
			names = append(names, f)
		}
	}
	return "booking: invalid form fields: " + strings.Join(names, ", ")
}

// Slots returns the slots of the next Horizon working days, from the day
// after today on, with the appointments still free at each place.
func (a *App) Slots(ctx context.Context) ([]Slot, error) {
	now := a.now().In(a.loc)
	var days []time.Time
	for d := 1; len(days) < a.horizon; d++ {
		day := time.Date(now.Year(), now.Month(), now.Day()+d, 0, 0, 0, 0, a.loc)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days = append(days, day)
		}
	}
	from, to := days[0], days[len(days)-1].AddDate(0, 0, 1)
	taken, err := a.taken(ctx, from, to)
	if err != nil {
		return nil, err
	}
	var slots []Slot
	for _, day := range days {
		for h := firstSlotHour; h <= lastSlotHour; h++ {
			for _, m := range []int{0, 30} {
				start := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, a.loc)
				for _, p := range a.places {
					slots = append(slots, Slot{Place: p, Start: start, Free: a.capacity - taken[p+"|"+sqlTime(start)]})
				}
			}
		}
	}
	return slots, nil
}

// taken counts the appointments per place and start in [from, to).
func (a *App) taken(ctx context.Context, from, to time.Time) (map[string]int, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT place, starts_at, COUNT(*) FROM appointments
		WHERE starts_at >= ? AND starts_at < ? GROUP BY place, starts_at`, sqlTime(from), sqlTime(to))
	if err != nil {
		return nil, fmt.Errorf("booking: reading slots: %w", err)
	}
	defer rows.Close()
	taken := map[string]int{}
	for rows.Next() {
		var place, at string
		var n int
		if err := rows.Scan(&place, &at, &n); err != nil {
			return nil, fmt.Errorf("booking: reading slots: %w", err)
		}
		taken[place+"|"+at] = n
	}
	return taken, rows.Err()
}

// parseSlot checks that v names a slot the service offers now.
func (a *App) parseSlot(v string) (place string, start time.Time, ok bool) {
	place, sec, found := strings.Cut(v, "|")
	if !found {
		return "", time.Time{}, false
	}
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	start = time.Unix(n, 0).In(a.loc)
	known := false
	for _, p := range a.places {
		known = known || p == place
	}
	now := a.now().In(a.loc)
	tomorrow := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, a.loc)
	onGrid := start.Second() == 0 && (start.Minute() == 0 || start.Minute() == 30) &&
		start.Hour() >= firstSlotHour && start.Hour() <= lastSlotHour &&
		start.Weekday() != time.Saturday && start.Weekday() != time.Sunday
	inRange := !start.Before(tomorrow) && start.Before(tomorrow.AddDate(0, 0, a.horizon*7/5+3))
	return place, start, known && onGrid && inRange
}

// validate checks the form and returns the normalised e-mail address and
// birth date.
func (a *App) validate(r *Request) (email string, birth time.Time, place string, start time.Time, err error) {
	fe := FormError{}
	var ok bool
	if place, start, ok = a.parseSlot(r.Slot); !ok {
		fe["slot"] = "Bitte wählen Sie einen der angebotenen Termine."
	}
	r.Name = strings.TrimSpace(r.Name)
	if n := utf8.RuneCountInString(r.Name); n < 2 || n > 100 {
		fe["name"] = "Bitte geben Sie Ihren Vor- und Nachnamen an (2 bis 100 Zeichen)."
	}
	if email, ok = normalizeEmail(r.Email); !ok {
		fe["email"] = "Bitte geben Sie eine gültige E-Mail-Adresse an."
	}
	b, berr := time.ParseInLocation("2006-01-02", strings.TrimSpace(r.BirthDate), a.loc)
	if berr != nil || b.Year() < 1900 || b.After(a.now()) {
		fe["birth_date"] = "Bitte geben Sie Ihr Geburtsdatum an."
	} else {
		birth = b
	}
	r.CustomerNumber = strings.TrimSpace(r.CustomerNumber)
	if n := len(r.CustomerNumber); n < 3 || n > 20 || strings.IndexFunc(r.CustomerNumber, func(c rune) bool {
		return !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '/')
	}) >= 0 {
		fe["customer_number"] = "Bitte geben Sie Ihre Kunden- oder BG-Nummer an (Ziffern, Buchstaben, - und /)."
	}
	r.Concern = strings.TrimSpace(r.Concern)
	if n := utf8.RuneCountInString(r.Concern); n < 1 || n > 500 {
		fe["concern"] = "Bitte beschreiben Sie Ihr Anliegen (bis 500 Zeichen)."
	}
	r.FreeText = strings.TrimSpace(r.FreeText)
	if utf8.RuneCountInString(r.FreeText) > 1000 {
		fe["free_text"] = "Ihre Anmerkungen sind länger als 1000 Zeichen."
	}
	if !r.Consent {
		fe["consent"] = "Ohne Ihre Einwilligung können wir den Termin nicht buchen."
	} else if r.TextSHA256 != a.consentHash {
		fe["consent"] = "Der Einwilligungstext hat sich geändert. Bitte lesen Sie ihn erneut und bestätigen Sie ihn."
	}
	if len(fe) > 0 {
		return "", time.Time{}, "", time.Time{}, fe
	}
	return email, birth, place, start, nil
}

// Book books an appointment. The consent box must be ticked for the text
// the form showed, and every booking records a grant of its own: "Sollten
// Sie unseren Service der Online-Terminbuchung erneut nutzen wollen, wird
// auch erneut Ihre Einwilligungserklärung benötigt."
//
// Every booking is a subject of its own, with a random citizen_id: the
// e-mail address in the form is not verified, and anyone can type anyone's
// address, so it must not join the booking to the bookings, the consent
// or the requests of whoever reads that address's mail. The booking is
// reached by its own links (Token, WithdrawalURL); the bookings of one
// address are reached together only once the address is verified
// (verify.go), through the keyed pseudonym of the address stored in
// email_key. A FormError says which fields are wrong; ErrSlotTaken that
// the slot filled up meanwhile.
func (a *App) Book(ctx context.Context, r Request) (Appointment, error) {
	email, birth, place, start, err := a.validate(&r)
	if err != nil {
		return Appointment{}, err
	}
	subject := "c-" + rand.Text()
	now := a.now()
	_, err = a.ledger.Grant(ctx, consent.Grant{
		Subject: subject, Purpose: purposeBooking, Version: a.consentVersion,
		TextSHA256: a.consentHash, Method: "web_form", BirthDate: birth, Evidence: r.IP, At: now,
	})
	if errors.Is(err, consent.ErrUnderAge) {
		return Appointment{}, FormError{"birth_date": "Unter 16 Jahren braucht die Buchung die Einwilligung einer sorgeberechtigten Person. Bitte vereinbaren Sie Ihren Termin telefonisch."}
	}
	if err != nil {
		return Appointment{}, err
	}
	ap := Appointment{
		Citizen: subject, Place: place, Start: start, BookedAt: now.Truncate(time.Second),
		Name: r.Name, BirthDate: birth.Format("2006-01-02"), CustomerNumber: r.CustomerNumber,
		Concern: r.Concern, Email: email, FreeText: r.FreeText,
	}
	// The transaction begins immediately (the DSN's _txlock=immediate), so
	// counting and inserting cannot interleave with another booking.
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return Appointment{}, fmt.Errorf("booking: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE place = ? AND starts_at = ?`,
		place, sqlTime(start)).Scan(&n); err != nil {
		return Appointment{}, fmt.Errorf("booking: %w", err)
	}
	if n >= a.capacity {
		return Appointment{}, ErrSlotTaken
	}
	var free any
	if ap.FreeText != "" {
		free = ap.FreeText
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO appointments
		(citizen_id, starts_at, booked_at, place, name, birth_date, customer_number, concern, email, email_key, free_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		subject, sqlTime(start), sqlTime(ap.BookedAt), place, ap.Name, ap.BirthDate, ap.CustomerNumber, ap.Concern, email, a.emailKey(email), free)
	if err != nil {
		return Appointment{}, fmt.Errorf("booking: storing the appointment: %w", err)
	}
	if ap.ID, err = res.LastInsertId(); err != nil {
		return Appointment{}, fmt.Errorf("booking: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Appointment{}, fmt.Errorf("booking: storing the appointment: %w", err)
	}
	return ap, nil
}

// Cancel cancels the appointment with id and deletes it at once through
// the engine: "Bei einer Terminstornierung ... werden die verarbeiteten
// personenbezogenen Daten sofort gelöscht." It returns ErrNotFound when
// the appointment no longer exists, and an error wrapping retention.ErrHeld
// when a legal hold keeps it.
func (a *App) Cancel(ctx context.Context, id int64) (*retention.Report, error) {
	rep, err := a.engine.Trigger(ctx, retention.Event{
		Kind: policy.EventCancelled, Dataset: datasetAppointment, Key: strconv.FormatInt(id, 10),
	})
	if err != nil {
		return rep, err
	}
	if rep.Processed() == 0 {
		return rep, ErrNotFound
	}
	return rep, nil
}

const appointmentColumns = `id, citizen_id, place, starts_at, booked_at, name, birth_date, customer_number, concern, email, COALESCE(free_text, '')`

func scanAppointment(sc interface{ Scan(...any) error }) (Appointment, error) {
	var ap Appointment
	var start, booked string
	var name, birth, cust, concern, email sql.NullString
	if err := sc.Scan(&ap.ID, &ap.Citizen, &ap.Place, &start, &booked, &name, &birth, &cust, &concern, &email, &ap.FreeText); err != nil {
		return ap, err
	}
	ap.Name, ap.BirthDate, ap.CustomerNumber, ap.Concern, ap.Email = name.String, birth.String, cust.String, concern.String, email.String
	var err error
	if ap.Start, err = parseSQLTime(start); err != nil {
		return ap, err
	}
	ap.BookedAt, err = parseSQLTime(booked)
	return ap, err
}

// Appointment returns the appointment with id, or ErrNotFound.
func (a *App) Appointment(ctx context.Context, id int64) (Appointment, error) {
	ap, err := scanAppointment(a.db.QueryRowContext(ctx, `SELECT `+appointmentColumns+` FROM appointments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ap, ErrNotFound
	}
	if err != nil {
		return ap, fmt.Errorf("booking: reading appointment: %w", err)
	}
	ap.Start = ap.Start.In(a.loc)
	return ap, nil
}

// Day returns the appointments on day's date in the controller's zone,
// ordered by time and place.
func (a *App) Day(ctx context.Context, day time.Time) ([]Appointment, error) {
	d := day.In(a.loc)
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, a.loc)
	rows, err := a.db.QueryContext(ctx, `SELECT `+appointmentColumns+` FROM appointments
		WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, place, id`, sqlTime(from), sqlTime(from.AddDate(0, 0, 1)))
	if err != nil {
		return nil, fmt.Errorf("booking: reading the day: %w", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		ap, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("booking: reading the day: %w", err)
		}
		ap.Start = ap.Start.In(a.loc)
		out = append(out, ap)
	}
	return out, rows.Err()
}

// Token returns the signed token of the appointment links: the ID and a
// keyed MAC of it, so that nobody can cancel or read another appointment
// by counting IDs.
func (a *App) Token(id int64) string {
	s := strconv.FormatInt(id, 10)
	return s + "." + a.keys.Tokens.Pseudonym("appointment:"+s)
}

// ParseToken checks a token made by Token and returns the appointment ID,
// or ErrToken.
func (a *App) ParseToken(tok string) (int64, error) {
	s, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return 0, ErrToken
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || !a.keys.Tokens.Verify("appointment:"+s, mac) {
		return 0, ErrToken
	}
	return id, nil
}

// WithdrawalURL returns the signed withdrawal link of the booking whose
// subject is citizen, valid for a year, under the configured base URL.
func (a *App) WithdrawalURL(ctx context.Context, citizen string) (string, error) {
	return a.ledger.WithdrawalURL(ctx, a.baseURL+"/widerruf", citizen, purposeBooking, a.now().AddDate(1, 0, 0))
}
