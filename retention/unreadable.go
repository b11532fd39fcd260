package retention

import (
	"context"

	"github.com/frist-go/frist/internal/storecheck"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// Unreadable counts the records a time rule can never process because the
// value of a time column it selects by is not a valid time in the column's
// representation: an empty string or garbage text, a number in a text column, text in
// another form or with an offset the column's declared zone never has,
// PostgreSQL's -infinity (store.Driver.Unreadable).
// Such a record is not processed early on a guess, and does not stop the
// rule: every other due record is processed on time. It stays until the
// value is corrected, and is reported at every sweep and plan until then
// (Art. 5(1)(e) GDPR: data kept past its period must at least be known
// to the controller).
type Unreadable struct {
	// Column is the time column (policy.TimeColumn.Name).
	Column string
	// Want says in words what a valid value of the column is.
	Want string
	// Count is the number of records. It holds no keys: an operator finds
	// them in the column by what Want says they lack.
	Count int
}

// unreadable counts, for each time column sel is bounded by, the records of
// sel's dataset ds whose value there cannot be read
// (store.Driver.Unreadable).
// Only the dataset and the bound go to the
// store: the count then reads the column's index and nothing else on
// SQLite and PostgreSQL, and a record whose time cannot be read has not
// been processed by any rule of it.
func (e *Engine) unreadable(ctx context.Context, ds *policy.Dataset, sel store.Selection) ([]Unreadable, error) {
	var out []Unreadable
	for _, b := range sel.Bounds {
		n, want, err := storecheck.Unreadable(ctx, e.st, ds, store.Selection{Dataset: sel.Dataset, Bounds: []store.Bound{b}, Now: sel.Now})
		if err != nil {
			return out, err
		}
		if n > 0 {
			out = append(out, Unreadable{Column: b.Column, Want: want, Count: n})
		}
	}
	return out, nil
}

// reportUnreadable counts the unreadable records of a rule's selection
// into rr and reports them to the log and the observer. A failing count
// is logged and does not fail the rule: its due records are processed
// either way.
func (e *Engine) reportUnreadable(ctx context.Context, ru *rule, rr *RuleReport, sel store.Selection) {
	us, err := e.unreadable(ctx, ru.ds, sel)
	if err != nil {
		e.log.WarnContext(ctx, "retention: counting records with unreadable time values failed", "dataset", ru.ds.ID, "rule", ru.id, "error", err)
	}
	rr.Unreadable = us
	for _, u := range us {
		e.obs.Unreadable(ru.ds.ID, ru.id, u.Column, u.Count)
		e.log.WarnContext(ctx, "retention: records whose time value cannot be read are never processed by this rule; correct the values",
			"dataset", ru.ds.ID, "rule", ru.id, "column", u.Column, "count", u.Count, "want", u.Want)
	}
}
