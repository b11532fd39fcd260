package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/retention"
)

func TestRunOnceEnforcesTheJobcenterPromises(t *testing.T) {
	url, path := newJobcenterDB(t, seed{oldRequests: 3, recentRequests: 2, pastAppts: 2, futureAppts: 1})
	keys := keyFile(t)

	code, out, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once", "--format", "json")
	require.Equal(t, exitOK, code, errs)
	var rep reportJSON
	require.NoError(t, jsonUnmarshal(out, &rep))
	assert.Equal(t, 8, rep.Processed)
	assert.Zero(t, rep.Overdue)

	// "Die personalisierten Daten werden sieben Tage gespeichert und danach
	// gelöscht."
	assert.Equal(t, 0, countRows(t, path, "access_log", "requested_at < datetime('now', '-7 days')"))
	assert.Equal(t, 2, countRows(t, path, "access_log", "1=1"), "the recent requests stay")
	// "Nach dem erfolgten Termin werden die personenbezogenen Daten
	// innerhalb von zwei Wochen gelöscht."
	assert.Equal(t, 1, countRows(t, path, "appointments", "1=1"), "only the future appointment stays")

	// A second sweep finds nothing left: sweeps are idempotent.
	code, out, errs = runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, out, "0 processed, 0 held, 0 overdue")
	assert.Contains(t, out, "delete_after_14d_appointment_at")
	assert.Empty(t, errs, "no progress and no logs when stderr is not a terminal")
}

func TestRunRefusesBadInputWithExit2(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{})
	keys := keyFile(t)
	dir := t.TempDir()
	noAudit := filepath.Join(dir, "noaudit.keys")
	require.NoError(t, os.WriteFile(noAudit, []byte("bookings k1 "+strings.Repeat("A", 44)+"\n"), 0o600))
	short := filepath.Join(dir, "short.keys")
	require.NoError(t, os.WriteFile(short, []byte("audit k1 c2hvcnQ=\n"), 0o600))
	garbled := filepath.Join(dir, "garbled.keys")
	require.NoError(t, os.WriteFile(garbled, []byte("audit k1\n"), 0o600))
	t.Setenv("FRIST_KEYS", "")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no keys", []string{jobcenterFile, "--db", url, "--once"}, "no key file given"},
		{"missing key file", []string{jobcenterFile, "--db", url, "--once", "--keys", filepath.Join(dir, "nope")}, "cannot read the key file"},
		{"key file without audit ring", []string{jobcenterFile, "--db", url, "--once", "--keys", noAudit}, `no key of the ring "audit"`},
		{"short secret", []string{jobcenterFile, "--db", url, "--once", "--keys", short}, "at least 32 are required"},
		{"garbled key line", []string{jobcenterFile, "--db", url, "--once", "--keys", garbled}, `garbled.keys:1: expected "RING ID SECRET"`},
		{"no database", []string{jobcenterFile, "--keys", keys, "--once"}, "no database given"},
		{"metrics with once", []string{jobcenterFile, "--db", url, "--keys", keys, "--once", "--metrics", ":0"}, "--metrics serves a running scheduler"},
		{"bad schedule", []string{jobcenterFile, "--db", url, "--keys", keys, "--schedule", "every tuesday"}, `--schedule "every tuesday" is not a cron schedule`},
		{"interval and schedule", []string{jobcenterFile, "--db", url, "--keys", keys, "--interval", "1m", "--schedule", "@daily"}, "give --interval or --schedule, not both"},
		{"unreachable postgres", []string{jobcenterFile, "--db", "postgres://127.0.0.1:1/x?connect_timeout=2", "--keys", keys, "--once"}, "check that the database is running"},
		{"sqlite in a missing directory", []string{jobcenterFile, "--db", "sqlite:" + filepath.Join(dir, "no", "app.db"), "--keys", keys, "--once"}, "does not exist"},
		{"invalid declaration", []string{writeFile(t, "bad.yaml", "purposes: 1\n"), "--db", url, "--keys", keys, "--once"}, "is not a valid declaration"},
		{"unknown flag", []string{jobcenterFile, "--db", url, "--dry-run"}, "flag provided but not defined: -dry-run"},
		{"unknown vacuum", []string{jobcenterFile, "--db", url, "--keys", keys, "--once", "--vacuum", "always"}, `--vacuum "always" is not supported; use --vacuum off or --vacuum plain or --vacuum full`},
		{"vacuum on sqlite", []string{jobcenterFile, "--db", url, "--keys", keys, "--once", "--vacuum", "full"}, "--vacuum is for PostgreSQL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(append([]string{"run"}, tt.args...)...)
			assert.Equal(t, exitInvalid, code)
			assert.Empty(t, out)
			assert.Contains(t, errs, tt.wantErr)
		})
	}
}

