package logstore

import (
	"bufio"
	"compress/gzip"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// hiddenPrefix starts the names of frist's own files in a log directory
// (state, audit log, journal, temporary files); patterns never match them.
const hiddenPrefix = ".frist-"

// tmpPrefix starts the name of a rewrite in progress.
const tmpPrefix = hiddenPrefix + "tmp-"

// fileID tells one version of a file from another: a rewrite, an append or
// a rotation changes at least one of them.
type fileID struct {
	Size  int64  `json:"size"`
	ModNs int64  `json:"mtime_ns"`
	Ino   uint64 `json:"inode"`
}

// logFile is one file of a dataset.
type logFile struct {
	name string
	gz   bool
	live bool
	id   fileID
}

// list returns the files of d matching its pattern, by name.
func (d *dataset) list() ([]logFile, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("logstore: dataset %q: reading the log directory: %w", d.decl.ID, err)
	}
	var out []logFile
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, hiddenPrefix) || !e.Type().IsRegular() {
			continue
		}
		if ok, _ := filepath.Match(d.pattern, name); !ok {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // rotated away meanwhile
			}
			return nil, fmt.Errorf("logstore: dataset %q: %w", d.decl.ID, err)
		}
		out = append(out, logFile{name: name, gz: strings.HasSuffix(name, ".gz"), live: name == d.live, id: idOf(fi)})
	}
	slices.SortFunc(out, func(a, b logFile) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// lineKey is the key of line n of file when the dataset names no key
// member.
func lineKey(file string, n int) string { return file + ":" + strconv.Itoa(n) }

// parseLineKey splits a key made by lineKey; n is 0 for a bare file name.
func parseLineKey(key string) (file string, n int) {
	i := strings.LastIndexByte(key, ':')
	if i < 0 {
		return key, 0
	}
	n, err := strconv.Atoi(key[i+1:])
	if err != nil || n <= 0 {
		return key, 0
	}
	return key[:i], n
}

// MaxLineLength is the longest line a Store reads whole: 1 MiB, far
// beyond what a web server writes (nginx refuses request headers over 8 KiB
// by default). Of a longer line only the first MaxLineLength bytes (and
// at most one read buffer more) are held in memory; the line is overlong,
// and the rest of it is streamed, never read into memory, so that memory
// does not follow line length. An overlong line is treated as malformed
// (its time is the request time at its start in a common or combined log,
// else the time of the line before it), and since it cannot be
// searched for addresses in bounded memory, every rule that is due on it
// deletes it, an anonymizing one too: it is never kept with an address in
// it past its rule's period. A line that is not due is kept byte for byte.
// Overlong lines are reported to Options.Logger by file and count.
const MaxLineLength = 1 << 20

// readBuffer is the size of the buffers lines are read through.
const readBuffer = 256 << 10

// lineReader streams the lines of a plain or gzip-compressed file.
type lineReader struct {
	f   *os.File
	gz  *gzip.Reader
	r   *bufio.Reader
	buf []byte
	// rest is set while the rest of an overlong line is unread.
	rest bool
}

func openLines(path string, gz bool) (*lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	lr := &lineReader{f: f}
	var src io.Reader = f
	if gz {
		lr.gz, err = gzip.NewReader(bufio.NewReaderSize(f, readBuffer))
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("not a gzip file: %w", err)
		}
		src = lr.gz
	}
	lr.r = bufio.NewReaderSize(src, readBuffer)
	return lr, nil
}

// next returns the next line without its line end; the slice is valid
// until the next call. It returns io.EOF after the last line. For an
// overlong line (MaxLineLength) it returns the line's head, at most
// MaxLineLength plus one read buffer, and long set: the rest of the line
// is left unread for copyRest, and skipped by the next call to next.
func (lr *lineReader) next() (b []byte, long bool, err error) {
	if err := lr.skipRest(); err != nil {
		return nil, false, err
	}
	b, err = lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.buf = append(lr.buf[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) && len(lr.buf) < MaxLineLength {
			b, err = lr.r.ReadSlice('\n')
			lr.buf = append(lr.buf, b...)
		}
		b = lr.buf
		if errors.Is(err, bufio.ErrBufferFull) {
			lr.rest = true
			return b, true, nil
		}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	if len(b) == 0 && err != nil {
		return nil, false, io.EOF
	}
	return trimEOL(b), false, nil
}

// copyRest writes the unread rest of the overlong line next returned to
// w, without its line end, through the read buffer only.
func (lr *lineReader) copyRest(w io.Writer) error {
	for lr.rest {
		b, err := lr.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
		case err == nil || errors.Is(err, io.EOF):
			lr.rest = false
			b = trimEOL(b)
		default:
			return err
		}
		if _, werr := w.Write(b); werr != nil {
			return werr
		}
	}
	return nil
}

// skipRest reads past the unread rest of an overlong line.
func (lr *lineReader) skipRest() error { return lr.copyRest(io.Discard) }

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

func (lr *lineReader) close() error {
	if lr.gz != nil {
		_ = lr.gz.Close()
	}
	return lr.f.Close()
}

