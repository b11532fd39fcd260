package policy

import (
	"time"
)

// A Declaration is one service's privacy declaration: who is responsible,
// what is collected, for which purposes and on which legal basis, who
// receives it and how long each record is kept.
//
// A Declaration is built either by [Load] / [LoadFile] from YAML or in Go
// code followed by [Declaration.Validate]; both paths yield the same
// validated value. The rest of frist accepts only validated declarations and
// treats them as read-only: do not modify a Declaration after it has been
// handed to an engine.
type Declaration struct {
	// Controller is the body responsible for the processing (Art. 4(7),
	// Art. 13(1)(a)).
	Controller Controller `yaml:"controller" json:"controller"`
	// DPO is the data-protection officer (Art. 13(1)(b), Art. 37).
	DPO DPO `yaml:"dpo" json:"dpo"`
	// Authority is the competent supervisory authority (Art. 13(2)(d),
	// Art. 77).
	Authority Authority `yaml:"authority" json:"authority"`
	// Recipients are processors, other controllers and public bodies that
	// receive personal data (Art. 13(1)(e)).
	Recipients []Recipient `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	// Purposes are the purposes of processing with their legal bases
	// (Art. 13(1)(c)).
	Purposes []Purpose `yaml:"purposes" json:"purposes"`
	// Datasets bind the declaration to the application's storage.
	Datasets []Dataset `yaml:"datasets" json:"datasets"`
	// Cookies are the cookies and similar technologies the service sets
	// (§ 25 TDDDG).
	Cookies []Cookie `yaml:"cookies,omitempty" json:"cookies,omitempty"`
	// Rights lists the data-subject rights the notice promises. When empty,
	// the rights that the law grants for the declared legal bases apply.
	Rights []Right `yaml:"rights,omitempty" json:"rights,omitempty"`
	// Measures refers to the technical and organisational security measures
	// (Art. 32), e.g. the document that describes them; the record of
	// processing activities cites it (Art. 30(1)(g)).
	Measures Text `yaml:"measures,omitempty" json:"measures,omitempty"`
	// AutomatedDecisions describes automated decision-making including
	// profiling (Art. 22, Art. 13(2)(f)); nil declares that none takes
	// place.
	AutomatedDecisions *AutomatedDecisions `yaml:"automated_decisions,omitempty" json:"automated_decisions,omitempty"`
	// Records says how long frist keeps its own records of consents,
	// requests and objections (Art. 5(1)(e), Art. 13(2)(a) GDPR); nil
	// means the defaults of [Declaration.RecordRetention].
	Records *Records `yaml:"records,omitempty" json:"records,omitempty"`
	// Version and Date identify this edition of the declaration; the
	// notice states them as its "Stand" (Art. 12(1): the subject must be
	// able to tell which text was in force). Date is YYYY-MM-DD.
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	Date    string `yaml:"date,omitempty" json:"date,omitempty"`
	// Assumptions mark values that frist needs but the published source
	// notice does not state. The linter reports each as info, and a notice
	// never states an assumed value as a promise (see [Declaration.Assumed]).
	Assumptions []Annotation `yaml:"assumptions,omitempty" json:"assumptions,omitempty"`
	// Additions mark values the controller adds to what its published
	// source says, deliberately and as its own promise (see
	// [Declaration.Added]); the notice states them.
	Additions []Annotation `yaml:"additions,omitempty" json:"additions,omitempty"`
	// Acknowledged records lint findings that the controller has assessed
	// and decided to keep, with the reason, so that an auditor sees the
	// decision instead of a silent omission.
	Acknowledged []Acknowledgement `yaml:"acknowledged,omitempty" json:"acknowledged,omitempty"`

	// src remembers where each field came from when the declaration was
	// loaded from YAML; nil for declarations built in code.
	src *source
	// loc is the controller's time zone, resolved by Validate.
	loc *time.Location
	// validated is set by a successful Validate.
	validated bool
}

// Controller is the controller of the processing (Art. 4(7)).
type Controller struct {
	// Name is the controller's legal name, e.g. "Stadt Versmold".
	Name string `yaml:"name" json:"name"`
	// Representative is the person or organ representing the controller,
	// if the notice names one: {de: "den Bürgermeister", en: "the mayor"},
	// in the accusative that follows "vertreten durch".
	Representative Text `yaml:"representative,omitempty" json:"representative,omitempty"`
	// Gender is the grammatical gender of Name, for the article a German
	// sentence needs; empty means the one its first word implies
	// ([Controller.ControllerGender]).
	Gender Gender `yaml:"gender,omitempty" json:"gender,omitempty"`
	// Address is the postal address.
	Address string `yaml:"address" json:"address"`
	// Contact holds e-mail, phone and web contacts.
	Contact Contact `yaml:"contact,omitempty" json:"contact,omitempty"`
	// TimeZone is an IANA zone name such as "Europe/Berlin". All calendar
	// periods are computed in this zone. Empty means UTC.
	TimeZone string `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
	// Holidays names the German Land whose public holidays count, besides
	// the nationwide ones, when a period ends on a holiday (Art. 3(4) of
	// Regulation (EEC, Euratom) No 1182/71, for the Art. 12(3) deadline of
	// data-subject requests): its ISO 3166-2 code, "DE-NW" for
	// Nordrhein-Westfalen. Empty means the nationwide holidays only.
	Holidays string `yaml:"holidays,omitempty" json:"holidays,omitempty"`
	// PublicAuthority is true for public bodies. Public authorities may not
	// rely on Art. 6(1)(f) for processing in the performance of their tasks
	// (Art. 6(1) second subparagraph), and Art. 20 does not apply to
	// processing under Art. 6(1)(e) (Art. 20(3)).
	PublicAuthority bool `yaml:"public_authority" json:"public_authority"`
}

