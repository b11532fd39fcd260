package storetest

import (
	"errors"

	"github.com/frist-go/frist/store"
)

// indexContracts are the contracts of the optional store.IndexChecker,
// run for a backend whose type implements it. Whether a column is indexed
// depends on the indexes the application created, which the suite does
// not: a backend's own tests create indexes and check the answer.
func indexContracts() []contract {
	return []contract{
		{"Unindexed/UnknownDatasetIsErrUnknownDataset", func(h *harness) {
			ic := h.b.(store.IndexChecker)
			if _, err := ic.Unindexed(h.ctx, "nope", "booked_at"); !errors.Is(err, store.ErrUnknownDataset) {
				h.t.Errorf("Unindexed must return store.ErrUnknownDataset for a dataset the backend was not configured with, but it returned: %v", err)
			}
		}},
		{"Unindexed/AnswersForEveryDeclaredTimeColumn", func(h *harness) {
			ic := h.b.(store.IndexChecker)
			for _, ds := range Declaration().Datasets {
				for _, tc := range ds.Time {
					if _, err := ic.Unindexed(h.ctx, ds.ID, tc.Name); err != nil {
						h.t.Errorf("Unindexed must answer for time column %s of dataset %s, which the dataset declares, but it returned: %v", tc.Name, ds.ID, err)
					}
				}
			}
		}},
	}
}
