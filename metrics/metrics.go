// Package metrics exports the retention engine's metrics to Prometheus
// (github.com/prometheus/client_golang). It is kept apart from package
// retention so that an application that does not use Prometheus does not
// link it: the core packages report through the retention.Observer
// interface, and this package implements that interface.
//
// The metrics hold dataset and rule IDs and counts, never keys, subjects or
// field values (docs/DESIGN.md, "Pseudonyms only"). The one an operator alerts on is
// frist_records_overdue: records past their deadline, which a healthy
// system keeps at zero (Art. 5(1)(e), storage limitation).
package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/retention"
)

// Observer is a retention.Observer that records the engine's work as
// Prometheus metrics:
//
//   - frist_records_processed_total{dataset,rule,action}: records deleted
//     or anonymized (counter);
//   - frist_batch_failures_total{dataset,rule}: failed batches, retried at
//     the next sweep (counter);
//   - frist_sweeps_total{result}: sweeps by result ok, failed or skipped
//     (counter);
//   - frist_sweep_duration_seconds: duration of the sweeps that ran
//     (histogram);
//   - frist_last_successful_sweep_timestamp_seconds: start of the last sweep
//     in which no rule failed (gauge, Unix seconds);
//   - frist_records_overdue{dataset,rule}: records, not under a hold, whose
//     deadline has passed (gauge), set by UpdateOverdue;
//   - frist_unreadable_time_values_total{dataset,rule,column}: records a
//     time rule cannot process because their time value cannot be read,
//     added at every sweep that finds them (counter): it rises for as long
//     as such a record is there, so alert on any increase;
//   - frist_own_records_total{kind,change}: frist's own records (kind
//     consent, requests, holds for legal holds and restrictions that
//     ended, or audit for entries of the audit log dropped once their
//     period ended) deleted or pseudonymized (change) by sweeps
//     as the declaration's records block says (counter).
//
// An Observer is safe for concurrent use.
type Observer struct {
	retention.NopObserver

	processed   *prometheus.CounterVec
	failures    *prometheus.CounterVec
	sweeps      *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	overdue     *prometheus.GaugeVec
	unreadable  *prometheus.CounterVec
	ownRecords  *prometheus.CounterVec
	told        *prometheus.CounterVec
}

var _ retention.Observer = (*Observer)(nil)

// New returns an Observer whose metrics are registered with reg. Pass a
// registry of the application's own (prometheus.NewRegistry) rather than
// the global one, so that tests and several engines do not collide. It
// returns an error when a metric of the same name is already registered.
func New(reg prometheus.Registerer) (*Observer, error) {
	if reg == nil {
		return nil, fmt.Errorf("metrics: the registerer is nil")
	}
	o := &Observer{
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_records_processed_total",
			Help: "Records deleted or anonymized by retention rules.",
		}, []string{"dataset", "rule", "action"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_batch_failures_total",
			Help: "Batches of a retention rule that failed; their records are retried at the next sweep.",
		}, []string{"dataset", "rule"}),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_sweeps_total",
			Help: "Sweeps by result: ok, failed (a rule failed or the sweep stopped), skipped (another replica held the lease).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "frist_sweep_duration_seconds",
			Help:    "Duration of the sweeps that ran.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600},
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frist_last_successful_sweep_timestamp_seconds",
			Help: "Start of the last sweep in which no rule failed, in Unix seconds.",
		}),
		overdue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "frist_records_overdue",
			Help: "Records, not under a hold, whose retention deadline has passed; alert when above zero.",
		}, []string{"dataset", "rule"}),
		unreadable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_unreadable_time_values_total",
			Help: "Records a time rule cannot process because their time value is not a valid time in the column's representation, added at every sweep that finds them; alert on any increase.",
		}, []string{"dataset", "rule", "column"}),
		ownRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_own_records_total",
			Help: "frist's own records (consent events, requests and objections, audit log entries) deleted or pseudonymized by sweeps as the declaration's records block says.",
		}, []string{"kind", "change"}),
		told: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frist_recipient_notifications_total",
			Help: "Notifications to recipients of the erasures rules made (Art. 19 GDPR), by outcome: told, not_told (the notifier failed; alert on any increase) or by_controller (no notifier is configured: the controller must tell the recipient).",
		}, []string{"dataset", "rule", "recipient", "outcome"}),
	}
	for _, c := range []prometheus.Collector{o.processed, o.failures, o.sweeps, o.duration, o.lastSuccess, o.overdue, o.unreadable, o.ownRecords, o.told} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: registering: %w", err)
		}
	}
	for _, r := range []string{"ok", "failed", "skipped"} {
		o.sweeps.WithLabelValues(r)
	}
	return o, nil
}

