package main

import (
	"fmt"
	"io"

	"github.com/frist-go/frist/notify"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// notifyFlagHelp describes the --notify flag.
const notifyFlagHelp = "webhooks file: how each recipient of the declaration is told of erasures (Art. 19), recipient ID -> url, secret_file (see \"frist help run\")"

// notifyUsageHelp is the part of a usage text that describes --notify.
const notifyUsageHelp = `--notify FILE tells the recipients of a dataset (Art. 19 GDPR) of every
erasure by a signed JSON POST (notify.Webhook). FILE maps the
declaration's recipient IDs to their webhooks:

    # who is told how (Art. 19)
    maixit:
      url: https://maixit.example/frist/art19
      secret_file: maixit.secret   # relative to FILE's directory; at least 32 bytes
      attempts: 5                  # optional
      backoff: 1s                  # optional, doubling

A file with any problem stops the command before anything is done. A
recipient FILE does not name is warned about and, like every recipient
without --notify, recorded in the audit log as the controller's to tell by
other means. A recipient that cannot be told does not undo the erasure:
the audit log says it was NOT told, and why.
`

// notifyFlag defines --notify.
func (c *cli) notifyFlag() *string {
	return c.fs.String("notify", "", notifyFlagHelp)
}

// loadNotifier reads the webhooks file of --notify for decl, or returns
// a nil Notifier when path is "". It warns on stderr of every recipient
// of a dataset the file does not name. On a problem it prints every one
// and returns exitInvalid.
func (c *cli) loadNotifier(path string, decl *policy.Declaration) (notify.Notifier, int, bool) {
	if path == "" {
		return nil, 0, true
	}
	hooks, err := notify.LoadWebhooksFile(path, decl)
	if err != nil {
		return nil, c.errorf("--notify: the webhooks file cannot be used; nothing was done:\n%v", err), false
	}
	for _, rid := range hooks.Missing(decl) {
		fmt.Fprintf(c.stderr, "frist %s: warning: recipient %s has no webhook in %s: its erasures are recorded as the controller's to tell (Art. 19)\n", c.name, rid, path)
	}
	return hooks, 0, true
}

// writeRetold prints what the sweep did with the notifications that could
// not be delivered before (retention.Report.Outbox), when it did anything,
// and warns on stderr of those frist gave up.
func writeRetold(w, stderr io.Writer, o retention.OutboxReport) {
	if o.Tried+o.LeftToController == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Notifications tried again (Art. 19): %d told, %d not told (tried again later), %d left to the controller\n", o.Told, o.NotTold, o.LeftToController)
	if o.LeftToController > 0 {
		fmt.Fprintf(stderr, "frist run: %s left to you (Art. 19): frist could not deliver them within a week or has no way to; the audit log says to whom: tell them by other means\n",
			plural(o.LeftToController, "notification"))
	}
}

// writeTold prints, per rule that erased records of a dataset with
// recipients, how many notifications were told, not told and left to the
// controller (Art. 19), and warns on stderr of those not told.
func writeTold(w, stderr io.Writer, rules []retention.RuleReport) {
	header := false
	for _, rr := range rules {
		if rr.Told+rr.NotTold+rr.LeftToController == 0 {
			continue
		}
		if !header {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "Recipients told of the erasures (Art. 19):")
			header = true
		}
		fmt.Fprintf(w, "  %s/%s: %d told, %d not told, %d left to the controller\n", rr.Dataset, rr.Rule, rr.Told, rr.NotTold, rr.LeftToController)
	}
	for _, rr := range rules {
		if rr.NotTold > 0 {
			fmt.Fprintf(stderr, "frist run: %s/%s: %s to recipients NOT told (Art. 19); the erasure stands; later runs try again for a week, then leave them to you; the audit log (retention.notify) says to whom and why\n",
				rr.Dataset, rr.Rule, plural(rr.NotTold, "notification"))
		}
	}
}
