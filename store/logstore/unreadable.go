package logstore

import (
	"context"
	"fmt"

	"github.com/frist-go/frist/store"
)

// Unreadable implements store.Driver for log files: it counts the
// files of the dataset that cannot be read to their end (an empty or
// truncated gzip file, a read error), each as one record, since the lines
// such a file holds and their times are unknown. No rule reads, rewrites
// or removes such a file, so its lines are neither processed nor deleted
// silently; the dataset's other files are processed as usual, and each
// call logs the file and why it cannot be read. A file is read again once
// its size, modification time or inode changes. In JSON lines it also
// counts the lines whose member for the column is set but is not a time in
// the column's format (or gives a year beyond 9999): no bound selects
// them. In common and combined logs a line whose time does not parse is a
// malformed line, which rules process by the time of the line before it
// (see the package documentation); it is not counted here.
func (s *Store) Unreadable(ctx context.Context, sel store.Selection) (int, string, error) {
	if err := s.begin(ctx); err != nil {
		return 0, "", err
	}
	defer s.mu.Unlock()
	if len(sel.Bounds) == 0 {
		return 0, "", fmt.Errorf("logstore: dataset %q: Unreadable needs a bound; callers check every selection before a backend sees it (package store)", sel.Dataset)
	}
	q, err := s.check(store.Selection{Dataset: sel.Dataset, Bounds: sel.Bounds[:1], Now: sel.Now})
	if err != nil {
		return 0, "", err
	}
	files, err := q.d.list()
	if err != nil {
		return 0, "", err
	}
	idx := loadIndex(q.d.dir)
	if err := q.d.refresh(idx, files); err != nil {
		return 0, "", err
	}
	if err := idx.save(q.d.dir); err != nil {
		s.log.Warn("logstore: the index could not be saved; the next call reads the files again", "dataset", q.d.decl.ID, "error", err)
	}
	n, column := 0, sel.Bounds[0].Column
	want := "a log file that can be read to its end (an intact gzip stream)"
	if q.d.format == formatJSONL {
		want += fmt.Sprintf(" and a member that is a time in format %s, years 0 to 9999", q.d.timeCol[column].Format)
	}
	for _, f := range files {
		e := idx.Files[f.name]
		switch {
		case e == nil:
		case e.Unreadable != "":
			n++
			s.log.Warn("logstore: a log file cannot be read to its end; no rule touches it until it is repaired or removed",
				"dataset", q.d.decl.ID, "file", f.name, "error", e.Unreadable)
		case e.BadTimes[column] > 0:
			n += e.BadTimes[column]
			s.log.Warn("logstore: lines whose time cannot be read are never selected by a time rule",
				"dataset", q.d.decl.ID, "file", f.name, "column", column, "lines", e.BadTimes[column])
		}
	}
	return n, want, nil
}
