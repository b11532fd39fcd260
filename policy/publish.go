package policy

// Publication is a document rendered from a declaration for others to
// read: the privacy notice or the record of processing activities.
type Publication int

// The publications.
const (
	// PublishNotice is the privacy notice (Art. 13 DSGVO).
	PublishNotice Publication = iota + 1
	// PublishRecord is the record of processing activities (Art. 30(1)
	// DSGVO).
	PublishRecord
)

// onlyFor names the checks whose findings concern one publication alone:
// what the record of processing needs (FR060 subjects, FR061 measures) does
// not hold back a notice, which states neither, and what a notice can say
// of assumed values and channels (FR080–FR085, FR087) does not hold back
// the record, which states what the engine enforces. Every other error
// holds back both.
var onlyFor = map[string]Publication{
	"FR060": PublishRecord, "FR061": PublishRecord,
	"FR080": PublishNotice, "FR081": PublishNotice, "FR082": PublishNotice, "FR083": PublishNotice,
	"FR084": PublishNotice, "FR085": PublishNotice, "FR087": PublishNotice,
}

// BlockingFor returns the findings of fs that keep pub from being
// published: the unacknowledged errors ([Finding.Blocking]), less those of
// checks that concern only the other publication.
func BlockingFor(fs []Finding, pub Publication) []Finding {
	var out []Finding
	for _, f := range fs {
		if only, ok := onlyFor[f.ID]; f.Blocking() && (!ok || only == pub) {
			out = append(out, f)
		}
	}
	return out
}
