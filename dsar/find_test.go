package dsar_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/dsar"
	"github.com/frist-go/frist/policy"
)

// booking inserts an appointment of subject with email and customer
// number.
func (f *fixture) booking(id int, subject, email, customer string) {
	f.insert("appointment", map[string]any{
		"id": int64(id), "citizen_id": subject, "starts_at": f.now.Add(24 * time.Hour),
		"booked_at": f.now, "place": "Kaltenkirchen", "name": "E. M.",
		"email": email, "customer_number": customer,
	})
}

// Find answers by what the person knows: any declared identifier, in the
// normal form of its kind, finds the subjects of the records that hold it,
// and nothing of anyone else. (Broken by searching the value as typed: the
// address in another case found nothing, and the operator would have
// answered that no data is held.)
func TestFindLooksUpEveryDeclaredIdentifier(t *testing.T) {
	f := newFixture(t, "jobcenter", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	f.booking(1, "c-1", "erika@example.org", "123-456789")
	f.booking(2, "c-2", "erika@example.org", "123-456789")
	f.booking(3, "c-3", "max@example.org", "987-654321")

	m, err := f.svc.Find(f.ctx, policy.FormEmail, " Erika@Example.ORG ", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-1", "c-2"}, m.Subjects)
	assert.Equal(t, []string{"appointment.email"}, m.Searched)

	m, err = f.svc.Find(f.ctx, policy.FormExact, "987-654321", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"c-3"}, m.Subjects)

	m, err = f.svc.Find(f.ctx, policy.FormEmail, "nobody@example.org", nil)
	require.NoError(t, err, "nothing found is no error")
	assert.Empty(t, m.Subjects)
	assert.NotEmpty(t, m.Searched, "the operator is told where nothing was found")

	m, err = f.svc.Find(f.ctx, policy.FormEmail, "\u212Aax@example.org", nil)
	require.NoError(t, err)
	assert.Empty(t, m.Subjects, "Unicode case folding merges no addresses")
}

// Bad input: a form the declaration does not declare, and a value not of
// the form, are errors naming what is wrong, never the value.
func TestFindRefusesUndeclaredFormsAndMalformedValues(t *testing.T) {
	f := newFixture(t, "jobcenter", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	_, err := f.svc.Find(f.ctx, policy.FormPhone, "+49 4191 123456", nil)
	require.ErrorIs(t, err, dsar.ErrUndeclaredIdentifier)
	assert.Contains(t, err.Error(), "declared: email, exact")
	assert.NotContains(t, err.Error(), "4191")
	_, err = f.svc.Find(f.ctx, policy.FormEmail, "Erika Mustermann", nil)
	require.ErrorIs(t, err, policy.ErrIdentifier)
	assert.NotContains(t, err.Error(), "Mustermann")
}

// A subject column derived as a keyed pseudonym of the e-mail address is
// found by deriving it with the key ring the declaration names; without
// that ring, Find says which ring is missing.
func TestFindDerivesAPseudonymousSubjectKey(t *testing.T) {
	raw := strings.Replace(jobcenterText(t), "    identifiers:\n", "    subject_key: {from: email, pseudonym: subjects}\n    identifiers:\n", 1)
	decl, err := policy.Load(strings.NewReader(raw), "jobcenter.yaml")
	require.NoError(t, err)
	f := newFixtureDecl(t, decl, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	ring, err := anonymize.NewKeyRing(anonymize.Key{ID: "subjects1", Secret: []byte("subject key ring of the application!")})
	require.NoError(t, err)
	key := ring.Pseudonym("erika@example.org")
	f.booking(1, key, "", "")

	m, err := f.svc.Find(f.ctx, policy.FormEmail, "ERIKA@example.org", map[string]*anonymize.KeyRing{"subjects": ring})
	require.NoError(t, err)
	assert.Equal(t, []string{key}, m.Subjects)
	assert.Contains(t, m.Searched, "appointment.citizen_id (keyed pseudonym)")

	_, err = f.svc.Find(f.ctx, policy.FormEmail, "erika@example.org", nil)
	require.ErrorIs(t, err, dsar.ErrInvalid)
	assert.Contains(t, err.Error(), `key ring "subjects"`)
}

// jobcenterText is the example declaration's YAML.
func jobcenterText(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../examples/policies/jobcenter.yaml")
	require.NoError(t, err)
	return string(raw)
}