// Contact is a set of ways to reach a person or body.
type Contact struct {
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
	Web   string `yaml:"web,omitempty" json:"web,omitempty"`
}

// DPO is the data-protection officer (Art. 37–39). Art. 13(1)(b) requires
// the officer's contact details, not the name.
type DPO struct {
	Name    string  `yaml:"name,omitempty" json:"name,omitempty"`
	Address string  `yaml:"address,omitempty" json:"address,omitempty"`
	Contact Contact `yaml:"contact,omitempty" json:"contact,omitempty"`
}

// Authority is a supervisory authority (Art. 51, Art. 77).
type Authority struct {
	Name    string  `yaml:"name" json:"name"`
	Address string  `yaml:"address,omitempty" json:"address,omitempty"`
	Contact Contact `yaml:"contact,omitempty" json:"contact,omitempty"`
}

// RecipientRole says in which capacity a recipient receives data.
type RecipientRole string

// The recipient roles.
const (
	// RoleProcessor is a processor acting on the controller's behalf under
	// a contract per Art. 28.
	RoleProcessor RecipientRole = "processor"
	// RoleController is an independent controller.
	RoleController RecipientRole = "controller"
	// RolePublicBody is another public body (e.g. a department of the
	// municipality).
	RolePublicBody RecipientRole = "public_body"
	// RoleJointController is a joint controller (Art. 26), which the record
	// of processing names with the controller (Art. 30(1)(a)).
	RoleJointController RecipientRole = "joint_controller"
)

// Disclosure says whether every record a recipient may receive is in fact
// disclosed to it, which decides whom frist tells of an erasure,
// rectification or restriction: Art. 19 GDPR requires telling "each
// recipient to whom the personal data have been disclosed", and telling
// a recipient that never received a person's data would itself disclose
// them.
type Disclosure string

