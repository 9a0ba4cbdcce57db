// Package sqlite is the embedded Store: pure Go (modernc.org/sqlite), one
// file, WAL. Writes go through a single connection so concurrent writers in
// this process queue in Go instead of failing with SQLITE_BUSY; reads use a
// small pool of their own. Every transaction on the writer begins IMMEDIATE,
// so another process writing the same file waits (busy_timeout) rather than
// failing midway through a transaction.
//
// The methods' bodies (users.go, teams.go, ...) are shared verbatim with the
// postgres package; only this file and the migrations are dialect specific.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite implementation of store.Store.
type Store struct {
	writer *sql.DB
	reader *sql.DB
	// Now is the clock used for timestamps the caller leaves zero.
	Now func() time.Time
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database file at path and runs the
// embedded migrations. ":memory:" gives a private in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	memory := path == ":memory:"
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	if !memory {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	writeQ := url.Values{}
	for k, v := range q {
		writeQ[k] = v
	}
	writeQ.Set("_txlock", "immediate")

	writer, err := sql.Open("sqlite", "file:"+path+"?"+writeQ.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	s := &Store{writer: writer, reader: writer, Now: time.Now}
	if !memory {
		reader, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			writer.Close()
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
		reader.SetMaxOpenConns(4)
		reader.SetMaxIdleConns(4)
		s.reader = reader
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations and seeds the settings row; it is idempotent, and safe
// when several processes open the same file at once (the transaction is
// IMMEDIATE, so they take turns).
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrate %s: %w", version, mapErr(err))
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", version, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			version, s.Now().UTC().UnixMicro()); err != nil {
			return fmt.Errorf("migrate %s: %w", version, mapErr(err))
		}
	}
	if err := seedSettings(&dbtx{ctx: ctx, tx: tx}, s.Now()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	var one int
	if err := s.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// write runs fn in one IMMEDIATE transaction on the writer connection.
func (s *Store) write(ctx context.Context, fn func(*dbtx) error) error {
	return s.run(ctx, s.writer, fn)
}

// read runs fn in one read transaction; in WAL mode readers see a snapshot
// and never wait for the writer.
func (s *Store) read(ctx context.Context, fn func(*dbtx) error) error {
	return s.run(ctx, s.reader, fn)
}

func (s *Store) run(ctx context.Context, db *sql.DB, fn func(*dbtx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if err := fn(&dbtx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return mapErr(err)
	}
	return nil
}

// dbtx is the small query API the shared method bodies use. Queries use ?
// placeholders.
type dbtx struct {
	ctx context.Context
	tx  *sql.Tx
}

func (t *dbtx) exec(q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, q, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err)
	}
	return n, nil
}

// get scans the first row of q into dest; errNoRows when there is none.
func (t *dbtx) get(q string, args []any, dest ...any) error {
	err := t.tx.QueryRowContext(t.ctx, q, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	}
	return mapErr(err)
}

// query calls each for every row; each scans with the function it is given.
func (t *dbtx) query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
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

// errNoRows is what get returns for an empty result.
var errNoRows = errors.New("no rows")

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
	if errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// ts is a time as stored: Unix microseconds, NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().UnixMicro()
}

// tsScan scans a stored time into *t (UTC; zero for NULL).
func tsScan(t *time.Time) any { return (*timeScanner)(t) }

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

// lock serializes transactions that check a rule spanning several rows
// (last owner, last admin). The writer connection already serializes every
// write transaction, so there is nothing to do here.
func (t *dbtx) lock(key string) error { return nil }
