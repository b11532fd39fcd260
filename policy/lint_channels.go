package policy

import (
	"fmt"
	"slices"
)

// Lint checks of the ways to withdraw consent and to object. The catalogue
// with IDs is in lint_checks.go.

// offlineChannel reports whether a channel needs the subject to write a
// letter, call or come in, which is harder than clicking "agree" online.
func offlineChannel(k ChannelKind) bool {
	return k == ChannelPost || k == ChannelPhone || k == ChannelInPerson
}

// eachChannelList calls fn with every withdrawal and objection channel list
// of the purposes, its path and whether it withdraws consent.
func eachChannelList(d *Declaration, fn func(i int, path string, withdraw bool, cs []Channel)) {
	for i := range d.Purposes {
		p := &d.Purposes[i]
		if p.Consent != nil && len(p.Consent.Withdraw) > 0 {
			fn(i, purposePath(i)+".consent.withdraw", true, p.Consent.Withdraw)
		}
		if p.Objection != nil && len(p.Objection.Channels) > 0 {
			fn(i, purposePath(i)+".objection.channels", false, p.Objection.Channels)
		}
	}
}

func checkChannelHarder(l *linter) {
	eachChannelList(l.d, func(i int, path string, withdraw bool, cs []Channel) {
		if !slices.ContainsFunc(cs, func(c Channel) bool { return offlineChannel(c.Kind) }) ||
			slices.ContainsFunc(cs, func(c Channel) bool { return !offlineChannel(c.Kind) }) {
			return
		}
		p := &l.d.Purposes[i]
		if withdraw {
			l.report(path, fmt.Sprintf("consent to purpose %s can be withdrawn only by letter or phone: withdrawing must be as easy as giving consent, and consent given through an online service is withdrawn online too", p.ID),
				"add a channel as easy as the consent: a link (kind: link with the URL), a web form or an e-mail address; acknowledge the finding only where consent is given on paper")
			return
		}
		l.reportArticle(path, "Art. 12(2), Art. 21(5) DSGVO",
			fmt.Sprintf("the objection to purpose %s of an online service can be made only by letter or phone; the controller must facilitate the right, and the subject may object by automated means", p.ID),
			"add an online channel: a link, a web form or an e-mail address")
	})
}

func checkChannelCookieDeletion(l *linter) {
	eachChannelList(l.d, func(i int, path string, withdraw bool, cs []Channel) {
		p := &l.d.Purposes[i]
		for k, c := range cs {
			if c.Kind != ChannelCookie {
				continue
			}
			if withdraw {
				l.report(index(path, k), fmt.Sprintf("consent to purpose %s is withdrawn by deleting the cookie %s: the server cannot see that a cookie was deleted, so nothing that rests on the consent stops, and a browser that clears its cookies has declared nothing",
					p.ID, quote(c.Address)),
					"declare a withdrawal the controller receives: a link (kind: link with its URL), a web form or an e-mail address")
				continue
			}
			l.reportArticle(index(path, k), "Art. 21(1), 21(5) DSGVO",
				fmt.Sprintf("the objection to purpose %s works by deleting the cookie %s: deleting an opt-out cookie switches the processing back on, and deleting any other cookie is not an objection the controller receives",
					p.ID, quote(c.Address)),
				"declare how the subject objects: a control on a named page that sets an opt-out cookie, a link, a web form or an e-mail address")
		}
	})
}

func checkWithdrawalWithoutConsent(l *linter) {
	i := slices.Index(l.d.Rights, RightWithdrawal)
	if i < 0 || anyBasis(Consent)(l.d) {
		return
	}
	l.report(index("rights", i), "the declaration promises the right to withdraw consent, but no purpose rests on consent: the subject is told of a right that has nothing to act on, and may take the processing for voluntary",
		"remove withdrawal from rights, and state the right to object (Art. 21) where processing rests on Art. 6(1)(e) or (f)")
}
