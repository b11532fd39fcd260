package storetest_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store/storetest"
)

// TestContractNamesAreUniqueAndGrouped pins that every contract of every
// group names the method it tests, once: an Unsupported backend names
// contracts, and one Run runs all groups side by side.
func TestContractNamesAreUniqueAndGrouped(t *testing.T) {
	names := storetest.Contracts()
	require.NotEmpty(t, names)
	assert.True(t, slices.IsSorted(names))
	assert.Len(t, slices.Compact(slices.Clone(names)), len(names), "an Unsupported backend names contracts, so names must be unique")
	for _, n := range names {
		assert.Regexp(t, `^(Process|Count|Earliest|Records|Times|Queries|SubjectsByField|UpdateFields|Holds|AuditLog|Leases|Close|`+
			`Remember|ListRemembered|Forget|Enqueue|ListOutgoing|Reschedule|Dequeue|`+
			`AppendConsent|ConsentEvents|ScanConsents|EraseConsentSubject|`+
			`CreateRequest|UpdateRequest|Request|ListRequests|AddObjection|LiftObjection|ListObjections|ExpireConsents|PseudonymizeRequests|ExpireRequests|Purge|Unindexed)/[A-Za-z]+(/[a-z0-9_]+)?$`, n)
	}
}

// TestTablesMatchDeclaration pins that a SQL harness creating Tables gets
// every column the declaration binds, with a type that holds the column's
// time format.
func TestTablesMatchDeclaration(t *testing.T) {
	decl := storetest.Declaration()
	require.True(t, decl.Validated())
	require.NotSame(t, decl, storetest.Declaration(), "each call returns a fresh declaration")
	tables := storetest.Tables()
	require.Len(t, tables, len(decl.Datasets))
	formats := map[policy.TimeFormat]bool{}
	for _, tb := range tables {
		ds := decl.Dataset(tb.Dataset)
		require.NotNil(t, ds, tb.Dataset)
		assert.Equal(t, ds.Table, tb.Name)
		types := map[string]storetest.ColumnType{}
		for _, c := range tb.Columns {
			types[c.Name] = c.Type
			if c.Key {
				assert.Equal(t, ds.Key, c.Name, "the key column of %s", tb.Name)
			}
		}
		assert.Contains(t, types, ds.Key)
		if ds.Subject != "" {
			assert.Contains(t, types, ds.Subject)
		}
		if ds.Marker != "" {
			assert.Equal(t, storetest.Timestamp, types[ds.Marker], "the marker holds Selection.Now")
		}
		for _, f := range ds.Fields {
			assert.Contains(t, types, f.ColumnName(), "field %s of %s", f.Name, tb.Name)
		}
		want := map[policy.TimeFormat]storetest.ColumnType{
			policy.TimeNative: storetest.Timestamp, policy.TimeUnix: storetest.Integer,
			policy.TimeUnixMs: storetest.Integer, policy.TimeRFC3339: storetest.Text,
		}
		for _, tc := range ds.Time {
			formats[tc.Format] = true
			assert.Equal(t, want[tc.Format], types[tc.ColumnName()], "time column %s (%s) of %s", tc.Name, tc.Format, tb.Name)
		}
	}
	assert.Len(t, formats, 4, "the declaration uses every time format")
}
