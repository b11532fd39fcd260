package logstore

import (
	"bytes"
	"context"
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

// outboxName is the file of the notifications waiting for delivery
// (store.Outbox) in the state directory, rewritten atomically on every
// change: few notifications wait, and only while a recipient cannot be
// reached, so one small file costs less than one file each, and a
// dequeued notification is gone from it as a whole.
const outboxName = hiddenPrefix + "outbox.json"

// outgoingEntry is a notification in the outbox file: store.Outgoing
// with its times in UTC to the microsecond and its body in base64, so
// that every byte of it survives.
type outgoingEntry struct {
	ID        string    `json:"id"`
	Recipient string    `json:"recipient"`
	Body      []byte    `json:"body"`
	Attempts  int       `json:"attempts"`
	Since     time.Time `json:"since"`
	Next      time.Time `json:"next"`
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

// outboxFile is the notifications of a Store waiting for delivery,
// read by New and kept in memory in ID order. The state directory's lock
// makes the Store the only writer, so memory and file agree.
type outboxFile struct {
	entries []store.Outgoing // sorted by ID
}

// openOutbox reads the outbox file in state; a missing file is an empty
// outbox. A file that does not decode, or holds an incomplete
// notification or one ID twice, fails New, naming the file: it is never
// taken for empty, which would drop notifications silently (docs/DESIGN.md,
// "Rejected whole"). It writes nothing; the temporary file of a write a
// crash interrupted is removed with the others by a writable New
// (recover).
func openOutbox(state string) (*outboxFile, error) {
	path := filepath.Join(state, outboxName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &outboxFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: reading the outbox: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a field this version does not know would be lost at the next rewrite
	var es []outgoingEntry
	if err := dec.Decode(&es); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("logstore: the outbox %s does not decode at byte %d: %w", path, syn.Offset, err)
		}
		return nil, fmt.Errorf("logstore: the outbox %s does not decode: %w", path, err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("logstore: the outbox %s does not decode at byte %d: data after its list of notifications", path, end)
	}
	f := &outboxFile{entries: make([]store.Outgoing, 0, len(es))}
	for i, e := range es {
		o := normalOutgoing(store.Outgoing(e))
		if err := checkOutgoing(o); err != nil {
			return nil, fmt.Errorf("logstore: the outbox %s is damaged: entry %d: %w", path, i+1, err)
		}
		f.entries = append(f.entries, o)
	}
	slices.SortStableFunc(f.entries, func(a, b store.Outgoing) int { return strings.Compare(a.ID, b.ID) })
	for i := 1; i < len(f.entries); i++ {
		if f.entries[i].ID == f.entries[i-1].ID {
			return nil, fmt.Errorf("logstore: the outbox %s is damaged: it holds notification %q twice", path, f.entries[i].ID)
		}
	}
	return f, nil
}

// find returns the index of the notification id in f, and whether it is
// there; without it, the index at which it would be inserted.
func (f *outboxFile) find(id string) (int, bool) {
	return slices.BinarySearchFunc(f.entries, id, func(o store.Outgoing, id string) int { return strings.Compare(o.ID, id) })
}

// saveOutbox makes next the outbox: it writes the new file aside, fsyncs
// it, renames it over the old one and fsyncs the state directory, so a
// crash leaves the old file or the new one whole, and a notification
// left out of next is in no file once it returns. On success memory
// holds next. On failure the Store reads its files again (failed), so
// that memory holds what the file holds; stored reports whether the
// change is in it. The caller holds s.mu.
func (s *Store) saveOutbox(what string, next []store.Outgoing, stored func() bool) error {
	es := make([]outgoingEntry, len(next))
	for i, o := range next {
		es[i] = outgoingEntry(o)
	}
	b, err := json.Marshal(es)
	if err != nil {
		return fmt.Errorf("logstore: %s: encoding the outbox: %w", what, err)
	}
	if err := s.writeAtomic(s.state, outboxName, b, stepOutboxWrite, stepOutboxRename, stepOutboxSync); err != nil {
		return s.failed(what, fmt.Errorf("writing %s: %w", outboxName, err), stored)
	}
	s.outbox.entries = next
	return nil
}

// Enqueue implements store.Driver. The notification is durable when
// Enqueue returns: the outbox file is rewritten with it, whole or not at
// all. A notification without an ID, a recipient, a body, attempts of at
// least 1, or a since or next time is refused, since the file could not
// be read back with it.
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
	next := slices.Insert(slices.Clone(s.outbox.entries), i, o)
	return s.saveOutbox("enqueuing notification "+o.ID, next, func() bool {
		_, ok := s.outbox.find(o.ID)
		return ok
	})
}

// ListOutgoing implements store.Driver. It reads memory only: New read
// the file, and only this Store writes it.
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
// it returns true.
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
	es := slices.Clone(s.outbox.entries)
	es[i].Attempts, es[i].Next = attempts+1, next
	if err := s.saveOutbox("rescheduling notification "+id, es, func() bool {
		j, ok := s.outbox.find(id)
		return ok && s.outbox.entries[j].Attempts == attempts+1 && s.outbox.entries[j].Next.Equal(next)
	}); err != nil {
		return false, err
	}
	return true, nil
}

// Dequeue implements store.Driver: the outbox file is rewritten without
// the notification, so that nothing of it, its body with the personal
// data it holds included, is left in the state directory once Dequeue
// returns (Art. 5(1)(e) GDPR); what the file system does with the old
// file's blocks is what the package documentation says of rewriting a
// file.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	if err := s.beginWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	i, ok := s.outbox.find(id)
	if !ok {
		return fmt.Errorf("%w: notification %s is not waiting", store.ErrNotFound, id)
	}
	next := slices.Delete(slices.Clone(s.outbox.entries), i, i+1)
	return s.saveOutbox("dequeuing notification "+id, next, func() bool {
		_, ok := s.outbox.find(id)
		return !ok
	})
}
