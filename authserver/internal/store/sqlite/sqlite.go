// Package sqlite is the embedded Store: pure Go (modernc.org/sqlite), one
// file, WAL. Writes go through a single connection so concurrent writers in
// this process queue in Go instead of failing with SQLITE_BUSY; reads use a
// small pool of their own. Every transaction on the writer begins IMMEDIATE,
// so another process writing the same file waits (busy_timeout) rather than
// failing midway through a transaction.
//
// The data methods are sqlstore's, shared with the postgres package; this
// package opens the file, migrates it and supplies the dialect (dialect.go).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// core is the shared implementation; the alias keeps the embedded field
// unexported.
type core = sqlstore.Store

// Store is the SQLite implementation of store.Store, store.TokenStore and
// store.RegistryStore.
type Store struct {
	*core
	db *dialect
	// Now is the clock used for timestamps the caller leaves zero.
	Now func() time.Time
}

var (
	_ store.Store         = (*Store)(nil)
	_ store.TokenStore    = (*Store)(nil)
	_ store.RegistryStore = (*Store)(nil)
)

// readerConns is the size of the reader pool.
const readerConns = 64

// writtenStmts bounds the statements kept prepared on the writer.
const writtenStmts = 256

// checkpointEvery is how often the checkpointer copies what was committed
// back into the database file; backstopCheckpoint (pages, 4 KiB each) is
// the WAL size at which a commit does it itself.
const (
	checkpointEvery    = 100 * time.Millisecond
	backstopCheckpoint = 8000
)

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
	if !memory {
		// The checkpointer below copies the WAL back between commits; this
		// is the backstop should it fall behind.
		writeQ.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", backstopCheckpoint))
	}

	writer, err := sql.Open("sqlite", "file:"+path+"?"+writeQ.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	d := &dialect{writer: writer, reader: writer, written: newStmtCache(writer, writtenStmts)}
	if !memory {
		reader, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			writer.Close()
			return nil, fmt.Errorf("sqlite %s: %w", path, err)
		}
		// WAL readers do not block each other or the writer; enough of them
		// that concurrent requests do not queue for a connection
		// (database/sql hands a freed one to a random waiter, which is
		// where long tails come from).
		reader.SetMaxOpenConns(readerConns)
		reader.SetMaxIdleConns(readerConns)
		d.reader = reader
		d.startCheckpointer(checkpointEvery)
	}
	s := &Store{db: d, Now: time.Now}
	s.core = sqlstore.New(d, func() time.Time { return s.Now() })
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
	ms, err := sqlstore.Migrations(migrations)
	if err != nil {
		return err
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	for _, m := range ms {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Version, mapErr(err))
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Version, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, s.Now().UTC().UnixMicro()); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Version, mapErr(err))
		}
	}
	if err := sqlstore.SeedSettings(s.db, &dbtx{ctx: ctx, tx: tx}, s.Now()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	var one int
	if err := s.db.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error { return s.db.close() }