// The disclosures.
const (
	// DisclosureRoutine: every record of the datasets that name the
	// recipient, or serve a purpose naming it, is disclosed to it, as to a
	// processor operating the service or an office that handles every
	// booking. frist tells it of every change to such records (package
	// notify), naming the person where an event or a request concerned
	// one.
	DisclosureRoutine Disclosure = "routine"
	// DisclosureCaseByCase: records are disclosed to the recipient only in
	// individual cases (law enforcement authorities and courts, on
	// request). frist does not know which, so it tells such a recipient of
	// nothing; the controller, who made each disclosure, must tell it of a
	// later change to those records (Art. 19).
	DisclosureCaseByCase Disclosure = "case_by_case"
)

// Recipient is a recipient or category of recipients (Art. 4(9),
// Art. 13(1)(e)).
type Recipient struct {
	// ID is how purposes and datasets refer to this recipient.
	ID string `yaml:"id" json:"id"`
	// Name is the recipient's name, or the category of recipients in
	// words ({de: Strafverfolgungsbehörden und Gerichte, en: law
	// enforcement authorities and courts}); a plain string is a proper
	// name, used in every language.
	Name Text `yaml:"name" json:"name"`
	// Description says what the recipient does ("Hosting", "SMS-Versand").
	Description Text          `yaml:"description,omitempty" json:"description,omitempty"`
	Address     string        `yaml:"address,omitempty" json:"address,omitempty"`
	Role        RecipientRole `yaml:"role" json:"role"`
	// Country is an ISO 3166-1 alpha-2 code. Outside the EEA a transfer
	// safeguard is required (Chapter V, Art. 13(1)(f)).
	Country string `yaml:"country,omitempty" json:"country,omitempty"`
	// Safeguard names the transfer mechanism for third countries, e.g.
	// {de: "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)", en:
	// "standard contractual clauses (Art. 46(2)(c) GDPR)"}.
	Safeguard Text `yaml:"safeguard,omitempty" json:"safeguard,omitempty"`
	// Disclosure says whether every record of its datasets reaches the
	// recipient (see Disclosure). Default: DisclosureRoutine for a
	// processor, which processes the records on the controller's behalf,
	// and DisclosureCaseByCase for every other role: since telling a
	// recipient of an erasure discloses the person to it, frist does not
	// assume that one received what it may receive (the linter reports
	// such a recipient, FR031).
	Disclosure Disclosure `yaml:"disclosure,omitempty" json:"disclosure,omitempty"`
}

// Routine reports whether every record of the recipient's datasets is
// disclosed to it: its declared Disclosure, or the default of its role.
func (r *Recipient) Routine() bool {
	if r.Disclosure != "" {
		return r.Disclosure == DisclosureRoutine
	}
	return r.Role == RoleProcessor
}

// Text is a text in German and English. At least the German text is
// required where the law requires information to be given.
type Text struct {
	DE string `yaml:"de,omitempty" json:"de,omitempty"`
	EN string `yaml:"en,omitempty" json:"en,omitempty"`
}

// In returns the text in lang ("de" or "en"), falling back to the other
// language when the requested one is empty.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" || t.DE == "" {
		return t.EN
	}
	return t.DE
}

// IsZero reports whether both languages are empty.
func (t Text) IsZero() bool { return t.DE == "" && t.EN == "" }

// Basis is a legal basis under Art. 6(1) GDPR, written as in the
// declaration: "6.1.a" to "6.1.f".
type Basis string

// The legal bases of Art. 6(1).
const (
	Consent             Basis = "6.1.a" // consent
	Contract            Basis = "6.1.b" // performance of a contract
	LegalObligation     Basis = "6.1.c" // legal obligation
	VitalInterests      Basis = "6.1.d" // vital interests
	PublicTask          Basis = "6.1.e" // public interest or official authority
	LegitimateInterests Basis = "6.1.f" // legitimate interests
)

// LegalBasis is one legal basis of a purpose, optionally with the national
// provision it is combined with ("§ 3 DSG NRW", "§ 67b SGB X").
type LegalBasis struct {
	Basis Basis `yaml:"basis" json:"basis"`
	// National cites national law that specifies or supplements the basis.
	National []string `yaml:"national,omitempty" json:"national,omitempty"`
}

// SpecialCondition is an Art. 9(2) condition, written "9.2.a" to "9.2.j".
type SpecialCondition string

