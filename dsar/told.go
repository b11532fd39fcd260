package dsar

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
)

// RecipientTold is one communication to a recipient of an erasure,
// rectification or restriction of the subject's data (Art. 19 GDPR): what
// the audit entry that Erase, Rectify or Restrict wrote for it says, and
// nothing more. It does not say which data the recipient received.
type RecipientTold struct {
	// Recipient is the recipient's ID in the declaration.
	Recipient string `json:"recipient"`
	// Name is the recipient's name in the declaration; empty when the
	// declaration no longer names it.
	Name policy.Text `json:"name"`
	// Change is Erasure, Rectification or Restriction.
	Change Kind `json:"change"`
	// Request is the subject's request that made the change.
	Request uuid.UUID `json:"request"`
	// At is when the change was made; the recipient was told, or the
	// attempt failed, right after it.
	At      time.Time      `json:"at"`
	Outcome notify.Outcome `json:"outcome"`
}

// The notes of the dsar.notify entries. Service.audit prefixes them with
// "request <ID> (<kind>): "; toldNote parses the whole note back.
const (
	toldSuffix         = " told (Art. 19)"
	byControllerSuffix = " to be told by the controller (Art. 19): no notifier is configured"
	notToldInfix       = " NOT told (Art. 19): "
)

// notifyNote is the note of the dsar.notify entry for recipient rid.
func notifyNote(rid string, o notify.Outcome, err error) string {
	switch o {
	case notify.Told:
		return "recipient " + rid + toldSuffix
	case notify.ByController:
		return "recipient " + rid + byControllerSuffix
	}
	return "recipient " + rid + notToldInfix + err.Error()
}

var notifyNoteRE = regexp.MustCompile(`^request ([0-9a-f-]{36}) \((erasure|rectification|restriction)\): recipient (\S+)(` +
	regexp.QuoteMeta(toldSuffix) + `$|` + regexp.QuoteMeta(byControllerSuffix) + `$|` + regexp.QuoteMeta(notToldInfix) + `)`)

// toldNote parses the note of a dsar.notify entry; ok is false for a note
// of another form.
func toldNote(note string) (t RecipientTold, ok bool) {
	m := notifyNoteRE.FindStringSubmatch(note)
	if m == nil {
		return t, false
	}
	id, err := uuid.Parse(m[1])
	if err != nil {
		return t, false
	}
	kind, err := ParseKind(m[2])
	if err != nil {
		return t, false
	}
	t = RecipientTold{Recipient: m[3], Change: kind, Request: id}
	switch m[4] {
	case toldSuffix:
		t.Outcome = notify.Told
	case byControllerSuffix:
		t.Outcome = notify.ByController
	default:
		t.Outcome = notify.NotTold
	}
	return t, true
}

// auditPage is how many audit entries recipientsTold reads at a time.
const auditPage = 1000

// recipientsTold returns, oldest first, the communications to recipients
// of changes to subject's data (Art. 19), from the audit log. The log is
// the one record of them: a request record keeps only that the request was
// completed, not whom it was told to (that is in the Receipt, returned
// once). The log names the subject only by a keyed pseudonym, so the
// subject's erasure leaves it, and it is kept as the declaration's
// records.audit says (by default as long as the request records); the list
// goes with the entries it comes from. An entry counts only when it is a
// dsar.notify entry that names exactly one subject, a pseudonym of subject
// under a key of ServiceOptions.AuditKey, and whose note has the form
// notify writes: entries about anyone else are never read into the report.
// It reads the whole log, a page at a time.
func (s *Service) recipientsTold(ctx context.Context, subject string) ([]RecipientTold, error) {
	mine := s.auditKey.Pseudonyms(subject)
	out := []RecipientTold{}
	var after uint64
	for {
		es, err := s.st.ReadAudit(ctx, after, auditPage)
		if err != nil {
			return nil, fmt.Errorf("dsar: reading the audit log for the recipients told (Art. 19): %w", err)
		}
		for _, e := range es {
			after = e.Seq
			if e.Action != "dsar.notify" || len(e.Subjects) != 1 || !slices.Contains(mine, e.Subjects[0]) {
				continue
			}
			t, ok := toldNote(e.Note)
			if !ok {
				continue
			}
			t.At = e.Time.UTC()
			if rc := s.decl.Recipient(t.Recipient); rc != nil {
				t.Name = rc.Name
			}
			out = append(out, t)
		}
		if len(es) < auditPage {
			return out, nil
		}
	}
}
