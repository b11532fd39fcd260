package logstore_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/logstore"
)

// overlongLine returns a combined-format line from client at t whose user
// agent is longer than logstore.MaxLineLength and ends with another
// address, beyond the part of the line a reader holds in memory.
func overlongLine(client string, t time.Time, trailing string) string {
	return fmt.Sprintf(`%s - - [%s] "GET /x HTTP/1.1" 200 10 "-" "%s %s"`, client,
		t.Format("02/Jan/2006:15:04:05 -0700"), strings.Repeat("A", 2*logstore.MaxLineLength), trailing)
}

func normalLine(client string, t time.Time) string {
	return fmt.Sprintf(`%s - - [%s] "GET /termine HTTP/1.1" 200 10 "-" "Firefox/128.0"`, client, t.Format("02/Jan/2006:15:04:05 -0700"))
}

// TestOverlongLinesAreNeverKeptWithAnAddressPastTheirPeriod pins what a
// rule does with a line too long to hold in memory, from the side of the
// person whose address is in it: a due line is deleted by a delete rule
// and by an anonymizing one (it cannot be searched for addresses in
// bounded memory, so masking its head would keep the address at its end),
// and the deletion is reported; a line that is not yet due is kept byte for
// byte, in plain and gzip files, by its own request time. Checked by
// masking an overlong line's head like any malformed line (the trailing
// address survived), by writing back only its head (the kept line lost 2
// MiB without a word), and by giving it the time of the line before it
// (the line that is not due was deleted ten days early).
func TestOverlongLinesAreNeverKeptWithAnAddressPastTheirPeriod(t *testing.T) {
	old, recent := now.AddDate(0, 0, -10), now.Add(-24*time.Hour)
	keep := overlongLine("192.0.2.50", recent.Add(time.Minute), "203.0.113.99")
	// The line that is not due follows a due one: it is kept by its own
	// request time, not deleted by the time of the line before it.
	lines := []string{
		normalLine("198.51.100.7", old),
		overlongLine("198.51.100.8", old.Add(time.Minute), "203.0.113.77"),
		keep,
		normalLine("192.0.2.49", recent),
	}
	rules := map[string]policy.Rule{
		"delete":    {After: policy.MustParsePeriod("7d"), From: "requested_at", Delete: true},
		"anonymize": {After: policy.MustParsePeriod("7d"), From: "requested_at", Anonymize: []policy.FieldOp{{Field: "ip", Op: "ip_mask(v4=1, v6=80)"}}},
	}
	for name, rule := range rules {
		for _, file := range []string{"access.log.1", "access.log.2.gz"} {
			t.Run(name+" "+file, func(t *testing.T) {
				dir := t.TempDir()
				text := strings.Join(lines, "\n") + "\n"
				data := []byte(text)
				if strings.HasSuffix(file, ".gz") {
					var b bytes.Buffer
					zw := gzip.NewWriter(&b)
					_, err := zw.Write(data)
					require.NoError(t, err)
					require.NoError(t, zw.Close())
					data = b.Bytes()
				}
				require.NoError(t, os.WriteFile(filepath.Join(dir, file), data, 0o640))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "access.log"), nil, 0o640))

				var logs bytes.Buffer
				decl := accessLogDecl(t, dir, "", rule)
				st, err := logstore.New(decl, &logstore.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
				require.NoError(t, err)
				eng, err := retention.New(decl, st, &retention.Options{Now: func() time.Time { return now }, AuditKey: auditKey(t), Interval: time.Minute})
				require.NoError(t, err)
				_, err = eng.Sweep(context.Background())
				require.NoError(t, err)
				require.NoError(t, st.Close())

				got := readAll(t, dir)[file]
				for _, gone := range []string{"198.51.100.8", "203.0.113.77"} {
					assert.NotContains(t, got, gone, "an address of the due overlong line survived its period")
				}
				assert.NotContains(t, got, "198.51.100.7")
				after := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
				require.Len(t, after, 2+map[string]int{"delete": 0, "anonymize": 1}[name], "the due overlong line is deleted")
				assert.Equal(t, keep, after[len(after)-2], "the overlong line that is not due is kept byte for byte")
				assert.Equal(t, normalLine("192.0.2.49", recent), after[len(after)-1])
				assert.Contains(t, logs.String(), "logstore: overlong lines deleted")
				assert.Contains(t, logs.String(), "file="+file)
				assert.NotContains(t, logs.String(), "203.0.113", "the report names no address")
			})
		}
	}
}
