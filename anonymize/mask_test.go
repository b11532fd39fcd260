package anonymize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opCase is an operator spec applied to an input with the expected output,
// or the expected error sentinel when wantErr is set.
type opCase struct {
	spec    string
	in      any
	want    any
	wantErr error
}

func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.spec+" "+fmtIn(tt.in), func(t *testing.T) {
			op := mustSpec(t, tt.spec)
			got, err := op.Apply(tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, got, "an invalid value is not passed through")
				if s, ok := tt.in.(string); ok && len(s) > 3 {
					assert.NotContains(t, err.Error(), s, "the error does not repeat the input")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := op.Apply(got)
			require.NoError(t, err, "the output is valid input")
			assert.Equal(t, got, again, "the operator is idempotent")
		})
	}
}

func fmtIn(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return "bytes:" + string(x)
	}
	return typeName(v)
}

// examples/policies/recklinghausen.yaml (booking with name, e-mail and phone): "Eine Anonymisierung
// dieser Daten erfolgt bereits nach 48 Stunden." The masking operators are
// what such a rule applies to the contact fields it keeps.
func TestMaskEmail(t *testing.T) {
	runOpCases(t, []opCase{
		{spec: "mask_email", in: "erika.mustermann@example.org", want: "***@example.org"},
		{spec: "mask_email(keep_domain=true)", in: "Erika+Termin@Example.ORG", want: "***@example.org"},
		{spec: "mask_email(keep_domain=false)", in: "erika@example.org", want: "***@***"},
		{spec: "mask_email(false)", in: "erika@münchen.de", want: "***@***"},
		{spec: "mask_email", in: "erika@münchen.de", want: "***@münchen.de"},
		{spec: "mask_email", in: []byte("a@b.de"), want: []byte("***@b.de")},
		{spec: "mask_email", in: nil, want: nil},
		{spec: "mask_email", in: "no address", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: "@example.org", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: "erika@localhost", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: "erika@example..org", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: "eri ka@example.org", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: ".erika@example.org", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: "erika@-example.org", wantErr: ErrInvalidInput},
		{spec: "mask_email(false)", in: "erika@", wantErr: ErrInvalidInput},
		{spec: "mask_email", in: int64(5), wantErr: ErrUnsupportedType},
	})
}

func TestMaskPhone(t *testing.T) {
	runOpCases(t, []opCase{
		{spec: "mask_phone", in: "+49 5423 123456", want: "+49 ***"},
		{spec: "mask_phone(keep_area=true)", in: "+49 5423 123456", want: "+49 5423 ***"},
		{spec: "mask_phone(true)", in: "+49 (0) 5423 12 34 56", want: "+49 5423 ***"},
		{spec: "mask_phone(true)", in: "0049-5423-123456", want: "+49 5423 ***"},
		{spec: "mask_phone(true)", in: "05423/123456", want: "05423 ***"},
		{spec: "mask_phone(true)", in: "(0171) 1234567", want: "0171 ***"},
		{spec: "mask_phone(true)", in: "+1 202 555 0143", want: "+1 202 ***"},
		{spec: "mask_phone(true)", in: "+352 123 456", want: "+352 123 ***"},
		// Without grouping the area code cannot be told apart: only the country is kept.
		{spec: "mask_phone(true)", in: "+4954231234567", want: "+49 ***"},
		{spec: "mask_phone(true)", in: "054231234567", want: "***"},
		{spec: "mask_phone", in: "05423 123456", want: "***"},
		{spec: "mask_phone", in: []byte("+43 1 234567"), want: []byte("+43 ***")},
		{spec: "mask_phone", in: "1234", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: "+49 1234 1234 1234 1234", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: "0171 123456 ext. 5", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: "+49 *** 12", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: "+***", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: "", wantErr: ErrInvalidInput},
		{spec: "mask_phone", in: true, wantErr: ErrUnsupportedType},
	})
}

func TestInitials(t *testing.T) {
	runOpCases(t, []opCase{
		{spec: "initials", in: "Erika Mustermann", want: "E. M."},
		{spec: "initials", in: "Anna-Lena von der Heide", want: "A.-L. v. d. H."},
		{spec: "initials", in: "  Özlem   Çelik ", want: "Ö. Ç."},
		{spec: "initials", in: "O'Brien", want: "O."},
		{spec: "initials", in: "Dr. Erika Mustermann", want: "D. E. M."},
		{spec: "initials", in: "   ", wantErr: ErrInvalidInput},
		{spec: "initials", in: "42 - 7", wantErr: ErrInvalidInput},
		{spec: "initials", in: "\xff\xfe", wantErr: ErrInvalidInput},
	})
}

func TestPostalCode(t *testing.T) {
	runOpCases(t, []opCase{
		{spec: "postal_code", in: "24568", want: "24"},
		{spec: "postal_code(digits=1)", in: "01067", want: "0"},
		{spec: "postal_code(3)", in: "D-01067", want: "D01"},
		{spec: "postal_code(3)", in: "SW1A 1AA", want: "SW1"},
		{spec: "postal_code", in: "2", want: "2"},
		{spec: "postal_code", in: "", wantErr: ErrInvalidInput},
		{spec: "postal_code", in: "24568 Kaltenkirchen", wantErr: ErrInvalidInput},
		{spec: "postal_code", in: "2456;", wantErr: ErrInvalidInput},
		{spec: "postal_code", in: int64(24568), wantErr: ErrUnsupportedType},
	})
	_, err := Parse("postal_code(digits=6)")
	assert.ErrorIs(t, err, ErrBadParameter)
}

func TestUserAgent(t *testing.T) {
	runOpCases(t, []opCase{
		{spec: "user_agent", in: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0", want: "Firefox 126 on Windows"},
		{spec: "user_agent", in: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51", want: "Edge 125 on Windows"},
		{spec: "user_agent", in: "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", want: "Samsung Internet 24 on Android"},
		{spec: "user_agent", in: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.113 Mobile Safari/537.36", want: "Chrome 125 on Android"},
		{spec: "user_agent", in: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", want: "Safari 17 on iOS"},
		{spec: "user_agent", in: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1", want: "Chrome 125 on iOS"},
		{spec: "user_agent", in: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", want: "Safari 17 on macOS"},
		{spec: "user_agent", in: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0", want: "Opera 110 on Linux"},
		{spec: "user_agent", in: "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko", want: "Internet Explorer 11 on Windows"},
		{spec: "user_agent", in: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", want: "Googlebot 2 on Other"},
		{spec: "user_agent", in: "curl/8.5.0", want: "curl 8 on Other"},
		{spec: "user_agent", in: "SomeCrawler/1.0", want: "Bot on Other"},
		{spec: "user_agent", in: "Obscure Agent", want: "Other on Other"},
		{spec: "user_agent", in: "", wantErr: ErrInvalidInput},
		{spec: "user_agent", in: "Mozilla\n5.0", wantErr: ErrInvalidInput},
		{spec: "user_agent", in: "\xff", wantErr: ErrInvalidInput},
	})
}
