package policy

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
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

// BenchmarkLoadIsLinear loads declarations of 4,000 and 40,000 entries,
// valid and with a problem in every entry, and reports how many times
// longer the large one takes ("40k/4k", linear is 10, the target at most
// 12) with the upper quartile of the same ratio ("40k/4k-q3"), how Load
// compares with yaml.v3 parsing the same YAML alone ("load/parse"), and
// two baselines measured alongside: how many times longer yaml.v3 takes to
// parse the large one ("parse-40k/4k"), and the loader's check of the
// text's characters alone ("scan-40k/4k"), a scan that allocates nothing
// and is linear by construction: how far it strays from 10 is how far the
// machine moves a ratio of these two sizes.
//
// A ratio is taken in rounds, each timing both sizes one after the other,
// the order alternating; each figure is the median of its rounds, since
// one round on a shared machine can be off by a third either way. A round
// times the CPU time per load of loads run back to back (thirty of the
// small declaration, three of the large one), so that each load pays its
// share of collecting the garbage it leaves, as it does in a program;
// untimed loads of the same declaration come first, so that the heap has
// the size the loads need, not the size the other declaration left.
// "40k/4k-fresh" is each load alone after a full collection instead: the
// large one then grows the heap from the collector's 4 MB minimum and
// meets collections and page faults the small one, which never fills it,
// does not, so it leans high. Run it as
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
			var load, fresh, parse, scan []float64
			var loadLarge, parseLarge []time.Duration
			round := 0
			for b.Loop() {
				for range linearityRounds {
					round++
					var ts, tl time.Duration
					timeBoth(round, func() { ts = loadsTime(b, small, 3, 30, broken) },
						func() { tl = loadsTime(b, large, 1, 3, broken) })
					load = append(load, ratio(tl, ts))
					loadLarge = append(loadLarge, tl)
					timeBoth(round, func() { ts = scansTime(small, 300) }, func() { tl = scansTime(large, 30) })
					scan = append(scan, ratio(tl, ts))
					timeBoth(round, func() { ts = loadTime(b, small, broken) }, func() { tl = loadTime(b, large, broken) })
					fresh = append(fresh, ratio(tl, ts))
				}
				// yaml.v3 takes about seven times as long as Load: fewer
				// rounds of it.
				for range 3 {
					round++
					var ts, tl time.Duration
					timeBoth(round, func() { ts = parsesTime(b, small, 1, 10) },
						func() { tl = parsesTime(b, large, 1, 1) })
					parse = append(parse, ratio(tl, ts))
					parseLarge = append(parseLarge, tl)
				}
			}
			b.ReportMetric(quantile(load, 0.5), "40k/4k")
			b.ReportMetric(quantile(load, 0.75), "40k/4k-q3")
			b.ReportMetric(quantile(fresh, 0.5), "40k/4k-fresh")
			b.ReportMetric(float64(median(loadLarge))/float64(median(parseLarge)), "load/parse")
			b.ReportMetric(quantile(parse, 0.5), "parse-40k/4k")
			b.ReportMetric(quantile(scan, 0.5), "scan-40k/4k")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// linearityRounds is how many rounds BenchmarkLoadIsLinear times in each
// of its iterations.
const linearityRounds = 9

// timeBoth runs small and large, small first in odd rounds and large first
// in even ones, so that neither always meets what the other left.
func timeBoth(round int, small, large func()) {
	if round%2 == 1 {
		small()
		large()
		return
	}
	large()
	small()
}

func ratio(large, small time.Duration) float64 { return float64(large) / float64(small) }

// quantile returns the q-quantile of xs, the nearest rank's, sorting xs.
func quantile(xs []float64, q float64) float64 {
	slices.Sort(xs)
	return xs[min(len(xs)-1, int(q*float64(len(xs))))]
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// loadTime returns the CPU time one Load of src takes (cpuTime) after a
// full collection.
func loadTime(b *testing.B, src []byte, wantErr bool) time.Duration {
	cpu, _ := timeLoad(b, src, wantErr)
	return cpu
}

// timeLoad returns the CPU time and the wall-clock time one Load of src
// takes after a full collection.
func timeLoad(b *testing.B, src []byte, wantErr bool) (cpu, wall time.Duration) {
	runtime.GC()
	start, startWall := cpuTime(), time.Now()
	_, err := Load(bytes.NewReader(src), "bench.yaml")
	cpu, wall = cpuTime()-start, time.Since(startWall)
	if (err != nil) != wantErr {
		b.Fatalf("Load: error %v, want an error: %v", err, wantErr)
	}
	return cpu, wall
}

// loadsTime returns the CPU time per load of k loads of src in a row,
// after warm loads of it that are not timed.
func loadsTime(b *testing.B, src []byte, warm, k int, wantErr bool) time.Duration {
	var start time.Duration
	for i := range warm + k {
		if i == warm {
			start = cpuTime()
		}
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
// yaml.v3 alone, the hand-written baseline, after warm parses that are not
// timed.
func parsesTime(b *testing.B, src []byte, warm, k int) time.Duration {
	var start time.Duration
	for i := range warm + k {
		if i == warm {
			start = cpuTime()
		}
		var n yaml.Node
		if err := yaml.Unmarshal(src, &n); err != nil {
			b.Fatal(err)
		}
	}
	return (cpuTime() - start) / time.Duration(k)
}

// BenchmarkLoad4MB loads a declaration just under MaxDeclarationSize,
// valid and with one problem in its last rule, and reports the CPU time of
// one Load in milliseconds, the time a person waits for it ("ms-wall",
// the collector working on the other core), the CPU time of yaml.v3
// parsing the same YAML alone, and the ratio of the two. Each load and
// parse comes after a full collection; the first load of a run also pays
// for the process's first use of the memory, as a command's one load
// does:
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
			var load, wall, parse time.Duration
			runs := 0
			for b.Loop() {
				cpu, took := timeLoad(b, tc.src, tc.wantErr)
				load += cpu
				wall += took
				runtime.GC()
				parse += parsesTime(b, tc.src, 0, 1)
				runs++
			}
			b.ReportMetric(float64(len(tc.src))/(1<<20), "MiB")
			b.ReportMetric(float64(load.Microseconds())/1000/float64(runs), "ms/load")
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(runs), "ms-wall/load")
			b.ReportMetric(float64(parse.Microseconds())/1000/float64(runs), "ms/parse")
			b.ReportMetric(float64(load)/float64(parse), "load/parse")
			b.ReportMetric(0, "ns/op")
		})
	}
}