// Purpose is one purpose of processing (Art. 5(1)(b), Art. 13(1)(c)).
type Purpose struct {
	ID          string       `yaml:"id" json:"id"`
	Description Text         `yaml:"description" json:"description"`
	LegalBasis  []LegalBasis `yaml:"legal_basis" json:"legal_basis"`
	// LegitimateInterest states the interest pursued when the purpose rests
	// on Art. 6(1)(f) (Art. 13(1)(d)).
	LegitimateInterest Text `yaml:"legitimate_interest,omitempty" json:"legitimate_interest,omitempty"`
	// SpecialCategories is the Art. 9(2) condition under which special
	// categories of data are processed for this purpose.
	SpecialCategories SpecialCondition `yaml:"special_categories,omitempty" json:"special_categories,omitempty"`
	// Consent describes the consent when LegalBasis includes Art. 6(1)(a).
	Consent *ConsentSpec `yaml:"consent,omitempty" json:"consent,omitempty"`
	// Recipients are the IDs of recipients that receive data for this
	// purpose.
	Recipients []string `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	// Provision says whether providing the data is a statutory or
	// contractual requirement or a requirement to use the service, and the
	// consequence of not providing it (Art. 13(2)(e)).
	Provision *Provision `yaml:"provision,omitempty" json:"provision,omitempty"`
	// OfferedToChildren marks an information-society service offered
	// directly to a child (Art. 8(1)): only then does consent below the age
	// of ConsentSpec.MinAge need the holder of parental responsibility, and
	// only then does the notice say so.
	OfferedToChildren bool `yaml:"offered_to_children,omitempty" json:"offered_to_children,omitempty"`
	// Objection marks the purpose as one the data subject may object to
	// with a mechanism the service provides (e.g. an opt-out cookie).
	Objection *ObjectionSpec `yaml:"objection,omitempty" json:"objection,omitempty"`
}

// HasBasis reports whether the purpose rests on b.
func (p *Purpose) HasBasis(b Basis) bool {
	for _, lb := range p.LegalBasis {
		if lb.Basis == b {
			return true
		}
	}
	return false
}

// ConsentSpec describes how consent for a purpose is obtained and withdrawn
// (Art. 7, Art. 8).
type ConsentSpec struct {
	// Version identifies the consent text shown; a grant for an older
	// version needs renewal.
	Version string `yaml:"version" json:"version"`
	// Text is the consent text shown to the subject, or TextSHA256 its
	// SHA-256 in hex when the text lives elsewhere.
	Text       Text   `yaml:"text,omitempty" json:"text,omitempty"`
	TextSHA256 string `yaml:"text_sha256,omitempty" json:"text_sha256,omitempty"`
	// Withdraw lists the channels through which consent can be withdrawn
	// (Art. 7(3): as easy as giving it).
	Withdraw []Channel `yaml:"withdraw" json:"withdraw"`
	// MinAge is the age from which a child may consent alone to a service
	// offered directly to children (Art. 8(1); member states may lower it
	// from 16 to 13, Germany has not). It applies only to purposes marked
	// OfferedToChildren, where it defaults to DefaultMinAge; elsewhere it
	// must stay empty.
	MinAge int `yaml:"min_age,omitempty" json:"min_age,omitempty"`
	// RenewAfterWithdrawal says that using the service again after a
	// withdrawal requires a new grant.
	RenewAfterWithdrawal bool `yaml:"renew_after_withdrawal,omitempty" json:"renew_after_withdrawal,omitempty"`
	// Cookie names the opt-in cookie that records the consent, if any. An
	// application that sees the cookie gone may record a withdrawal
	// (consent.Ledger.WithdrawCookie), but the controller cannot see a
	// deletion on its own, so a notice never offers deleting the cookie as
	// the way to withdraw (Art. 7(3)); that needs a channel the controller
	// receives.
	Cookie string `yaml:"cookie,omitempty" json:"cookie,omitempty"`
}

// DefaultMinAge is the age from which a child may consent alone to
// information-society services offered directly to children under
// Art. 8(1) unless a member state sets a lower age (Germany does not). It
// is the default only for purposes marked Purpose.OfferedToChildren.
const DefaultMinAge = 16

// ChannelKind is a way to withdraw consent or object.
type ChannelKind string

// The channel kinds.
const (
	ChannelLink     ChannelKind = "link"      // a link at the URL Address, or found where Where says
	ChannelEmail    ChannelKind = "email"     // an e-mail to Address
	ChannelPost     ChannelKind = "post"      // a letter to Address
	ChannelPhone    ChannelKind = "phone"     // a call to Address
	ChannelInPerson ChannelKind = "in_person" // in person at the place Address
	ChannelForm     ChannelKind = "form"      // a web form at Address
	// ChannelOptOutCookie is an opt-out cookie named Address that a
	// control on the page Where sets; while it is set, the processing
	// stops. Deleting it starts the processing again.
	ChannelOptOutCookie ChannelKind = "opt_out_cookie"
	// ChannelCookie is the deletion of an opt-in cookie. The controller
	// cannot see a deleted cookie, so it is neither a withdrawal of consent
	// nor an objection; the linter reports it as an error and the notice
	// never states it as one.
	ChannelCookie ChannelKind = "cookie"
)

// Channel is one withdrawal or objection channel.
type Channel struct {
	Kind ChannelKind `yaml:"kind" json:"kind"`
	// Address is the e-mail address, postal address, phone number, place,
	// URL or cookie name, depending on Kind.
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	// Where says where the subject finds a link without a URL ("in Ihrer
	// Buchungsbestätigung") or the page whose control sets an opt-out
	// cookie.
	Where Text `yaml:"where,omitempty" json:"where,omitempty"`
}

// ObjectionSpec describes how a subject objects to a purpose (Art. 21).
type ObjectionSpec struct {
	Channels []Channel `yaml:"channels" json:"channels"`
	// Limit is the national provision that restricts the right to object
	// for this purpose, if the controller relies on one.
	Limit *ObjectionLimit `yaml:"limit,omitempty" json:"limit,omitempty"`
}

// Dataset binds a set of records in the application's storage to the
// declaration: where the records are, whom they are about, which time
// columns rules count from, and which fields hold personal data.
type Dataset struct {
	ID string `yaml:"id" json:"id"`
	// Description says in words what the records are.
	Description Text `yaml:"description,omitempty" json:"description,omitempty"`
	// Number is the grammatical number of Description in each language;
	// empty means the one its head noun suggests
	// ([Dataset.DescriptionNumber]).
	Number NounNumber `yaml:"number,omitempty" json:"number,omitempty"`
	// Table is the table name, optionally schema-qualified ("app.bookings").
	Table string `yaml:"table,omitempty" json:"table,omitempty"`
	// Files binds the dataset to log files instead of a table.
	Files *FileBinding `yaml:"files,omitempty" json:"files,omitempty"`
	// Key is the primary-key column.
	Key string `yaml:"key" json:"key"`
	// Subject is the column identifying the data subject, if records can be
	// attributed to a person; datasets with a subject take part in access,
	// portability and erasure requests.
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
	// SubjectKey says how the subject column is derived from an
	// identifier the person knows; nil means it holds the application's
	// own ID of the person.
	SubjectKey *SubjectKey `yaml:"subject_key,omitempty" json:"subject_key,omitempty"`
	// Identifiers are the fields that identify the data subject (an
	// e-mail address, a phone number, a customer number), searched when a
	// request gives one.
	Identifiers []Identifier `yaml:"identifiers,omitempty" json:"identifiers,omitempty"`
	// Time lists the time columns that rules count from.
	Time []TimeColumn `yaml:"time" json:"time"`
	// Marker is a nullable column the engine sets when it anonymizes a
	// record with an operator that does not null its fields, so that
	// processed records are not selected again.
	Marker string `yaml:"marker,omitempty" json:"marker,omitempty"`
	// Purposes are the IDs of the purposes this data serves.
	Purposes []string `yaml:"purposes" json:"purposes"`
	// Recipients are the IDs of recipients of this data.
	Recipients []string `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	// Subjects describes the categories of data subjects (Art. 30(1)(c)),
	// e.g. "Bürgerinnen und Bürger, die einen Termin buchen".
	Subjects Text `yaml:"subjects,omitempty" json:"subjects,omitempty"`
	// Source says where the data comes from when not from the subject
	// (Art. 14(2)(f), Art. 15(1)(g)); empty means collected from the subject.
	Source Text `yaml:"source,omitempty" json:"source,omitempty"`
	// Fields are the columns that hold personal data.
	Fields []Field `yaml:"fields" json:"fields"`
	// NotPersonal lists the other columns of the table, those that hold
	// no personal data (a status, a counter, the office's own notes on
	// slots), so that a comparison with the live schema (frist check
	// --db) can tell a column that was looked at from one added later and
	// never declared (Art. 5(1)(c), Art. 30(1)(c)).
	NotPersonal []string `yaml:"not_personal,omitempty" json:"not_personal,omitempty"`
	// Rules are the retention rules enforced on the records.
	Rules []Rule `yaml:"rules" json:"rules"`
}

