package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
)

// The office login (HTTP basic authentication on /office) is guarded
// against guessing (Art. 32 GDPR: the office view shows every citizen's
// appointments):
//
//   - Passwords are compared in constant time over their SHA-256, so that
//     neither the content nor the length of the password leaks through
//     timing.
//   - After officeFreeFailures failed attempts from one client, each
//     further attempt must wait officeBackoff, doubling per failure up to
//     officeMaxBackoff; an attempt made earlier is refused unchecked.
//   - After officeClientLockout failures a client is locked out for
//     officeLockout; after officeGlobalLockout failures from all clients
//     within officeLockout the login is locked for everyone for
//     officeLockout, so that guessing from many addresses does not help
//     either.
//   - Every failure is logged with a keyed pseudonym of the client's
//     address, never the address, the user name or the password tried.
const (
	officeFreeFailures  = 3
	officeBackoff       = time.Second
	officeMaxBackoff    = time.Minute
	officeClientLockout = 10
	officeGlobalLockout = 100
	officeLockout       = 15 * time.Minute
	officeMaxClients    = 10000
)

// officeMinPassword is the length a configured office password must have.
const officeMinPassword = 16

// ErrWeakPassword is returned by New for an office password that is too
// easy to guess.
var ErrWeakPassword = errors.New("booking: the office password is too weak")

// checkOfficePassword refuses a password shorter than officeMinPassword
// characters or one made of fewer than eight distinct characters
// ("aaaaaaaaaaaaaaaa", "1234123412341234").
func checkOfficePassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < officeMinPassword {
		return fmt.Errorf("%w: it has %d characters, at least %d are needed; generate one, e.g. with: head -c 18 /dev/urandom | base64", ErrWeakPassword, n, officeMinPassword)
	}
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
	}
	if len(distinct) < 8 {
		return fmt.Errorf("%w: it repeats too few characters (%d distinct, at least 8 are needed)", ErrWeakPassword, len(distinct))
	}
	return nil
}

// officeGuard counts failed office logins per client and in all.
type officeGuard struct {
	mu          sync.Mutex
	want        [sha256.Size]byte
	clients     map[string]*officeClient
	failures    []time.Time // failures of all clients within officeLockout
	lockedUntil time.Time   // global lockout
}

type officeClient struct {
	fails       int
	last        time.Time
	lockedUntil time.Time
}

func newOfficeGuard(password string) *officeGuard {
	return &officeGuard{want: sha256.Sum256([]byte(password)), clients: map[string]*officeClient{}}
}

// officeVerdict is the outcome of an attempt.
type officeVerdict int

const (
	officeOK officeVerdict = iota
	officeWrong
	officeWait       // too early after a failure: not checked
	officeLocked     // the client is locked out: not checked
	officeLockedAll  // the login is locked for everyone: not checked
	officeNewLockout // this failure locked the client or everyone out
)

// attempt checks user and password for client at now and records the
// outcome. retry is how long the client must wait before its next attempt
// is checked (zero after a success).
func (g *officeGuard) attempt(client, user, password string, now time.Time) (v officeVerdict, retry time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.lockedUntil) {
		return officeLockedAll, g.lockedUntil.Sub(now)
	}
	c := g.clients[client]
	if c != nil {
		if now.Before(c.lockedUntil) {
			return officeLocked, c.lockedUntil.Sub(now)
		}
		if wait := c.wait(); now.Before(c.last.Add(wait)) {
			return officeWait, c.last.Add(wait).Sub(now)
		}
	}
	got := sha256.Sum256([]byte(password))
	u := subtle.ConstantTimeCompare([]byte(user), []byte("office"))
	p := subtle.ConstantTimeCompare(got[:], g.want[:])
	if u&p == 1 {
		delete(g.clients, client)
		return officeOK, 0
	}
	if c == nil {
		g.prune(now)
		c = &officeClient{}
		g.clients[client] = c
	}
	c.fails++
	c.last = now
	g.failures = append(g.failures, now)
	for len(g.failures) > 0 && !g.failures[0].After(now.Add(-officeLockout)) {
		g.failures = g.failures[1:]
	}
	if len(g.failures) >= officeGlobalLockout {
		g.lockedUntil = now.Add(officeLockout)
		g.failures = nil
		return officeNewLockout, officeLockout
	}
	if c.fails >= officeClientLockout {
		c.lockedUntil = now.Add(officeLockout)
		c.fails = 0
		return officeNewLockout, officeLockout
	}
	return officeWrong, c.wait()
}

// wait is how long after its last failure the client must wait.
func (c *officeClient) wait() time.Duration {
	if c.fails < officeFreeFailures {
		return 0
	}
	d := officeBackoff << (c.fails - officeFreeFailures)
	if d > officeMaxBackoff || d <= 0 {
		d = officeMaxBackoff
	}
	return d
}

// prune forgets clients whose last failure and lockout are over, so that
// the map stays bounded; when it is still full, the oldest is dropped.
func (g *officeGuard) prune(now time.Time) {
	if len(g.clients) < officeMaxClients {
		return
	}
	var oldest string
	var oldestAt time.Time
	for k, c := range g.clients {
		if now.After(c.lockedUntil) && now.Sub(c.last) > officeLockout {
			delete(g.clients, k)
			continue
		}
		if oldest == "" || c.last.Before(oldestAt) {
			oldest, oldestAt = k, c.last
		}
	}
	if len(g.clients) >= officeMaxClients {
		delete(g.clients, oldest)
	}
}
