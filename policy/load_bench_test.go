package policy

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// benchDeclaration returns a declaration of about n small entries: datasets
// of 20 fields, two time columns and a rule each, and one purpose for every
// ten datasets. With broken, every field names an unknown key instead of
// its category, so that the loader reports a problem at each of them and
// Validate a missing category it must recognise as a consequence: the path
// that once made loading quadratic (40,000 entries in 74 s).
func benchDeclaration(n int, broken bool) []byte {
	var b bytes.Buffer
	b.WriteString("controller: {name: Stadt Beispiel, address: Rathausplatz 1}\ndpo: {address: Rathausplatz 1}\nauthority: {name: LDI NRW}\npurposes:\n")
	datasets := max(1, n/20)
	for i := range (datasets + 9) / 10 {
		fmt.Fprintf(&b, "  - {id: p%d, description: {de: Zweck %d}, legal_basis: [6.1.e]}\n", i, i)
	}
	key := "category"
	if broken {
		key = "categ"
	}
	b.WriteString("datasets:\n")
	for d := range datasets {
		fmt.Fprintf(&b, "  - id: d%d\n    table: t%d\n    key: id\n    time: {at: at, seen: seen_at}\n    purposes: [p%d]\n    rules:\n      - {after: 7d, from: at, delete: true}\n    fields:\n", d, d, d/10)
		for f := range 20 {
			fmt.Fprintf(&b, "      f%d: {%s: usage}\n", f, key)
		}
	}
	return b.Bytes()
}

// loadTime returns the CPU time one Load of src takes (cpuTime), the best
// of reps runs.
func loadTime(b *testing.B, src []byte, reps int, wantErr bool) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range reps {
		runtime.GC()
		start := cpuTime()
		_, err := Load(bytes.NewReader(src), "bench.yaml")
		best = min(best, cpuTime()-start)
		if (err != nil) != wantErr {
			b.Fatalf("Load: error %v, want an error: %v", err, wantErr)
		}
	}
	return best
}

// parseTime is the hand-written baseline: how long yaml.v3 alone takes to
// parse src into a node tree, the least any loader of YAML can cost.
func parseTime(b *testing.B, src []byte, reps int) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range reps {
		runtime.GC()
		start := cpuTime()
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
		best = min(best, cpuTime()-start)
	}
	return best
}

