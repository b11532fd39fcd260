package dsar

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/frist-go/frist/notice"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// AccessSchema identifies the JSON form of AccessReport; the JSON Schema
// that describes it is dsar/schema/access-report.schema.json.
const AccessSchema = "https://frist.dev/schema/dsar/access-report/v1"

// AccessReport is the answer to a request for access (Art. 15 GDPR): the
// confirmation that data is processed, a copy of it (Art. 15(3)), and the
// information of Art. 15(1)(a)–(h) and 15(2), dataset by dataset. Its JSON
// form is described by dsar/schema/access-report.schema.json; texts are
// given in German and English, so one report serves both renderings.
type AccessReport struct {
	Schema      string                     `json:"$schema"`
	Request     RequestInfo                `json:"request"`
	GeneratedAt time.Time                  `json:"generated_at"`
	Controller  Party                      `json:"controller"`
	DPO         *Party                     `json:"dpo,omitempty"`
	Authority   Party                      `json:"authority"`               // Art. 15(1)(f)
	Rights      []RightInfo                `json:"rights"`                  // Art. 15(1)(e)
	Datasets    []DatasetInfo              `json:"datasets"`                // Art. 15(1)(a)–(d), (g), 15(3)
	NotSearched []NotSearched              `json:"not_searched"`            // Art. 11(2)
	Consents    []ConsentInfo              `json:"consents"`                // Art. 7(1)
	Objections  []ObjectionInfo            `json:"objections"`              // Art. 21
	Holds       []HoldInfo                 `json:"holds"`                   // Art. 17(3), 18
	Automated   *policy.AutomatedDecisions `json:"automated_decisions"`     // Art. 15(1)(h); null: none
	Transfers   []RecipientInfo            `json:"third_country_transfers"` // Art. 15(2)
	// RecipientsTold lists the recipients told of an erasure,
	// rectification or restriction of the subject's data made on the
	// subject's requests, oldest first (Art. 19 sentence 2: the controller
	// informs the data subject about them if the subject requests it).
	// Every access report lists them: an access request is taken as that
	// request, the reading that protects the data subject, who need not
	// know to ask twice.
	RecipientsTold []RecipientTold `json:"recipients_told"`
}

// RequestInfo identifies the request a document answers.
type RequestInfo struct {
	ID         uuid.UUID `json:"id"`
	Kind       Kind      `json:"kind"`
	ReceivedAt time.Time `json:"received_at"`
	Due        Date      `json:"due"`
}

// Party is the controller, the data-protection officer or the supervisory
// authority.
type Party struct {
	Name    string         `json:"name"`
	Address string         `json:"address,omitempty"`
	Contact policy.Contact `json:"contact"`
}

// RightInfo is one right of the data subject with its article.
type RightInfo struct {
	Right   policy.Right `json:"right"`
	Article string       `json:"article"`
	Text    policy.Text  `json:"text"`
}

// DatasetInfo is what Art. 15(1) requires about one dataset holding
// records of the subject, and the records themselves (Art. 15(3)).
type DatasetInfo struct {
	ID          string          `json:"id"`
	Description policy.Text     `json:"description"`
	Purposes    []PurposeInfo   `json:"purposes"`       // (a)
	Categories  []CategoryInfo  `json:"categories"`     // (b)
	Recipients  []RecipientInfo `json:"recipients"`     // (c)
	Storage     policy.Text     `json:"storage_period"` // (d), one sentence per line
	Source      policy.Text     `json:"source"`         // (g)
	// Labels name the fields and time columns in words, by the names
	// Records use, so that a copy shows "Geburtsdatum", not "birth_date".
	Labels  map[string]policy.Text `json:"labels"`
	Records []RecordInfo           `json:"records"` // 15(3)
}

// PurposeInfo is a purpose with its legal bases.
type PurposeInfo struct {
	ID          string      `json:"id"`
	Description policy.Text `json:"description"`
	LegalBasis  []string    `json:"legal_basis"`
}

// CategoryInfo is a category of personal data and the fields that hold it.
type CategoryInfo struct {
	Category policy.Category `json:"category"`
	Fields   []string        `json:"fields"`
	Special  bool            `json:"special"`
}

