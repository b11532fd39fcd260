package dsar

import "fmt"

// State is where a request stands in its lifecycle.
//
// The lifecycle is
//
//	Received → IdentityPending → Verified → InProgress → Extended → Completed | Refused
//
// with these transitions and no others:
//
//	Received        → IdentityPending, Verified, Refused
//	IdentityPending → Verified, Refused
//	Verified        → InProgress, Extended, Completed, Refused
//	InProgress      → Extended, Completed, Refused
//	Extended        → Completed, Refused
//	Completed, Refused: final
//
// A request reaches Completed only after Verified: nothing is disclosed or
// changed for a requester whose identity is not established (Art. 12(6)
// GDPR). Extended is entered only through Request.Extend, which checks the
// conditions of Art. 12(3) sentences 2 and 3. An extension noted while the
// request is Received or IdentityPending leaves it in that state (the
// period runs from receipt, verified or not); Request.Extension reports it.
type State uint8

// The states of a request. The zero State is invalid.
const (
	Received        State = iota + 1 // received; the Art. 12(3) period runs
	IdentityPending                  // additional information requested to confirm identity, Art. 12(6)
	Verified                         // requester's identity established
	InProgress                       // being processed
	Extended                         // period extended by up to two months, Art. 12(3) sentence 2
	Completed                        // answered or carried out (final)
	Refused                          // refused with a reason, Art. 12(4), 12(5) (final)
)

var stateNames = [...]string{
	Received:        "received",
	IdentityPending: "identity_pending",
	Verified:        "verified",
	InProgress:      "in_progress",
	Extended:        "extended",
	Completed:       "completed",
	Refused:         "refused",
}

// next lists the states each state may move to.
var next = [...][]State{
	Received:        {IdentityPending, Verified, Refused},
	IdentityPending: {Verified, Refused},
	Verified:        {InProgress, Extended, Completed, Refused},
	InProgress:      {Extended, Completed, Refused},
	Extended:        {Completed, Refused},
	Completed:       nil,
	Refused:         nil,
}

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool { return s >= Received && s <= Refused }

// Final reports whether s is Completed or Refused, from which no transition
// leads.
func (s State) Final() bool { return s == Completed || s == Refused }

// Verified reports whether a request in state s has its requester's
// identity established, so that data may be disclosed or changed.
func (s State) Verified() bool {
	switch s {
	case Verified, InProgress, Extended, Completed:
		return true
	}
	return false
}

// CanMoveTo reports whether the lifecycle allows the transition from s to
// t. It does not check the conditions that Transition and Extend check on
// top (reasons, times).
func (s State) CanMoveTo(t State) bool {
	if !s.Valid() {
		return false
	}
	for _, n := range next[s] {
		if n == t {
			return true
		}
	}
	return false
}

// String returns the state's name as ParseState accepts it
// ("identity_pending"), or "State(n)" for an invalid state.
func (s State) String() string {
	if !s.Valid() {
		return fmt.Sprintf("State(%d)", uint8(s))
	}
	return stateNames[s]
}

// ParseState returns the State named s ("received", "identity_pending",
// "verified", "in_progress", "extended", "completed", "refused").
func ParseState(s string) (State, error) {
	for st := Received; st <= Refused; st++ {
		if stateNames[st] == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown state %q", ErrInvalid, s)
}

// MarshalText implements encoding.TextMarshaler; an invalid state is an
// error.
func (s State) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: state %d", ErrInvalid, uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseState.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