// BenchmarkLoadIsLinear loads declarations of 4,000 and 40,000 entries,
// valid and with a problem in every entry, and reports how many times
// longer the large one takes ("40k/4k", linear is 10, the target at most
// 12), how Load compares with yaml.v3 parsing the same YAML alone
// ("load/parse"), and, as the baseline for the first, how many times
// longer yaml.v3 takes to parse the large one alone ("parse-40k/4k").
//
// Each is the CPU time per load of loads run back to back (twenty of the
// small declaration, two of the large one), so that each load pays its
// share of collecting the garbage it leaves, as it does in a program; the
// best of two rounds, the small and the large declaration taking turns
// so that both meet the same load on the machine. "40k/4k-fresh" is the
// ratio measured the older way, each load alone after a full collection:
// that charges the small load nothing for its garbage, since it never
// fills the collector's smallest heap, and the large one its share, so it
// leans high. "scan-40k/4k" is a second baseline: the loader's check of
// the text's characters alone, a scan that allocates nothing and is linear
// by construction, measured as "40k/4k" is; how far it strays from 10 is
// how far the machine moves a ratio of these two sizes:
//
//	go test -run '^$' -bench LoadIsLinear -benchtime 3x ./policy/
func BenchmarkLoadIsLinear(b *testing.B) {
	for _, broken := range []bool{false, true} {
		name := "valid"
		if broken {
			name = "a problem in every entry"
		}
		b.Run(name, func(b *testing.B) {
			small, large := benchDeclaration(4000, broken), benchDeclaration(40000, broken)
			var ratio, fresh, overParse, parseRatio, scanRatio float64
			runs := 0
			for b.Loop() {
				const rounds = 2
				forever := time.Duration(1<<63 - 1)
				ts, tl, tps, tp, fs, fl := forever, forever, forever, forever, forever, forever
				tss, tsl := forever, forever
				for range rounds {
					tss = min(tss, scansTime(small, 20))
					tsl = min(tsl, scansTime(large, 2))
					ts = min(ts, loadsTime(b, small, 20, broken))
					tl = min(tl, loadsTime(b, large, 2, broken))
					tps = min(tps, parsesTime(b, small, 20))
					tp = min(tp, parsesTime(b, large, 2))
					fs = min(fs, loadTime(b, small, 1, broken))
					fl = min(fl, loadTime(b, large, 1, broken))
				}
				ratio += float64(tl) / float64(ts)
				fresh += float64(fl) / float64(fs)
				overParse += float64(tl) / float64(tp)
				parseRatio += float64(tp) / float64(tps)
				scanRatio += float64(tsl) / float64(tss)
				runs++
			}
			b.ReportMetric(ratio/float64(runs), "40k/4k")
			b.ReportMetric(fresh/float64(runs), "40k/4k-fresh")
			b.ReportMetric(overParse/float64(runs), "load/parse")
			b.ReportMetric(parseRatio/float64(runs), "parse-40k/4k")
			b.ReportMetric(scanRatio/float64(runs), "scan-40k/4k")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// loadsTime returns the CPU time per load of k loads of src in a row.
func loadsTime(b *testing.B, src []byte, k int, wantErr bool) time.Duration {
	start := cpuTime()
	for range k {
		if _, err := Load(bytes.NewReader(src), "bench.yaml"); (err != nil) != wantErr {
			b.Fatalf("Load: error %v, want an error: %v", err, wantErr)
		}
	}
	return (cpuTime() - start) / time.Duration(k)
}

// scansTime returns the CPU time per scan of k scans of src in a row by
// the loader's check of a declaration's characters.
func scansTime(src []byte, k int) time.Duration {
	text := string(src)
	l := &loader{file: "bench.yaml"}
	start := cpuTime()
	for range k {
		if l.checkText(text) != nil {
			panic("the benchmark's declaration has a character YAML does not allow")
		}
	}
	return (cpuTime() - start) / time.Duration(k)
}

// parsesTime returns the CPU time per parse of k parses of src in a row by
// yaml.v3 alone, the hand-written baseline.
func parsesTime(b *testing.B, src []byte, k int) time.Duration {
	start := cpuTime()
	for range k {
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
	}
	return (cpuTime() - start) / time.Duration(k)
}

// BenchmarkLoad4MB loads a declaration just under MaxDeclarationSize,
// valid and with one problem in its last rule, and reports the CPU time of
// one Load in milliseconds, of yaml.v3 parsing the same YAML alone, and
// the ratio of the two:
//
//	go test -run '^$' -bench Load4MB -benchtime 3x ./policy/
func BenchmarkLoad4MB(b *testing.B) {
	n := 40000
	src := benchDeclaration(n, false)
	for len(src) < MaxDeclarationSize*95/100 {
		n = n * MaxDeclarationSize * 97 / 100 / len(src)
		src = benchDeclaration(n, false)
	}
	for len(src) > MaxDeclarationSize {
		n -= n / 50
		src = benchDeclaration(n, false)
	}
	// The problem is one Validate finds, so that Load looks up where it
	// is.
	i := bytes.LastIndex(src, []byte("from: at"))
	broken := append(append(append([]byte(nil), src[:i]...), "from: nowhere"...), src[i+len("from: at"):]...)
	for _, tc := range []struct {
		name    string
		src     []byte
		wantErr bool
	}{{"valid", src, false}, {"one problem", broken, true}} {
		b.Run(tc.name, func(b *testing.B) {
			var load, parse time.Duration
			runs := 0
			for b.Loop() {
				load += loadTime(b, tc.src, 1, tc.wantErr)
				parse += parseTime(b, tc.src, 1)
				runs++
			}
			b.ReportMetric(float64(len(tc.src))/(1<<20), "MiB")
			b.ReportMetric(float64(load.Microseconds())/1000/float64(runs), "ms/load")
			b.ReportMetric(float64(parse.Microseconds())/1000/float64(runs), "ms/parse")
			b.ReportMetric(float64(load)/float64(parse), "load/parse")
			b.ReportMetric(0, "ns/op")
		})
	}
}