// Processed counts n records processed by one batch of a rule.
func (o *Observer) Processed(dataset, rule string, action retention.Action, n int) {
	o.processed.WithLabelValues(dataset, rule, string(action)).Add(float64(n))
}

// BatchFailed counts a failed batch of a rule.
func (o *Observer) BatchFailed(dataset, rule string) {
	o.failures.WithLabelValues(dataset, rule).Inc()
}

// Unreadable adds n records of a rule whose value in the time column
// cannot be read.
func (o *Observer) Unreadable(dataset, rule, column string, n int) {
	o.unreadable.WithLabelValues(dataset, rule, column).Add(float64(n))
}

// RecipientTold counts one notification of a rule's erasure to a
// recipient by its outcome.
func (o *Observer) RecipientTold(dataset, rule, recipient string, outcome notify.Outcome) {
	o.told.WithLabelValues(dataset, rule, recipient, string(outcome)).Inc()
}

// SweepDone counts a sweep by result and records its duration; a sweep in
// which no rule failed sets the last-success time to its start. It adds
// what the sweep did to frist's own records.
func (o *Observer) SweepDone(s retention.SweepStats) {
	switch {
	case s.Skipped:
		o.sweeps.WithLabelValues("skipped").Inc()
		return
	case s.OK:
		o.sweeps.WithLabelValues("ok").Inc()
		o.lastSuccess.Set(float64(s.Start.UnixNano()) / 1e9)
	default:
		o.sweeps.WithLabelValues("failed").Inc()
	}
	o.duration.Observe(s.Duration.Seconds())
	for _, r := range s.Records {
		o.ownRecords.WithLabelValues(r.Kind, "deleted").Add(float64(r.Deleted))
		o.ownRecords.WithLabelValues(r.Kind, "pseudonymized").Add(float64(r.Pseudonymized))
	}
}

// UpdateOverdue sets frist_records_overdue for every time rule of eng from
// a dry run (retention.Engine.Plan): the records, not under a hold, whose
// deadline has passed at eng.Now(). It needs no sweep to have run, so the
// gauge also rises when sweeps fail or do not run at all.
//
// A plan at time T counts the records whose processing window has opened,
// that is whose deadline minus the rule's lead is not after T; a plan at
// now − lead therefore counts exactly the records whose deadline is not
// after now. Holds are evaluated at that earlier time too, and a
// statutory minimum (keep_at_least) must have ended a lead ago, so the
// count can differ from the true number by the records whose hold began or
// ended, or whose minimum ended, within the last lead (two sweep intervals
// by default, never more than the rule's early window: retention.Engine.Lead).
func (o *Observer) UpdateOverdue(ctx context.Context, eng *retention.Engine) error {
	now := eng.Now()
	leads := map[string]time.Duration{} // dataset/rule -> lead
	byLead := map[time.Duration]bool{}
	for _, ds := range eng.Declaration().Datasets {
		for _, r := range ds.Rules {
			if r.On != "" {
				continue
			}
			lead, ok := eng.Lead(ds.ID, r.ID)
			if !ok {
				continue
			}
			leads[ds.ID+"/"+r.ID] = lead
			byLead[lead] = true
		}
	}
	for lead := range byLead {
		plan, err := eng.Plan(ctx, now.Add(-lead))
		if err != nil {
			return fmt.Errorf("metrics: counting overdue records: %w", err)
		}
		for _, rp := range plan.Rules {
			if l, ok := leads[rp.Dataset+"/"+rp.Rule]; ok && l == lead {
				o.overdue.WithLabelValues(rp.Dataset, rp.Rule).Set(float64(rp.Due))
			}
		}
	}
	return nil
}
