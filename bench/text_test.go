package bench

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
)

// textCutoff is the cutoff of the rule "after: 7d" swept at sweepAt with
// the default lead of two one-minute intervals: a record is due when its
// time is at or before it.
var textCutoff = sweepAt.AddDate(0, 0, -7).Add(2 * time.Minute)

// BenchmarkSweepDeleteText deletes 100k due rows out of 1M from a table
// whose time column is SQLite text (format timestamp), with a sweep and, in
// the same iteration on the same table, with one hand-written DELETE; the
// metric is the ratio of their times (x-vs-raw). The rows are one a
// second, the due ones ending ten minutes before the cutoff and the others
// starting ten minutes after it, so rows lie right behind the cutoff,
// where a widened range reads them:
//
//   - utc: "2049-12-24 20:00:00" in UTC, no zone declared, against DELETE
//     ... WHERE created_at < cutoff;
//   - berlin: modernc.org/sqlite's text of a time.Time in Berlin,
//     "2049-12-24 21:00:00 +0100 CET", in a column declared zone:
//     Europe/Berlin, against the DELETE one writes by hand to delete by
//     instant with the index: created_at below the cutoff plus two hours
//     (Berlin's largest offset) and the instant, datetime() of the clock
//     with the offset, below the cutoff.
func BenchmarkSweepDeleteText(b *testing.B) {
	for _, c := range []struct {
		name, zone, suffix string
		offset             time.Duration
		raw                string
	}{
		{"utc", "", "", 0, "DELETE FROM %[1]s WHERE created_at < ?1"},
		{"berlin", "Europe/Berlin", " +0100 CET", time.Hour,
			"DELETE FROM %[1]s WHERE created_at < ?3 AND datetime(substr(created_at, 1, 19) || substr(created_at, 21, 3) || ':' || substr(created_at, 24, 2)) < ?2"},
	} {
		b.Run(c.name, func(b *testing.B) {
			bk := openSQLite(b)
			const table = "access_log"
			bk.exec(b, fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, created_at DATETIME NOT NULL, ip TEXT)", table))
			bk.exec(b, fmt.Sprintf("CREATE INDEX %s_created ON %s (created_at, id)", table, table))
			dueEnd := textCutoff.Add(-10 * time.Minute).Unix()
			laterFrom := textCutoff.Add(10 * time.Minute).Unix()
			// Row x (from 0) is due for x < due: one a second, the last
			// due one at dueEnd, the first later one at laterFrom.
			insert := func(from, to int) {
				bk.exec(b, fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM c WHERE x + 1 < ?2)
INSERT INTO %s (id, created_at, ip)
SELECT x + 1, datetime(CASE WHEN x < ?3 THEN %d - ?3 + 1 + x ELSE %d + x - ?3 END + %d, 'unixepoch') || '%s', '192.0.2.' || (x %% 250) FROM c`,
					table, dueEnd, laterFrom, int64(c.offset/time.Second), c.suffix), from, to, deleteDue)
			}
			insert(0, deleteRows)
			bk.settle(b, table)
			yaml := strings.Replace(accessLogYAML(table, "", "{ id: delete_log, after: 7d, from: created_at, delete: true }", ""),
				"{ column: created_at, format: unix }", fmt.Sprintf("{ column: created_at, zone: %q }", c.zone), 1)
			yaml = strings.Replace(yaml, `, zone: ""`, "", 1)
			decl, err := policy.Load(strings.NewReader(yaml), table+".yaml")
			if err != nil {
				b.Fatal(err)
			}
			restore := func() {
				insert(0, deleteDue)
				bk.settle(b, table)
			}
			check := func(what string) {
				if n := bk.count(b, "SELECT COUNT(*) FROM "+table); n != deleteRows-deleteDue {
					b.Fatalf("after %s %d rows are left, want %d", what, n, deleteRows-deleteDue)
				}
			}
			cutUTC := textCutoff.Format("2006-01-02 15:04:05")
			cutWall := textCutoff.Add(2 * time.Hour).Format("2006-01-02 15:04:05")
			raw := func() { bk.exec(b, fmt.Sprintf(c.raw, table), cutUTC, cutUTC, cutWall) }
			eng := bk.engine(b, decl, retention.Options{})
			var frist, base cost
			b.ResetTimer()
			for range b.N {
				frist.measure(func() { sweep(b, eng, deleteDue) })
				b.StopTimer()
				check("the sweep")
				restore()
				base.measure(raw)
				check("the hand-written DELETE")
				restore()
				b.StartTimer()
			}
			b.StopTimer()
			report(b, bk, frist, base, "x-vs-raw", "frist", "raw")
		})
	}
}
