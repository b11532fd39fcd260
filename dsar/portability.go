package dsar

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/frist-go/frist/policy"
)

// Export is the answer to a request for data portability (Art. 20 GDPR):
// the data the subject provided, from datasets processed on the basis of
// consent or a contract, in a structured, commonly used and
// machine-readable format (JSON, or CSV through WriteCSV). Excluded says
// what was left out and why.
type Export struct {
	Request  RequestInfo      `json:"request"`
	At       time.Time        `json:"at"`
	Datasets []ExportDataset  `json:"datasets"`
	Excluded []ExportExcluded `json:"excluded"`
}

// ExportDataset is the provided data of one dataset.
type ExportDataset struct {
	Dataset string           `json:"dataset"`
	Fields  []string         `json:"fields"`
	Records []map[string]any `json:"records"`
}

// ExportExcluded is a dataset or field left out of the export, with the
// reason and its norm.
type ExportExcluded struct {
	Dataset string      `json:"dataset"`
	Field   string      `json:"field,omitempty"`
	Reason  policy.Text `json:"reason"`
}

// Portability answers the portability request with id (Art. 20): for
// every dataset with a subject column whose purposes rest on Art. 6(1)(a)
// or (b) (Art. 20(1)(a)), the fields the subject provided (Field.Provided,
// by default every field of a dataset without a Source) of the subject's
// records. Datasets processed on another basis are excluded, as Art. 20(3)
// excludes processing in the public interest; fields the subject did not
// provide (observed or derived data) are excluded too. The request must be
// a portability request whose requester is verified; on success it is
// completed and the disclosure audited under the subject's pseudonym.
func (s *Service) Portability(ctx context.Context, id uuid.UUID) (*Export, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.begin(ctx, id, Portability)
	if err != nil {
		return nil, err
	}
	ex := &Export{Request: RequestInfo{ID: r.id, Kind: r.kind, ReceivedAt: r.receivedAt, Due: r.Due().Date}, At: s.clock(),
		Datasets: []ExportDataset{}, Excluded: []ExportExcluded{}}
	n := 0
	for i := range s.decl.Datasets {
		ds := &s.decl.Datasets[i]
		if ds.Subject == "" {
			ex.Excluded = append(ex.Excluded, ExportExcluded{Dataset: ds.ID, Reason: policy.Text{
				DE: "Die Daten sind keiner Person zugeordnet (Art. 11 Abs. 2 DSGVO).",
				EN: "The data is not attributed to persons (Art. 11(2) GDPR)."}})
			continue
		}
		if !portableBasis(s.decl, ds) {
			ex.Excluded = append(ex.Excluded, ExportExcluded{Dataset: ds.ID, Reason: policy.Text{
				DE: "Die Verarbeitung beruht weder auf einer Einwilligung noch auf einem Vertrag (Art. 20 Abs. 1 lit. a, Abs. 3 DSGVO).",
				EN: "The processing rests neither on consent nor on a contract (Art. 20(1)(a), 20(3) GDPR)."}})
			continue
		}
		var fields []string
		for _, f := range ds.Fields {
			if provided(ds, &f) {
				fields = append(fields, f.Name)
				continue
			}
			ex.Excluded = append(ex.Excluded, ExportExcluded{Dataset: ds.ID, Field: f.Name, Reason: policy.Text{
				DE: "Nicht von Ihnen bereitgestellt, sondern bei der Nutzung erfasst (Art. 20 Abs. 1 DSGVO).",
				EN: "Not provided by you but recorded during use (Art. 20(1) GDPR)."}})
		}
		if len(fields) == 0 {
			continue
		}
		recs, err := s.records(ctx, ds, r.subject, fields)
		if err != nil {
			return nil, fmt.Errorf("dsar: reading dataset %s: %w", ds.ID, err)
		}
		if len(recs) == 0 {
			continue
		}
		ed := ExportDataset{Dataset: ds.ID, Fields: fields, Records: make([]map[string]any, 0, len(recs))}
		for _, rec := range recs {
			ed.Records = append(ed.Records, rec.Fields)
		}
		n += len(recs)
		ex.Datasets = append(ex.Datasets, ed)
	}
	if err := s.audit(ctx, ex.At, "dsar.export", r, "", n, fmt.Sprintf("portability export of %d datasets", len(ex.Datasets))); err != nil {
		return nil, err
	}
	if err := s.finish(ctx, r, ""); err != nil {
		return nil, err
	}
	return ex, nil
}

// portableBasis reports whether some purpose of ds rests on consent or a
// contract (Art. 20(1)(a)).
func portableBasis(d *policy.Declaration, ds *policy.Dataset) bool {
	for _, pid := range ds.Purposes {
		if p := d.Purpose(pid); p != nil && (p.HasBasis(policy.Consent) || p.HasBasis(policy.Contract)) {
			return true
		}
	}
	return false
}

// provided reports whether the subject provided f: as declared, or by
// default when the dataset has no other Source.
func provided(ds *policy.Dataset, f *policy.Field) bool {
	if f.Provided != nil {
		return *f.Provided
	}
	return ds.Source.IsZero()
}

// WriteCSV writes the export as CSV (RFC 4180): one block per dataset,
// a header line "dataset" followed by the field names, then one line per
// record with the dataset's ID and the values; blocks are separated by an
// empty line. Times are RFC 3339 in UTC, bytes base64, NULL empty.
func (ex *Export) WriteCSV(w io.Writer) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	for i, ds := range ex.Datasets {
		if i > 0 {
			cw.Flush()
			buf.WriteString("\n")
		}
		if err := cw.Write(append([]string{"dataset"}, ds.Fields...)); err != nil {
			return err
		}
		for _, rec := range ds.Records {
			line := []string{ds.Dataset}
			for _, f := range ds.Fields {
				line = append(line, csvValue(rec[f]))
			}
			if err := cw.Write(line); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("dsar: writing CSV: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}