func TestRunWarnsAboutAKeyFileOthersCanRead(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{})
	keys := keyFile(t)
	require.NoError(t, os.Chmod(keys, 0o644))
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keys, "--once")
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "is readable by others (mode -rw-r--r--); restrict it with chmod 600")
}

// freeAddr returns a local address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// syncBuffer is a bytes.Buffer safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesMetricsUntilSIGTERMAndStopsCleanly(t *testing.T) {
	url, path := newJobcenterDB(t, seed{oldRequests: 3, recentRequests: 1, pastAppts: 2})
	addr := freeAddr(t)
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"run", jobcenterFile, "--db", url, "--keys", keyFile(t), "--metrics", addr}, &out, &errs)
	}()

	var body string
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		// The first sweep runs at start; wait until it has been counted
		// and the overdue gauge has been set after it.
		return strings.Contains(body, `frist_sweeps_total{result="ok"} 1`) &&
			strings.Contains(body, `frist_records_overdue{dataset="appointment"`)
	}, 10*time.Second, 20*time.Millisecond, "metrics never showed the first sweep; stderr:\n%s", errs.String())

	assert.Contains(t, body, `frist_records_processed_total{action="anonymize",dataset="access_log",rule="anonymize_after_7d_requested_at"} 3`)
	assert.Contains(t, body, `frist_records_processed_total{action="delete",dataset="appointment",rule="delete_after_14d_appointment_at"} 2`)
	assert.Contains(t, body, `frist_records_overdue{dataset="appointment",rule="delete_after_14d_appointment_at"} 0`)
	assert.Contains(t, body, "frist_sweep_duration_seconds_count 1")
	assert.Contains(t, body, "frist_last_successful_sweep_timestamp_seconds ")
	assert.Contains(t, body, "go_goroutines", "the process's own metrics are on the same registry")
	assert.Equal(t, 1, countRows(t, path, "access_log", "1=1"))

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, errs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop after SIGTERM")
	}
	assert.Contains(t, errs.String(), "retention: scheduler stopped")
	_, err := http.Get("http://" + addr + "/metrics")
	assert.Error(t, err, "the metrics server is shut down")
}

func TestRunRefusesAMetricsAddressInUse(t *testing.T) {
	url, _ := newJobcenterDB(t, seed{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	code, _, errs := runCLI("run", jobcenterFile, "--db", url, "--keys", keyFile(t), "--metrics", ln.Addr().String())
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, errs, "cannot serve metrics on "+ln.Addr().String())
}

// TestRunRefusesSweepsThatWouldActTooEarly pins the early window from the
// side of an operator who widens it (docs/DESIGN.md, "Never early"). Each
// of these once deleted tomorrow's appointments or today's access log with
// exit 0; they are now refused before the database is touched, naming the
// rule and by how much. Checked by making newTiming skip both bound checks:
// every case ran, deleted the recent rows and exited 0.
func TestRunRefusesSweepsThatWouldActTooEarly(t *testing.T) {
	keys := keyFile(t)
	src, err := os.ReadFile(jobcenterFile)
	require.NoError(t, err)
	hugeLead := writeFile(t, "lead.yaml", strings.Replace(string(src),
		"{after: 14d, from: appointment_at, delete: true}", "{after: 14d, from: appointment_at, delete: true, lead: 9000h}", 1))
	tests := []struct {
		name string
		args []string
		want []string
		not  string // a rule the refusal must not name
	}{
		{"an interval of 5000 hours", []string{jobcenterFile, "--once", "--interval", "5000h"}, []string{
			"dataset access_log rule delete_after_7d_requested_at: sweeps 5000h0m0s apart (Options.Interval) need a lead of one interval to meet its deadlines, 4983h18m0s more than the 16h42m0s it may act early",
			"dataset appointment rule delete_after_14d_appointment_at: sweeps 5000h0m0s apart",
			"(the interval is --interval",
		}, ""},
		{"a weekly schedule", []string{jobcenterFile, "--schedule", "@every 168h"}, []string{
			"dataset access_log rule anonymize_after_7d_requested_at: sweeps 168h0m0s apart (the longest gap of Options.Schedule \"@every 168h\") need a lead of one interval to meet its deadlines, 151h18m0s more than the 16h42m0s it may act early (the larger of 1% of its 7d period and one sweep interval, at most a tenth of the period); sweep at least every 16h42m0s",
			"(the interval is --interval, or the longest gap of --schedule",
		}, ""},
		{"a daily schedule, 25 hours apart when the clocks go back in Berlin", []string{jobcenterFile, "--schedule", "@daily"}, []string{
			"dataset access_log rule delete_after_7d_requested_at: sweeps 25h0m0s apart (the longest gap of Options.Schedule \"@daily\")",
		}, "delete_after_14d_appointment_at"},
		{"a lead of 9000 hours on a 14-day rule", []string{hugeLead, "--once"}, []string{
			"dataset appointment rule delete_after_14d_appointment_at: lead 9000h0m0s is 8996h39m0s more than the 3h21m0s before a deadline it may act (the larger of 1% of its 14d period and one sweep interval, at most a tenth of the period)",
		}, "access_log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, path := newJobcenterDB(t, seed{oldRequests: 2, recentRequests: 2, pastAppts: 1, futureAppts: 1})
			var outBuf, errBuf syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run(append([]string{"run", "--db", url, "--keys", keys}, tt.args...), &outBuf, &errBuf)
			}()
			var code int
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				// It is serving: stop it, and fail.
				require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
				<-done
				t.Fatalf("frist run accepted the combination and swept; stderr:\n%s", errBuf.String())
			}
			out, errs := outBuf.String(), errBuf.String()
			assert.Equal(t, exitInvalid, code, errs)
			assert.Empty(t, out)
			assert.Contains(t, errs, "the declaration's rules cannot run")
			for _, w := range tt.want {
				assert.Contains(t, errs, w)
			}
			if tt.not != "" {
				assert.NotContains(t, errs, tt.not)
			}
			assert.Equal(t, 4, countRows(t, path, "access_log", "1=1"), "nothing is touched, not even what is due")
			assert.Equal(t, 2, countRows(t, path, "appointments", "1=1"))
		})
	}
}

