package retention

import (
	"errors"
	"fmt"
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotValidated is returned for a declaration on which
	// policy.Declaration.Validate has not succeeded: the engine never runs
	// on a half-valid policy.
	ErrNotValidated = errors.New("retention: declaration is not validated")
	// ErrNoAuditKey is wrapped by the error New returns for nil Options
	// or Options without an AuditKey (a nil or empty key ring), and
	// returned by AuditSigner for such a ring: audit entries name subjects
	// only by keyed pseudonyms (Art. 5(1)(c)) and are signed with a key
	// derived from it, so the engine has no default.
	ErrNoAuditKey = errors.New("retention: Options.AuditKey is required to pseudonymise subjects in the audit log")
	// ErrInvalidRule is wrapped by a *RuleError for a rule the engine cannot
	// enforce.
	ErrInvalidRule = errors.New("retention: rule cannot be enforced")
	// ErrIntervalTooLong is matched, with ErrInvalidRule, by the *RuleError
	// New returns for a time rule whose early window (policy.Period.MaxLead)
	// is shorter than the interval (Options.Interval, or the longest gap
	// of Options.Schedule): sweeps that far apart would leave its records
	// past their deadlines, and a lead of two intervals would process them
	// too early (docs/DESIGN.md, "Never early").
	ErrIntervalTooLong = errors.New("retention: sweeps too far apart for a rule")
	// ErrUnknownDataset is returned for a dataset the declaration does not
	// declare.
	ErrUnknownDataset = errors.New("retention: unknown dataset")
	// ErrInvalidEvent is returned by Trigger for an event that names no
	// record or subject, or names them inconsistently.
	ErrInvalidEvent = errors.New("retention: invalid event")
	// ErrNoRule is returned by Trigger when no rule of the declaration
	// reacts to the event in the datasets it names.
	ErrNoRule = errors.New("retention: no rule for the event")
	// ErrHeld is returned by Trigger when the one record an event names is
	// under a legal hold or restriction (Art. 17(3), Art. 18) and was
	// therefore not processed.
	ErrHeld = errors.New("retention: record is under legal hold")
	// ErrInvalidHold is returned by PlaceHold for a hold without a reason
	// the law recognises or without a record or subject.
	ErrInvalidHold = errors.New("retention: invalid hold")
	// ErrHoldNotFound is returned by ReleaseHold for an unknown hold ID.
	ErrHoldNotFound = errors.New("retention: hold not found")
	// ErrLeaseLost is reported when another replica took the sweep lease
	// while this one was sweeping; the sweep stops and the other replica
	// continues.
	ErrLeaseLost = errors.New("retention: sweep lease lost to another replica")
	// ErrUnservedDataset is returned by New when the store cannot serve a
	// dataset that has rules (store.Driver.Serves): those rules would fail at
	// every sweep and the data be kept beyond its period (Art. 5(1)(e)).
	ErrUnservedDataset = errors.New("retention: the store does not serve datasets that have rules")
)

// RuleError says why a rule of the declaration cannot be enforced or why
// processing it failed. It names the dataset and rule, never a record.
type RuleError struct {
	Dataset string
	Rule    string
	// Reason says what is wrong, in words.
	Reason string
	// Err is the underlying error, if any.
	Err error
	// processing is set when the rule is valid but processing it failed.
	processing bool
	// sparse is set when the rule cannot run at the engine's interval.
	sparse bool
}

// Error returns "retention: dataset D rule R: reason: err".
func (e *RuleError) Error() string {
	s := fmt.Sprintf("retention: dataset %s rule %s: %s", e.Dataset, e.Rule, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *RuleError) Unwrap() error { return e.Err }

// Is makes a RuleError match ErrInvalidRule when it describes a rule that
// cannot be enforced, as opposed to a failure while processing a valid one,
// and ErrIntervalTooLong when the rule cannot run at the engine's interval.
func (e *RuleError) Is(target error) bool {
	return (target == ErrInvalidRule && !e.processing) || (target == ErrIntervalTooLong && e.sparse)
}

// OperatorError reports that an anonymization operator failed on a value.
// Its message names the dataset, rule, field and operator but not the value
// or the record, which may be personal data; Unwrap gives the operator's own
// error to code that handles it with care.
type OperatorError struct {
	Dataset  string
	Rule     string
	Field    string
	Operator string
	err      error
}

// Error names where the operator failed, without the value.
func (e *OperatorError) Error() string {
	return fmt.Sprintf("retention: dataset %s rule %s: operator %s failed on field %s", e.Dataset, e.Rule, e.Operator, e.Field)
}

// Unwrap returns the operator's error, whose message may quote the value.
func (e *OperatorError) Unwrap() error { return e.err }
