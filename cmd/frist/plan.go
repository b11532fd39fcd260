package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store"
	"github.com/frist-go/frist/store/pgstore"
)

const planUsage = `Usage: frist plan FILE --db URL [--at TIME] [--format text|json]

Dry run of a sweep against the application's database: for every rule, how
many records are due at TIME, how many are held and by which holds
(Art. 17(3), Art. 18), and when the next record falls due; then the time
columns that no index leads, which make every sweep read the whole table.
Nothing is changed and nothing is written, and no keys are needed.

Datasets bound to log files (files:) are planned on those files, read
from files.dir or from DIR with --logs DATASET=DIR; nothing is written
there either.

TIME is RFC 3339 (2025-03-01T09:00:00+01:00), or a date or date and time
in the controller's time zone (2025-03-01, "2025-03-01 09:00"); default:
now. Records are counted as they are now, holds as they will be at TIME.

The database is sqlite:PATH or postgres://USER@HOST/DB; the application's
tables and frist's own (which the service or "frist run" creates) must
exist. The database is opened read-only (SQLite mode=ro, a read-only
PostgreSQL session), so a file nobody may write and a role with nothing
but SELECT suffice.

Exit status: 0 when the plan was written; 2 when the declaration is
invalid, the database cannot be reached or does not match the declaration,
or the command line is wrong.

Flags:
%s
Examples:
  frist plan examples/policies/jobcenter.yaml --db sqlite:booking.db
  frist plan policy.yaml --db postgres://frist@db/booking --at 2025-03-01 --format json
`

// planJSON is the JSON form of a plan.
type planJSON struct {
	At        time.Time       `json:"at"`
	Rules     []rulePlanJSON  `json:"rules"`
	Unindexed []unindexedJSON `json:"unindexed"`
	// DeadTuples counts, on PostgreSQL, the row versions of each dataset's
	// table that were deleted or updated but are still in its files until
	// VACUUM (pgstore.Store.DeadTuples).
	DeadTuples map[string]int64 `json:"dead_tuples,omitempty"`
	// OwnDeadTuples counts the same for frist's own tables whose rows are
	// deleted or overwritten (consent events, requests, objections,
	// remembered events, notifications waiting for delivery), by table
	// name (pgstore.Store.OwnDeadTuples).
	OwnDeadTuples map[string]int64 `json:"own_dead_tuples,omitempty"`
}

type rulePlanJSON struct {
	Dataset      string     `json:"dataset"`
	Rule         string     `json:"rule"`
	Action       string     `json:"action"`
	Event        string     `json:"event,omitempty"`
	Due          int        `json:"due"`
	Held         int        `json:"held"`
	Holds        []holdJSON `json:"holds"`
	Next         *time.Time `json:"next,omitempty"`
	NextDeadline *time.Time `json:"next_deadline,omitempty"`
	// Unreadable counts, per time column, the records a sweep could not
	// process because their time value cannot be read.
	Unreadable []unreadableJSON `json:"unreadable,omitempty"`
}

// holdJSON describes a hold without the record key or subject it names,
// which may identify a person.
type holdJSON struct {
	ID       string     `json:"id"`
	Scope    string     `json:"scope"`
	Reason   string     `json:"reason"`
	Article  string     `json:"article"`
	Note     string     `json:"note,omitempty"`
	PlacedAt time.Time  `json:"placed_at"`
	Until    *time.Time `json:"until,omitempty"`
}

type unindexedJSON struct {
	Dataset string `json:"dataset"`
	Time    string `json:"time"`
	Table   string `json:"table"`
	Column  string `json:"column"`
	Fix     string `json:"fix"`
}

