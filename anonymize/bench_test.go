package anonymize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
)

// benchText is a 1 KiB booking note with a few identifiers in it.
var benchText = func() string {
	base := "Guten Tag, ich möchte einen Termin für die Verlängerung meines Personalausweises vereinbaren. " +
		"Sie erreichen mich unter erika.mustermann@example.org oder telefonisch unter +49 5423 123456. " +
		"Geboren bin ich am 17.05.1980, meine Steuer-ID lautet 86095742719. Die Gebühr überweise ich von " +
		"DE89 3704 0044 0532 0130 00. Falls es Probleme mit dem Formular gibt: meine Verbindung lief über " +
		"192.0.2.44. Vielen Dank und freundliche Grüße aus der Innenstadt, ich komme gern auch vormittags. "
	s := strings.Repeat(base, 1024/len(base)+1)
	return s[:1024]
}()

var sinkAny any

var sinkString string

func BenchmarkIPMaskString(b *testing.B) {
	for _, in := range []string{"192.0.2.77", "2001:db8:abcd:12:1:2:3:4", "[2001:db8::1]:443"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString, _ = DefaultIPMask().MaskString(in)
			}
		})
	}
}

// BenchmarkIPMaskBaseline is the hand-written floor: parse, prefix, format
// with net/netip and nothing else.
func BenchmarkIPMaskBaseline(b *testing.B) {
	for _, c := range []struct {
		in   string
		bits int
	}{{"192.0.2.77", 24}, {"2001:db8:abcd:12:1:2:3:4", 48}} {
		b.Run(c.in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, _ := netip.ParseAddr(c.in)
				p, _ := a.Prefix(c.bits)
				sinkString = p.Addr().String()
			}
		})
	}
}

func BenchmarkIPMaskApply(b *testing.B) {
	op := mustSpec(b, "ip_mask")
	b.ReportAllocs()
	for b.Loop() {
		sinkAny, _ = op.Apply("192.0.2.77")
	}
}

func BenchmarkPseudonym(b *testing.B) {
	r := testRing(b, "k")
	b.ReportAllocs()
	for b.Loop() {
		sinkString = r.Pseudonym("erika.mustermann@example.org")
	}
}

// BenchmarkPseudonymBaseline builds a fresh HMAC for every value, as code
// without pooled state would.
func BenchmarkPseudonymBaseline(b *testing.B) {
	secret := testKey("k").Secret
	b.ReportAllocs()
	for b.Loop() {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte("erika.mustermann@example.org"))
		sinkString = "k:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
	}
}

func BenchmarkScrub1KiB(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		sinkString = Scrub(benchText)
	}
}

func BenchmarkScrub1KiBNoFindings(b *testing.B) {
	clean := strings.Repeat("Ich möchte einen Termin im Bürgerbüro vereinbaren. ", 21)[:1024]
	b.SetBytes(int64(len(clean)))
	b.ReportAllocs()
	for b.Loop() {
		sinkString = Scrub(clean)
	}
}

// BenchmarkScrub1KiBRegexpBaseline scrubs the same text with one regular
// expression per kind, the obvious way to write it (without the check sum
// and calendar validation Scrub does).
func BenchmarkScrub1KiBRegexpBaseline(b *testing.B) {
	res := []struct {
		re  *regexp.Regexp
		rep string
	}{
		{regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`), "[EMAIL]"},
		{regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b`), "[IBAN]"},
		{regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`), "[IP]"},
		{regexp.MustCompile(`\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b\d{4}-\d{2}-\d{2}\b`), "[DATE]"},
		{regexp.MustCompile(`\b[1-9]\d{10}\b`), "[TAXID]"},
		{regexp.MustCompile(`(?:\+|\b0)[\d /()-]{5,}\d`), "[PHONE]"},
	}
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for b.Loop() {
		s := benchText
		for _, r := range res {
			s = r.re.ReplaceAllString(s, r.rep)
		}
		sinkString = s
	}
}

func BenchmarkOperators(b *testing.B) {
	ring := testRing(b, "k")
	cases := []struct {
		spec string
		in   any
	}{
		{"null", "x"},
		{"redact", "Erika Mustermann"},
		{"pseudonym(k)", "citizen-17"},
		{"ip_mask", "192.0.2.77"},
		{"ip_mask", "2001:db8:abcd:12::1"},
		{"mask_email", "erika.mustermann@example.org"},
		{"mask_phone(true)", "+49 5423 123456"},
		{"initials", "Erika Mustermann"},
		{"scrub", benchText},
		{"truncate_time(day)", time.Date(2024, 5, 17, 10, 47, 12, 0, time.UTC)},
		{"truncate_time(hour)", "2024-05-17 10:47:12"},
		{"birth_year", "1980-05-17"},
		{"age_band(at=2025-01-01)", "1980-05-17"},
		{"postal_code", "24568"},
		{"user_agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51"},
	}
	for _, c := range cases {
		s, err := Parse(c.spec)
		if err != nil {
			b.Fatal(err)
		}
		op, err := s.Build(map[string]*KeyRing{"k": ring})
		if err != nil {
			b.Fatal(err)
		}
		name := c.spec
		if c.spec == "ip_mask" {
			name += "/" + c.in.(string)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkAny, _ = op.Apply(c.in)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkAny, _ = Parse("ip_mask(v4=1, v6=80)")
	}
}

func BenchmarkAggregate(b *testing.B) {
	rows := make([]map[string]any, 1000)
	for i := range rows {
		rows[i] = map[string]any{"page": []string{"/a", "/b", "/c"}[i%3], "hour": int64(i % 24)}
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkAny, _ = Aggregate(rows, 5, "page", "hour")
	}
}
