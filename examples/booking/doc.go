// Command booking is a small appointment-booking service for a public
// office that embeds frist, modelled on the online booking of the Jobcenter
// Kreis Segeberg (examples/policies/jobcenter.yaml and the privacy notice
// it quotes).
//
// Citizens pick a slot, enter their name, e-mail address, birth date,
// customer number and concern, and consent to the processing (Art. 6(1)(a)
// and Art. 9(2)(a) GDPR). The consent is recorded in frist's consent ledger
// with the version and the SHA-256 of the text shown and a keyed pseudonym
// of the IP address as evidence (Art. 7(1)).
//
// Proof of identity is scoped to what it proves (Art. 12(6)). Nobody
// verifies the e-mail address typed into the form, so every booking is a
// subject of its own, with a random citizen_id, and its confirmation page
// links reach that booking only: a cancellation page, a withdrawal link
// bound to the booking's consent grant (Art. 7(3)), and the pages where the
// citizen asks for access (/auskunft, Art. 15) or erasure (/loeschung,
// Art. 17) for it. Requests for every booking made with one address, and
// the withdrawal that deletes them all, need the address verified: the
// service mails a one-time link to it over SMTP (-smtp, -mail-from), and
// the requester confirms on the page the link opens (/nachweis,
// /bestaetigen). Requests run through frist's dsar.Service: a GET explains
// what will happen, with the one-month deadline of Art. 12(3), and changes
// nothing; the confirming POST opens, verifies and answers at once: the
// access report rendered by dsar, or the receipt of the erasure naming
// every record kept and the norm that keeps it (Art. 17(3)). Every
// request is written to the access_log table with its IP address. The
// office sees the day's appointments at /office; the privacy notice at
// /datenschutz is rendered by package notice from the same declaration that
// the engine enforces. Every absolute link is built from the configured
// base URL (-base-url), never from a request's Host header.
//
// frist enforces the declaration on the service's own tables:
//
//   - "Hierfür muss die IP-Adresse des Nutzenden für die Dauer von sieben
//     Tagen gespeichert bleiben und wird danach anonymisiert." and "Die
//     personalisierten Daten werden sieben Tage gespeichert und danach
//     gelöscht.": the access log's IP addresses are masked and its rows
//     deleted seven days after the request, by a retention.Scheduler that
//     sweeps every minute.
//   - "Nach dem erfolgten Termin werden die personenbezogenen Daten innerhalb
//     von zwei Wochen gelöscht.": appointments are deleted two weeks after
//     they took place.
//   - "Bei einer Terminstornierung oder einem Widerruf werden die
//     verarbeiteten personenbezogenen Daten sofort gelöscht.": cancelling
//     calls retention.Engine.Trigger, withdrawing consent goes through
//     consent.Ledger, and both delete in the same request: a withdrawal by
//     a booking's link deletes that booking, one by a verified address
//     every booking made with it.
//   - "Sollten Sie unseren Service der Online-Terminbuchung erneut nutzen
//     wollen, wird auch erneut Ihre Einwilligungserklärung benötigt.": every
//     booking needs the consent box ticked; after a withdrawal a new grant is
//     recorded.
//   - "Auftragsverarbeiter ist die Firma maixit GmbH.": maixit, the
//     recipient of the appointments, is told of every cancellation,
//     withdrawal, erasure and ended period (Art. 19) by a signed webhook
//     when the service is started with -notify FILE, the webhooks file of
//     notify.LoadWebhooks; without it, the audit log records each such
//     communication as the Jobcenter's to make by other means.
//
// Usage:
//
//	go run ./examples/booking -addr :8080 -db booking.db -base-url https://termine.example.de -smtp mail.example.de:587 -mail-from termine@example.de
//	go run ./examples/booking -simulate 21d [-seed 1]
//
// The first form serves the booking site; keys are read from (or created
// in) the file named by -keys. The second runs the simulation described in
// simulate.go on a temporary database and exits non-zero when a deadline
// was missed. Both load the declaration named by -policy.
package main
