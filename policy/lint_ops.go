package policy

import (
	"errors"
	"strings"
	"time"

	"github.com/frist-go/frist/anonymize"
)

// opClass says what an anonymize operator spec does to personal data, as
// far as the linter is concerned.
type opClass int

const (
	// opInvalid: the spec does not parse, so the rule cannot run.
	opInvalid opClass = iota
	// opUnkeyedHash: unkeyed hashing, which package anonymize refuses.
	opUnkeyedHash
	// opPseudonymizes: the output still relates to the person through a
	// key (Art. 4(5)); the data stays personal data.
	opPseudonymizes
	// opAnonymizes: the operator removes or generalizes the value.
	opAnonymizes
)

// classifyOp classifies an operator spec.
func classifyOp(spec string) opClass {
	c, _ := parseOp(spec)
	return c
}

// parseOp classifies an operator spec with package anonymize's parser, so
// that the linter and the engine agree on what a spec means. A spec that
// anonymize refuses as unkeyed hashing is opUnkeyedHash; so is one that
// only fails to parse because of its spelling ("SHA-256", "MD5"), since a
// declaration built in Go may carry it without having been validated.
func parseOp(spec string) (opClass, error) {
	s, err := anonymize.Parse(spec)
	if err != nil {
		if errors.Is(err, anonymize.ErrUnkeyedHash) {
			return opUnkeyedHash, err
		}
		if _, err2 := anonymize.Parse(normalizeOpName(spec)); errors.Is(err2, anonymize.ErrUnkeyedHash) {
			return opUnkeyedHash, err
		}
		return opInvalid, err
	}
	if s.KeyName() != "" {
		return opPseudonymizes, nil
	}
	return opAnonymizes, nil
}

// normalizeOpName lower-cases the operator name of a spec and drops the
// dashes and spaces in it: " SHA-256 (x)" becomes "sha256(x)".
func normalizeOpName(spec string) string {
	spec = strings.TrimSpace(spec)
	name, rest := spec, ""
	if i := strings.IndexByte(spec, '('); i >= 0 {
		name, rest = spec[:i], spec[i:]
	}
	name = strings.NewReplacer("-", "", " ", "", "\t", "").Replace(strings.ToLower(name))
	return name + rest
}

// periodSamples are the start times at which two periods are compared: noon
// on every day of four consecutive years, which covers every month length,
// leap day and year end.
var periodSamples = func() []time.Time {
	start := time.Date(2024, time.January, 1, 12, 0, 0, 0, time.UTC)
	out := make([]time.Time, 0, 4*366)
	for t := start; t.Year() < 2028; t = t.AddDate(0, 0, 1) {
		out = append(out, t)
	}
	return out
}()

// periodEarlier reports whether p, counted from the same start as q, can
// end before q ends ("7d" is earlier than "6y"; "30d" is earlier than
// "1mo" from 1 January; "12mo" is never earlier than "1y").
func periodEarlier(p, q Period) bool {
	for _, t := range periodSamples {
		if p.AddTo(t, time.UTC).Before(q.AddTo(t, time.UTC)) {
			return true
		}
	}
	return false
}

// periodLater reports whether p, counted from the same start as q, can end
// after q ends.
func periodLater(p, q Period) bool { return periodEarlier(q, p) }