// FileBinding binds a dataset to a directory of log files.
type FileBinding struct {
	Dir     string `yaml:"dir" json:"dir"`
	Pattern string `yaml:"pattern" json:"pattern"`
	// Format is "common", "combined" or "jsonl".
	Format string `yaml:"format" json:"format"`
	// Live is the name of the file the server writes, which is never
	// rewritten (only rotated files are); defaults to the pattern up to its
	// first wildcard, without a trailing '.', '-' or '_' ("access.log*"
	// gives "access.log").
	Live string `yaml:"live,omitempty" json:"live,omitempty"`
	// Malformed says what a rule does with a line that does not parse in
	// Format: "mask" (the default) keeps it with every IP address found in
	// it replaced, "drop" deletes it. Such a line is never kept with an
	// IP address in it once a rule has processed it.
	Malformed string `yaml:"malformed,omitempty" json:"malformed,omitempty"`
}

// The malformed-line policies of a FileBinding.
const (
	MalformedMask = "mask"
	MalformedDrop = "drop"
)

// TimeFormat is how a time column stores its value.
type TimeFormat string

// The time column representations. The engine converts its cutoffs into the
// column's representation so that comparisons are exact and indexes are
// used.
const (
	TimeNative  TimeFormat = "timestamp" // the database's timestamp type (timestamptz on PostgreSQL)
	TimeUnix    TimeFormat = "unix"      // integer seconds since the Unix epoch
	TimeUnixMs  TimeFormat = "unix_ms"   // integer milliseconds since the Unix epoch
	TimeRFC3339 TimeFormat = "rfc3339"   // RFC 3339 text in UTC ("2006-01-02T15:04:05Z")
)

