package logstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCLFReadsEveryFormOfTheParts(t *testing.T) {
	at := time.Date(2026, 3, 12, 8, 15, 30, 0, time.FixedZone("", 3600))
	cases := []struct {
		name, line string
		parts      int
		want       map[int]any
	}{
		{"IPv4, common", `203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET /a?b=1 HTTP/1.1" 200 512`, 7,
			map[int]any{partAddr: "203.0.113.7", partUser: nil, colPath: "/a", colQuery: "b=1", partStatus: "200", partBytes: "512"}},
		{"IPv6", `2001:db8::7 - erika [12/Mar/2026:08:15:30 +0100] "GET / HTTP/2.0" 304 -`, 7,
			map[int]any{partAddr: "2001:db8::7", partUser: "erika", partBytes: nil, colQuery: nil}},
		{"bracketed IPv6", `[2001:db8::7] - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/2.0" 200 1`, 7,
			map[int]any{partAddr: "2001:db8::7"}},
		{"IPv4-mapped IPv6", `::ffff:203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.0" 200 1`, 7,
			map[int]any{partAddr: "::ffff:203.0.113.7"}},
		{"combined with escaped quotes", `203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET /q?x=\"y\" HTTP/1.1" 200 5 "-" "Bot \"1\" \\ x"`, numParts,
			map[int]any{partReferer: nil, partAgent: `Bot "1" \ x`, colQuery: `x="y"`}},
		{"combined with trailing fields", `203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.1" 200 5 "https://r.example/" "UA" "198.51.100.9"`, numParts,
			map[int]any{partReferer: "https://r.example/", partAgent: "UA"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tc timeCache
			l, ok := parseCLF(c.line, c.parts, &tc)
			require.True(t, ok)
			assert.True(t, l.t.Equal(at), "time %v", l.t)
			for col, want := range c.want {
				assert.Equal(t, want, l.get(col), "column %d", col)
			}
			assert.Equal(t, c.line, string(l.appendTo(nil)), "an unchanged line must be written back byte for byte")
		})
	}
}

func TestParseCLFRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{
		``,
		`garbage 203.0.113.7`,
		`203.0.113.7 - - [not a time] "GET / HTTP/1.1" 200 5`,
		`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.1 200 5`,
		`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.1" 2000 5`,
		`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.1" 200 5x`,
		`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100]`,
	} {
		var tc timeCache
		_, ok := parseCLF(line, 7, &tc)
		assert.False(t, ok, "%q must be malformed", line)
	}
	var tc timeCache
	_, ok := parseCLF(`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET / HTTP/1.1" 200 5`, numParts, &tc)
	assert.False(t, ok, "a common line is malformed in a combined log")
}

func TestCLFSetRewritesOnlyTheNamedPart(t *testing.T) {
	const line = `[2001:db8::7] - - [12/Mar/2026:08:15:30 +0100] "GET /suche?ip=203.0.113.9 HTTP/1.1" 200 5 "-" "UA \"x\""`
	var tc timeCache
	l, ok := parseCLF(line, numParts, &tc)
	require.True(t, ok)
	masked := "2001:db8::"
	l.set(partAddr, &masked)
	assert.Equal(t, `[2001:db8::] - - [12/Mar/2026:08:15:30 +0100] "GET /suche?ip=203.0.113.9 HTTP/1.1" 200 5 "-" "UA \"x\""`, string(l.appendTo(nil)))
	l.set(colQuery, nil)
	l.set(partAgent, nil)
	assert.Equal(t, `[2001:db8::] - - [12/Mar/2026:08:15:30 +0100] "GET /suche HTTP/1.1" 200 5 "-" "-"`, string(l.appendTo(nil)))
	quote := `a "b" \`
	l.set(partReferer, &quote)
	l2, ok := parseCLF(string(l.appendTo(nil)), numParts, &tc)
	require.True(t, ok, "a written line must parse again")
	assert.Equal(t, quote, l2.get(partReferer))
}

func TestParseJSONKeepsMemberOrderAndRawValues(t *testing.T) {
	const in = `{"time":"2026-03-12T08:15:30+01:00", "remote_addr":"203.0.113.7","msec":1773299730.5,"n":7,"obj":{"a":[1,2]},"nil":null}`
	l, ok := parseJSON([]byte(in))
	require.True(t, ok)
	assert.Equal(t, "203.0.113.7", l.get("remote_addr"))
	assert.Equal(t, int64(7), l.get("n"))
	assert.Nil(t, l.get("nil"))
	assert.Nil(t, l.get("absent"))
	ts, ok := l.jsonTime("msec", "unix")
	require.True(t, ok)
	assert.Equal(t, time.Unix(1773299730, 500000000).UTC(), ts)
	require.NoError(t, l.set("remote_addr", "203.0.113.0"))
	assert.Equal(t, `{"time":"2026-03-12T08:15:30+01:00","remote_addr":"203.0.113.0","msec":1773299730.5,"n":7,"obj":{"a":[1,2]},"nil":null}`, string(l.appendTo(nil)))
	for _, bad := range []string{``, `[1]`, `{"a":1} x`, `{"a":}`, `not json 203.0.113.7`} {
		_, ok := parseJSON([]byte(bad))
		assert.False(t, ok, "%q must be malformed", bad)
	}
}

func FuzzParseCLFWritesAnUnchangedLineBack(f *testing.F) {
	f.Add(`203.0.113.7 - - [12/Mar/2026:08:15:30 +0100] "GET /q?x=\"y\" HTTP/1.1" 200 5 "-" "Bot \"1\""`)
	f.Add(`[2001:db8::7] - erika [12/Mar/2026:08:15:30 +0100] "GET / HTTP/2.0" 304 - "r" "u" tail`)
	f.Fuzz(func(t *testing.T, line string) {
		for _, parts := range []int{7, numParts} {
			var tc timeCache
			l, ok := parseCLF(line, parts, &tc)
			if !ok {
				continue
			}
			if got := string(l.appendTo(nil)); got != line {
				t.Fatalf("parsed %q but writes back %q", line, got)
			}
			for c := range colQuery + 1 {
				_ = l.get(c)
			}
		}
	})
}