// TestRunAcceptsCronSchedulesInBerlinThatKeepTheBound pins that a daily or
// weekly spec runs in the controller's zone when every rule is long enough
// for it: these were always refused, because the gap was measured in the
// machine's zone (24 hours) and checked in Europe/Berlin (25 hours).
func TestRunAcceptsCronSchedulesInBerlinThatKeepTheBound(t *testing.T) {
	src, err := os.ReadFile(jobcenterFile)
	require.NoError(t, err)
	tests := []struct {
		spec, period string
	}{
		{"@daily", "14d"},
		{"0 3 * * 1", "3mo"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			long := strings.ReplaceAll(string(src), "after: 7d,", "after: "+tt.period+",")
			long = strings.ReplaceAll(long, "after: 14d,", "after: "+tt.period+",")
			decl := writeFile(t, "long.yaml", long)
			url, _ := newJobcenterDB(t, seed{})
			var out, errs syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"run", decl, "--db", url, "--keys", keyFile(t), "--schedule", tt.spec}, &out, &errs)
			}()
			require.Eventually(t, func() bool {
				select {
				case code := <-done:
					require.FailNow(t, "run stopped", "exit %d; stderr:\n%s", code, errs.String())
				default:
				}
				return strings.Contains(errs.String(), "retention: scheduler started")
			}, 10*time.Second, 20*time.Millisecond, "the scheduler never started; stderr:\n%s", errs.String())
			require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
			select {
			case code := <-done:
				assert.Equal(t, exitOK, code, errs.String())
			case <-time.After(10 * time.Second):
				t.Fatal("run did not stop after SIGTERM")
			}
		})
	}
}

func TestProgressShowsOnlyOnATerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b}
	var obs retention.Observer = observers{p}
	obs.Processed("access_log", "delete_after_7d_requested_at", retention.ActionDelete, 1000)
	obs.Processed("access_log", "delete_after_7d_requested_at", retention.ActionDelete, 500)
	obs.SweepDone(retention.SweepStats{})
	assert.Equal(t, "\r\033[Ksweeping: 1000 records processed (now access_log/delete_after_7d_requested_at)"+
		"\r\033[Ksweeping: 1500 records processed (now access_log/delete_after_7d_requested_at)\r\033[K", b.String())

	assert.False(t, isTerminal(&b), "a buffer is not a terminal")
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, isTerminal(f), "a regular file is not a terminal")
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		assert.True(t, isTerminal(tty), "/dev/tty is a terminal")
	}
}