// TimeColumn names a time column that rules count from.
type TimeColumn struct {
	// Name is how rules refer to the time ("appointment_at").
	Name string `yaml:"name" json:"name"`
	// Column is the column name; defaults to Name.
	Column string `yaml:"column,omitempty" json:"column,omitempty"`
	// Format is the column's representation; defaults to TimeNative.
	Format TimeFormat `yaml:"format,omitempty" json:"format,omitempty"`
	// Zone, for a TimeNative column whose values carry no offset (SQLite
	// text without one, a PostgreSQL timestamp without time zone), is the
	// IANA time zone its wall-clock values are in ("Europe/Berlin", "UTC").
	// Without it such values are read as UTC on SQLite, and a PostgreSQL
	// timestamp without time zone is refused, since frist cannot tell the
	// zone the application wrote it in and a wrong guess deletes hours
	// early (Art. 5(1)(e) GDPR limits storage, it does not allow erasure
	// before the declared period ends). On SQLite a declared zone also
	// admits text with an offset the zone has had since 1970, or UTC's
	// ("2026-03-01 09:00:00 +0100 CET", which modernc.org/sqlite writes for
	// a time.Time in Berlin, or "…+02:00"), read by the instant it names;
	// a sweep's index range then reaches the zone's largest offset past
	// the cutoff. Without a zone, SQLite text with any offset but UTC's is
	// unreadable.
	Zone string `yaml:"zone,omitempty" json:"zone,omitempty"`
	// Description names the moment so that notices can say when a period
	// starts; it reads after "nach" / "after": {de: "dem Termin", en: "the
	// appointment"}.
	Description Text `yaml:"description,omitempty" json:"description,omitempty"`
}

