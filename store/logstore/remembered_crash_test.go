package logstore_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/store/logstore"
)

// rememberCrashEnv names the state directory a child process remembers
// and forgets events in until the parent kills it with SIGKILL.
const rememberCrashEnv = "FRIST_LOGSTORE_REMEMBER_CRASH_DIR"

// rememberCrashKeys is the number of keys of each event the child
// remembers: enough that writing one takes a while.
const rememberCrashKeys = 3000

// TestRememberCrashChild is the child of
// TestAKillWhileRememberingLosesNothingAcknowledgedAndLeavesNoHalfEvent.
// It prints "added N" after Remember(N) returned, "removing N" before
// Forget(N) and "removed N" after it returned.
func TestRememberCrashChild(t *testing.T) {
	dir := os.Getenv(rememberCrashEnv)
	if dir == "" {
		t.Skip("runs only as the child of the crash test")
	}
	ctx := context.Background()
	st, err := logstore.New(bookingLogDecl(t, dir), nil)
	require.NoError(t, err)
	for n := 1; n < 1_000_000; n++ {
		require.NoError(t, st.Remember(ctx, rememberedEvent(n, rememberCrashKeys)))
		fmt.Fprintf(os.Stdout, "added %d\n", n)
		if n%3 == 0 {
			fmt.Fprintf(os.Stdout, "removing %d\n", n-1)
			require.NoError(t, st.Forget(ctx, rememberedID(n-1)))
			fmt.Fprintf(os.Stdout, "removed %d\n", n-1)
		}
	}
}

// A SIGKILL while the store remembers and forgets events loses no event
// Remember acknowledged, brings back none Forget acknowledged,
// leaves no event half-written (the next New reads every file whole) and
// no temporary file after the next New, and leaves nothing of a forgotten
// event's subject. Broken by not removing the temporary files in New
// (about half of the kills land in a write and leave one; 3 of 3 runs of
// ten kills failed), by forgetting in memory only (a removed event is
// listed again), and by writing the file in a goroutine, so that
// Remember returns before it is in place (an acknowledged event is
// lost). A write in place is not caught here (a kill rarely lands between
// a file's truncation and its one write);
// TestAReaderBesideTheWriterSeesOnlyWholeEvents catches it.
func TestAKillWhileRememberingLosesNothingAcknowledgedAndLeavesNoHalfEvent(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	const kills = 10
	for run := range kills {
		dir := t.TempDir()
		decl := bookingLogDecl(t, dir)
		cmd := exec.Command(os.Args[0], "-test.run=^TestRememberCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), rememberCrashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := make(chan string, 1<<16)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		added, removing, removed := map[int]bool{}, map[int]bool{}, map[int]bool{}
		last := 0
		record := func(ln string) {
			var n int
			switch {
			case scan(ln, "added %d", &n):
				added[n] = true
				last = max(last, n)
			case scan(ln, "removing %d", &n):
				removing[n] = true
			case scan(ln, "removed %d", &n):
				removed[n] = true
			}
		}
		// Kill at a random moment once the child has remembered a few.
		for ln := range lines {
			record(ln)
			if last >= 4 {
				break
			}
		}
		require.GreaterOrEqual(t, last, 4, "run %d: the child must remember events before it is killed", run)
		time.Sleep(time.Duration(rand.Int64N(int64(300 * time.Millisecond))))
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for ln := range lines {
			record(ln)
		}
		_ = cmd.Wait()
		var tmps []string
		for _, name := range rememberedFiles(t, dir) {
			if strings.HasPrefix(name, ".frist-tmp-") {
				tmps = append(tmps, name)
			}
		}
		t.Logf("run %d: killed after %d events remembered, %d forgotten; the kill left %d temporary files", run, last, len(removed), len(tmps))

		st, err := logstore.New(decl, nil)
		require.NoError(t, err, "run %d: New must read every event whole after a kill", run)
		ps, err := st.ListRemembered(ctx, "", 0)
		require.NoError(t, err)
		listed := map[int]bool{}
		for _, p := range ps {
			var n int
			require.True(t, scan(p.ID, "01900000-0000-7000-9000-%d", &n), "run %d: ID %q", run, p.ID)
			listed[n] = true
			want := rememberedEvent(n, rememberCrashKeys)
			want.At, want.RememberedAt = want.At.UTC(), want.RememberedAt.UTC()
			assert.Equal(t, want, p, "run %d: event %d must be whole", run, n)
			assert.True(t, added[n] || n == last+1, "run %d: event %d was never added", run, n)
		}
		for n := range added {
			if !removing[n] {
				assert.True(t, listed[n], "run %d: event %d was acknowledged and must survive the kill", run, n)
			}
		}
		for n := range removed {
			assert.False(t, listed[n], "run %d: event %d was forgotten and must stay forgotten", run, n)
			assert.Empty(t, filesHolding(t, dir, subjectOf(n)), "run %d: nothing of forgotten event %d's subject may be left", run, n)
		}
		for _, name := range rememberedFiles(t, dir) {
			assert.False(t, strings.HasPrefix(name, ".frist-tmp-"), "run %d: New must remove the temporary file %s of the write the kill interrupted", run, name)
		}
		require.NoError(t, st.Close())
	}
}

// scan reports whether s has the form format, filling args.
func scan(s, format string, args ...any) bool {
	n, err := fmt.Sscanf(s, format, args...)
	return err == nil && n == len(args)
}
