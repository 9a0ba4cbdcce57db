// Package postgres is the Store for the auth cluster: PostgreSQL through a
// pgx/v5 pool, shared by any number of replicas. Rules that span rows (last
// owner, last admin) take transaction-scoped advisory locks so concurrent
// replicas cannot both pass a check; serialization failures and deadlocks
// are retried.
//
// The data methods are sqlstore's, shared with the sqlite package; this
// package connects, migrates and supplies the dialect (dialect.go).
package postgres

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the pg_advisory_lock key that serializes migrations of
// replicas starting at once.
const migrationLock int64 = 0x646f636b6d617374 // "dockmast"

// core is the shared implementation; the alias keeps the embedded field
// unexported.
type core = sqlstore.Store

// Store is the PostgreSQL implementation of store.Store, store.TokenStore
// and store.RegistryStore.
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

// DefaultMaxConns is the pool size unless the URL sets pool_max_conns.
const DefaultMaxConns = 24

// Options tune the store's deadlines; zero values take the defaults.
type Options struct {
	// Timeout is the deadline of every store call (default
	// sqlstore.DefaultTimeout).
	Timeout time.Duration
	// AcquireTimeout bounds a call's wait for a pool connection (default
	// DefaultAcquireTimeout, never more than Timeout).
	AcquireTimeout time.Duration
}

// DefaultAcquireTimeout is Options.AcquireTimeout's default.
const DefaultAcquireTimeout = time.Second

// Open connects to the database at url (postgres://...) and runs the
// embedded migrations. A database that cannot be reached yields
// store.ErrUnavailable.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with deadlines other than the defaults.
func OpenWith(ctx context.Context, url string, o Options) (*Store, error) {
	if o.Timeout <= 0 {
		o.Timeout = sqlstore.DefaultTimeout
	}
	if o.AcquireTimeout <= 0 {
		o.AcquireTimeout = DefaultAcquireTimeout
	}
	o.AcquireTimeout = min(o.AcquireTimeout, o.Timeout)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default, max(4, NumCPU), queues a busy server's requests
		// in front of the pool; the URL's pool_max_conns still wins.
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", mapErr(err))
	}
	d := &dialect{pool: pool, acquireTimeout: o.AcquireTimeout}
	s := &Store{db: d, Now: time.Now}
	s.core = sqlstore.New(d, func() time.Time { return s.Now() })
	s.SetTimeout(o.Timeout)
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
	ms, err := sqlstore.Migrations(migrations)
	if err != nil {
		return err
	}
	conn, err := s.db.pool.Acquire(ctx)
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
	// One query for what is applied: start-up against a distant database
	// costs round trips, not work (a check per migration took seconds at
	// 250 ms each way). The lock is held, so the answer stays true.
	applied := map[string]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", mapErr(err))
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: %w", mapErr(err))
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// No arguments: pgx uses the simple protocol, which runs
			// every statement of the file.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return mapErr(err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				m.Version, s.Now().UTC())
			return mapErr(err)
		}); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Version, err)
		}
	}
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return sqlstore.SeedSettings(s.db, &dbtx{ctx: ctx, tx: tx}, s.Now())
	}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", mapErr(err))
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.db.pool.Close()
	return nil
}
