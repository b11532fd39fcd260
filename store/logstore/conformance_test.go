package logstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/logstore"
	"github.com/frist-go/frist/store/storetest"
)

// jsonlBackend runs the conformance suite on JSON-lines files: each of
// the suite's tables becomes a rotated file <dataset>.jsonl.1 whose lines
// are the rows, with the table's key and subject columns as the key and
// subject members.
type jsonlBackend struct {
	*logstore.Store
	dir string
}

// UnsupportedContracts implements storetest.Unsupported.
func (jsonlBackend) UnsupportedContracts() map[string]string {
	const whole = "a batch rewrites one log file and acts on every line of it that the selection matches, whatever Selection.Limit says: " +
		"a rewrite costs the whole file, so honouring a limit of n lines would rewrite a file of N due lines N/n times"
	return map[string]string{
		"UpdateFields/ChangesTheSubjectsRecordAndAppendsTheEntryAtomically": "a log line is never changed in place; UpdateFields returns an error wrapping " +
			"errors.ErrUnsupported and changes nothing (TestWhatALogCannotDoIsUnsupported)",
		"UpdateFields/RefusesAnotherSubjectsRecordOrAnUnknownKeyOrDatasetAndChangesNothing": "UpdateFields refuses every change with an error wrapping " +
			"errors.ErrUnsupported, not store.ErrNotFound (TestWhatALogCannotDoIsUnsupported)",
		"SubjectsByField/FindsExactlyTheSubjectsWhoseFieldHoldsTheValue": "log lines are searched by subject, never by a field's value, which would read every file " +
			"once per request; SubjectsByField returns an error wrapping errors.ErrUnsupported (TestWhatALogCannotDoIsUnsupported)",
		"Process/RespectsLimit":                                      whole,
		"Process/SelectsInAscendingOrderOfFirstBoundThenKey":         whole + " (the contract checks the order through a limit of 3)",
		"Process/LimitCountsOnlyFreeRecords":                         whole,
		"Process/LimitedBatchesFollowTheBoundColumn/timestamp":       whole,
		"Process/LimitedBatchesFollowTheBoundColumn/unix":            whole,
		"Process/LimitedBatchesFollowTheBoundColumn/unix_ms":         whole,
		"Process/LimitedBatchesFollowTheBoundColumn/rfc3339":         whole,
		"Process/AfterStartsBehindTheLastBatch/marker":               whole,
		"Process/AfterStartsBehindTheLastBatch/transform":            whole,
		"Process/AfterStartsBehindTheLastBatch/null_without_subject": whole,
	}
}

func (b jsonlBackend) file(dataset string) string {
	return filepath.Join(b.dir, dataset+".jsonl.1")
}

func table(dataset string) storetest.Table {
	for _, t := range storetest.Tables() {
		if t.Dataset == dataset {
			return t
		}
	}
	panic("no table " + dataset)
}

// Insert appends the row as a JSON line to the dataset's rotated file.
func (b jsonlBackend) Insert(_ context.Context, dataset string, row map[string]any) error {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, c := range table(dataset).Columns {
		v := row[c.Name]
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		name, _ := json.Marshal(c.Name)
		val, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.Write(name)
		sb.WriteByte(':')
		sb.Write(val)
	}
	sb.WriteString("}\n")
	f, err := os.OpenFile(b.file(dataset), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(sb.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get reads the line whose key column is key back as a row.
func (b jsonlBackend) Get(_ context.Context, dataset, key string) (map[string]any, bool, error) {
	data, err := os.ReadFile(b.file(dataset))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	t := table(dataset)
	for _, ln := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if ln == "" {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(ln))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, false, fmt.Errorf("line %q: %w", ln, err)
		}
		if fmt.Sprint(m["id"]) != key {
			continue
		}
		row := map[string]any{}
		for _, c := range t.Columns {
			v := m[c.Name]
			switch x := v.(type) {
			case json.Number:
				if n, err := x.Int64(); err == nil {
					v = n
				} else {
					v = x.String()
				}
			case string:
				if c.Type == storetest.Timestamp {
					// A value that is not a time (the suite stores some
					// on purpose) is returned as written.
					if tm, err := time.Parse(time.RFC3339Nano, x); err == nil {
						v = tm
					}
				}
			}
			row[c.Name] = v
		}
		return row, true, nil
	}
	return nil, false, nil
}

// filesDeclaration binds the suite's datasets to JSON-lines files in dir.
func filesDeclaration(decl *policy.Declaration, dir string) *policy.Declaration {
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		ds.Files = &policy.FileBinding{Dir: dir, Pattern: ds.ID + ".jsonl*", Format: "jsonl"}
		ds.Table = ""
	}
	return decl
}

func TestConformanceOnJSONLines(t *testing.T) {
	storetest.Run(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
		dir := t.TempDir()
		st, err := logstore.New(filesDeclaration(decl, dir), nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		return jsonlBackend{Store: st, dir: dir}
	})
}
