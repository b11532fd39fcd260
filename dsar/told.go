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
// the audit entry that Erase, Rectify or Restrict, or the retention
// engine after an event's erasure (a withdrawal of consent, a
// cancellation), wrote for it says, and nothing more. It does not say
// which data the recipient received. Erasures at the end of a retention
// period are told to recipients without naming anyone, so they are not
// listed here.
type RecipientTold struct {
	// Recipient is the recipient's ID in the declaration.
	Recipient string `json:"recipient"`
	// Name is the recipient's name in the declaration; empty when the
	// declaration no longer names it.
	Name policy.Text `json:"name"`
	// Change is Erasure, Rectification or Restriction.
	Change Kind `json:"change"`
	// Request is the subject's request that made the change; zero (and
	// left out of the JSON) when a rule of the declaration made it.
	Request uuid.UUID `json:"request,omitzero"`
	// Event is the event whose rule erased the data (a withdrawal of
	// consent, a cancellation) when no request made the change.
	Event policy.Event `json:"event,omitempty"`
	// At is when the change was made; the recipient was told, or the
	// attempt failed, right after it.
	At      time.Time      `json:"at"`
	Outcome notify.Outcome `json:"outcome"`
}

// toldNoteRE matches the notes of the audit entries that record telling a
// recipient: a dsar.notify entry's "request <ID> (<kind>): " and a
// retention.notify entry's "on <event>: ", each followed by what
// notify.AuditNote writes.
var toldNoteRE = regexp.MustCompile(`(?s)^(?:request ([0-9a-f-]{36}) \((erasure|rectification|restriction)\)|on ([a-z_]+)): (recipient .*)$`)

// toldNote parses the note of a dsar.notify or retention.notify entry
// (action); ok is false for a note of another form, or of the other
// action's form.
func toldNote(action, note string) (t RecipientTold, ok bool) {
	m := toldNoteRE.FindStringSubmatch(note)
	if m == nil {
		return t, false
	}
	rid, outcome, ok := notify.ParseAuditNote(m[4])
	if !ok {
		return t, false
	}
	t = RecipientTold{Recipient: rid, Outcome: outcome}
	switch {
	case action == "dsar.notify" && m[1] != "":
		id, err := uuid.Parse(m[1])
		if err != nil {
			return t, false
		}
		kind, err := ParseKind(m[2])
		if err != nil {
			return t, false
		}
		t.Change, t.Request = kind, id
	case action == "retention.notify" && m[3] != "":
		t.Change, t.Event = Erasure, policy.Event(m[3])
	default:
		return t, false
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
// dsar.notify or retention.notify entry that names exactly one subject, a
// pseudonym of subject under a key of ServiceOptions.AuditKey, and whose
// note has the form its writer gives it: entries about anyone else are
// never read into the report.
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
			if (e.Action != "dsar.notify" && e.Action != "retention.notify") || len(e.Subjects) != 1 || !slices.Contains(mine, e.Subjects[0]) {
				continue
			}
			t, ok := toldNote(e.Action, e.Note)
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