// Category is a category of personal data (Art. 13(1)(e) via
// Art. 30(1)(c)). The declared set is open; the linter knows the common
// ones.
type Category string

// The categories frist knows.
const (
	CatIdentity         Category = "identity"          // name, birth date
	CatContact          Category = "contact"           // e-mail, phone, address
	CatIdentifier       Category = "identifier"        // customer number, account ID
	CatOnlineIdentifier Category = "online_identifier" // IP address, session ID
	CatDevice           Category = "device"            // user agent, OS
	CatUsage            Category = "usage"             // pages, times, status codes
	CatAppointment      Category = "appointment"       // service, place, date
	CatFreeText         Category = "free_text"         // anything the subject typed
	CatSpecial          Category = "special"           // Art. 9(1) data
	CatNone             Category = "none"              // not personal on its own
)

// Field is a column holding personal data.
type Field struct {
	// Name is how rules refer to the field.
	Name string `yaml:"name" json:"name"`
	// Column is the column name; defaults to Name.
	Column   string   `yaml:"column,omitempty" json:"column,omitempty"`
	Category Category `yaml:"category" json:"category"`
	// Description names the field in words for notices and reports.
	Description Text `yaml:"description,omitempty" json:"description,omitempty"`
	// Required is true when the subject must provide the field to use the
	// service, false when it is voluntary (Art. 13(2)(e)).
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
	// Special marks special categories of personal data (Art. 9(1)).
	Special bool `yaml:"special,omitempty" json:"special,omitempty"`
	// Provided is true for data the subject provided, which Art. 20 makes
	// portable; defaults to true for fields of datasets without a Source.
	Provided *bool `yaml:"provided,omitempty" json:"provided,omitempty"`
}

// Event names an event that triggers a rule immediately.
type Event string

// The events frist knows. Applications may declare others; they are
// triggered with retention.Engine.Trigger.
const (
	EventCancelled        Event = "cancelled"         // the subject cancelled (an appointment)
	EventConsentWithdrawn Event = "consent_withdrawn" // consent for a purpose of the dataset was withdrawn
	EventMatterSettled    Event = "matter_settled"    // the request the data served is settled
	EventSessionEnd       Event = "session_end"       // the session ended
	EventErasureRequested Event = "erasure_requested" // an Art. 17 request was granted
)

// Rule is one retention rule: after a period counted from a time column,
// or on an event, the records are deleted or anonymized.
type Rule struct {
	// ID identifies the rule in audit entries and reports. When empty it
	// is derived from the rule ("delete_after_14d_appointment_at",
	// "delete_on_cancelled"), which stays stable when rules are reordered.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// After is the period counted from the time column From.
	After Period `yaml:"after,omitempty" json:"after,omitempty"`
	// From names a time column of the dataset (TimeColumn.Name).
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// On names the event that triggers the rule instead of a period.
	On Event `yaml:"on,omitempty" json:"on,omitempty"`
	// Delete deletes the records.
	Delete bool `yaml:"delete,omitempty" json:"delete,omitempty"`
	// Anonymize maps field names to operator specs ("ip_mask(v4=1, v6=80)",
	// "null"); fields are processed in the order given.
	Anonymize []FieldOp `yaml:"anonymize,omitempty" json:"anonymize,omitempty"`
	// KeepAtLeast is a statutory minimum retention period: nothing is
	// touched before it ends, whatever the rule says.
	KeepAtLeast *Minimum `yaml:"keep_at_least,omitempty" json:"keep_at_least,omitempty"`
	// Lead is how long before its deadline a record may be processed;
	// defaults to two schedule intervals.
	Lead time.Duration `yaml:"lead,omitempty" json:"lead,omitempty"`
	// Description is an optional note for notices ("matter settled" etc.).
	Description Text `yaml:"description,omitempty" json:"description,omitempty"`
}