// RecipientInfo is a recipient of the data.
type RecipientInfo struct {
	ID string `json:"id"`
	// Name is the recipient's name or category, in German and English.
	Name      policy.Text          `json:"name"`
	Role      policy.RecipientRole `json:"role"`
	Country   string               `json:"country,omitempty"`
	Safeguard policy.Text          `json:"safeguard"`
}

// RecordInfo is one record of the subject: its key, its declared fields,
// and when each retention rule will act on it.
type RecordInfo struct {
	Key    string         `json:"key"`
	Fields map[string]any `json:"fields"`
	// Times are the record's time columns by TimeColumn.Name, in UTC: they
	// are personal data of the subject as well (when the appointment is,
	// when it was booked), so the copy of Art. 15(3) includes them.
	Times     map[string]time.Time `json:"times"`
	Deadlines []DeadlineInfo       `json:"deadlines"`
}

// DeadlineInfo is when one rule deletes or anonymizes a record: at Due for
// a rule counted from a time column, when Event happens for an event rule,
// never before KeepUntil (Norm).
type DeadlineInfo struct {
	Rule      string           `json:"rule"`
	Action    retention.Action `json:"action"`
	Fields    []string         `json:"fields,omitempty"`
	Event     policy.Event     `json:"event,omitempty"`
	Due       *time.Time       `json:"due,omitempty"`
	KeepUntil *time.Time       `json:"keep_until,omitempty"`
	Norm      string           `json:"norm,omitempty"`
}

// NotSearched is a dataset that was not searched for the subject, and why.
type NotSearched struct {
	Dataset string `json:"dataset"`
	// Description names the dataset in words.
	Description policy.Text `json:"description"`
	Reason      policy.Text `json:"reason"`
}

