package anonymize

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAggregateSuppressesCellsBelowK(t *testing.T) {
	var rows []map[string]any
	add := func(n int, page, browser string) {
		for range n {
			rows = append(rows, map[string]any{"page": page, "browser": []byte(browser)})
		}
	}
	add(7, "/termine", "Firefox 126 on Windows")
	add(5, "/termine", "Safari 17 on iOS")
	add(4, "/formulare", "Firefox 126 on Windows")
	add(1, "/impressum", "Other on Other")

	tab, err := Aggregate(rows, 0, "page", "browser")
	require.NoError(t, err)
	assert.Equal(t, DefaultK, tab.K, "k defaults to 5")
	assert.Equal(t, []string{"page", "browser"}, tab.Dimensions)
	assert.Equal(t, []Cell{
		{Values: []string{"/termine", "Firefox 126 on Windows"}, Count: 7},
		{Values: []string{"/termine", "Safari 17 on iOS"}, Count: 5},
	}, tab.Cells)
	assert.Equal(t, 2, tab.SuppressedCells)
	assert.Equal(t, 5, tab.SuppressedRecords)
	for _, c := range tab.Cells {
		assert.GreaterOrEqual(t, c.Count, tab.K, "no published cell is below k")
	}

	tab, err = Aggregate(rows, 2, "page")
	require.NoError(t, err)
	assert.Equal(t, []Cell{{Values: []string{"/formulare"}, Count: 4}, {Values: []string{"/termine"}, Count: 12}}, tab.Cells)
	assert.Equal(t, 1, tab.SuppressedRecords)
}

func TestAggregateRejectsBadArguments(t *testing.T) {
	_, err := NewAggregator(1, "page")
	assert.ErrorIs(t, err, ErrBadParameter)
	_, err = NewAggregator(-3, "page")
	assert.ErrorIs(t, err, ErrBadParameter)
	_, err = NewAggregator(5)
	assert.ErrorIs(t, err, ErrBadParameter)
	a, err := NewAggregator(5, "page", "hour")
	require.NoError(t, err)
	assert.ErrorIs(t, a.Add("only one"), ErrInvalidInput)
	assert.ErrorIs(t, a.Add("a\x00b", "c"), ErrInvalidInput)
	assert.ErrorIs(t, a.AddRow(map[string]any{"page": struct{}{}}), ErrUnsupportedType)
	_, err = Aggregate([]map[string]any{{"page": []int{1}}}, 5, "page")
	assert.ErrorIs(t, err, ErrUnsupportedType)
}

func TestAggregateCountsTypedColumnsAndNulls(t *testing.T) {
	hour := time.Date(2024, 5, 17, 10, 0, 0, 0, time.UTC)
	a, err := NewAggregator(2, "hour", "status", "ok")
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, a.AddRow(map[string]any{"hour": hour, "status": int64(200), "ok": true}))
		require.NoError(t, a.AddRow(map[string]any{"hour": nil, "status": 1.5}))
	}
	tab := a.Table()
	assert.Equal(t, []Cell{
		{Values: []string{"", "1.5", ""}, Count: 2},
		{Values: []string{"2024-05-17T10:00:00Z", "200", "true"}, Count: 2},
	}, tab.Cells)
}

func TestAggregatorIsSafeForConcurrentUse(t *testing.T) {
	a, err := NewAggregator(5, "d")
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				assert.NoError(t, a.Add([]string{"even", "odd"}[g%2]))
			}
			_ = a.Table()
		}()
	}
	wg.Wait()
	assert.Equal(t, []Cell{{Values: []string{"even"}, Count: 4000}, {Values: []string{"odd"}, Count: 4000}}, a.Table().Cells)
}
