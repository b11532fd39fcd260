package logstore_test

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/policy"
)

// crashEnv names the directory a child process sweeps; the parent kills
// it with SIGKILL somewhere in the middle.
const crashEnv = "FRIST_LOGSTORE_CRASH_DIR"

func crashRules() []policy.Rule {
	return []policy.Rule{{After: policy.MustParsePeriod("7d"), From: "requested_at", Anonymize: []policy.FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}}}
}

// TestCrashChild is the child of TestCrashMidRewriteLeavesWholeFilesAndTheNextSweepFinishes.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("runs only as the child of the crash test")
	}
	os.Stdout.WriteString("sweeping\n")
	sweep(t, accessLogDecl(t, dir, "", crashRules()...), now)
	os.Stdout.WriteString("done\n")
}

// crashLogs writes ten rotated files, most of them due, big enough that a
// sweep takes a while.
func crashLogs(t testing.TB, dir string) {
	g := newLogGen()
	g.writeLog(t, dir, "access.log", now.Add(-20*time.Hour), 10*time.Second, 3000)
	for i := 1; i <= 10; i++ {
		name := "access.log." + string(rune('0'+i%10))
		if i == 10 {
			name = "access.log.10"
		}
		if i%2 == 0 {
			name += ".gz"
		}
		g.writeLog(t, dir, name, now.Add(-time.Duration(i)*24*time.Hour), 80*time.Second, 1000)
	}
}

// runChild starts the child on dir and returns it once it is sweeping.
func runChild(t *testing.T, dir string) (*exec.Cmd, *bufio.Scanner) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "sweeping" {
			return cmd, sc
		}
	}
	t.Fatalf("the child did not start sweeping: %v", sc.Err())
	return nil, nil
}

// docs/DESIGN.md, "Atomic batches": "A crash leaves each record either processed and
// audited or untouched and still due; the next sweep finishes the work."
func TestCrashMidRewriteLeavesWholeFilesAndTheNextSweepFinishes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	// How long an uninterrupted sweep takes, to kill inside it.
	template := t.TempDir()
	crashLogs(t, template)
	calib := t.TempDir()
	copyDir(t, template, calib)
	cmd, sc := runChild(t, calib)
	start := time.Now()
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "done" {
			break
		}
	}
	full := time.Since(start)
	for sc.Scan() {
	}
	require.NoError(t, cmd.Wait())
	t.Logf("an uninterrupted sweep takes %v", full)
	require.Zero(t, dueLines(t, calib), "an uninterrupted sweep must mask every due line")
	want := 0
	for _, e := range readAudit(t, calib) {
		want += e.Count
	}
	require.Positive(t, want)

	interrupted := 0
	for run := range 5 {
		dir := t.TempDir()
		copyDir(t, template, dir)
		orig := readAll(t, dir)
		cmd, _ := runChild(t, dir)
		time.Sleep(time.Duration(rand.Int64N(int64(full))))
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()

		// Only whole files: every log file decompresses and has every
		// line it had.
		left := readAll(t, dir)
		var leftovers []string
		for name := range left {
			if strings.HasPrefix(name, ".frist-tmp-") || name == ".frist-journal.json" {
				leftovers = append(leftovers, name)
			}
		}
		done := 0
		if _, ok := left[".frist-audit.jsonl"]; ok {
			done = len(readAudit(t, dir))
		}
		t.Logf("run %d: the kill left %d audit entries and %v", run, done, leftovers)
		if len(leftovers) > 0 || done > 0 && done < len(readAudit(t, calib)) {
			interrupted++
		}
		for name, text := range left {
			if !strings.HasPrefix(name, "access.log") {
				continue
			}
			assert.Equal(t, strings.Count(orig[name], "\n"), strings.Count(text, "\n"), "run %d: %s must be whole after a crash", run, name)
		}

		// The next sweep finishes the work and accounts for every line once.
		sweep(t, accessLogDecl(t, dir, "", crashRules()...), now)
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			assert.False(t, strings.HasPrefix(e.Name(), ".frist-tmp-"), "run %d: temporary file %s must be gone after the next sweep", run, e.Name())
			assert.NotEqual(t, ".frist-journal.json", e.Name(), "run %d: the journal must be finished", run)
		}
		assert.Zero(t, dueLines(t, dir), "run %d: the next sweep must finish the work", run)
		entries := readAudit(t, dir)
		_, err = audit.Verify(entries, nil)
		require.NoError(t, err, "run %d: the audit log must verify", run)
		total := 0
		for _, e := range entries {
			total += e.Count
		}
		assert.Equal(t, want, total, "run %d: the audit entries must count every due line exactly once: the batch and its entry are atomic", run)
	}
	t.Logf("%d of 5 kills hit a sweep in the middle of its work", interrupted)
}

// dueLines counts the lines of rotated files older than seven days that
// still carry an unmasked client address of the generator's ranges.
func dueLines(t testing.TB, dir string) int {
	cutoff := now.AddDate(0, 0, -7)
	n := 0
	for name, text := range readAll(t, dir) {
		if !strings.HasPrefix(name, "access.log.") {
			continue
		}
		for _, ln := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			if lineTime(t, ln).After(cutoff) {
				continue
			}
			for ip := range ipsIn(ln) {
				if ip != "120.0.0.0" && !strings.HasSuffix(ip, ".0") && !strings.HasSuffix(ip, "::") {
					n++
					break
				}
			}
		}
	}
	return n
}

func readAudit(t testing.TB, dir string) []audit.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".frist-audit.jsonl"))
	require.NoError(t, err)
	var out []audit.Entry
	for _, ln := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if ln == "" {
			continue
		}
		var e audit.Entry
		require.NoError(t, jsonUnmarshal([]byte(ln), &e))
		out = append(out, e)
	}
	return out
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	ents, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range ents {
		require.NoError(t, copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())))
	}
}