// FieldOp is one field and the operator spec applied to it.
type FieldOp struct {
	Field string `yaml:"field" json:"field"`
	// Op is an operator spec in the syntax of package anonymize, e.g.
	// "ip_mask(v4=1, v6=80)".
	Op string `yaml:"op" json:"op"`
}

// Minimum is a statutory minimum retention period.
type Minimum struct {
	Period Period `yaml:"period" json:"period"`
	// From names the time column the minimum counts from; defaults to the
	// rule's From.
	From string `yaml:"from,omitempty" json:"from,omitempty"`
	// Norm cites the provision that imposes it ("§ 147 AO").
	Norm string `yaml:"norm" json:"norm"`
}

// CookieNecessity is the legal footing of a cookie under § 25 TDDDG.
type CookieNecessity string

// The cookie footings.
const (
	// StrictlyNecessary cookies are exempt from consent under § 25(2) Nr. 2
	// TDDDG.
	StrictlyNecessary CookieNecessity = "strictly_necessary"
	// ConsentBased cookies need consent under § 25(1) TDDDG.
	ConsentBased CookieNecessity = "consent"
)

// Cookie is a cookie or similar technology stored on the subject's device.
type Cookie struct {
	Name string `yaml:"name" json:"name"`
	// Purpose is the ID of a declared purpose.
	Purpose string `yaml:"purpose" json:"purpose"`
	// Description says what the cookie stores, in words.
	Description Text `yaml:"description,omitempty" json:"description,omitempty"`
	// Provider is "first_party" or the ID of a recipient that sets it.
	Provider string `yaml:"provider,omitempty" json:"provider,omitempty"`
	// Session is true for cookies that end with the browser session.
	Session bool `yaml:"session,omitempty" json:"session,omitempty"`
	// Lifetime is the cookie's lifetime when not a session cookie.
	Lifetime Period          `yaml:"lifetime,omitempty" json:"lifetime,omitempty"`
	Basis    CookieNecessity `yaml:"basis" json:"basis"`
}

// Right is a data-subject right the notice promises.
type Right string

// The rights of Chapter III and the right to complain.
const (
	RightAccess        Right = "access"        // Art. 15
	RightRectification Right = "rectification" // Art. 16
	RightErasure       Right = "erasure"       // Art. 17
	RightRestriction   Right = "restriction"   // Art. 18
	RightPortability   Right = "portability"   // Art. 20
	RightObjection     Right = "objection"     // Art. 21
	RightWithdrawal    Right = "withdrawal"    // Art. 7(3)
	RightComplaint     Right = "complaint"     // Art. 77
)

// Acknowledgement records a lint finding the controller has assessed.
type Acknowledgement struct {
	// Finding is the finding's ID ("FR012").
	Finding string `yaml:"finding" json:"finding"`
	// Path restricts the acknowledgement to one field path; empty means
	// every occurrence.
	Path string `yaml:"path,omitempty" json:"path,omitempty"`
	// Reason is the controller's assessment, shown to auditors.
	Reason string `yaml:"reason" json:"reason"`
	// By names who decided, e.g. the DPO.
	By string `yaml:"by,omitempty" json:"by,omitempty"`
}

// AutomatedDecisions describes automated decision-making (Art. 22) with
// meaningful information about the logic involved and its consequences
// (Art. 13(2)(f)).
type AutomatedDecisions struct {
	Logic        Text `yaml:"logic" json:"logic"`
	Consequences Text `yaml:"consequences" json:"consequences"`
}
