package retentiontest

import (
	"sync"
	"time"
)

// Clock is a settable clock for tests. Pass its Now method as
// retention.Options.Now, then move time with Set and Advance instead of
// waiting for deadlines. The zero Clock reads as the zero time; use
// NewClock. A Clock is safe for concurrent use.
//
// Clock keeps the time it is given as it is: it does not strip the
// monotonic reading or change the location, so Now returns exactly what was
// Set, advanced by exactly the durations passed to Advance.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set sets the clock to t. Setting it backwards is allowed, which lets a
// test replay a scenario; the engine is not told.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d (backward for a negative d) and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
