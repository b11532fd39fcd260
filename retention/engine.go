package retention

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/store"
)

// leaseName is the store lease that lets one replica sweep at a time.
const leaseName = "frist.retention.sweep"

// Engine enforces the retention rules of one declaration against one store:
// Sweep processes what is due, Plan shows what would be, Trigger runs the
// rules of an event now, and holds exclude records from all of them
// (Art. 5(1)(e), Art. 17, Art. 18).
//
// An Engine is safe for concurrent use. Several engines on several
// replicas may share one store: a store lease lets one of them sweep at a
// time, and the store processes each record once.
type Engine struct {
	decl       *policy.Declaration
	st         store.Driver
	now        func() time.Time
	auditKey   *anonymize.KeyRing
	sizing     sizing // batchsize.go
	sweeps     sweeps // options.go: the one interval of deadlines and Scheduler
	log        *slog.Logger
	obs        Observer
	owner      string
	policyHash string
	rules      []*rule
	purges     purges          // purge.go
	ledger     Ledger          // ledger.go
	notifier   notify.Notifier // notify.go
	acting     acting          // remembered.go
	timeTold   timeTold        // notify.go
	// recipients are, by dataset ID, the IDs of the recipients to tell of
	// its erasures (notify.Recipients), worked out once: the declaration
	// does not change.
	recipients map[string][]string
	signer     *audit.Signer
	keepers    keepers // records.go
}

// New returns an Engine for decl on st. It refuses a declaration that has
// not been validated (ErrNotValidated), and nil opts or opts without an
// AuditKey (ErrNoAuditKey, naming which), and it compiles every rule up front: a rule whose
// operator cannot be built with opts.Keys, or that the engine could not
// enforce exactly once, is reported as a *RuleError and the engine does
// not start (docs/DESIGN.md, "Rejected whole"). A store that says it
// cannot serve a dataset with rules (store.Driver.Serves) is refused with
// ErrUnservedDataset, naming every such dataset. All problems of the rules
// are returned at once.
func New(decl *policy.Declaration, st store.Driver, opts *Options) (*Engine, error) {
	if !decl.Validated() {
		return nil, ErrNotValidated
	}
	if st == nil {
		return nil, errors.New("retention: the store is nil")
	}
	switch {
	case opts == nil:
		return nil, fmt.Errorf("%w: New was given nil *Options", ErrNoAuditKey)
	case opts.AuditKey == nil || len(opts.AuditKey.IDs()) == 0:
		return nil, fmt.Errorf("%w: Options.AuditKey is not set", ErrNoAuditKey)
	}
	sz, err := newSizing(opts)
	if err != nil {
		return nil, err
	}
	signer, err := AuditSigner(opts.AuditKey)
	if err != nil {
		return nil, err
	}
	now := opts.clock()
	opts, sw, err := opts.withSweeps(decl.Location(), now)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		decl:       decl,
		st:         st,
		now:        now,
		auditKey:   opts.AuditKey,
		sizing:     sz,
		sweeps:     sw,
		log:        opts.Logger,
		obs:        opts.Observer,
		owner:      opts.Owner,
		ledger:     opts.Ledger,
		notifier:   opts.Notifier,
		signer:     signer,
		policyHash: decl.Hash(),
	}
	e.recipients = make(map[string][]string, len(decl.Datasets))
	for i := range decl.Datasets {
		if order, _ := notify.Recipients(decl, []string{decl.Datasets[i].ID}); len(order) > 0 {
			e.recipients[decl.Datasets[i].ID] = order
		}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.obs == nil {
		e.obs = NopObserver{}
	}
	if e.owner == "" {
		e.owner = uuid.NewString()
	}
	if err := checkServed(decl, st); err != nil {
		return nil, err
	}
	var errs []error
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		markerRule := ""
		for j := range ds.Rules {
			ru, err := compile(decl, ds, &ds.Rules[j], opts)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ru.marker != "" && ru.on == "" {
				// One marker column can tell only one time rule's processed
				// records from due ones; a second would never select a
				// record the first has marked.
				if markerRule != "" {
					errs = append(errs, &RuleError{Dataset: ds.ID, Rule: ru.id, Reason: fmt.Sprintf(
						"rule %s already uses the marker column %q; a dataset's marker serves one time rule with operators that keep a value", markerRule, ds.Marker)})
					continue
				}
				markerRule = ru.id
			}
			e.rules = append(e.rules, ru)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// checkServed fails with ErrUnservedDataset, naming every dataset with
// rules that st says it cannot serve (store.Driver.Serves) and where each is
// bound.
func checkServed(decl *policy.Declaration, st store.Driver) error {
	var missing []string
	for i := range decl.Datasets {
		ds := &decl.Datasets[i]
		if len(ds.Rules) == 0 || st.Serves(ds.ID) {
			continue
		}
		where := "table " + ds.Table
		if ds.Files != nil {
			where = fmt.Sprintf("files %s in %s", ds.Files.Pattern, ds.Files.Dir)
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", ds.ID, where))
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s; give the engine a store for every dataset (package store/multistore combines a database with log files)",
		ErrUnservedDataset, strings.Join(missing, ", "))
}

// Now returns the engine's current time, from Options.Now.
func (e *Engine) Now() time.Time { return e.now() }

// Notifier returns the Notifier of Options.Notifier, nil when none was
// given.
func (e *Engine) Notifier() notify.Notifier { return e.notifier }

// Declaration returns the declaration the engine enforces. It must not be
// modified.
func (e *Engine) Declaration() *policy.Declaration { return e.decl }

// Store returns the store the engine works on, the one given to New.
// consent.New and dsar.NewService read and change records through it, so
// that they act on the records the engine enforces the declaration on.
func (e *Engine) Store() store.Driver { return e.st }

// leaseTTL is how long a sweep holds the lease without renewing it: a few
// intervals, renewed before every batch.
func (e *Engine) leaseTTL() time.Duration {
	ttl := 3 * e.sweeps.interval
	if ttl < time.Minute {
		ttl = time.Minute
	}
	return ttl
}

// rulesOf returns the compiled rules of the dataset with id.
func (e *Engine) rulesOf(id string) []*rule {
	var out []*rule
	for _, ru := range e.rules {
		if ru.ds.ID == id {
			out = append(out, ru)
		}
	}
	return out
}
