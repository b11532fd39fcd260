package logstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/frist-go/frist/store"
)

// rememberedName is the directory of remembered events in the state
// directory: one file per event, so that remembering or forgetting one
// event costs one small write or one removal, however many are remembered,
// and a forgotten event's file, with the subject it names, is gone as a
// whole.
const rememberedName = hiddenPrefix + "remembered"

// rememberedExt ends the name of an event's file.
const rememberedExt = ".json"

// rememberedEvent is an event's file: store.RememberedEvent with its times in
// UTC to the microsecond.
type rememberedEvent struct {
	ID           string    `json:"id"`
	Dataset      string    `json:"dataset"`
	Rule         string    `json:"rule"`
	Event        string    `json:"event"`
	Keys         []string  `json:"keys,omitempty"`
	Subject      string    `json:"subject,omitempty"`
	Purpose      string    `json:"purpose,omitempty"`
	At           time.Time `json:"at"`
	RememberedAt time.Time `json:"remembered_at,omitzero"`
}

// rememberedDir is the remembered events of a Store: every file of the
// directory, read once by New, and kept in memory in ID order. The state
// directory's lock makes the Store the only writer, so memory and
// directory agree.
type rememberedDir struct {
	dir  string
	ids  []string // sorted
	byID map[string]store.RememberedEvent
}

// rememberedFileName is the name of the file of the event id: the SHA-256
// of the ID in hex, so that any ID, however long and whatever bytes it
// holds, makes a valid name that no pattern matches.
func rememberedFileName(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:]) + rememberedExt
}

// normalRemembered returns p with its own Keys (nil when empty) and its times
// truncated to the microsecond in UTC.
func normalRemembered(p store.RememberedEvent) store.RememberedEvent {
	if len(p.Keys) == 0 {
		p.Keys = nil
	} else {
		p.Keys = slices.Clone(p.Keys)
	}
	p.At = p.At.Truncate(time.Microsecond).UTC()
	if !p.RememberedAt.IsZero() {
		p.RememberedAt = p.RememberedAt.Truncate(time.Microsecond).UTC()
	}
	return p
}

// openRemembered reads the remembered events in state. Unless readOnly it
// removes the temporary files of writes a crash interrupted (an event
// whose write did not finish was never remembered: Remember had not
// returned). A file that does not decode, or whose name is not its ID's,
// fails New, naming the file: it is never skipped, which would forget an
// event silently.
func openRemembered(state string, readOnly bool) (*rememberedDir, error) {
	r := &rememberedDir{dir: filepath.Join(state, rememberedName), byID: map[string]store.RememberedEvent{}}
	ents, err := os.ReadDir(r.dir)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: reading the remembered events: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		path := filepath.Join(rememberedName, name)
		if strings.HasPrefix(name, tmpPrefix) {
			if readOnly {
				continue
			}
			if err := os.Remove(filepath.Join(r.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("logstore: removing the unfinished %s: %w", path, err)
			}
			continue
		}
		if !strings.HasSuffix(name, rememberedExt) || !e.Type().IsRegular() {
			return nil, fmt.Errorf("logstore: %s is not a remembered event (remove it if it is not frist's)", path)
		}
		b, err := os.ReadFile(filepath.Join(r.dir, name))
		if errors.Is(err, os.ErrNotExist) {
			// Forgotten since ReadDir, by the writer a read-only Store
			// runs beside.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("logstore: reading the remembered event %s: %w", path, err)
		}
		var ev rememberedEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("logstore: the remembered event %s does not decode: %w", path, err)
		}
		if ev.ID == "" || rememberedFileName(ev.ID) != name {
			return nil, fmt.Errorf("logstore: the remembered event %s is not the file of its ID %q", path, ev.ID)
		}
		r.byID[ev.ID] = normalRemembered(store.RememberedEvent(ev))
		r.ids = append(r.ids, ev.ID)
	}
	slices.Sort(r.ids)
	if !readOnly {
		if err := syncDir(r.dir); err != nil {
			return nil, fmt.Errorf("logstore: syncing %s: %w", rememberedName, err)
		}
	}
	return r, nil
}

// add writes p's file (a temporary file, fsynced, renamed into place, the
// directory fsynced: a crash leaves the whole file or none) and then
// remembers p in memory.
func (r *rememberedDir) add(p store.RememberedEvent) error {
	b, err := json.Marshal(rememberedEvent(p))
	if err != nil {
		return fmt.Errorf("logstore: encoding remembered event %s: %w", p.ID, err)
	}
	if err := os.Mkdir(r.dir, 0o700); err == nil {
		if err := syncDir(filepath.Dir(r.dir)); err != nil {
			return fmt.Errorf("logstore: syncing the state directory: %w", err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("logstore: creating %s: %w", rememberedName, err)
	}
	name := rememberedFileName(p.ID)
	if err := writeFileAtomic(r.dir, name, b); err != nil {
		// The rename may have happened before the failure (of the
		// directory's fsync): remove the file, so that an event reported
		// as not remembered does not come back at the next New.
		_ = os.Remove(filepath.Join(r.dir, name))
		return fmt.Errorf("logstore: writing remembered event %s: %w", p.ID, err)
	}
	i, _ := slices.BinarySearch(r.ids, p.ID)
	r.ids = slices.Insert(r.ids, i, p.ID)
	r.byID[p.ID] = p
	return nil
}

// remove removes the file of the event id, and the event from memory once
// the removal is durable.
func (r *rememberedDir) remove(id string) error {
	if err := os.Remove(filepath.Join(r.dir, rememberedFileName(id))); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("logstore: removing remembered event %s: %w", id, err)
	}
	if err := syncDir(r.dir); err != nil {
		return fmt.Errorf("logstore: removing remembered event %s: syncing %s: %w", id, rememberedName, err)
	}
	if i, ok := slices.BinarySearch(r.ids, id); ok {
		r.ids = slices.Delete(r.ids, i, i+1)
	}
	delete(r.byID, id)
	return nil
}

// Remember implements store.Driver. The event is durable when
// Remember returns: its file in .frist-remembered is written whole or
// not at all.
func (s *Store) Remember(ctx context.Context, p store.RememberedEvent) error {
	if err := s.beginWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, err := s.dataset(p.Dataset); err != nil {
		return fmt.Errorf("logstore: remembered event %s: %w", p.ID, err)
	}
	if _, dup := s.remembered.byID[p.ID]; dup {
		return fmt.Errorf("%w: remembered event %s exists", store.ErrConflict, p.ID)
	}
	return s.remembered.add(normalRemembered(p))
}

// ListRemembered implements store.Driver. It reads memory only: New
// read the directory, and only this Store writes it.
func (s *Store) ListRemembered(ctx context.Context, after string, limit int) ([]store.RememberedEvent, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	r := s.remembered
	i, found := slices.BinarySearch(r.ids, after)
	if found {
		i++
	}
	ids := r.ids[i:]
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	var out []store.RememberedEvent
	for _, id := range ids {
		out = append(out, normalRemembered(r.byID[id]))
	}
	return out, nil
}

// Forget implements store.Driver: it removes the event's
// file, so that nothing of the event, its subject included, is left in
// the state directory.
func (s *Store) Forget(ctx context.Context, id string) error {
	if err := s.beginWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.remembered.byID[id]; !ok {
		return fmt.Errorf("%w: remembered event %s", store.ErrNotFound, id)
	}
	return s.remembered.remove(id)
}
