package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/frist-go/frist/audit"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
)

// Sizes of the audit drop benchmark: 100k entries past their period
// followed by 10k that are not.
const (
	auditDue  = 100_000
	auditKept = 10_000
)

// auditLog is a sealed audit log of auditDue entries of 2000 followed by
// auditKept of 2100, with the rows frist stores for them.
type auditLog struct {
	entries []audit.Entry
	bodies  []string
}

// newAuditLog seals the log once; every run inserts the same rows.
func newAuditLog(b *testing.B) *auditLog {
	b.Helper()
	l := &auditLog{}
	var head audit.Head
	for i := range auditDue + auditKept {
		at := time.Unix(dueBase, 0).Add(time.Duration(i) * time.Second)
		if i >= auditDue {
			at = time.Unix(laterBase, 0).Add(time.Duration(i) * time.Second)
		}
		e := audit.Seal(head, audit.Entry{Time: at, Action: "delete", Dataset: "access_log", Rule: "delete_log", Count: 1000, Note: "Art. 5(1)(e)"})
		body, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		l.entries = append(l.entries, e)
		l.bodies = append(l.bodies, string(body))
		head = e.Head()
	}
	return l
}

// load replaces frist's audit tables' contents with the log, in
// multi-row statements in one transaction, and settles the database.
func (l *auditLog) load(b *testing.B, bk *backend) {
	b.Helper()
	tx, err := bk.db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range []string{"DELETE FROM frist_audit", "DELETE FROM frist_audit_base"} {
		if _, err := tx.Exec(st); err != nil {
			b.Fatal(err)
		}
	}
	const rows = 500
	for from := 0; from < len(l.entries); from += rows {
		to := min(from+rows, len(l.entries))
		var vals []string
		var args []any
		for i := from; i < to; i++ {
			e := l.entries[i]
			var at any = e.Time.UnixMicro()
			if bk.pg {
				at = e.Time
			}
			n := len(args)
			ph := make([]string, 10)
			for j := range ph {
				ph[j] = bk.phN(n + j + 1)
			}
			vals = append(vals, "("+strings.Join(ph, ", ")+")")
			args = append(args, int64(e.Seq), e.ID, at, e.Action, e.Dataset, e.Rule, int64(e.Count), e.Prev, e.Hash, l.bodies[i])
		}
		stmt := "INSERT INTO frist_audit (seq, id, at, action, dataset, rule, count, prev, hash, body) VALUES " + strings.Join(vals, ", ")
		if _, err := tx.Exec(stmt, args...); err != nil {
			b.Fatal(err)
		}
	}
	last := l.entries[len(l.entries)-1]
	if _, err := tx.Exec("UPDATE frist_audit_head SET seq = "+bk.phN(1)+", hash = "+bk.phN(2)+" WHERE id = 1", int64(last.Seq), last.Hash); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	bk.settle(b, "frist_audit")
}

// phN returns the n-th placeholder in a form both databases accept in a
// statement with many of them.
func (bk *backend) phN(n int) string {
	if bk.pg {
		return fmt.Sprintf("$%d", n)
	}
	return fmt.Sprintf("?%d", n)
}

// BenchmarkAuditDrop drops the 100k oldest entries of a 110k-entry audit
// log whose period ended and, in the same iteration on the same log, runs
// the hand-written statement that deletes the same rows,
// DELETE FROM frist_audit WHERE seq <= 100000. The timer measures frist;
// the metric x-vs-raw is the ratio of frist's wall time to the baseline's
// (for SQLite also cpu-x-vs-raw, of CPU time):
//
//   - store: one store.AuditLog.DropAudit of all 100k, the atomic unit
//     (walk the due prefix in position order, delete, store the signed
//     base, seal the drop's entry);
//   - sweep: a retention sweep, which drops them in bounded drops of
//     10,000, each with its own base and entry.
func BenchmarkAuditDrop(b *testing.B) {
	log := newAuditLog(b)
	eachBackend(b, func(b *testing.B, bk *backend) {
		const table = "access_log"
		bk.createTable(b, table)
		decl := declaration(b, table, false)
		st, err := bk.open(decl)
		if err != nil {
			b.Fatal(err)
		}
		signer, err := audit.NewSigner("bench", []byte("bench-audit-key-0123456789abcdef"))
		if err != nil {
			b.Fatal(err)
		}
		cutoff := time.Unix(rawCutoff, 0)
		check := func(what string) {
			if n := bk.count(b, "SELECT COUNT(*) FROM frist_audit WHERE seq <= "+fmt.Sprint(auditDue)); n != 0 {
				b.Fatalf("after %s %d of the due entries are left", what, n)
			}
		}
		raw := func() { bk.exec(b, "DELETE FROM frist_audit WHERE seq <= "+bk.ph(1), auditDue) }
		run := func(b *testing.B, drop func()) {
			var frist, base cost
			for range b.N {
				b.StopTimer()
				log.load(b, bk)
				b.StartTimer()
				frist.measure(drop)
				b.StopTimer()
				check("frist's drop")
				log.load(b, bk)
				base.measure(raw)
				check("the DELETE")
				b.StartTimer()
			}
			b.StopTimer()
			report(b, bk, frist, base, "x-vs-raw", "frist", "raw")
		}
		b.Run("store", func(b *testing.B) {
			run(b, func() {
				res, err := st.DropAudit(context.Background(), store.AuditDrop{Before: cutoff, Entry: audit.Entry{Time: sweepAt, Action: "x"}.SignedBy(signer)})
				if err != nil || res.Count != auditDue {
					b.Fatalf("DropAudit dropped %d, want %d: %v", res.Count, auditDue, err)
				}
			})
		})
		b.Run("sweep", func(b *testing.B) {
			eng := bk.engine(b, decl, retention.Options{})
			run(b, func() {
				rep, err := eng.Sweep(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				for _, rr := range rep.Records {
					if rr.Kind == "audit" && rr.Deleted != auditDue {
						b.Fatalf("the sweep dropped %d audit entries, want %d", rr.Deleted, auditDue)
					}
				}
			})
		})
	})
}
