package logstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// outboxName is the directory of the notifications waiting for delivery
// (store.Outbox) in the state directory: one file per notification, so
// that enqueuing, rescheduling or dequeuing one costs one small write or
// one removal, however many wait, and a dequeued notification's file,
// with the personal data of its body, is gone as a whole.
const outboxName = hiddenPrefix + "outbox"

// outboxExt ends the name of a notification's file.
const outboxExt = ".json"

// outgoingEntry is a notification's file: store.Outgoing with its times in UTC to the microsecond
// and its body in base64, so that every byte of it survives.
type outgoingEntry struct {
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"`
	Body      []byte    `json:"body"`
	Attempts  int       `json:"attempts"`
	Since     time.Time `json:"since"`
	Next      time.Time `json:"next"`
}

// outboxFileName is the name of the file of the notification id: the
// SHA-256 of the ID in hex, as for a remembered event, so that any ID,
// however long and whatever bytes it holds, makes a valid name that no
// pattern matches.
func outboxFileName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:]) + outboxExt
}

// normalOutgoing returns o with its own Body and its times truncated to
// the microsecond in UTC.
func normalOutgoing(o store.Outgoing) store.Outgoing {
	o.Body = slices.Clone(o.Body)
	o.Since = o.Since.Truncate(time.Microsecond).UTC()
	o.Next = o.Next.Truncate(time.Microsecond).UTC()
	return o
}

// checkOutgoing says what o lacks of what the outbox keeps of every
// notification, nil when it is complete. Enqueue refuses what the file
// could not be read back with, and New refuses a file that holds it. The
// error names the notification by its ID, never its Body.
func checkOutgoing(o store.Outgoing) error {
	var miss []string
	if o.ID == "" {
		miss = append(miss, "an ID")
	}
	if o.Recipient == "" {
		miss = append(miss, "a recipient")
	}
	if o.Body == nil {
		miss = append(miss, "a body")
	}
	if o.Attempts < 1 {
		miss = append(miss, fmt.Sprintf("attempts of at least 1 (it has %d)", o.Attempts))
	}
	if o.Since.IsZero() {
		miss = append(miss, "the time of its first attempt (since)")
	}
	if o.Next.IsZero() {
		miss = append(miss, "the time of its next attempt (next)")
	}
	if len(miss) == 0 {
		return nil
	}
	return fmt.Errorf("notification %q lacks %s", o.ID, strings.Join(miss, ", "))
}

// outboxDir is the notifications of a Store waiting for delivery: every
// file of the directory, read by New, and kept in memory in ID order. The
// state directory's lock makes the Store the only writer, so memory and
// directory agree.
type outboxDir struct {
	dir     string
	entries []store.Outgoing // sorted by ID
}

// openOutbox reads the outbox in the state directory; without a
// directory it is empty. A file that does not decode, holds a field this
// version does not know or an incomplete notification, is not the file of
// its notification's ID, or is not a notification's file at all fails
// New, naming the file: it is never skipped, which would drop a
// notification silently (docs/DESIGN.md, "Rejected whole"). A writable
// Store removes the temporary files of writes a crash interrupted (a
// notification whose write did not finish was not stored: its Enqueue or
// Reschedule had not returned); a read-only one writes nothing.
func (s *Store) openOutbox() (*outboxDir, error) {
	o := &outboxDir{dir: filepath.Join(s.state, outboxName)}
	byID := map[string]store.Outgoing{}
	if err := o.read(s.readOnly, byID); err != nil {
		return nil, err
	}
	o.entries = make([]store.Outgoing, 0, len(byID))
	for _, e := range byID {
		o.entries = append(o.entries, e)
	}
	slices.SortFunc(o.entries, func(a, b store.Outgoing) int { return strings.Compare(a.ID, b.ID) })
	return o, nil
}

