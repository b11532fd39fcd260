package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retentiontest"
)

// "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb
// von zwei Wochen gelöscht."
func TestAppointmentIsDeletedTwoWeeksAfterItTookPlace(t *testing.T) {
	a := newTestApp(t, nil)
	ap := a.book(t, "erika@example.org")
	retentiontest.RequireDeletedBy(context.Background(), t, a.clock, a.Engine(), a.Store(), "appointment",
		strconv.FormatInt(ap.ID, 10), ap.Start.AddDate(0, 0, 14))
}

// "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben
// Tagen gespeichert bleiben ..." and "Die personalisierten Daten werden
// sieben Tage gespeichert und danach gelöscht."
func TestAccessLogRowIsDeletedSevenDaysAfterTheRequest(t *testing.T) {
	a := newTestApp(t, nil)
	require.NoError(t, a.logRequest(context.Background(), a.clock.Now(), "203.0.113.77", "Firefox", "/"))
	retentiontest.RequireDeletedBy(context.Background(), t, a.clock, a.Engine(), a.Store(), "access_log", "1",
		testStart.AddDate(0, 0, 7))
}

// "... und wird danach anonymisiert." The Jobcenter declaration deletes
// the whole row at the same deadline, so a masked IP address is never
// seen there; with the deletion rule taken out, the anonymizing rule alone
// must mask the address by day seven and leave the rest of the row. This
// pins the rule for a service that keeps masked rows for the statistics
// the notice mentions ("statistischen Auswertung").
func TestAccessLogIPIsMaskedSevenDaysAfterTheRequest(t *testing.T) {
	deletion := "- {after: 7d, from: requested_at, delete: true}"
	decl := loadJobcenter(t, func(s string) string {
		require.Contains(t, s, deletion)
		return strings.Replace(s, deletion, "", 1)
	})
	a := newTestApp(t, decl)
	require.NoError(t, a.logRequest(context.Background(), a.clock.Now(), "203.0.113.77", "Firefox", "/datenschutz"))
	retentiontest.RequireAnonymizedBy(context.Background(), t, a.clock, a.Engine(), a.Store(), "access_log", "1",
		testStart.AddDate(0, 0, 7))
	row, ok, err := a.Store().Get(context.Background(), "access_log", "1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "203.0.113.0", row["ip"], "ip_mask(v4=1) keeps the network, not the host")
}

// "Bei einer Terminstornierung ... werden die verarbeiteten
// personenbezogenen Daten sofort gelöscht."
func TestCancellationDeletesTheAppointmentAtOnce(t *testing.T) {
	a := newTestApp(t, nil)
	ap := a.book(t, "erika@example.org")
	other := a.book(t, "max@example.org")
	rep, err := a.Cancel(context.Background(), ap.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Processed())
	_, err = a.Appointment(context.Background(), ap.ID)
	require.ErrorIs(t, err, ErrNotFound, "deleted in the same call, without waiting for a sweep")
	_, err = a.Appointment(context.Background(), other.ID)
	require.NoError(t, err, "other appointments stay")
	_, err = a.Cancel(context.Background(), ap.ID)
	require.ErrorIs(t, err, ErrNotFound, "cancelling twice says the appointment is gone")
}

// "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits
// gebuchte Termine ebenfalls alle gelöscht werden." and "Sollten Sie
// unseren Service der Online-Terminbuchung erneut nutzen wollen, wird auch
// erneut Ihre Einwilligungserklärung benötigt."
// "Bitte beachten Sie, dass im Fall eines Widerrufs von Ihnen bereits
// gebuchte Termine ebenfalls alle gelöscht werden.": with the address
// verified, one withdrawal ends the consent of every booking made with it
// and deletes them all; another citizen's stays. Booking again records a
// new grant.
func TestVerifiedWithdrawalDeletesEveryAppointmentAndBookingAgainNeedsNewConsent(t *testing.T) {
	ctx := context.Background()
	a := newTestApp(t, nil)
	c := newClient(t, a)
	first := a.book(t, "erika@example.org")
	second := a.book(t, "Erika@Example.org") // the same address: ASCII letters are compared in lower case
	other := a.book(t, "max@example.org")

	tok := a.verifyLink(t, c, verifyWithdrawal, "erika@example.org")
	res, body := c.do(http.MethodPost, "/bestaetigen", url.Values{"t": {tok}}, false)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "2 Termine wurden sofort gelöscht")
	for _, ap := range []Appointment{first, second} {
		assert.Zero(t, a.count(t, "appointments", "id = ?", ap.ID))
		valid, err := a.Ledger().Valid(ctx, ap.Citizen, purposeBooking, a.clock.Now())
		require.NoError(t, err)
		assert.False(t, valid)
	}
	_, err := a.Appointment(ctx, other.ID)
	require.NoError(t, err, "another citizen's appointment stays")

	slots, err := a.Slots(ctx)
	require.NoError(t, err)
	req := a.request(slots[1], "erika@example.org")
	req.Consent = false
	_, err = a.Book(ctx, req)
	var fe FormError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "consent")

	a.clock.Advance(time.Minute)
	again, err := a.Book(ctx, a.request(slots[1], "erika@example.org"))
	require.NoError(t, err)
	hist, err := a.Ledger().History(ctx, again.Citizen, purposeBooking)
	require.NoError(t, err)
	require.Len(t, hist, 1, "the new booking recorded a new grant")
	assert.NotContains(t, hist[0].Evidence, "203.0.113.77", "the IP address is kept only as a keyed pseudonym")
}

