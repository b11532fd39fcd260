// Package ledger keeps frist's erasure ledger in a file: the record of
// every event-driven erasure (a cancellation, a consent withdrawal, an
// Art. 17 erasure), kept apart from the application's database, so that
// the erasures can be run again when the database is restored from a
// backup taken before them (retention.Engine.Replay, frist replay).
//
// Keep the file where the database's backups are not: on another disk or
// machine, or in a directory that a restore of the database leaves alone.
// A ledger restored together with the database is as old as the database
// and knows nothing of the erasures made since.
//
// # Format
//
// The file is JSON lines. The first line names the format and the
// controller whose declaration the ledger belongs to; every other line is
// one erasure. An erasure line holds the event's kind, dataset, purpose and
// time in the clear, and the record key and the subject encrypted with
// AES-256-GCM under a key derived from the key ring the ledger was opened
// with (anonymize.KeyRing.DeriveKey), bound to the line's other fields, so
// that a line cannot be altered or moved to another entry without failing
// to decrypt. Without the ring's keys the ledger reveals which kinds of
// events happened when, and nothing about whom (Art. 32(1)(a)). Forgetting
// the keys makes the ledger unreadable, and with it the erasures it holds.
//
// # Durability
//
// Append writes one line with a single write and fsyncs the file (and the
// directory when it created the file) before it returns, holding an
// exclusive lock on the file, so that replicas of an application may
// share one ledger on a local file system. A line interrupted by a crash
// is incomplete and has no newline; its event was never acted on, since
// the engine touches nothing before Append returns. Erasures reports such
// a line as an error rather than skip it, and the next Append removes it.
package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// format names the file format in the header line.
const format = "frist-erasure-ledger"

// version is the format's version.
const version = 1

// keyLabel derives the encryption key from the ring's secrets.
const keyLabel = "frist erasure ledger v1 aes-256-gcm"

// maxLine bounds a line's length when reading: an erasure line is a few
// hundred bytes, so anything much longer is not one.
const maxLine = 64 << 10

// ErrDamaged is wrapped by the errors of Erasures and Open for a ledger
// that cannot be read whole: a line that is not an erasure, one that does
// not decrypt, one that belongs to another declaration or key ring.
var ErrDamaged = errors.New("ledger: the erasure ledger cannot be used")

// File is a retention.Ledger on a file. It is safe for concurrent use, also
// by several processes on one machine.
type File struct {
	path string
	decl *policy.Declaration
	ring *anonymize.KeyRing
	mu   sync.Mutex
}

var _ retention.Ledger = (*File)(nil)

// header is the first line of a ledger file.
type header struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Controller string `json:"controller"`
}

// line is one erasure as the file holds it.
type line struct {
	ID       string `json:"id"`
	Recorded string `json:"recorded"`
	At       string `json:"at"`
	Event    string `json:"event"`
	Dataset  string `json:"dataset,omitempty"`
	Purpose  string `json:"purpose,omitempty"`
	KeyID    string `json:"kid"`
	Sealed   string `json:"sealed"`
}

