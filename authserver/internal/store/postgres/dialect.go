package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlstore"
)

// dialect is PostgreSQL's sqlstore.Dialect: transactions on the pgx pool,
// retried when they lose a serialization race or a deadlock.
//
// Statements need no caching here: pgx's default exec mode,
// QueryExecModeCacheStatement, prepares each SQL text once per connection
// (up to 512 of them) unless the URL sets default_query_exec_mode.
type dialect struct {
	pool *pgxpool.Pool
	// acquireTimeout bounds the wait for a pool connection (0: only the
	// call's deadline): a saturated pool answers store.ErrUnavailable fast
	// instead of queueing requests until their deadline.
	acquireTimeout time.Duration
	// rebound holds ReadOne's SQL texts rebound to $n (original to rebound).
	rebound sync.Map
}

var _ sqlstore.Dialect = (*dialect)(nil)

// maxAttempts bounds retries of transactions that lost a serialization
// race or a deadlock.
const maxAttempts = 5

func (d *dialect) Write(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.run(ctx, pgx.TxOptions{}, fn)
}

func (d *dialect) Read(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return d.run(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// ReadOne runs fn's one query straight on the pool: one round trip instead
// of BEGIN, query and COMMIT. A single statement reads one snapshot even
// in READ COMMITTED.
func (d *dialect) ReadOne(ctx context.Context, fn func(sqlstore.Tx) error) error {
	return fn(&poolTx{ReadOnlyTx: sqlstore.ReadOnlyTx{Err: errReadOnly}, ctx: ctx, d: d})
}

// rebindOnce is rebind for ReadOne's fixed set of SQL texts, remembered.
func (d *dialect) rebindOnce(q string) string {
	if r, ok := d.rebound.Load(q); ok {
		return r.(string)
	}
	r := rebind(q)
	d.rebound.Store(q, r)
	return r
}

func (d *dialect) run(ctx context.Context, opts pgx.TxOptions, fn func(sqlstore.Tx) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = d.runOnce(ctx, opts, fn)
		if !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt) * 10 * time.Millisecond)
	}
}

// errPoolBusy: no connection of the pool came free within the acquire
// timeout.
var errPoolBusy = errors.New("postgres: no free connection in the pool within the acquire timeout")

// acquire takes a pool connection, waiting at most acquireTimeout (and
// never past ctx).
func (d *dialect) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	if d.acquireTimeout <= 0 {
		c, err := d.pool.Acquire(ctx)
		return c, mapErr(err)
	}
	actx, cancel := context.WithTimeout(ctx, d.acquireTimeout)
	defer cancel()
	c, err := d.pool.Acquire(actx)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		return nil, fmt.Errorf("%w: %w", store.ErrUnavailable, errPoolBusy)
	}
	return c, mapErr(err)
}

func (d *dialect) runOnce(ctx context.Context, opts pgx.TxOptions, fn func(sqlstore.Tx) error) error {
	conn, err := d.acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx, err := conn.BeginTx(ctx, opts)
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

// Time stores a time as a TIMESTAMPTZ in UTC, with the column's microseconds.
func (*dialect) Time(t time.Time) any { return t.UTC().Truncate(time.Microsecond) }

// ScanTime reads a TIMESTAMPTZ (or NULL) into *t.
func (*dialect) ScanTime(t *time.Time) any { return (*timeScanner)(t) }

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

// dbtx is a pgx transaction as a sqlstore.Tx; queries are rebound from ?
// placeholders to $n.
type dbtx struct {
	ctx context.Context
	tx  pgx.Tx
}

// lockID is key's advisory lock id: Lock and LockAll must agree on it, or
// the same key taken both ways would not exclude itself.
func lockID(key string) int64 {
	h := fnv.New64a()
	io.WriteString(h, key)
	return int64(h.Sum64())
}

// Lock takes a transaction-scoped advisory lock on key.
func (t *dbtx) Lock(key string) error {
	if _, err := t.tx.Exec(t.ctx, `SELECT pg_advisory_xact_lock($1)`, lockID(key)); err != nil {
		return fmt.Errorf("lock %s: %w", key, mapErr(err))
	}
	return nil
}

// LockAll takes the transaction-scoped advisory locks of keys in one
// statement, in the order of their lock ids (the same order in every
// transaction, so overlapping sets cannot deadlock).
func (t *dbtx) LockAll(keys []string) error {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, lockID(k))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if _, err := t.tx.Exec(t.ctx, `SELECT count(pg_advisory_xact_lock(id))
		FROM (SELECT id FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, n) ORDER BY n) AS ordered`, ids); err != nil {
		return fmt.Errorf("lock %d keys: %w", len(keys), mapErr(err))
	}
	return nil
}

// ExecBatch sends the statements as one pgx.Batch: one round trip.
func (t *dbtx) ExecBatch(stmts []sqlstore.Stmt) error {
	var b pgx.Batch
	for _, st := range stmts {
		b.Queue(rebind(st.Q), st.Args...)
	}
	br := t.tx.SendBatch(t.ctx, &b)
	var err error
	for range stmts {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return mapErr(err)
}

func (t *dbtx) Exec(q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(t.ctx, rebind(q), args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (t *dbtx) Get(q string, args []any, dest ...any) error {
	return scanRow(t.tx.QueryRow(t.ctx, rebind(q), args...), dest)
}

func (t *dbtx) Query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	rows, err := t.tx.Query(t.ctx, rebind(q), args...)
	return scanRows(rows, err, each)
}

// poolTx is ReadOne's sqlstore.Tx: reads on the pool, each its own
// implicit transaction.
type poolTx struct {
	sqlstore.ReadOnlyTx
	ctx context.Context
	d   *dialect
}

var errReadOnly = errors.New("postgres: write outside a transaction")

func (t *poolTx) Get(q string, args []any, dest ...any) error {
	conn, err := t.d.acquire(t.ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return scanRow(conn.QueryRow(t.ctx, t.d.rebindOnce(q), args...), dest)
}

func (t *poolTx) Query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	conn, err := t.d.acquire(t.ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	rows, err := conn.Query(t.ctx, t.d.rebindOnce(q), args...)
	return scanRows(rows, err, each)
}

func scanRow(row pgx.Row, dest []any) error {
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return mapErr(err)
}

func scanRows(rows pgx.Rows, err error, each func(scan func(dest ...any) error) error) error {
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
	// A closed pool (puddle's unexported-by-pgx ErrClosedPool) is a store
	// that is down, not a bug.
	if strings.Contains(err.Error(), "closed pool") {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return err
}
