package logstore

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLineReaderHoldsOnlyTheHeadOfAnOverlongLine pins that memory does not
// follow line length: of a line longer than MaxLineLength the reader holds
// at most MaxLineLength and one read buffer, the rest is streamed by
// copyRest byte for byte or skipped, and the lines after it are read as
// usual, in plain and gzip files, with LF and CRLF, and for a last line
// without a line end. Checked against the reader that appended every chunk
// of a line to its buffer: it returned the whole 3 MiB line.
func TestLineReaderHoldsOnlyTheHeadOfAnOverlongLine(t *testing.T) {
	long := strings.Repeat("x", 3*MaxLineLength) + " 203.0.113.77"
	for _, tc := range []struct {
		name, eol string
		gz        bool
	}{{"plain", "\n", false}, {"crlf", "\r\n", false}, {"gzip", "\n", true}} {
		t.Run(tc.name, func(t *testing.T) {
			text := "first" + tc.eol + long + tc.eol + "after" + tc.eol + long
			path := filepath.Join(t.TempDir(), "access.log.1")
			if tc.gz {
				var b bytes.Buffer
				zw := gzip.NewWriter(&b)
				_, err := zw.Write([]byte(text))
				require.NoError(t, err)
				require.NoError(t, zw.Close())
				require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
			} else {
				require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
			}
			lr, err := openLines(path, tc.gz)
			require.NoError(t, err)
			defer func() { _ = lr.close() }()

			b, isLong, err := lr.next()
			require.NoError(t, err)
			assert.Equal(t, "first", string(b))
			assert.False(t, isLong)

			// The first overlong line is copied: the head and the rest
			// give back the line exactly.
			b, isLong, err = lr.next()
			require.NoError(t, err)
			require.True(t, isLong)
			assert.LessOrEqual(t, len(b), MaxLineLength+readBuffer, "only the head is in memory")
			assert.GreaterOrEqual(t, len(b), MaxLineLength)
			var rest bytes.Buffer
			head := string(b)
			require.NoError(t, lr.copyRest(&rest))
			assert.Equal(t, long, head+rest.String(), "head and rest are the line, without its line end")

			b, isLong, err = lr.next()
			require.NoError(t, err)
			assert.Equal(t, "after", string(b))
			assert.False(t, isLong)

			// The second is skipped by reading on.
			b, isLong, err = lr.next()
			require.NoError(t, err)
			assert.True(t, isLong)
			assert.LessOrEqual(t, len(b), MaxLineLength+readBuffer)
			_, _, err = lr.next()
			assert.True(t, errors.Is(err, io.EOF), "the rest of the last line is skipped: %v", err)
		})
	}
}