// secret is the encrypted part of a line.
type secret struct {
	Key     string `json:"key,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// Open returns the ledger in the file at path for decl, whose records it
// encrypts with keys derived from ring. A file that does not exist is
// created, with its header, mode 0600. An existing file must be a ledger
// of decl's controller; Open reads only its header.
func Open(path string, decl *policy.Declaration, ring *anonymize.KeyRing) (*File, error) {
	switch {
	case decl == nil:
		return nil, errors.New("ledger: Open needs the declaration")
	case ring == nil:
		return nil, errors.New("ledger: Open needs the key ring that encrypts the ledger")
	case path == "":
		return nil, errors.New("ledger: Open needs the ledger file's path")
	}
	l := &File{path: path, decl: decl, ring: ring}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return l, l.create()
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 4096)
	first, err := r.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("ledger: %s: %w", path, err)
	}
	if err := l.checkHeader(first); err != nil {
		return nil, err
	}
	return l, nil
}

// create writes a new ledger file with its header, fsyncs it and its
// directory, and fails if the file appeared meanwhile.
func (l *File) create() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil // another process created it; Append checks its header
	}
	if err != nil {
		return fmt.Errorf("ledger: creating %s: %w", l.path, err)
	}
	h, _ := json.Marshal(header{Format: format, Version: version, Controller: l.decl.Controller.Name})
	_, werr := f.Write(append(h, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("ledger: creating %s: %w", l.path, err)
	}
	return syncDir(filepath.Dir(l.path))
}

// checkHeader checks the header line of the file.
func (l *File) checkHeader(b []byte) error {
	var h header
	if err := json.Unmarshal(bytes.TrimSpace(b), &h); err != nil || h.Format != format {
		return fmt.Errorf("%w: %s:1: not an erasure ledger (its first line must name the format %q)", ErrDamaged, l.path, format)
	}
	if h.Version != version {
		return fmt.Errorf("%w: %s:1: format version %d, this frist reads version %d", ErrDamaged, l.path, h.Version, version)
	}
	if h.Controller != l.decl.Controller.Name {
		return fmt.Errorf("%w: %s:1: the ledger is kept for the controller %q, but the declaration is that of %q", ErrDamaged, l.path, h.Controller, l.decl.Controller.Name)
	}
	return nil
}

// aead returns the cipher of the ring's key with the given ID.
func (l *File) aead(kid string) (cipher.AEAD, error) {
	k, ok := l.ring.DeriveKey(kid, keyLabel)
	if !ok {
		return nil, fmt.Errorf("written with the key %q, which the key ring does not hold: the ledger belongs to other keys", kid)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additional is the data each line's ciphertext is bound to.
func (ln *line) additional() []byte {
	return []byte(strings.Join([]string{format, ln.ID, ln.Recorded, ln.At, ln.Event, ln.Dataset, ln.Purpose, ln.KeyID}, "\x00"))
}

// Append implements retention.Ledger: it appends er as one line, under an
// exclusive lock on the file, and fsyncs it.
func (l *File) Append(ctx context.Context, er retention.Erasure) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ln := line{
		ID:       er.ID,
		Recorded: er.Recorded.UTC().Format(time.RFC3339Nano),
		At:       er.Event.At.UTC().Format(time.RFC3339Nano),
		Event:    string(er.Event.Kind),
		Dataset:  er.Event.Dataset,
		Purpose:  er.Event.Purpose,
		KeyID:    l.ring.CurrentID(),
	}
	aead, err := l.aead(ln.KeyID)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	plain, _ := json.Marshal(secret{Key: er.Event.Key, Subject: er.Event.Subject})
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	ln.Sealed = base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, ln.additional()))
	b, err := json.Marshal(ln)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	b = append(b, '\n')

	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		if err := l.create(); err != nil {
			return err
		}
		f, err = os.OpenFile(l.path, os.O_RDWR, 0)
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("ledger: locking %s: %w", l.path, err)
	}
	defer unlock(f)
	end, err := l.completeEnd(f)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(b, end); err != nil {
		return fmt.Errorf("ledger: appending to %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("ledger: appending to %s: %w", l.path, err)
	}
	return nil
}

// completeEnd returns the offset after the file's last complete line,
// checking the header, and cuts off an incomplete last line, which a crash
// during an earlier Append left: its event was never acted on.
func (l *File) completeEnd(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	size := fi.Size()
	head := make([]byte, min(size, 4096))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	first, _, _ := bytes.Cut(head, []byte{'\n'})
	if err := l.checkHeader(first); err != nil {
		return 0, err
	}
	// Find the last newline, reading backwards in blocks.
	end := size
	buf := make([]byte, 4096)
	for end > 0 {
		n := min(end, int64(len(buf)))
		if _, err := f.ReadAt(buf[:n], end-n); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("ledger: %w", err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			end = end - n + int64(i) + 1
			break
		}
		end -= n
	}
	if end < size {
		if err := f.Truncate(end); err != nil {
			return 0, fmt.Errorf("ledger: removing the incomplete last line of %s: %w", l.path, err)
		}
	}
	return end, nil
}

// Erasures implements retention.Ledger: it reads the whole file under a
// shared lock, checks every line, and only then calls fn for each
// erasure, so that nothing is replayed from a ledger that is damaged
// anywhere. Errors name the file and line and wrap ErrDamaged; they never
// quote a line, which may hold an identifier of someone's record.
func (l *File) Erasures(ctx context.Context, fn func(retention.Erasure) error) error {
	all, err := l.read()
	if err != nil {
		return err
	}
	for _, er := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(er); err != nil {
			return err
		}
	}
	return nil
}

// read reads and checks every line of the file.
func (l *File) read() ([]retention.Erasure, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		return nil, fmt.Errorf("ledger: locking %s: %w", l.path, err)
	}
	defer unlock(f)
	damaged := func(n int, format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrDamaged, l.path, n, fmt.Sprintf(format, args...))
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var out []retention.Erasure
	ciphers := map[string]cipher.AEAD{}
	for n := 1; ; n++ {
		b, err := readLine(r)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			break
		}
		if errors.Is(err, errTooLong) {
			return nil, damaged(n, "the line is longer than %d bytes: not an erasure", maxLine)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("ledger: reading %s: %w", l.path, err)
		}
		complete := err == nil
		if n == 1 {
			if err := l.checkHeader(b); err != nil {
				return nil, err
			}
			continue
		}
		if !complete {
			return nil, damaged(n, "the last line is incomplete: an append was interrupted, so its event was never acted on; the next erasure recorded removes it, or remove it by hand")
		}
		er, err := l.decode(b, ciphers)
		if err != nil {
			return nil, damaged(n, "%v", err)
		}
		out = append(out, er)
	}
	return out, nil
}

// errTooLong is returned by readLine for a line longer than maxLine.
var errTooLong = errors.New("line too long")

// readLine reads one line without its newline; io.EOF with the bytes of
// an unterminated last line.
func readLine(r *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := r.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > maxLine {
			return nil, errTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return out, err
		}
		return out[:len(out)-1], nil
	}
}

// decode checks one erasure line and decrypts its identifiers.
func (l *File) decode(b []byte, ciphers map[string]cipher.AEAD) (retention.Erasure, error) {
	var ln line
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ln); err != nil {
		return retention.Erasure{}, errors.New("not an erasure (the line is not the JSON object of one)")
	}
	at, err1 := time.Parse(time.RFC3339Nano, ln.At)
	recorded, err2 := time.Parse(time.RFC3339Nano, ln.Recorded)
	if ln.ID == "" || ln.Event == "" || err1 != nil || err2 != nil {
		return retention.Erasure{}, errors.New("not an erasure (it lacks its ID, event or times)")
	}
	ev := policy.Event(ln.Event)
	if ln.Dataset != "" && l.decl.Dataset(ln.Dataset) == nil {
		return retention.Erasure{}, fmt.Errorf("it names the dataset %q, which the declaration does not declare: the ledger belongs to another declaration", ln.Dataset)
	}
	aead := ciphers[ln.KeyID]
	if aead == nil {
		var err error
		if aead, err = l.aead(ln.KeyID); err != nil {
			return retention.Erasure{}, err
		}
		ciphers[ln.KeyID] = aead
	}
	sealed, err := base64.RawStdEncoding.DecodeString(ln.Sealed)
	if err != nil || len(sealed) < aead.NonceSize() {
		return retention.Erasure{}, errors.New("its encrypted part is not base64 of a sealed box")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], ln.additional())
	if err != nil {
		return retention.Erasure{}, fmt.Errorf("it does not decrypt with the key %q of the ring: the line was changed, or the ledger belongs to other keys", ln.KeyID)
	}
	var s secret
	if err := json.Unmarshal(plain, &s); err != nil {
		return retention.Erasure{}, errors.New("its decrypted part is not an erasure's identifiers")
	}
	return retention.Erasure{
		ID:       ln.ID,
		Recorded: recorded,
		Event:    retention.Event{Kind: ev, Dataset: ln.Dataset, Key: s.Key, Subject: s.Subject, Purpose: ln.Purpose, At: at},
	}, nil
}

// syncDir fsyncs a directory, so that a file created in it survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ledger: syncing %s: %w", dir, err)
	}
	return nil
}

// unlock releases f's lock before f is closed: the lock belongs to the
// open file, which a child process forked meanwhile shares until its exec
// closes what it inherited, so closing f alone could keep another
// process waiting that long.
func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