// scan streams the lines of file f of d to fn, parsed. A line that does
// not parse is passed with bad set and the time of the line before it (or
// fallback for malformed lines before the first good one). fn may keep
// nothing of the line beyond the call.
func (d *dataset) scan(f logFile, fallback time.Time, fn func(l *line) error) error {
	lr, err := openLines(filepath.Join(d.dir, f.name), f.gz)
	if err != nil {
		return fmt.Errorf("logstore: dataset %q: opening %s: %w", d.decl.ID, f.name, err)
	}
	defer func() { _ = lr.close() }()
	var tc timeCache
	want := 7
	if d.format == formatCombined {
		want = numParts
	}
	prev := fallback
	l := &line{}
	for n := 1; ; n++ {
		b, long, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("logstore: dataset %q: reading %s line %d: %w", d.decl.ID, f.name, n, err)
		}
		*l = line{n: n, raw: b}
		if long {
			// Only the head is in memory: the line is not parsed, and
			// its rest is streamed (copyRest) or skipped. Its time is
			// the request time at its start, which a common or combined
			// line shows, else the time of the line before it.
			l.bad, l.t, l.rest = true, prev, lr
			if d.format != formatJSONL {
				if c, _ := parseCLF(string(b[:min(len(b), 4096)]), want, &tc); !c.t.IsZero() {
					l.t = c.t
				}
			}
		} else if d.format == formatJSONL {
			l.js, l.bad = parseJSON(b)
			l.bad = !l.bad
		} else {
			var ok bool
			l.clf, ok = parseCLF(string(b), want, &tc)
			l.bad = !ok
			l.t = l.clf.t
		}
		if l.rest != nil {
			// Overlong: its time was set above.
		} else if l.bad {
			l.t = prev
		} else if t := d.firstTime(l); !t.IsZero() {
			prev = t
		}
		if err := fn(l); err != nil {
			return err
		}
	}
}

// rewriter writes the new version of a file to a temporary file in the
// same directory, compressed when the file is.
type rewriter struct {
	dir, target, tmp string
	f                *os.File
	gz               *gzip.Writer
	w                *bufio.Writer
	lines            int
}

func newRewriter(dir, target string, gz bool) (*rewriter, error) {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := tmpPrefix + target + "-" + hex.EncodeToString(rnd[:])
	f, err := os.OpenFile(filepath.Join(dir, tmp), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("logstore: creating a temporary file next to %s: %w", target, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, target)); err == nil {
		_ = f.Chmod(fi.Mode().Perm())
	}
	rw := &rewriter{dir: dir, target: target, tmp: tmp, f: f}
	var dst io.Writer = f
	if gz {
		rw.gz = gzip.NewWriter(f)
		dst = rw.gz
	}
	rw.w = bufio.NewWriterSize(dst, 256<<10)
	return rw, nil
}

func (rw *rewriter) writeLine(b []byte) error {
	rw.lines++
	if _, err := rw.w.Write(b); err != nil {
		return err
	}
	return rw.w.WriteByte('\n')
}

// copyLine writes line l unchanged: its bytes and, for an overlong line,
// the rest streamed from the file it is read from.
func (rw *rewriter) copyLine(l *line) error {
	if l.rest == nil {
		return rw.writeLine(l.raw)
	}
	rw.lines++
	if _, err := rw.w.Write(l.raw); err != nil {
		return err
	}
	if err := l.rest.copyRest(rw.w); err != nil {
		return err
	}
	return rw.w.WriteByte('\n')
}

// finish flushes, closes the gzip stream and fsyncs the temporary file.
func (rw *rewriter) finish() error {
	err := rw.w.Flush()
	if rw.gz != nil && err == nil {
		err = rw.gz.Close()
	}
	if err == nil {
		err = rw.f.Sync()
	}
	if cerr := rw.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(filepath.Join(rw.dir, rw.tmp))
		return fmt.Errorf("logstore: writing the new version of %s: %w", rw.target, err)
	}
	return nil
}

// abort removes the temporary file.
func (rw *rewriter) abort() {
	_ = rw.f.Close()
	_ = os.Remove(filepath.Join(rw.dir, rw.tmp))
}

// syncDir fsyncs a directory, so that a rename or removal in it is
// durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeFileAtomic replaces dir/name with data: a temporary file, fsynced,
// renamed over it, and the directory fsynced.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := tmpPrefix + name
	if err := writeTemp(dir, tmp, data); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name)); err != nil {
		_ = os.Remove(filepath.Join(dir, tmp))
		return err
	}
	return syncDir(dir)
}

// writeTemp writes data to the file tmp in dir and fsyncs it; on failure
// it removes what it wrote.
func writeTemp(dir, tmp string, data []byte) error {
	return writeTempHalf(dir, tmp, data, nil)
}

// writeTempHalf is writeTemp that calls half, unless it is nil, once the
// first half of data is written, and fails with its error: the step at
// which the package's tests fail a write, or kill the process, with a
// torn temporary file on disk (Store.fault).
func writeTempHalf(dir, tmp string, data []byte, half func() error) error {
	path := filepath.Join(dir, tmp)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if half == nil {
		_, err = f.Write(data)
	} else if _, err = f.Write(data[:len(data)/2]); err == nil {
		if err = half(); err == nil {
			_, err = f.Write(data[len(data)/2:])
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}
