package main

import (
	"sync"
	"time"
)

// Clock is a settable clock. The simulation passes its Now to the App, the
// retention engine and the consent ledger and moves it from one cron
// activation to the next, so three weeks pass in seconds. It mirrors
// retentiontest.Clock, which tests use; a command does not import a test
// helper package.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
