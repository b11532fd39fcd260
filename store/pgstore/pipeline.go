package pgstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/frist-go/frist/store/internal/sqldriver"
)

// row is the one result row of a statement.
type row interface {
	Scan(dest ...any) error
}

// Pipeline runs a batch's transaction in two round trips to the server
// instead of four (BEGIN, the batch statement, the audit entry, COMMIT),
// on connections of pgx's stdlib driver, whose batches send several
// statements at once: BEGIN, the batch's setup (JIT off and the hold fence
// shared, as in BeginBatch) and first go to the server as one pgx batch,
// and first's one row is handed to scan. Pipeline then calls second and
// sends the statements it returns and COMMIT as another. When second
// returns no statements or an error, or anything fails, the transaction
// is rolled back and nothing is stored. A connection of another driver is
// left alone: Pipeline returns false, having done nothing, and the caller
// runs the batch the ordinary way.
//
// A connection whose transaction could not be rolled back is handed back
// to database/sql as broken (driver.ErrBadConn), so that it is closed
// rather than reused inside an open transaction; the server rolls back a
// closed connection's transaction.
func (d dialect) Pipeline(ctx context.Context, db *sql.DB, first sqldriver.Stmt, scan func(row) error, second func() ([]sqldriver.Stmt, error)) (bool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return true, err
	}
	defer conn.Close()
	handled := false
	var runErr error
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return nil
		}
		handled = true
		pc := sc.Conn()
		runErr = pipeline(ctx, pc, d.batchSetup(), first, scan, second)
		if runErr != nil && !pc.PgConn().IsClosed() {
			if _, err := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
				return driver.ErrBadConn
			}
		}
		if errors.Is(runErr, errNothingToCommit) {
			runErr = nil
		}
		return nil
	})
	if err != nil && !errors.Is(err, driver.ErrBadConn) {
		return handled, err
	}
	return handled, runErr
}

// errNothingToCommit ends a pipeline whose first statement processed
// nothing: the transaction is rolled back, and that is no failure.
var errNothingToCommit = errors.New("pgstore: nothing to commit")

// pipeline runs the two round trips of Pipeline on pc. Any error leaves
// the transaction to be rolled back by the caller.
func pipeline(ctx context.Context, pc *pgx.Conn, setup string, first sqldriver.Stmt, scan func(row) error, second func() ([]sqldriver.Stmt, error)) error {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(setup)
	b.Queue(first.SQL, first.Args...)
	br := pc.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		err = scan(br.QueryRow())
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	stmts, err := second()
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return errNothingToCommit
	}
	b = &pgx.Batch{}
	for _, st := range stmts {
		b.Queue(st.SQL, st.Args...)
	}
	b.Queue("COMMIT")
	br = pc.SendBatch(ctx, b)
	for range stmts {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if err == nil {
		var tag pgconn.CommandTag
		// COMMIT of a failed transaction answers ROLLBACK, not an error.
		if tag, err = br.Exec(); err == nil && tag.String() != "COMMIT" {
			err = fmt.Errorf("COMMIT answered %q", tag.String())
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}