// read reads every notification's file of the directory into byID. Unless
// readOnly it removes temporary files and fsyncs the directory, so that
// what it found is durable before anything is built on it.
func (o *outboxDir) read(readOnly bool, byID map[string]store.Outgoing) error {
	ents, err := os.ReadDir(o.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logstore: reading the outbox %s: %w", o.dir, err)
	}
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(o.dir, name)
		if strings.HasPrefix(name, tmpPrefix) {
			if readOnly {
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("logstore: removing the unfinished %s: %w", path, err)
			}
			continue
		}
		if !strings.HasSuffix(name, outboxExt) || !e.Type().IsRegular() {
			return fmt.Errorf("logstore: %s is not a notification waiting for delivery (remove it if it is not frist's)", path)
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			// Dequeued since ReadDir, by the writer a read-only Store
			// runs beside.
			continue
		}
		if err != nil {
			return fmt.Errorf("logstore: reading the notification %s: %w", path, err)
		}
		n, err := decodeOutgoing(path, b)
		if err != nil {
			return err
		}
		if outboxFileName(n.ID) != name {
			return fmt.Errorf("logstore: the notification %s is damaged: it is not the file of its ID %q", path, n.ID)
		}
		byID[n.ID] = n
	}
	if !readOnly {
		if err := syncDir(o.dir); err != nil {
			return fmt.Errorf("logstore: syncing %s: %w", o.dir, err)
		}
	}
	return nil
}

// decodeOutgoing decodes the notification's file path, whose bytes are
// b, and checks that it is complete. The error names the file and, for
// bytes that are not JSON, the byte at which it stops decoding; it never
// holds the body.
func decodeOutgoing(path string, b []byte) (store.Outgoing, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a field this version does not know would be lost at the next rewrite
	var e outgoingEntry
	if err := dec.Decode(&e); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return store.Outgoing{}, fmt.Errorf("logstore: the notification %s does not decode at byte %d: %w", path, syn.Offset, err)
		}
		return store.Outgoing{}, fmt.Errorf("logstore: the notification %s does not decode: %w", path, err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return store.Outgoing{}, fmt.Errorf("logstore: the notification %s does not decode at byte %d: data after the notification", path, end)
	}
	n := normalOutgoing(store.Outgoing(e))
	if err := checkOutgoing(n); err != nil {
		return store.Outgoing{}, fmt.Errorf("logstore: the notification %s is damaged: %w", path, err)
	}
	return n, nil
}

// mkdir creates the directory unless it exists, durably.
func (o *outboxDir) mkdir(state string) error {
	err := os.Mkdir(o.dir, 0o700)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err == nil {
		err = syncDir(state)
	}
	if err != nil {
		return fmt.Errorf("logstore: creating %s: %w", o.dir, err)
	}
	return nil
}

// find returns the index of the notification id in o, and whether it is
// there; without it, the index at which it would be inserted.
func (o *outboxDir) find(id string) (int, bool) {
	return slices.BinarySearchFunc(o.entries, id, func(n store.Outgoing, id string) int { return strings.Compare(n.ID, id) })
}

// writeOutgoing writes n's file: a temporary file, fsynced, renamed into
// place (over n's old version), the directory fsynced, so that a crash
// leaves the old file or the new one whole, and n is durable when it
// returns. It changes nothing in memory. The caller holds s.mu.
func (s *Store) writeOutgoing(n store.Outgoing) error {
	b, err := json.Marshal(outgoingEntry(n))
	if err != nil {
		return fmt.Errorf("encoding the notification: %w", err)
	}
	if err := s.outbox.mkdir(s.state); err != nil {
		return err
	}
	name := outboxFileName(n.ID)
	if err := s.writeAtomic(s.outbox.dir, name, b, stepOutboxWrite, stepOutboxRename, stepOutboxSync); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Join(outboxName, name), err)
	}
	return nil
}

