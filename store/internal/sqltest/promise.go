package sqltest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/frist-go/frist/store"
)

// RequireBrokenPromisesAreErrors calls st's reads and a batch with names
// that dataset does not declare and with a bound-less Unreadable, which
// callers never pass (package store, "Well-formed input"). A backend
// handed such input by a caller that broke the promise must not panic;
// Count and Process must return an error (an answer would be about other
// records than asked), Earliest and Unreadable an error or nothing found.
func RequireBrokenPromisesAreErrors(t *testing.T, st store.Driver, dataset string) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	bad := store.Selection{Dataset: dataset, Now: now, Bounds: []store.Bound{{Column: "no_such_time", Cutoff: now}}}
	// earliest and unreadable return the call's error, errNothing when it
	// answered nothing, and nil when it answered something.
	earliest := func(sel store.Selection) error {
		_, found, err := st.Earliest(ctx, sel, "no_such_time", time.Time{})
		if err == nil && found {
			return nil
		}
		return orNothing(err)
	}
	unreadable := func(sel store.Selection) error {
		n, _, err := st.Unreadable(ctx, sel)
		if err == nil && n > 0 {
			return nil
		}
		return orNothing(err)
	}
	calls := map[string]func() error{
		"Count with an undeclared bound":      func() error { _, _, err := st.Count(ctx, bad); return err },
		"Earliest with an undeclared bound":   func() error { return earliest(bad) },
		"Earliest of an undeclared column":    func() error { return earliest(store.Selection{Dataset: dataset, Now: now}) },
		"Unreadable with an undeclared bound": func() error { return unreadable(bad) },
		"Unreadable without a bound":          func() error { return unreadable(store.Selection{Dataset: dataset, Now: now}) },
		"Process with an undeclared bound": func() error {
			_, err := st.Process(ctx, store.Batch{Selection: bad, Action: store.Action{Delete: true}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s panicked: %v", name, p)
					}
				}()
				err = call()
			}()
			if err == nil {
				t.Fatalf("%s returned no error", name)
			}
		})
	}
}

// errNothing stands for "answered nothing", which Earliest and Unreadable
// may do on input that breaks the promise.
var errNothing = errors.New("answered nothing")

func orNothing(err error) error {
	if err == nil {
		return errNothing
	}
	return err
}
