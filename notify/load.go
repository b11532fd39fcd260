package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/frist-go/frist/policy"
)

// ErrInvalidWebhooks is matched (errors.Is) by every error LoadWebhooks
// returns for a problem of the file itself, as opposed to one reading it.
var ErrInvalidWebhooks = errors.New("notify: invalid webhooks file")

// FileError is one problem of a webhooks file, at its position: the
// recipient's entry or one of its fields (Path "maixit.url").
type FileError struct {
	File   string
	Line   int
	Column int
	// Path is the recipient ID, or the recipient ID and the field.
	Path string
	// Reason says what is wrong and what to write instead; it never
	// contains a byte of a secret.
	Reason string
}

// Error formats the problem as "file:line:col: path: reason".
func (e *FileError) Error() string {
	return (&policy.Error{File: e.File, Line: e.Line, Column: e.Column, Path: e.Path, Reason: e.Reason}).Error()
}

// Is reports whether target is ErrInvalidWebhooks.
func (e *FileError) Is(target error) bool { return target == ErrInvalidWebhooks }

// FileErrors is every problem LoadWebhooks found in a file, in file order:
// a file with any problem is rejected whole (docs/DESIGN.md, "Rejected
// whole").
type FileErrors []*FileError

// Error prints one problem per line.
func (l FileErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns the problems, so that errors.As finds a *FileError and
// errors.Is finds ErrInvalidWebhooks.
func (l FileErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// MinSecret is the least number of bytes of a webhook's secret.
const MinSecret = 32

// maxWebhooksFile bounds what LoadWebhooks reads: a file naming every
// recipient of a declaration is a few kilobytes.
const maxWebhooksFile = 1 << 20

// webhookKeys are the fields of one recipient's webhook, in the order
// messages list them.
var webhookKeys = []string{"url", "secret_file", "attempts", "backoff"}

// LoadWebhooksFile reads the webhooks file at path; see LoadWebhooks.
func LoadWebhooksFile(path string, decl *policy.Declaration) (Webhooks, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("notify: the webhooks file cannot be read: %w", err)
	}
	defer f.Close()
	return LoadWebhooks(f, path, decl)
}

// LoadWebhooks reads a YAML file that says how each recipient of decl is
// told of erasures, rectifications and restrictions (Art. 19 GDPR): by
// recipient ID, the recipient's webhook.
//
//	# who is told how (Art. 19)
//	maixit:
//	  url: https://maixit.example/frist/art19
//	  secret_file: maixit.secret   # relative to this file's directory
//	  attempts: 5                  # optional, default 5
//	  backoff: 1s                  # optional, default 1s, doubling
//
// Every key is the ID of a recipient declared in decl (its recipients
// block), at most once. url is required and must be https, or http on a
// loopback address (for tests): a notification names the data subject.
// secret_file is required: the file holding the secret agreed with the
// recipient that signs each notification (see Webhook and
// VerifySignature), a relative path taken from the directory of filename;
// the secret is the file's bytes without trailing line breaks and blanks,
// at least MinSecret of them. Keep it readable by the service only.
// attempts (at least 1) and backoff (a Go duration above zero, "500ms",
// "2s") bound the retries. No other key is allowed.
//
// A declared recipient the file does not name is no error: Webhooks.Notify
// returns ErrNoChannel for it, so its communications are recorded as the
// controller's to make by other means.
//
// Every problem is reported at once, as FileErrors: one line each, with
// filename, line, column, the recipient and field, and what to write
// instead. An empty file is a problem too. No error contains the bytes of
// a secret. The result is nil unless the file has no problem.
func LoadWebhooks(r io.Reader, filename string, decl *policy.Declaration) (Webhooks, error) {
	if decl == nil {
		return nil, errors.New("notify: LoadWebhooks needs the declaration whose recipients the file names")
	}
	src, err := io.ReadAll(io.LimitReader(r, maxWebhooksFile+1))
	if err != nil {
		return nil, fmt.Errorf("notify: reading %s: %w", filename, err)
	}
	l := &webhooksLoader{file: filename, decl: decl}
	if len(src) > maxWebhooksFile {
		l.add(1, 0, "", fmt.Sprintf("the file is larger than %d bytes; it maps recipient IDs to webhooks", maxWebhooksFile))
		return nil, l.errs
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, reason := yamlErrorLine(err)
		l.add(line, 0, "", "not YAML: "+reason)
		return nil, l.errs
	}
	if len(doc.Content) == 0 || isEmpty(doc.Content[0]) {
		l.add(1, 0, "", "the file is empty; map each recipient's ID to its webhook, e.g.\n  maixit:\n    url: https://maixit.example/frist/art19\n    secret_file: maixit.secret")
		return nil, l.errs
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		l.add(top.Line, top.Column, "", "the file must map recipient IDs to webhooks (recipient: {url: …, secret_file: …}), not be "+kindName(top))
		return nil, l.errs
	}
	hooks := Webhooks{}
	first := map[string]int{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		rid := k.Value
		if k.Kind != yaml.ScalarNode || rid == "" {
			l.add(k.Line, k.Column, "", "a key must be a recipient's ID, a plain word")
			continue
		}
		if at, dup := first[rid]; dup {
			l.add(k.Line, k.Column, rid, fmt.Sprintf("recipient %s is named twice (first at line %d); give each recipient one webhook", rid, at))
			continue
		}
		first[rid] = k.Line
		r := decl.Recipient(rid)
		if r == nil {
			l.add(k.Line, k.Column, rid, fmt.Sprintf("%s is not a recipient of the declaration; its recipients are: %s", rid, l.declared()))
			continue
		}
		if !r.Routine() {
			l.add(k.Line, k.Column, rid, fmt.Sprintf("recipient %s receives records case by case (disclosure: case_by_case, the default of a %s), so frist never tells it: telling it of every erasure would disclose people it never received; tell it yourself of the records you disclosed to it (Art. 19), or declare disclosure: routine if every record reaches it", rid, r.Role))
			continue
		}
		if h := l.webhook(rid, k, v); h != nil {
			hooks[rid] = h
		}
	}
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return hooks, nil
}

// Missing returns the recipients of decl's datasets (see Recipients) that
// w has no webhook for, in the declaration's order: those whose
// communications are the controller's to make by other means (Art. 19),
// worth a warning when a file is loaded.
func (w Webhooks) Missing(decl *policy.Declaration) []string {
	ids := make([]string, len(decl.Datasets))
	for i := range decl.Datasets {
		ids[i] = decl.Datasets[i].ID
	}
	order, _ := Recipients(decl, ids)
	var missing []string
	for _, rid := range order {
		if w[rid] == nil {
			missing = append(missing, rid)
		}
	}
	return missing
}

// webhooksLoader collects the problems of one file.
type webhooksLoader struct {
	file string
	decl *policy.Declaration
	errs FileErrors
}

func (l *webhooksLoader) add(line, col int, path, reason string) {
	l.errs = append(l.errs, &FileError{File: l.file, Line: line, Column: col, Path: path, Reason: reason})
}

// declared lists the declaration's recipient IDs for a message.
func (l *webhooksLoader) declared() string {
	if len(l.decl.Recipients) == 0 {
		return "none (the declaration names no recipient, so nothing needs a webhook)"
	}
	ids := make([]string, len(l.decl.Recipients))
	for i, r := range l.decl.Recipients {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

// webhook reads the webhook of recipient rid from v, or records why it
// cannot and returns nil.
func (l *webhooksLoader) webhook(rid string, k, v *yaml.Node) *Webhook {
	if v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		line, col := v.Line, v.Column
		if isEmpty(v) {
			line, col = k.Line, k.Column
		}
		l.add(line, col, rid, "no webhook: give url and secret_file, e.g. {url: https://…, secret_file: "+rid+".secret}")
		return nil
	}
	h := &Webhook{}
	ok := true
	fail := func(n *yaml.Node, field, reason string) {
		l.add(n.Line, n.Column, rid+"."+field, reason)
		ok = false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		fk, fv := v.Content[i], v.Content[i+1]
		field := fk.Value
		if !slices.Contains(webhookKeys, field) {
			fail(fk, field, fmt.Sprintf("unknown key %q; a webhook has %s", field, strings.Join(webhookKeys, ", ")))
			continue
		}
		if at, dup := seen[field]; dup {
			fail(fk, field, fmt.Sprintf("given twice (first at line %d)", at))
			continue
		}
		seen[field] = fk.Line
		if fv.Kind != yaml.ScalarNode || fv.Tag == "!!null" {
			fail(fv, field, "must be a single value, not "+kindName(fv))
			continue
		}
		switch field {
		case "url":
			if reason := checkURL(fv.Value); reason != "" {
				fail(fv, field, reason)
			}
			h.URL = fv.Value
		case "secret_file":
			secret, reason := l.readSecret(fv.Value)
			if reason != "" {
				fail(fv, field, reason)
			}
			h.Secret = secret
		case "attempts":
			n, err := strconv.Atoi(fv.Value)
			switch {
			case err != nil:
				fail(fv, field, fmt.Sprintf("%q is not a whole number; write how often a delivery is tried, e.g. 5", fv.Value))
			case n < 1:
				fail(fv, field, fmt.Sprintf("is %d; a delivery is tried at least once", n))
			default:
				h.Attempts = n
			}
		case "backoff":
			d, err := time.ParseDuration(fv.Value)
			switch {
			case err != nil:
				fail(fv, field, fmt.Sprintf("%q is not a duration; write one such as 500ms or 2s", fv.Value))
			case d <= 0:
				fail(fv, field, fmt.Sprintf("is %s; the pause before a retry must be above zero, e.g. 1s", fv.Value))
			default:
				h.Backoff = d
			}
		}
	}
	for _, req := range []string{"url", "secret_file"} {
		if _, given := seen[req]; !given {
			l.add(k.Line, k.Column, rid, "no "+req+"; a webhook needs url and secret_file")
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return h
}

// checkURL says why raw cannot be a webhook's URL, or "". The URL itself is
// not repeated: it may carry a token.
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "is empty; give the recipient's https:// endpoint"
	case err != nil || u.Host == "" || u.Opaque != "":
		return "does not parse as an absolute URL; write https://HOST/PATH"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return ""
	case u.Scheme == "http":
		return "is http on " + u.Hostname() + "; a notification names the data subject, so it goes over https (http only on a loopback address)"
	}
	return fmt.Sprintf("has the scheme %q; write https://HOST/PATH", u.Scheme)
}

// readSecret reads the secret in the file named by name, relative to the
// webhooks file's directory. The reason never contains the secret.
func (l *webhooksLoader) readSecret(name string) ([]byte, string) {
	if name == "" {
		return nil, "is empty; name the file holding the secret agreed with the recipient"
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(l.file), path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Sprintf("cannot be read: %v", pathError(err, path))
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Sprintf("%s is not a regular file", path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Sprintf("cannot be read: %v", pathError(err, path))
	}
	secret := bytes.TrimRight(raw, " \t\r\n")
	if len(secret) < MinSecret {
		return nil, fmt.Sprintf("%s holds a secret of %d bytes; at least %d are required (e.g. openssl rand -hex 32 > %s)", path, len(secret), MinSecret, name)
	}
	return secret, ""
}

// pathError returns err's cause with path, never any content.
func pathError(err error, path string) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return err
}

// yamlLine finds the line in an error of yaml.v3.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErrorLine returns the line and the text of a yaml.v3 syntax error.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, strings.TrimPrefix(msg, m[0])
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}

// isEmpty reports whether n is no value at all (an empty document or null).
func isEmpty(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kindName names the kind of n for a message.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
	}
	return "a single value"
}
