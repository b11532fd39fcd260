package retentiontest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClockReadsWhatWasSetAndAdvanced(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	start := time.Date(2025, 3, 30, 1, 30, 0, 0, berlin)
	tests := []struct {
		name string
		move func(c *Clock) time.Time
		want time.Time
	}{
		{"unchanged", func(c *Clock) time.Time { return c.Now() }, start},
		{"advance", func(c *Clock) time.Time { return c.Advance(time.Hour) }, start.Add(time.Hour)},
		{"advance backwards", func(c *Clock) time.Time { return c.Advance(-48 * time.Hour) }, start.Add(-48 * time.Hour)},
		{"set", func(c *Clock) time.Time {
			c.Set(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			return c.Now()
		}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(start)
			got := tt.move(c)
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
			assert.Equal(t, tt.want.Location(), got.Location(), "the clock keeps the location it was given")
			assert.True(t, got.Equal(c.Now()), "Now reads the moved time")
		})
	}
}

func TestClockIsSafeForConcurrentUse(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, start.Add(8000*time.Second), c.Now(), "no advance is lost")
}