// ConsentInfo is one event of the consent ledger about the subject.
type ConsentInfo struct {
	ID      string    `json:"id"`
	Purpose string    `json:"purpose"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Version string    `json:"version,omitempty"`
	Method  string    `json:"method,omitempty"`
	Actor   string    `json:"actor,omitempty"`
}

// ObjectionInfo is an objection of the subject under Art. 21.
type ObjectionInfo struct {
	ID       string     `json:"id"`
	Purpose  string     `json:"purpose"`
	At       time.Time  `json:"at"`
	LiftedAt *time.Time `json:"lifted_at,omitempty"`
}

// HoldInfo is a hold or restriction in force on the subject's records.
type HoldInfo struct {
	ID      string           `json:"id"`
	Dataset string           `json:"dataset,omitempty"`
	Key     string           `json:"key,omitempty"`
	Reason  store.HoldReason `json:"reason"`
	Norm    string           `json:"norm"`
}

// Access answers the access request with id (Art. 15): every record of the
// subject in every dataset with a subject column, with the information of
// Art. 15(1) for each dataset and the deadline of each record under the
// retention rules, the consent history, objections and holds, and the
// recipients told of an erasure, rectification or restriction of the
// subject's data (Art. 19 sentence 2, from the audit log). The request
// must be an access request whose requester is verified (ErrWrongKind,
// ErrUnverified); on success it is completed and the disclosure is
// audited, dataset by dataset, under the subject's pseudonym.
func (s *Service) Access(ctx context.Context, id uuid.UUID) (*AccessReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.begin(ctx, id, Access)
	if err != nil {
		return nil, err
	}
	rep, err := s.accessReport(ctx, r)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, ds := range rep.Datasets {
		n += len(ds.Records)
	}
	if err := s.audit(ctx, s.clock(), "dsar.disclose", r, "", n, fmt.Sprintf("access report of %d datasets", len(rep.Datasets))); err != nil {
		return nil, err
	}
	if err := s.finish(ctx, r, ""); err != nil {
		return nil, err
	}
	return rep, nil
}

// accessReport builds the report for r without changing anything.
func (s *Service) accessReport(ctx context.Context, r *Request) (*AccessReport, error) {
	d := s.decl
	rep := &AccessReport{
		Schema:      AccessSchema,
		Request:     RequestInfo{ID: r.id, Kind: r.kind, ReceivedAt: r.receivedAt, Due: r.Due().Date},
		GeneratedAt: s.clock(),
		Controller:  Party{Name: d.Controller.Name, Address: d.Controller.Address, Contact: d.Controller.Contact},
		Authority:   Party{Name: d.Authority.Name, Address: d.Authority.Address, Contact: d.Authority.Contact},
		Automated:   d.AutomatedDecisions,
		Rights:      rightsInfo(d),
		Datasets:    []DatasetInfo{},
		NotSearched: []NotSearched{},
		Consents:    []ConsentInfo{},
		Objections:  []ObjectionInfo{},
		Holds:       []HoldInfo{},
		Transfers:   []RecipientInfo{},
	}
	if d.DPO.Name != "" || d.DPO.Address != "" || d.DPO.Contact != (policy.Contact{}) {
		rep.DPO = &Party{Name: d.DPO.Name, Address: d.DPO.Address, Contact: d.DPO.Contact}
	}
	ropts := &retention.Options{Interval: s.eng.Interval()}
	transfers := map[string]bool{}
	for i := range d.Datasets {
		ds := &d.Datasets[i]
		if ds.Subject == "" {
			rep.NotSearched = append(rep.NotSearched, NotSearched{Dataset: ds.ID, Description: ds.Description, Reason: policy.Text{
				DE: "Die Daten sind keiner Person zugeordnet und können Ihnen ohne zusätzliche Informationen nicht zugeordnet werden (Art. 11 Abs. 2 DSGVO).",
				EN: "The data is not attributed to persons and cannot be attributed to you without additional information (Art. 11(2) GDPR).",
			}})
			continue
		}
		// Each record with its time columns, from which its deadline under
		// Art. 15(1)(d) is computed: one read per dataset.
		recs, err := s.records(ctx, ds, r.subject, nil)
		if err != nil {
			return nil, fmt.Errorf("dsar: reading dataset %s: %w", ds.ID, err)
		}
		if len(recs) == 0 {
			continue
		}
		info := datasetInfo(d, ds)
		for _, rc := range info.Recipients {
			if rc.Country != "" && !notice.InEEA(rc.Country) && !transfers[rc.ID] {
				transfers[rc.ID] = true
				rep.Transfers = append(rep.Transfers, rc)
			}
		}
		info.Records = make([]RecordInfo, 0, len(recs))
		for _, rec := range recs {
			dls, err := retention.Deadlines(d, ds.ID, rec.Times, ropts)
			if err != nil {
				return nil, fmt.Errorf("dsar: deadlines of dataset %s: %w", ds.ID, err)
			}
			times := make(map[string]time.Time, len(rec.Times))
			for k, v := range rec.Times {
				times[k] = v.UTC()
			}
			ri := RecordInfo{Key: rec.Key, Fields: rec.Fields, Times: times, Deadlines: make([]DeadlineInfo, 0, len(dls))}
			for _, dl := range dls {
				ri.Deadlines = append(ri.Deadlines, deadlineInfo(dl))
			}
			info.Records = append(info.Records, ri)
		}
		rep.Datasets = append(rep.Datasets, info)
	}
	if err := s.reportConsents(ctx, r.subject, rep); err != nil {
		return nil, err
	}
	obs, err := s.rs.ListObjections(ctx, r.subject)
	if err != nil {
		return nil, fmt.Errorf("dsar: reading objections: %w", err)
	}
	for _, o := range obs {
		rep.Objections = append(rep.Objections, objectionInfo(o))
	}
	holds, err := s.subjectHolds(ctx, r.subject, rep.GeneratedAt)
	if err != nil {
		return nil, err
	}
	for _, h := range holds {
		rep.Holds = append(rep.Holds, HoldInfo{ID: h.ID, Dataset: h.Dataset, Key: h.Key, Reason: h.Reason, Norm: holdNorm(h.Reason)})
	}
	if rep.RecipientsTold, err = s.recipientsTold(ctx, r.subject); err != nil {
		return nil, err
	}
	return rep, nil
}

// reportConsents adds the consent history of the subject, also events
// filed under the subject's pseudonym (under any key of the ledger's ring)
// after an erasure. Events are matched the way they are stored: erased
// ones by the pseudonym only, others by the identifier only, so that an
// identifier that happens to equal another person's pseudonym shows none
// of that person's events.
func (s *Service) reportConsents(ctx context.Context, subject string, rep *AccessReport) error {
	if s.ledger == nil {
		return nil
	}
	evs, err := s.ledger.History(ctx, subject, "")
	if err != nil {
		return fmt.Errorf("dsar: reading the consent ledger: %w", err)
	}
	evs = slices.DeleteFunc(evs, func(ev store.ConsentEvent) bool { return ev.Erased })
	for _, p := range s.ledger.Pseudonyms(subject) {
		erased, err := s.ledger.History(ctx, p, "")
		if err != nil {
			return fmt.Errorf("dsar: reading the consent ledger: %w", err)
		}
		for _, ev := range erased {
			if ev.Erased {
				evs = append(evs, ev)
			}
		}
	}
	for _, ev := range evs {
		rep.Consents = append(rep.Consents, ConsentInfo{ID: ev.ID, Purpose: ev.Purpose, Kind: string(ev.Kind), At: ev.At.UTC(),
			Version: ev.Version, Method: ev.Method, Actor: ev.Actor})
	}
	return nil
}

// subjectHolds returns the holds active at at that cover subject: on the
// subject, or on one of the subject's records.
func (s *Service) subjectHolds(ctx context.Context, subject string, at time.Time) ([]store.Hold, error) {
	all, err := s.st.ListHolds(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("dsar: listing holds: %w", err)
	}
	var out []store.Hold
	keys := map[string]map[string]bool{}
	for _, h := range all {
		if h.Subject == subject {
			out = append(out, h)
			continue
		}
		if h.Key == "" || h.Subject != "" {
			continue
		}
		ds := s.decl.Dataset(h.Dataset)
		if ds == nil || ds.Subject == "" {
			continue
		}
		if keys[h.Dataset] == nil {
			recs, err := s.records(ctx, ds, subject, []string{})
			if err != nil {
				return nil, fmt.Errorf("dsar: reading dataset %s: %w", h.Dataset, err)
			}
			keys[h.Dataset] = map[string]bool{}
			for _, rc := range recs {
				keys[h.Dataset][rc.Key] = true
			}
		}
		if keys[h.Dataset][h.Key] {
			out = append(out, h)
		}
	}
	return out, nil
}

// datasetInfo states Art. 15(1)(a)–(d) and (g) for ds.
func datasetInfo(d *policy.Declaration, ds *policy.Dataset) DatasetInfo {
	info := DatasetInfo{ID: ds.ID, Description: ds.Description, Source: ds.Source,
		Purposes: []PurposeInfo{}, Categories: []CategoryInfo{}, Recipients: []RecipientInfo{}, Labels: map[string]policy.Text{}}
	for _, f := range ds.Fields {
		if !f.Description.IsZero() {
			info.Labels[f.Name] = f.Description
		}
	}
	for _, tc := range ds.Time {
		if !tc.Description.IsZero() {
			// "dem Termin" reads after "nach"; the label is the moment
			// itself: "Termin".
			info.Labels[tc.Name] = policy.Text{DE: moment(tc.Description.DE), EN: moment(tc.Description.EN)}
		}
	}
	if info.Source.IsZero() {
		info.Source = policy.Text{DE: "Bei Ihnen erhoben.", EN: "Collected from you."}
	}
	recipients := slices.Clone(ds.Recipients)
	for _, pid := range ds.Purposes {
		p := d.Purpose(pid)
		if p == nil {
			continue
		}
		pi := PurposeInfo{ID: p.ID, Description: p.Description, LegalBasis: []string{}}
		for _, lb := range p.LegalBasis {
			pi.LegalBasis = append(pi.LegalBasis, string(lb.Basis))
		}
		info.Purposes = append(info.Purposes, pi)
		recipients = append(recipients, p.Recipients...)
	}
	for _, f := range ds.Fields {
		i := slices.IndexFunc(info.Categories, func(c CategoryInfo) bool { return c.Category == f.Category })
		if i < 0 {
			info.Categories = append(info.Categories, CategoryInfo{Category: f.Category, Fields: []string{}})
			i = len(info.Categories) - 1
		}
		info.Categories[i].Fields = append(info.Categories[i].Fields, f.Name)
		info.Categories[i].Special = info.Categories[i].Special || f.Special
	}
	seen := map[string]bool{}
	for _, id := range recipients {
		rc := d.Recipient(id)
		if rc == nil || seen[id] {
			continue
		}
		seen[id] = true
		info.Recipients = append(info.Recipients, RecipientInfo{ID: rc.ID, Name: rc.Name, Role: rc.Role, Country: rc.Country, Safeguard: rc.Safeguard})
	}
	info.Storage = policy.Text{
		DE: joinLines(notice.StoragePeriods(ds, notice.German)),
		EN: joinLines(notice.StoragePeriods(ds, notice.English)),
	}
	return info
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n"
		}
		out += s
	}
	return out
}

// deadlineInfo converts a retention deadline for the report.
func deadlineInfo(dl retention.Deadline) DeadlineInfo {
	di := DeadlineInfo{Rule: dl.Rule, Action: dl.Action, Fields: dl.Fields, Event: dl.Event, Norm: dl.Norm}
	if t := dl.Latest(); !t.IsZero() {
		t = t.UTC()
		di.Due = &t
	}
	if !dl.KeepUntil.IsZero() {
		t := dl.KeepUntil.UTC()
		di.KeepUntil = &t
	}
	return di
}

func objectionInfo(o store.Objection) ObjectionInfo {
	oi := ObjectionInfo{ID: o.ID, Purpose: o.Purpose, At: o.At}
	if !o.LiftedAt.IsZero() {
		t := o.LiftedAt
		oi.LiftedAt = &t
	}
	return oi
}

// holdNorm cites the article behind a hold reason.
func holdNorm(r store.HoldReason) string {
	switch r {
	case store.HoldLegalObligation:
		return "Art. 17(3)(b) GDPR"
	case store.HoldLegalClaims:
		return "Art. 17(3)(e) GDPR"
	case store.HoldRestriction:
		return "Art. 18 GDPR"
	}
	return string(r)
}

// rightsInfo lists the rights that apply under the declaration.
func rightsInfo(d *policy.Declaration) []RightInfo {
	var out []RightInfo
	for _, rt := range notice.Rights(d) {
		out = append(out, RightInfo{Right: rt, Article: rightArticle(rt), Text: rightText(rt)})
	}
	return out
}

func rightArticle(r policy.Right) string {
	switch r {
	case policy.RightAccess:
		return "Art. 15"
	case policy.RightRectification:
		return "Art. 16"
	case policy.RightErasure:
		return "Art. 17"
	case policy.RightRestriction:
		return "Art. 18"
	case policy.RightPortability:
		return "Art. 20"
	case policy.RightObjection:
		return "Art. 21"
	case policy.RightWithdrawal:
		return "Art. 7(3)"
	case policy.RightComplaint:
		return "Art. 77"
	}
	return ""
}

func rightText(r policy.Right) policy.Text {
	switch r {
	case policy.RightAccess:
		return policy.Text{DE: "Recht auf Auskunft", EN: "Right of access"}
	case policy.RightRectification:
		return policy.Text{DE: "Recht auf Berichtigung", EN: "Right to rectification"}
	case policy.RightErasure:
		return policy.Text{DE: "Recht auf Löschung", EN: "Right to erasure"}
	case policy.RightRestriction:
		return policy.Text{DE: "Recht auf Einschränkung der Verarbeitung", EN: "Right to restriction of processing"}
	case policy.RightPortability:
		return policy.Text{DE: "Recht auf Datenübertragbarkeit", EN: "Right to data portability"}
	case policy.RightObjection:
		return policy.Text{DE: "Widerspruchsrecht", EN: "Right to object"}
	case policy.RightWithdrawal:
		return policy.Text{DE: "Recht auf Widerruf der Einwilligung mit Wirkung für die Zukunft", EN: "Right to withdraw consent for the future"}
	case policy.RightComplaint:
		return policy.Text{DE: "Recht auf Beschwerde bei einer Aufsichtsbehörde", EN: "Right to lodge a complaint with a supervisory authority"}
	}
	return policy.Text{DE: string(r), EN: string(r)}
}

// moment turns a time column's description, which reads after "nach" /
// "after" ("dem Termin", "the appointment"), into a label ("Termin",
// "Appointment").
func moment(s string) string {
	for _, article := range []string{"dem ", "der ", "den ", "des ", "the "} {
		if rest, ok := strings.CutPrefix(s, article); ok {
			s = rest
			break
		}
	}
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
