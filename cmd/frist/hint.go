package main

import (
	"net/url"
	"strings"
)

// shellCommand writes args as a POSIX shell command line that runs as
// printed: each argument that holds anything but letters, digits and
// -_./:=@,+% is put in single quotes.
func shellCommand(args ...string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return strings.Join(out, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hintDB is the --db value a printed hint repeats: the URL as given, but
// never its password; a URL with a password is shown without it, and
// note says where the password goes instead.
func hintDB(raw string) (db, note string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw, ""
	}
	if _, ok := u.User.Password(); !ok {
		return raw, ""
	}
	u.User = url.User(u.User.Username())
	return u.String(), " (the database password is left out; set it in PGPASSWORD)"
}