// Enqueue implements store.Driver. The notification is durable when
// Enqueue returns: its file is written whole or not at all, and no other
// notification's file is touched. A notification without an ID, a
// recipient, a body, attempts of at least 1, or a since or next time is
// refused, since its file could not be read back. When the write fails
// part way, the Store reads its files again (failed), and the error says
// whether the notification is stored.
func (s *Store) Enqueue(ctx context.Context, o store.Outgoing) error {
	if err := s.beginWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	o = normalOutgoing(o)
	if err := checkOutgoing(o); err != nil {
		return fmt.Errorf("logstore: not enqueued: %w", err)
	}
	i, dup := s.outbox.find(o.ID)
	if dup {
		return fmt.Errorf("%w: notification %s is waiting already", store.ErrConflict, o.ID)
	}
	if err := s.writeOutgoing(o); err != nil {
		return s.failed("enqueuing notification "+o.ID, err, func() bool {
			_, ok := s.outbox.find(o.ID)
			return ok
		})
	}
	s.outbox.entries = slices.Insert(s.outbox.entries, i, o)
	return nil
}

// ListOutgoing implements store.Driver. It reads memory only: New read
// the directory, and only this Store writes it.
func (s *Store) ListOutgoing(ctx context.Context, after string, limit int) ([]store.Outgoing, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	i, found := s.outbox.find(after)
	if found {
		i++
	}
	es := s.outbox.entries[i:]
	if limit > 0 && len(es) > limit {
		es = es[:limit]
	}
	var out []store.Outgoing
	for _, o := range es {
		out = append(out, normalOutgoing(o))
	}
	return out, nil
}

// Reschedule implements store.Driver: the compare and the set happen
// under the Store's lock, and the new Attempts and Next are durable when
// it returns true: the notification's file alone is rewritten, as
// Enqueue writes it.
func (s *Store) Reschedule(ctx context.Context, id string, attempts int, next time.Time) (bool, error) {
	if err := s.beginWrite(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	i, ok := s.outbox.find(id)
	if !ok {
		return false, fmt.Errorf("%w: notification %s is not waiting", store.ErrNotFound, id)
	}
	if s.outbox.entries[i].Attempts != attempts {
		return false, nil
	}
	next = next.Truncate(time.Microsecond).UTC()
	if next.IsZero() {
		return false, fmt.Errorf("logstore: notification %s not rescheduled: it lacks the time of its next attempt", id)
	}
	n := s.outbox.entries[i]
	n.Attempts, n.Next = attempts+1, next
	if err := s.writeOutgoing(n); err != nil {
		return false, s.failed("rescheduling notification "+id, err, func() bool {
			j, ok := s.outbox.find(id)
			return ok && s.outbox.entries[j].Attempts == attempts+1 && s.outbox.entries[j].Next.Equal(next)
		})
	}
	s.outbox.entries[i] = n
	return true, nil
}

// Dequeue implements store.Driver: it removes the notification's file
// and fsyncs the directory, so that nothing of it, its body with the
// personal data it holds included, is left in the state directory once
// Dequeue returns (Art. 5(1)(e) GDPR); what the file system does with
// the removed file's blocks is what the package documentation says of a
// removed file.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	if err := s.beginWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i, ok := s.outbox.find(id)
	if !ok {
		return fmt.Errorf("%w: notification %s is not waiting", store.ErrNotFound, id)
	}
	name := filepath.Join(outboxName, outboxFileName(id))
	err := s.fault(stepOutboxRemove)
	if err == nil {
		err = os.Remove(filepath.Join(s.state, name))
	}
	if err != nil {
		err = fmt.Errorf("removing %s: %w", name, err)
	} else if err = s.fault(stepOutboxSync); err == nil {
		if err = syncDir(s.outbox.dir); err != nil {
			err = fmt.Errorf("syncing %s: %w", outboxName, err)
		}
	}
	if err != nil {
		return s.failed("dequeuing notification "+id, err, func() bool {
			_, ok := s.outbox.find(id)
			return !ok
		})
	}
	s.outbox.entries = slices.Delete(s.outbox.entries, i, i+1)
	return nil
}
