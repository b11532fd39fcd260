package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/frist-go/frist/anonymize"
	"github.com/frist-go/frist/policy"
	"github.com/frist-go/frist/retention"
	"github.com/frist-go/frist/store/sqlitestore"
)

// Embedding frist in a service: load the declaration, hand frist the
// service's own *sql.DB, start the scheduler, and trigger events. README.md
// shows the body of this example; keeping it here means it cannot stop
// compiling unnoticed.
func Example_embedding() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "frist-example-")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", SQLiteDSN(filepath.Join(dir, "app.db")))
	defer db.Close()
	_ = createSchema(ctx, db) // the service's own tables: access_log, appointments
	secret := []byte("use 32 random bytes from a secret store, not this!")

	// --- README begins ---
	decl, err := policy.LoadFile("../policies/jobcenter.yaml") // validated, or an error with line numbers
	if err != nil {
		log.Fatal(err)
	}
	st, err := sqlitestore.New(db, decl, nil) // frist works on your tables, through your *sql.DB
	if err != nil {
		log.Fatal(err)
	}
	auditKey, _ := anonymize.NewKeyRing(anonymize.Key{ID: "audit1", Secret: secret})
	eng, err := retention.New(decl, st, &retention.Options{AuditKey: auditKey})
	if err != nil {
		log.Fatal(err)
	}
	sched, _ := retention.NewScheduler(eng, nil) // sweeps every minute: 7-day and 14-day rules
	_ = sched.Start(ctx)
	defer sched.Stop(ctx)

	// "Bei einer Terminstornierung ... sofort gelöscht."
	next := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateTime) // an appointment next week, not yet due
	if _, err := db.Exec(`INSERT INTO appointments (id, citizen_id, starts_at, booked_at, place) VALUES (1, 'c1', ?, ?, 'Kaltenkirchen')`, next, next); err != nil {
		log.Fatal(err)
	}
	rep, err := eng.Trigger(ctx, retention.Event{Kind: policy.EventCancelled, Dataset: "appointment", Key: "1"})
	fmt.Println("deleted at once:", rep.Processed(), err)

	// "Nach dem erfolgten Termin ... innerhalb von zwei Wochen gelöscht."
	dls, _ := retention.Deadlines(decl, "appointment", map[string]time.Time{"appointment_at": time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)}, nil)
	fmt.Println(dls[0].Rule, "by", dls[0].Due.Format(time.RFC3339))
	// --- README ends ---

	// Output:
	// deleted at once: 1 <nil>
	// delete_after_14d_appointment_at by 2025-06-16T11:00:00+02:00
}
