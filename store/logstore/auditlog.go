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
)

// auditName is the audit log in the state directory: one sealed
// audit.Entry per line, as JSON, appended and fsynced.
const auditName = hiddenPrefix + "audit.jsonl"

// auditFile is the audit log of a Store.
type auditFile struct {
	path string
	head audit.Head
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
			var e audit.Entry
			if jerr := json.Unmarshal(b, &e); jerr != nil {
				return nil, fmt.Errorf("logstore: audit log entry after byte %d does not decode: %w", good, jerr)
			}
			a.head = e.Head()
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

// append stores a sealed entry durably.
func (a *auditFile) append(e audit.Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("logstore: opening the audit log: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
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
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		var e audit.Entry
		if err := json.Unmarshal(b[:i], &e); err != nil {
			return nil, fmt.Errorf("logstore: an audit log entry does not decode: %w", err)
		}
		b = b[i+1:]
		if e.Seq <= after {
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
// returned.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := s.writable(); err != nil {
		return audit.Entry{}, err
	}
	if err := s.begin(ctx); err != nil {
		return audit.Entry{}, err
	}
	defer s.mu.Unlock()
	sealed := audit.Seal(s.audit.head, e)
	if err := s.audit.append(sealed); err != nil {
		return audit.Entry{}, err
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
