package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlstore"
)

// dialect is SQLite's sqlstore.Dialect: writes on the single writer
// connection (each transaction IMMEDIATE), reads on the reader pool.
type dialect struct {
	writer *sql.DB
	// reader is the writer itself for an in-memory database.
	reader *sql.DB
	// stmts holds ReadOne's statements (SQL text to *sql.Stmt), prepared
	// on the reader pool once: database/sql then prepares each on a
	// connection the first time it runs there and reuses it, so SQLite
	// parses a hot lookup once per connection instead of once per call.
	stmts sync.Map
	// written holds the write transactions' statements (see stmtCache).
	written *stmtCache
	// writes counts write transactions; the checkpointer runs after new
	// ones only.
	writes atomic.Int64
	// stop ends the checkpointer, which closes stopped; once, since a
	// store may be closed twice.
	stop, stopped chan struct{}
	stopOnce      sync.Once
}

// startCheckpointer copies committed WAL frames back into the database
// file every interval, on a reader connection, instead of letting the
// commit that crosses SQLite's threshold do it: that commit waited for the
// whole copy, which was the event receiver's long tail. PASSIVE: it never
// waits for readers or the writer.
func (d *dialect) startCheckpointer(every time.Duration) {
	d.stop, d.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(d.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		var done int64
		for {
			select {
			case <-d.stop:
				return
			case <-t.C:
			}
			if n := d.writes.Load(); n != done {
				done = n
				// A failure leaves the frames for the next round or the
				// backstop; nothing is lost.
				_, _ = d.reader.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
}

var _ sqlstore.Dialect = (*dialect)(nil)

func (d *dialect) close() error {
	if d.stop != nil {
		d.stopOnce.Do(func() {
			close(d.stop)
			<-d.stopped
		})
	}
	var err error
	d.stmts.Range(func(_, st any) bool {
		err = errors.Join(err, st.(*sql.Stmt).Close())
		return true
	})
	err = errors.Join(err, d.written.close(), d.writer.Close())
	if d.reader != d.writer {
		err = errors.Join(err, d.reader.Close())
	}
	return err
}

// Write runs fn in one IMMEDIATE transaction on the writer connection.
func (d *dialect) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	defer d.written.prepareNoted(ctx)
	defer d.writes.Add(1)
	return run(ctx, d.writer, d.written, fn)
}

// Read runs fn in one read transaction; in WAL mode readers see a snapshot
// and never wait for the writer.
func (d *dialect) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return run(ctx, d.reader, nil, fn)
}

// ReadOne runs fn's one query as a prepared statement on the reader pool,
// outside an explicit transaction; in WAL mode the statement reads one
// snapshot on its own.
//
// The statement runs under a context that is never cancelled: these are
// point lookups of microseconds that a WAL reader never waits on, and the
// driver would otherwise start a goroutine per query to watch ctx. A ctx
// already done still fails before the query.
func (d *dialect) ReadOne(ctx context.Context, fn func(sqlstore.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&stmtTx{ReadOnlyTx: sqlstore.ReadOnlyTx{Err: errReadOnly}, ctx: context.WithoutCancel(ctx), d: d})
}

// stmt returns the prepared statement for q, preparing it on first use.
func (d *dialect) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := d.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.reader.PrepareContext(ctx, q)
	if err != nil {
		return nil, mapErr(err)
	}
	if prev, loaded := d.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// run runs fn in one transaction of db; cache, when set, holds the
// statements prepared for it.
func run(ctx context.Context, db *sql.DB, cache *stmtCache, fn func(sqlstore.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if err := fn(&dbtx{ctx: ctx, tx: tx, cache: cache}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	return nil
}

// Time stores a time as Unix microseconds.
func (*dialect) Time(t time.Time) any { return t.UTC().UnixMicro() }

// ScanTime reads Unix microseconds (or NULL) into *t.
func (*dialect) ScanTime(t *time.Time) any { return (*timeScanner)(t) }

type timeScanner time.Time

func (d *timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d = timeScanner(time.Time{})
	case int64:
		*d = timeScanner(time.UnixMicro(v).UTC())
	default:
		return fmt.Errorf("unexpected time value %T", v)
	}
	return nil
}

// dbtx is a database/sql transaction as a sqlstore.Tx. SQLite takes the ?
// placeholders as they are.
type dbtx struct {
	ctx   context.Context
	tx    *sql.Tx
	cache *stmtCache // nil: nothing prepared
}

// stmt is q prepared in t, or nil when q is to be parsed for this call.
func (t *dbtx) stmt(q string) *sql.Stmt {
	if t.cache == nil {
		return nil
	}
	if st := t.cache.get(q); st != nil {
		return t.tx.StmtContext(t.ctx, st)
	}
	return nil
}

func (t *dbtx) Exec(q string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := t.stmt(q); st != nil {
		res, err = st.ExecContext(t.ctx, args...)
	} else {
		res, err = t.tx.ExecContext(t.ctx, q, args...)
	}
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err)
	}
	return n, nil
}

func (t *dbtx) Get(q string, args []any, dest ...any) error {
	if st := t.stmt(q); st != nil {
		return scanRow(st.QueryRowContext(t.ctx, args...), dest)
	}
	return scanRow(t.tx.QueryRowContext(t.ctx, q, args...), dest)
}

func (t *dbtx) Query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	if st := t.stmt(q); st != nil {
		rows, err := st.QueryContext(t.ctx, args...)
		return scanRows(rows, err, each)
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	return scanRows(rows, err, each)
}

// Lock does nothing: the writer connection already serializes every write
// transaction.
func (t *dbtx) Lock(key string) error { return nil }

// LockAll does nothing either.
func (t *dbtx) LockAll([]string) error { return nil }

// ExecBatch runs the statements one after the other: SQLite is in process,
// there is no round trip to save.
func (t *dbtx) ExecBatch(stmts []sqlstore.Stmt) error {
	for _, st := range stmts {
		if _, err := t.Exec(st.Q, st.Args...); err != nil {
			return err
		}
	}
	return nil
}

// stmtTx is ReadOne's sqlstore.Tx: reads through cached statements.
type stmtTx struct {
	sqlstore.ReadOnlyTx
	ctx context.Context
	d   *dialect
}

var errReadOnly = errors.New("sqlite: write outside a transaction")

func (t *stmtTx) Get(q string, args []any, dest ...any) error {
	st, err := t.d.stmt(t.ctx, q)
	if err != nil {
		return err
	}
	return scanRow(st.QueryRowContext(t.ctx, args...), dest)
}

func (t *stmtTx) Query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	st, err := t.d.stmt(t.ctx, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(t.ctx, args...)
	return scanRows(rows, err, each)
}

func scanRow(row *sql.Row, dest []any) error {
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return mapErr(err)
}

func scanRows(rows *sql.Rows, err error, each func(scan func(dest ...any) error) error) error {
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Scan); err != nil {
			return mapErr(err)
		}
	}
	return mapErr(rows.Err())
}

// mapErr turns driver errors into the store's sentinels, keeping the
// original for the message.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
	}
	// database/sql does not export its "database is closed" and "statement
	// is closed" errors: a closed store is down, not a bug.
	if msg := err.Error(); errors.Is(err, sql.ErrConnDone) ||
		strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "sql: statement is closed") {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
