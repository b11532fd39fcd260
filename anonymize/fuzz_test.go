package anonymize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for every operator that parses input. Each checks that the
// operator does not panic, that an error comes with no output (nothing is
// passed through), and that an accepted value maps to a fixed point.

func FuzzIPMask(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::ffff:1.2.3.4", "[fe80::1%eth0]:80", "1.2.3.4:99", "2001:db8::", "", "[", "::", "1.2.3.4%x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []IPMask{DefaultIPMask(), {v4: 32, v6: 128}, {}} {
			out, err := m.MaskString(s)
			if err != nil {
				if out != "" {
					t.Fatalf("error with output %q", out)
				}
				continue
			}
			again, err := m.MaskString(out)
			if err != nil || again != out {
				t.Fatalf("%q -> %q -> %q, %v: not idempotent", s, out, again, err)
			}
			if strings.ContainsAny(out, "%[]") {
				t.Fatalf("%q -> %q keeps a zone or port", s, out)
			}
		}
		if got, err := DefaultIPMask().Apply([]byte(s)); err == nil {
			if again, err := DefaultIPMask().Apply(got); err != nil || string(again.([]byte)) != string(got.([]byte)) {
				t.Fatalf("bytes %q not idempotent", s)
			}
		} else if got != nil {
			t.Fatalf("error with output")
		}
	})
}

func FuzzMaskEmail(f *testing.F) {
	for _, s := range []string{"a@b.de", "x@@y.z", "@", "***@***", "a@b.c.", "a@münchen.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{true, false} {
			out, err := MaskEmail(s, keep)
			if err != nil {
				if out != "" {
					t.Fatalf("error with output")
				}
				continue
			}
			if !strings.HasPrefix(out, "***@") {
				t.Fatalf("%q -> %q keeps the local part", s, out)
			}
			again, err := MaskEmail(out, keep)
			if err != nil || again != out {
				t.Fatalf("%q -> %q -> %q, %v: not idempotent", s, out, again, err)
			}
		}
	})
}

func FuzzMaskPhone(f *testing.F) {
	for _, s := range []string{"+49 5423 123456", "(0171) 1234567", "0049-1-2-3-4-5", "+***", "05423 ***", "+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, keep := range []bool{true, false} {
			out, err := MaskPhone(s, keep)
			if err != nil {
				if out != "" {
					t.Fatalf("error with output")
				}
				continue
			}
			if !strings.HasSuffix(out, "***") {
				t.Fatalf("%q -> %q keeps the subscriber number", s, out)
			}
			again, err := MaskPhone(out, keep)
			if err != nil || again != out {
				t.Fatalf("%q -> %q -> %q, %v: not idempotent", s, out, again, err)
			}
		}
	})
}

func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"Mail erika@example.org, Tel. +49 (0) 5423 12 34 56, geb. 17. Mai 1980",
		"DE89 3704 0044 0532 0130 00 und 86 095 742 719", "fe80::1%eth0 192.0.2.1:80.", "1.2.3.4.5", "2024-05-17T10:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Scrub(s)
		if again := Scrub(out); again != out {
			t.Fatalf("%q -> %q -> %q: not idempotent", s, out, again)
		}
		if ms := Find(out); len(ms) != 0 {
			t.Fatalf("%q -> %q still holds %v", s, out, ms)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("%q -> %q: scrubbing broke UTF-8", s, out)
		}
	})
}

func FuzzUserAgent(f *testing.F) {
	for _, s := range []string{"Mozilla/5.0 (Windows NT 10.0; rv:126.0) Gecko/20100101 Firefox/126.0", "Other on Other", "Chrome 1 on Linux", "x on y", "Trident/ rv:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ReduceUserAgent(s)
		if err != nil {
			return
		}
		again, err := ReduceUserAgent(u.String())
		if err != nil || again != u {
			t.Fatalf("%q -> %q -> %q, %v: not idempotent", s, u, again, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"ip_mask(v4=1, v6=80)", `redact("a\"b")`, "pseudonym(key=bookings)", "truncate_time(day)", "null", "sha256", "age_band(5, at=2025-01-01)", "x(", `redact("\xff")`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := Parse(s)
		if err != nil {
			if spec != nil {
				t.Fatalf("error with a spec")
			}
			return
		}
		canon := spec.String()
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("%q -> canonical %q does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("%q -> %q -> %q: canonical form not a fixed point", s, canon, again.String())
		}
	})
}

func FuzzDates(f *testing.F) {
	for _, s := range []string{"2024-05-17", "17.05.1980", "2024-05-17T10:00:00+02:00", "2024-05-17 10:47:12.5", "40-49"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, op := range []Operator{TimeTruncator{Unit: Day}, BirthYear{}, AgeBander{Width: 10}, textOp{name: "postal_code", fn: func(s string) (string, error) { return PostalPrefix(s, 2) }}, textOp{name: "initials", fn: Initials}} {
			out, err := op.Apply(s)
			if err != nil {
				if out != nil {
					t.Fatalf("error with output")
				}
				continue
			}
			again, err := op.Apply(out)
			if err != nil || again != out {
				t.Fatalf("%T: %q -> %q -> %v, %v: not idempotent", op, s, out, again, err)
			}
		}
	})
}