func TestBookingRefusesBadInputNamingEachField(t *testing.T) {
	a := newTestApp(t, nil)
	slots, err := a.Slots(context.Background())
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		edit  func(*Request)
		field string
	}{
		"no slot":             {func(r *Request) { r.Slot = "" }, "slot"},
		"slot not offered":    {func(r *Request) { r.Slot = "Kaltenkirchen|1" }, "slot"},
		"unknown place":       {func(r *Request) { r.Slot = "Mars|" + strings.Split(slots[0].Value(), "|")[1] }, "slot"},
		"no name":             {func(r *Request) { r.Name = " " }, "name"},
		"bad e-mail":          {func(r *Request) { r.Email = "erika(at)example.org" }, "email"},
		"birth in the future": {func(r *Request) { r.BirthDate = "2030-01-01" }, "birth_date"},
		// No age case: the booking is not an information-society service
		// offered directly to children, so Art. 8(1) sets no age for it
		// (examples/policies/jobcenter.yaml).
		"bad customer number": {func(r *Request) { r.CustomerNumber = "12 34<script>" }, "customer_number"},
		"no concern":          {func(r *Request) { r.Concern = "" }, "concern"},
		"no consent":          {func(r *Request) { r.Consent = false }, "consent"},
		"other consent text":  {func(r *Request) { r.TextSHA256 = strings.Repeat("0", 64) }, "consent"},
	} {
		t.Run(name, func(t *testing.T) {
			req := a.request(slots[0], "erika@example.org")
			tc.edit(&req)
			_, err := a.Book(context.Background(), req)
			var fe FormError
			require.ErrorAs(t, err, &fe)
			assert.Contains(t, fe, tc.field)
			assert.NotContains(t, err.Error(), "erika", "errors never repeat what was entered")
			assert.Zero(t, a.count(t, "appointments", "1 = 1"))
		})
	}
}

func TestSlotTakesNoMoreThanItsCapacity(t *testing.T) {
	a := newTestApp(t, nil)
	slots, err := a.Slots(context.Background())
	require.NoError(t, err)
	for i := range 2 {
		_, err := a.Book(context.Background(), a.request(slots[0], strconv.Itoa(i)+"@example.org"))
		require.NoError(t, err)
	}
	_, err = a.Book(context.Background(), a.request(slots[0], "third@example.org"))
	require.ErrorIs(t, err, ErrSlotTaken)
	slots, err = a.Slots(context.Background())
	require.NoError(t, err)
	assert.Zero(t, slots[0].Free)
}

func TestAppointmentTokensCannotBeForged(t *testing.T) {
	a := newTestApp(t, nil)
	tok := a.Token(42)
	id, err := a.ParseToken(tok)
	require.NoError(t, err)
	assert.EqualValues(t, 42, id)
	for _, bad := range []string{"", "42", "43" + tok[2:], tok + "x", "-1." + strings.SplitN(tok, ".", 2)[1]} {
		_, err := a.ParseToken(bad)
		assert.ErrorIs(t, err, ErrToken, bad)
	}
}
