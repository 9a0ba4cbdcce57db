// Package postgres is the Store for the auth cluster: PostgreSQL through a
// pgx/v5 pool, shared by any number of replicas. Rules that span rows (last
// owner, last admin) take transaction-scoped advisory locks so concurrent
// replicas cannot both pass a check; serialization failures and deadlocks
// are retried.
//
// The methods' bodies (users.go, teams.go, ...) are shared verbatim with the
// sqlite package; only this file and the migrations are dialect specific.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_lock key that serializes migrations of
// replicas starting at once.
const migrationLock int64 = 0x646f636b6d617374 // "dockmast"

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	pool *pgxpool.Pool
	// Now is the clock used for timestamps the caller leaves zero.
	Now func() time.Time
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://...) and runs the
// embedded migrations. A database that cannot be reached yields
// store.ErrUnavailable.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	s := &Store{pool: pool, Now: time.Now}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations and seeds the settings row. It holds a session advisory
// lock throughout, so replicas starting together take turns; it is
// idempotent.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", mapErr(err))
	}
	defer func() {
		// Unlock even when ctx is done; a broken connection drops the lock anyway.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, `SELECT pg_advisory_unlock($1)`, migrationLock); err != nil {
			conn.Conn().Close(unlockCtx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return mapErr(err)
			}
			if n > 0 {
				return nil
			}
			// No arguments: pgx uses the simple protocol, which runs
			// every statement of the file.
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return mapErr(err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				version, s.Now().UTC())
			return mapErr(err)
		}); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return seedSettings(&dbtx{ctx: ctx, tx: tx}, s.now())
	}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// maxAttempts bounds retries of transactions that lost a serialization
// race or a deadlock.
const maxAttempts = 5

func (s *Store) write(ctx context.Context, fn func(*dbtx) error) error {
	return s.run(ctx, pgx.TxOptions{}, fn)
}

func (s *Store) read(ctx context.Context, fn func(*dbtx) error) error {
	return s.run(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) run(ctx context.Context, opts pgx.TxOptions, fn func(*dbtx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.runOnce(ctx, opts, fn)
		if !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
}

func (s *Store) runOnce(ctx context.Context, opts pgx.TxOptions, fn func(*dbtx) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(&dbtx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	return mapErr(tx.Commit(ctx))
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// dbtx is the small query API the shared method bodies use. Queries are
// written with ? placeholders and rebound to $n here.
type dbtx struct {
	ctx context.Context
	tx  pgx.Tx
}

// lock takes a transaction-scoped advisory lock on key, serializing the
// transactions that check a rule spanning several rows.
func (t *dbtx) lock(key string) error {
	h := fnv.New64a()
	io.WriteString(h, key)
	if _, err := t.tx.Exec(t.ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64())); err != nil {
		return fmt.Errorf("lock %s: %w", key, mapErr(err))
	}
	return nil
}

func (t *dbtx) exec(q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(t.ctx, rebind(q), args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

// get scans the first row of q into dest; errNoRows when there is none.
func (t *dbtx) get(q string, args []any, dest ...any) error {
	err := t.tx.QueryRow(t.ctx, rebind(q), args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	}
	return mapErr(err)
}

// query calls each for every row; each scans with the function it is given.
func (t *dbtx) query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := t.tx.Query(t.ctx, rebind(q), args...)
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

// rebind turns ? placeholders into $1, $2, ... outside quoted text.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// errNoRows is what get returns for an empty result.
var errNoRows = errors.New("no rows")

// mapErr turns driver errors into the store's sentinels, keeping the
// original for the message.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		case pe.Code == "23503": // foreign_key_violation: a referenced object is missing
			return fmt.Errorf("%w: %w", store.ErrNotFound, err)
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "57P"), // shutdown, cannot connect now
			pe.Code == "53300":                // too many connections
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if pgconn.Timeout(err) && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
		}
		return err
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}

// ts is a time as stored: UTC microseconds, NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// tsScan scans a stored time into *t (UTC; zero for NULL).
func tsScan(t *time.Time) any { return (*timeScanner)(t) }

type timeScanner time.Time

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (d *timeScanner) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		*d = timeScanner(time.Time{})
		return nil
	}
	*d = timeScanner(v.Time.UTC())
	return nil
}