func runPlan(args []string, stdout, stderr io.Writer) int {
	c := newCLI("plan", planUsage, stdout, stderr)
	dbURL := c.fs.String("db", "", "database URL: sqlite:PATH or postgres://USER@HOST/DB (required)")
	atFlag := c.fs.String("at", "", "time the plan is for (default: now)")
	format := c.fs.String("format", "text", "output format: text or json")
	logDirs := c.logsFlag()
	rest, code, done := c.parse(args)
	if done {
		return code
	}
	if code, ok := c.choice("format", *format, "text", "json"); !ok {
		return code
	}
	file, code, ok := c.oneFile(rest)
	if !ok {
		return code
	}
	if *dbURL == "" {
		return c.fail("no database given; name it with --db sqlite:PATH or --db postgres://USER@HOST/DB")
	}
	decl, code, ok := c.load(file)
	if !ok {
		return code
	}
	at := time.Now()
	if *atFlag != "" {
		t, err := parseAt(*atFlag, decl.Location())
		if err != nil {
			return c.fail("%v", err)
		}
		at = t
	}
	ctx := context.Background()
	db, err := openDatabaseWith(ctx, *dbURL, decl, readOnly, nil, dbOptions{logDirs: logDirs})
	if err != nil {
		return c.errorf("%v", err)
	}
	defer db.Close()
	k, err := throwawayKeys(decl)
	if err != nil {
		return c.errorf("%v", err)
	}
	eng, err := retention.New(decl, db.store, &retention.Options{AuditKey: k.audit, Keys: k.rings})
	if err != nil {
		return c.errorf("the declaration's rules cannot run: %v", err)
	}
	plan, err := eng.Plan(ctx, at)
	if err != nil {
		return c.errorf("planning on %s: %v", db.name, err)
	}
	unindexed, err := findUnindexed(ctx, decl, db.store)
	if err != nil {
		return c.errorf("checking indexes on %s: %v", db.name, err)
	}
	out := planToJSON(plan, unindexed)
	if pg, ok := db.sql.(*pgstore.Store); ok {
		var tables []string
		for _, ds := range decl.Datasets {
			if ds.Table != "" {
				tables = append(tables, ds.ID)
			}
		}
		if out.DeadTuples, err = pg.DeadTuples(ctx, tables); err != nil {
			return c.errorf("counting dead row versions on %s: %v", db.name, err)
		}
		if out.OwnDeadTuples, err = pg.OwnDeadTuples(ctx); err != nil {
			return c.errorf("counting dead row versions of frist's own tables on %s: %v", db.name, err)
		}
	}
	if *format == "json" {
		return c.writeJSON(out)
	}
	writePlanText(stdout, file, out, decl.Location())
	return exitOK
}

// parseAt parses the --at flag.
func parseAt(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q is not a time; write RFC 3339 (2025-03-01T09:00:00+01:00), a date (2025-03-01) or a date and time (\"2025-03-01 09:00\") in the controller's time zone", s)
}

// findUnindexed returns the time columns rules count from that lead no
// index, when the store can tell (store.IndexChecker).
func findUnindexed(ctx context.Context, decl *policy.Declaration, st store.Driver) ([]unindexedJSON, error) {
	ic, ok := st.(store.IndexChecker)
	if !ok {
		return []unindexedJSON{}, nil
	}
	out := []unindexedJSON{}
	for _, ds := range decl.Datasets {
		seen := map[string]bool{}
		for _, r := range ds.Rules {
			cols := []string{r.From}
			if r.KeepAtLeast != nil {
				cols = append(cols, r.KeepAtLeast.From)
			}
			for _, name := range cols {
				if name == "" || seen[name] {
					continue
				}
				seen[name] = true
				un, err := ic.Unindexed(ctx, ds.ID, name)
				if err != nil {
					return nil, err
				}
				if !un {
					continue
				}
				col := name
				for _, tc := range ds.Time {
					if tc.Name == name && tc.Column != "" {
						col = tc.Column
					}
				}
				out = append(out, unindexedJSON{Dataset: ds.ID, Time: name, Table: ds.Table, Column: col,
					Fix: fmt.Sprintf("CREATE INDEX %s_%s_idx ON %s (%s, %s);", strings.ReplaceAll(ds.Table, ".", "_"), col, ds.Table, col, ds.Key)})
			}
		}
	}
	return out, nil
}

func planToJSON(p *retention.Plan, unindexed []unindexedJSON) planJSON {
	out := planJSON{At: p.At, Rules: []rulePlanJSON{}, Unindexed: unindexed}
	for _, rp := range p.Rules {
		r := rulePlanJSON{Dataset: rp.Dataset, Rule: rp.Rule, Action: string(rp.Action), Event: string(rp.Event),
			Due: rp.Due, Held: rp.Held, Holds: []holdJSON{}, Unreadable: unreadableToJSON(rp.Unreadable)}
		if !rp.Next.IsZero() {
			next, deadline := rp.Next, rp.NextDeadline
			r.Next, r.NextDeadline = &next, &deadline
		}
		for _, h := range rp.Holds {
			r.Holds = append(r.Holds, describeHold(h))
		}
		out.Rules = append(out.Rules, r)
	}
	return out
}

