// Package storetest is the conformance suite for store.Driver backends.
// Every sentence of a contract in package store's doc comments is a subtest
// here, and every failure says which rule was broken, in the manner of
// testing/slogtest, e.g. "Process must not select a record under an
// active hold on its subject (store.Hold.Subject), but it processed key 7".
//
// A backend's test is a small harness:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, decl *policy.Declaration) storetest.Backend {
//			st, err := memstore.New(decl)
//			require.NoError(t, err)
//			return st
//		})
//	}
//
// Run runs every group of contracts the backend's type supports: the
// required core always, and the groups of the features store.ConsentStore
// and store.RequestStore and of the diagnostic store.IndexChecker when the
// Backend implements them. A SQL harness creates the tables of [Tables]
// for the declaration it is given, inside the Opener, and wraps its driver
// in a type with Insert and Get. A backend that cannot meet a contract
// says so by implementing [Unsupported]; the suite never skips a contract
// silently.
package storetest

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Backend is what the suite needs from a backend: the driver, plus a way
// to put application rows into the tables and read them back. Rows are
// keyed by SQL column name; keys are in text form.
type Backend interface {
	store.Driver
	// Insert adds a row to the dataset's table.
	Insert(ctx context.Context, dataset string, row map[string]any) error
	// Get returns the row with key and whether it exists.
	Get(ctx context.Context, dataset, key string) (map[string]any, bool, error)
}

// Opener returns a fresh, empty Backend for decl (always the suite's own
// Declaration). It is called once per subtest and fails t when it cannot
// open one; it registers its own cleanup with t.Cleanup. The suite calls
// Close itself and ignores its error.
type Opener func(t *testing.T, decl *policy.Declaration) Backend

// Unsupported is implemented by a Backend that cannot meet some contracts.
// It maps a contract's name (a subtest name as Contracts lists it, e.g.
// "Process/ConcurrentCallsNeverProcessARecordTwice") to the reason, which
// the suite prints when it skips the contract. Naming a contract that does
// not exist fails the suite, so that a renamed contract is not skipped by
// accident.
type Unsupported interface {
	UnsupportedContracts() map[string]string
}

// contract is one subtest.
type contract struct {
	name string
	run  func(h *harness)
}

// contracts returns every contract of the required core, in the order of
// store.go.
func contracts() []contract {
	var all []contract
	for _, group := range [][]contract{
		selectionContracts(), holdExclusionContracts(), orderContracts(), actionContracts(),
		rollbackContracts(), batchAuditContracts(), concurrencyContracts(), queryContracts(),
		holdContracts(), holdExpiryContracts(), holdTimingContracts(), holdRaceContracts(), auditLogContracts(), auditDropContracts(), leaseContracts(), closeContracts(), afterContracts(),
		timeValueContracts(), recordTimesContracts(), updateFieldsContracts(), rememberedGroup(), outboxGroup(), purgeContracts(),
	} {
		all = append(all, group...)
	}
	return all
}

// supported returns the contracts b's type supports: the core always, and
// the groups of store.ConsentStore, store.RequestStore and
// store.IndexChecker when it implements them.
func supported(b Backend) []contract {
	all := contracts()
	if _, ok := b.(store.ConsentStore); ok {
		all = append(all, consentGroup()...)
	}
	if _, ok := b.(store.RequestStore); ok {
		all = append(all, requestGroup()...)
	}
	if _, ok := b.(store.IndexChecker); ok {
		all = append(all, indexContracts()...)
	}
	return all
}

// Contracts returns the names of every contract of the suite, of every
// group, sorted; these are the names an Unsupported backend may list.
func Contracts() []string {
	var names []string
	for _, group := range [][]contract{contracts(), consentGroup(), requestGroup(), indexContracts()} {
		for _, c := range group {
			names = append(names, c.name)
		}
	}
	sort.Strings(names)
	return names
}

// Run runs every contract b's type supports against backends from open,
// each in its own subtest with its own Backend: the required core
// (store.Driver) always, and the contracts of store.ConsentStore,
// store.RequestStore and store.IndexChecker when the backend implements
// them. It opens one Backend first to learn which these are.
func Run(t *testing.T, open Opener) {
	t.Helper()
	var (
		all         []contract
		unsupported map[string]string
	)
	{
		b := open(t, Declaration())
		all = supported(b)
		if u, ok := b.(Unsupported); ok {
			unsupported = u.UnsupportedContracts()
		}
		_ = b.Close()
	}
	names := make([]string, 0, len(all))
	for _, c := range all {
		names = append(names, c.name)
	}
	sort.Strings(names)
	for name, reason := range unsupported {
		if _, found := slices.BinarySearch(names, name); !found {
			t.Errorf("storetest: the backend declares contract %q unsupported, but there is no such contract for its type; known contracts:\n%s", name, strings.Join(names, "\n"))
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("storetest: the backend declares contract %q unsupported without a reason", name)
		}
	}
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			if reason, ok := unsupported[c.name]; ok {
				t.Skipf("the backend declares this contract unsupported: %s", reason)
			}
			b := open(t, Declaration())
			t.Cleanup(func() { _ = b.Close() })
			c.run(&harness{t: t, b: b, ctx: context.Background()})
		})
	}
}
