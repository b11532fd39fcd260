package anonymize

import (
	"strings"
	"unicode/utf8"
)

// UserAgent is a user agent reduced to what statistics need.
type UserAgent struct {
	Browser string // family, e.g. "Firefox"; "Other" when unknown
	Major   string // major version, "" when unknown
	OS      string // family, e.g. "Windows"; "Other" when unknown
}

// String returns "Firefox 126 on Windows" (or "Other on Other"), the form
// the user_agent operator writes and ReduceUserAgent reads back.
func (u UserAgent) String() string {
	if u.Major == "" {
		return u.Browser + " on " + u.OS
	}
	return u.Browser + " " + u.Major + " on " + u.OS
}

// browserRules are tried in order: products that embed another's token
// (Edge and Opera carry "Chrome/", Chrome carries "Safari/") come first.
var browserRules = []struct {
	token, family string
}{
	{"Googlebot/", "Googlebot"}, {"bingbot/", "Bingbot"},
	{"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edg/", "Edge"}, {"Edge/", "Edge"},
	{"OPR/", "Opera"}, {"Opera/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"}, {"YaBrowser/", "Yandex"}, {"Vivaldi/", "Vivaldi"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"},
	{"MSIE ", "Internet Explorer"}, {"curl/", "curl"}, {"Wget/", "Wget"},
}

var osRules = []struct {
	token, family string
}{
	{"Windows", "Windows"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"iPod", "iOS"},
	{"Android", "Android"}, {"CrOS", "ChromeOS"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"},
	{"Linux", "Linux"}, {"FreeBSD", "FreeBSD"},
}

var knownBrowsers, knownOS = func() (map[string]bool, map[string]bool) {
	b := map[string]bool{"Other": true, "Safari": true, "Bot": true}
	for _, r := range browserRules {
		b[r.family] = true
	}
	o := map[string]bool{"Other": true}
	for _, r := range osRules {
		o[r.family] = true
	}
	return b, o
}()

// ReduceUserAgent reduces a User-Agent header to browser family, major
// version and OS family, dropping the minor versions, device models,
// languages and plug-in tokens that make a full user agent string a
// fingerprint. An agent it does not recognize becomes "Other"; an empty
// string or one that is not valid UTF-8 or contains control characters is
// an error wrapping ErrInvalidInput. A reduced string is read back as it
// is, so the user_agent operator is idempotent.
func ReduceUserAgent(s string) (UserAgent, error) {
	if s == "" || len(s) > 4096 || !utf8.ValidString(s) {
		return UserAgent{}, invalid("user_agent", "not a user agent string")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return UserAgent{}, invalid("user_agent", "control character in user agent")
		}
	}
	if u, ok := parseReduced(s); ok {
		return u, nil
	}
	u := UserAgent{Browser: "Other", OS: "Other"}
	for _, r := range browserRules {
		if i := strings.Index(s, r.token); i >= 0 {
			u.Browser, u.Major = r.family, leadingDigits(s[i+len(r.token):])
			break
		}
	}
	if u.Browser == "Other" {
		switch {
		case strings.Contains(s, "Trident/") && strings.Contains(s, "rv:"):
			u.Browser = "Internet Explorer"
			u.Major = leadingDigits(s[strings.Index(s, "rv:")+3:])
		case strings.Contains(s, "Safari/") && strings.Contains(s, "Version/"):
			u.Browser = "Safari"
			u.Major = leadingDigits(s[strings.Index(s, "Version/")+8:])
		case containsFold(s, "bot") || containsFold(s, "spider") || containsFold(s, "crawler"):
			u.Browser = "Bot"
		}
	}
	for _, r := range osRules {
		if strings.Contains(s, r.token) {
			u.OS = r.family
			break
		}
	}
	return u, nil
}

// parseReduced reads the String form back.
func parseReduced(s string) (UserAgent, bool) {
	left, os, ok := strings.Cut(s, " on ")
	if !ok || !knownOS[os] {
		return UserAgent{}, false
	}
	if knownBrowsers[left] {
		return UserAgent{Browser: left, OS: os}, true
	}
	sp := strings.LastIndexByte(left, ' ')
	if sp < 0 {
		return UserAgent{}, false
	}
	b, major := left[:sp], left[sp+1:]
	if !knownBrowsers[b] || !allDigits(major) || len(major) > 6 {
		return UserAgent{}, false
	}
	return UserAgent{Browser: b, Major: major, OS: os}, true
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && i < 6 && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

var userAgentDefinition = Definition{
	Name: "user_agent",
	Doc:  "reduce a user agent to browser family, major version and OS family",
	Compile: func(Args) (Constructor, error) {
		op := textOp{name: "user_agent", fn: func(s string) (string, error) {
			u, err := ReduceUserAgent(s)
			if err != nil {
				return "", err
			}
			return u.String(), nil
		}}
		return func(*KeyRing) (Operator, error) { return op, nil }, nil
	},
}