// describeHold describes h for an operator without its key or subject.
func describeHold(h store.Hold) holdJSON {
	scope := "one record"
	switch {
	case h.Key == "" && h.Dataset == "":
		scope = "every record of a data subject"
	case h.Key == "":
		scope = "the records of a data subject in " + h.Dataset
	}
	article := map[store.HoldReason]string{
		store.HoldLegalObligation: "Art. 17(3)(b): erasure would breach a legal obligation",
		store.HoldLegalClaims:     "Art. 17(3)(e): needed for legal claims",
		store.HoldRestriction:     "Art. 18: processing restricted at the subject's request",
	}[h.Reason]
	j := holdJSON{ID: h.ID, Scope: scope, Reason: string(h.Reason), Article: article, Note: h.Note, PlacedAt: h.PlacedAt}
	if !h.Until.IsZero() {
		u := h.Until
		j.Until = &u
	}
	return j
}

func writePlanText(w io.Writer, file string, p planJSON, loc *time.Location) {
	ts := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	fmt.Fprintf(w, "Plan for %s at %s\n\n", file, ts(p.At))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tRULE\tACTION\tDUE\tHELD\tNEXT DUE\tDEADLINE")
	var holds []string
	var unreadable []unreadableRule
	seen := map[string]bool{}
	for _, r := range p.Rules {
		if len(r.Unreadable) > 0 {
			unreadable = append(unreadable, unreadableRule{Dataset: r.Dataset, Rule: r.Rule, Unreadable: r.Unreadable})
		}
		if r.Event != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\ton %s\t\n", r.Dataset, r.Rule, r.Action, r.Event)
		} else {
			next, deadline := "none", ""
			if r.Next != nil {
				next, deadline = ts(*r.Next), ts(*r.NextDeadline)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.Dataset, r.Rule, r.Action, r.Due, r.Held, next, deadline)
		}
		for _, h := range r.Holds {
			if seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			line := fmt.Sprintf("  %s: %s, %s", h.ID, h.Scope, h.Article)
			if h.Note != "" {
				line += " (" + h.Note + ")"
			}
			line += ", placed " + ts(h.PlacedAt)
			if h.Until != nil {
				line += ", until " + ts(*h.Until)
			}
			holds = append(holds, line)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(unreadable) > 0 {
		writeUnreadable(w, unreadable)
		fmt.Fprintln(w)
	}
	if len(holds) == 0 {
		fmt.Fprintln(w, "Holds: none active.")
	} else {
		fmt.Fprintln(w, "Holds (records they cover are left alone):")
		for _, h := range holds {
			fmt.Fprintln(w, h)
		}
	}
	fmt.Fprintln(w)
	dead := func(counts map[string]int64) []string {
		ids := make([]string, 0, len(counts))
		for id, n := range counts {
			if n > 0 {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		return ids
	}
	if ids, own := dead(p.DeadTuples), dead(p.OwnDeadTuples); len(ids)+len(own) > 0 {
		fmt.Fprintln(w, "Dead row versions (deleted or overwritten data still in the table's files until VACUUM; frist run --vacuum):")
		for _, id := range ids {
			fmt.Fprintf(w, "  %s: %d\n", id, p.DeadTuples[id])
		}
		for _, t := range own {
			fmt.Fprintf(w, "  %s (frist's own records): %d\n", t, p.OwnDeadTuples[t])
		}
		fmt.Fprintln(w)
	}
	if len(p.Unindexed) == 0 {
		fmt.Fprintln(w, "Indexes: every time column a rule counts from leads an index.")
		return
	}
	fmt.Fprintln(w, "Missing indexes (every sweep reads the whole table until they exist):")
	for _, u := range p.Unindexed {
		fmt.Fprintf(w, "  %s.%s (column %s of %s): %s\n", u.Dataset, u.Time, u.Column, u.Table, u.Fix)
	}
}
