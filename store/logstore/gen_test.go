package logstore_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/anonymize"
)

// logGen writes realistic access logs: every line has its own client
// address, so that a test can tell which address survived where.
type logGen struct {
	n int
	// ips maps every address written to the time of its line.
	ips map[string]time.Time
}

func newLogGen() *logGen { return &logGen{ips: map[string]time.Time{}} }

// addr returns the next client address and how the log writes it: IPv4,
// IPv6, bracketed IPv6, IPv4-mapped IPv6, in turn.
func (g *logGen) addr(t time.Time) (ip, written string) {
	g.n++
	i := g.n
	switch i % 4 {
	case 0:
		ip = fmt.Sprintf("198.18.%d.%d", i/250%250, i%250+1)
		written = ip
	case 1:
		ip = fmt.Sprintf("2001:db8:%x::%x", i%0xffff, i%0xfff+1)
		written = ip
	case 2:
		ip = fmt.Sprintf("2001:db8:1:%x::%x", i%0xffff, i%0xfff+1)
		written = "[" + ip + "]"
	default:
		ip = fmt.Sprintf("::ffff:198.19.%d.%d", i/250%250, i%250+1)
		written = ip
	}
	g.ips[ip] = t
	return ip, written
}

// line returns one Combined Log Format line at t. Every seventh line
// carries an address in its URL query, every eleventh is malformed (with
// an address in it), every thirteenth has an escaped quote in the user
// agent and "-" for the user and the byte count.
func (g *logGen) line(t time.Time) string {
	hostIP, host := g.addr(t)
	ts := t.Format("02/Jan/2006:15:04:05 -0700")
	g.n++
	switch {
	case g.n%11 == 0:
		delete(g.ips, hostIP) // a malformed line has no host part
		ip, _ := g.addr(t)
		return fmt.Sprintf("%s upstream timed out while reading from client %s", ts, ip)
	case g.n%7 == 0:
		ip, _ := g.addr(t)
		return fmt.Sprintf(`%s - - [%s] "GET /lookup?ip=%s&x=1 HTTP/1.1" 200 512 "https://www.stadt.example/suche?q=amt" "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0"`, host, ts, ip)
	case g.n%13 == 0:
		return fmt.Sprintf(`%s - - [%s] "POST /formular HTTP/1.1" 302 - "-" "Bot \"quoted\" 1.0"`, host, ts)
	default:
		return fmt.Sprintf(`%s - erika [%s] "GET /buergerbuero/termine?page=%d HTTP/2.0" 200 %d "https://www.stadt.example/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/128.0"`, host, ts, g.n%9, 1000+g.n%5000)
	}
}

// writeLog writes n lines from start, step apart, to dir/name (gzip when
// the name ends in .gz).
func (g *logGen) writeLog(t testing.TB, dir, name string, start time.Time, step time.Duration, n int) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	require.NoError(t, err)
	var w io.Writer = f
	var zw *gzip.Writer
	if strings.HasSuffix(name, ".gz") {
		zw = gzip.NewWriter(f)
		w = zw
	}
	for i := range n {
		_, err := io.WriteString(w, g.line(start.Add(time.Duration(i)*step))+"\n")
		require.NoError(t, err)
	}
	if zw != nil {
		require.NoError(t, zw.Close())
	}
	require.NoError(t, f.Close())
}

// readAll returns the text of every file in dir, gzip files decompressed,
// by name.
func readAll(t testing.TB, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		if strings.HasSuffix(e.Name(), ".gz") {
			zr, err := gzip.NewReader(strings.NewReader(string(b)))
			require.NoError(t, err, "%s must be a whole gzip file", e.Name())
			b, err = io.ReadAll(zr)
			require.NoError(t, err, "%s must be a whole gzip file", e.Name())
		}
		out[e.Name()] = string(b)
	}
	return out
}

// ipsIn returns every IP address anonymize.Find sees in s, canonicalized.
func ipsIn(s string) map[string]bool {
	out := map[string]bool{}
	for _, m := range anonymize.Find(s) {
		if m.Kind == anonymize.KindIP {
			a, err := anonymize.ParseIP(strings.Trim(s[m.Start:m.End], "[]"))
			if err == nil {
				out[a.String()] = true
			}
		}
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
