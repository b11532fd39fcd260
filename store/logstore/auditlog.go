package logstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/store"
)

// auditName is the audit log in the state directory: one sealed
// audit.Entry per line, as JSON, appended and fsynced. After a drop
// (DropAudit) its first line is the base, {"base":{...}}, and the kept
// entries follow it.
const auditName = hiddenPrefix + "audit.jsonl"

// auditFile is the audit log of a Store.
type auditFile struct {
	path string
	head audit.Head
	base audit.Base
}

// baseLine is the first line of an audit log from which entries were
// dropped.
type baseLine struct {
	Base audit.Base `json:"base"`
}

// basePrefix starts a base line and no entry's line.
var basePrefix = []byte(`{"base":`)

// decodeLine decodes one line of the audit log: an entry, or, as the
// first line only, the base.
func decodeLine(b []byte, first bool) (e audit.Entry, base *audit.Base, err error) {
	if bytes.HasPrefix(b, basePrefix) {
		if !first {
			return e, nil, errors.New("a base line is not the first line")
		}
		var bl baseLine
		if err := json.Unmarshal(b, &bl); err != nil {
			return e, nil, err
		}
		return e, &bl.Base, nil
	}
	err = json.Unmarshal(b, &e)
	return e, nil, err
}

// openAudit opens the audit log of dir and reads its head. A torn last
// line (a crash during an append) is cut off: the journal re-appends the
// entry it belonged to (see recover). Read-only, a missing log is empty
// and a torn last line is left in place and ignored.
func openAudit(dir string, readOnly bool) (*auditFile, error) {
	a := &auditFile{path: filepath.Join(dir, auditName)}
	flag := os.O_RDWR | os.O_CREATE
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(a.path, flag, 0o600)
	if readOnly && errors.Is(err, os.ErrNotExist) {
		return a, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: opening the audit log: %w", err)
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	var good int64
	for {
		b, err := r.ReadBytes('\n')
		if len(b) > 0 && b[len(b)-1] == '\n' {
			e, base, jerr := decodeLine(b, good == 0)
			if jerr != nil {
				return nil, fmt.Errorf("logstore: audit log entry after byte %d does not decode: %w", good, jerr)
			}
			if base != nil {
				a.base, a.head = *base, base.Head()
			} else {
				a.head = e.Head()
			}
			good += int64(len(b))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("logstore: reading the audit log: %w", err)
		}
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > good && !readOnly {
		if err := f.Truncate(good); err != nil {
			return nil, fmt.Errorf("logstore: cutting a torn entry off the audit log: %w", err)
		}
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// append stores a sealed entry durably. fault is Store.fault.
func (a *auditFile) append(e audit.Entry, fault func(string) error) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("logstore: opening the audit log: %w", err)
	}
	line := append(b, '\n')
	if err = fault(stepAuditWrite); err != nil {
		_, _ = f.Write(line[:len(line)/2]) // as a full disk leaves it
	} else {
		_, err = f.Write(line)
	}
	if err == nil {
		err = fault(stepAuditSync)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("logstore: appending to the audit log: %w", err)
	}
	a.head = e.Head()
	return nil
}

// size returns the size of the audit log, 0 when it does not exist yet.
func (a *auditFile) size() (int64, error) {
	fi, err := os.Stat(a.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("logstore: reading the audit log: %w", err)
	}
	return fi.Size(), nil
}

// cut cuts the audit log back to size bytes, durably: what a failed
// append wrote of its entry, a torn half-line or a whole line whose fsync
// failed, is gone, as the error of the append says.
func (a *auditFile) cut(size int64) error {
	f, err := os.OpenFile(a.path, os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// holds checks that the log holds e at its position (Seq), which is at
// or before its head: a journal's entry that was appended before a
// crash or failure. An entry in the dropped part is taken as held.
func (a *auditFile) holds(e audit.Entry) error {
	if e.Seq <= a.base.Seq {
		return nil
	}
	got := a.head
	if got.Seq != e.Seq {
		es, err := a.read(e.Seq-1, 1)
		if err != nil {
			return err
		}
		got = audit.Head{}
		if len(es) == 1 {
			got = es[0].Head()
		}
	}
	if got.Seq != e.Seq || got.Hash != e.Hash {
		return fmt.Errorf("logstore: the journal's audit entry %d (%s) is not the entry the log holds at that position: the log was written past an unfinished journal; nothing of the journal is applied (remove %s to give it up, after checking the files it names)", e.Seq, e.ID, journalName)
	}
	return nil
}

// read returns up to limit entries with Seq greater than after.
func (a *auditFile) read(after uint64, limit int) ([]audit.Entry, error) {
	b, err := os.ReadFile(a.path)
	if errors.Is(err, os.ErrNotExist) && a.head.Seq == 0 {
		return nil, nil // not created yet (a read-only store creates nothing)
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: reading the audit log: %w", err)
	}
	var out []audit.Entry
	for first := true; len(b) > 0; first = false {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		e, base, err := decodeLine(b[:i], first)
		if err != nil {
			return nil, fmt.Errorf("logstore: an audit log entry does not decode: %w", err)
		}
		b = b[i+1:]
		if base != nil || e.Seq <= after {
			continue
		}
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// AppendAudit implements store.AuditLog: the entry is sealed to the head
// of .frist-audit.jsonl in the state directory and fsynced before it is
// returned. When the append fails, what it wrote is cut off again, so an
// entry whose append returned an error is not in the log; should the cut
// fail too, the error says whether the entry stayed (see failed).
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.beginWrite(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	size, err := s.audit.size()
	if err != nil {
		return audit.Entry{}, err
	}
	sealed := audit.Seal(s.audit.head, e)
	if err := s.audit.append(sealed, s.fault); err != nil {
		if cerr := s.audit.cut(size); cerr != nil {
			return audit.Entry{}, s.failed("appending audit entry "+sealed.ID, fmt.Errorf("%w; cutting it off again: %w", err, cerr),
				func() bool { return s.audit.head == sealed.Head() })
		}
		return audit.Entry{}, fmt.Errorf("logstore: audit entry %s not appended: %w", sealed.ID, err)
	}
	return sealed, nil
}

// ReadAudit implements store.AuditLog.
func (s *Store) ReadAudit(ctx context.Context, after uint64, limit int) ([]audit.Entry, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.audit.read(after, limit)
}

// AuditBase implements store.AuditLog: the base line of the audit log, or
// the zero Base when it has none.
func (s *Store) AuditBase(ctx context.Context) (audit.Base, error) {
	if err := s.begin(ctx); err != nil {
		return audit.Base{}, err
	}
	defer s.mu.Unlock()
	return s.audit.base, nil
}

// DropAudit implements store.AuditLog: under the store's lock, which
// every append and batch takes, it writes the new audit log, the base
// line, the kept entries and the drop's entry, to a temporary file,
// fsyncs it and renames it over the old one, so that after a crash the
// log is either the old one or the new one, whole. A gap in the
// positions of the entries it walks means lines were deleted outside
// frist: it drops nothing and says where.
func (s *Store) DropAudit(ctx context.Context, d store.AuditDrop) (store.AuditDropped, error) {
	if err := s.beginWrite(ctx); err != nil {
		return store.AuditDropped{}, err
	}
	defer s.mu.Unlock()
	a := s.audit
	entries, err := a.read(0, 0)
	if err != nil {
		return store.AuditDropped{}, err
	}
	n := 0
	for ; n < len(entries); n++ {
		e := entries[n]
		if e.Seq != a.base.Seq+uint64(n)+1 {
			return store.AuditDropped{}, fmt.Errorf("logstore: audit log entry %d follows entry %d: entries are missing, the log is broken there and nothing is dropped", e.Seq, a.base.Seq+uint64(n))
		}
		if !d.Due(e.Seq, e.Time) {
			break
		}
	}
	if n == 0 {
		return store.AuditDropped{}, nil
	}
	first, last := entries[0], entries[n-1]
	nb, rec := d.Result(a.base, first.Seq, last.Head(), last.Time, first.Hash, n)
	sealed := audit.Seal(a.head, rec)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(baseLine{Base: nb}); err != nil {
		return store.AuditDropped{}, err
	}
	for _, e := range append(entries[n:], sealed) {
		if err := enc.Encode(e); err != nil {
			return store.AuditDropped{}, err
		}
	}
	if err := s.writeAtomic(filepath.Dir(a.path), filepath.Base(a.path), buf.Bytes(), stepDropWrite, stepDropRename, stepDropSync); err != nil {
		return store.AuditDropped{}, s.failed("writing the audit log without its dropped entries", err, func() bool { return s.audit.head == sealed.Head() })
	}
	a.base, a.head = nb, sealed.Head()
	return store.AuditDropped{First: first.Seq, Last: last.Seq, Count: n, Base: nb, Entry: sealed}, nil
}
