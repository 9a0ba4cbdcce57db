// Package sqlstore is the one implementation of store.Store, store.TokenStore
// and store.RegistryStore's data methods over SQL. The sqlite and postgres
// packages open their database, run their own migrations and supply a
// Dialect: how to run a transaction and a query, what errors mean, how times
// are stored. Everything else (the rules, the SQL) lives here once.
//
// Queries are written with ? placeholders in SQL that both dialects accept;
// the dialect rebinds them if it needs to.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Dialect is what differs between the databases.
type Dialect interface {
	// Read runs fn in one read-only transaction: every query in it sees the
	// same snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in one write transaction and commits when fn returns nil.
	// Rules spanning several rows are serialized with Tx.Lock.
	Write(ctx context.Context, fn func(Tx) error) error
	// ReadOne runs fn, which makes exactly one query (Tx.Get or Tx.Query),
	// without an explicit transaction: a single SELECT sees one snapshot on
	// its own, and skipping BEGIN/COMMIT is most of the cost of a lookup.
	// The SQL text is always one of a fixed set (the Store's hot lookups),
	// so the dialect may prepare each once and keep it.
	ReadOne(ctx context.Context, fn func(Tx) error) error

	// Time encodes a non-zero time for storage (the zero time is stored as
	// NULL without asking).
	Time(t time.Time) any
	// ScanTime returns a scan destination that decodes a stored time into
	// *t: UTC, zero for NULL.
	ScanTime(t *time.Time) any
}

// Tx is one transaction (under ReadOne, one statement) as the method bodies
// see it. Errors are already mapped to the store's sentinels.
type Tx interface {
	// Exec runs q and returns the number of rows it affected.
	Exec(q string, args ...any) (int64, error)
	// Get scans the first row of q into dest; ErrNoRows when there is none.
	Get(q string, args []any, dest ...any) error
	// Query calls each for every row of q with the function that scans it.
	Query(q string, args []any, each func(scan func(dest ...any) error) error) error
	// Lock takes a lock on key that lasts until the transaction ends, so two
	// transactions checking the same rule (last owner, last admin) take
	// turns. A dialect whose writes are already serialized does nothing.
	Lock(key string) error
	// LockAll is Lock for several keys, taken in one fixed order (so two
	// transactions locking overlapping sets cannot deadlock), in one round
	// trip where the database allows.
	LockAll(keys []string) error
	// ExecBatch runs the statements in order, as one round trip where the
	// database allows (PostgreSQL pipelines them); the first error stops it.
	ExecBatch(stmts []Stmt) error
}

// Stmt is one statement of Tx.ExecBatch.
type Stmt struct {
	Q    string
	Args []any
}

// ReadOnlyTx supplies the write methods of a dialect's ReadOne Tx: each
// fails with Err. Embed it and add Get and Query.
type ReadOnlyTx struct{ Err error }

func (r ReadOnlyTx) Exec(string, ...any) (int64, error) { return 0, r.Err }

func (r ReadOnlyTx) Lock(string) error { return r.Err }

func (r ReadOnlyTx) LockAll([]string) error { return r.Err }

func (r ReadOnlyTx) ExecBatch([]Stmt) error { return r.Err }

// ErrNoRows is what Tx.Get returns for an empty result.
var ErrNoRows = errors.New("no rows")

// Store implements the store interfaces' data methods over a Dialect. The
// dialect packages embed it and add Ping, Close, Migrate and TryLock.
type Store struct {
	d     Dialect
	clock func() time.Time
	// timeout is the deadline of each call (0: none but the caller's).
	timeout time.Duration
}

// DefaultTimeout is the deadline of every store call unless SetTimeout
// says otherwise (config's --database-timeout default).
const DefaultTimeout = 3 * time.Second

// bulkFactor stretches the deadline of the calls that read or rewrite the
// whole catalog (the sync's snapshot, pruning): they run in the background,
// never on a request's path, and grow with the catalog.
const bulkFactor = 20

// New returns the Store running on d; clock gives the time for timestamps
// the caller leaves zero. Every call carries DefaultTimeout.
func New(d Dialect, clock func() time.Time) *Store {
	return &Store{d: d, clock: clock, timeout: DefaultTimeout}
}

// SetTimeout sets the deadline of every call from now on (0: none but the
// caller's own); call it before the store is shared. Past the deadline a
// call fails with an error that is store.ErrUnavailable, so a slow or
// overloaded database answers 503 with Retry-After instead of holding the
// request until the client gives up.
func (s *Store) SetTimeout(d time.Duration) { s.timeout = d }

// Timeout is the deadline of each call.
func (s *Store) Timeout() time.Duration { return s.timeout }

// bound gives ctx the call's deadline (or keeps an earlier one of its
// own): the timeout, or what is left of the request's budget
// (store.WithBudget) when that is less; done charges the call's time to
// the budget. Bulk calls (factor > 1) run in the background and ignore
// budgets.
func (s *Store) bound(ctx context.Context, factor int) (context.Context, func()) {
	if s.timeout <= 0 {
		return ctx, func() {}
	}
	d := time.Duration(factor) * s.timeout
	if left, ok := store.Budget(ctx); ok && factor == 1 {
		d = max(min(d, left), 0)
	}
	start := time.Now()
	bctx, cancel := context.WithTimeout(ctx, d)
	return bctx, func() {
		cancel()
		if factor == 1 {
			store.Spend(ctx, time.Since(start))
		}
	}
}

// deadlineErr makes a call that ran out of its own deadline (not the
// caller's cancellation) a store.ErrUnavailable: the database was too slow
// to answer, which is an outage for the caller, retryable.
func deadlineErr(ctx, parent context.Context, err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if ctx.Err() != nil && parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: no answer within the database timeout: %w", store.ErrUnavailable, err)
	}
	return err
}

// SeedSettings inserts store.DefaultSettings unless the settings row exists;
// migrations call it inside their transaction t.
func SeedSettings(d Dialect, t Tx, now time.Time) error {
	return seedSettings(&dbtx{tx: t, d: d}, now.UTC().Truncate(time.Microsecond))
}

// now is the stored precision of the clock.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

func (s *Store) write(ctx context.Context, fn func(*dbtx) error) error {
	return s.writeN(ctx, 1, fn)
}

// writeN is write with factor times the deadline.
func (s *Store) writeN(parent context.Context, factor int, fn func(*dbtx) error) error {
	ctx, cancel := s.bound(parent, factor)
	defer cancel()
	return deadlineErr(ctx, parent, s.d.Write(ctx, func(t Tx) error { return fn(&dbtx{tx: t, d: s.d}) }))
}

func (s *Store) read(ctx context.Context, fn func(*dbtx) error) error {
	return s.readN(ctx, 1, fn)
}

// readN is read with factor times the deadline.
func (s *Store) readN(parent context.Context, factor int, fn func(*dbtx) error) error {
	ctx, cancel := s.bound(parent, factor)
	defer cancel()
	return deadlineErr(ctx, parent, s.d.Read(ctx, func(t Tx) error { return fn(&dbtx{tx: t, d: s.d}) }))
}

// readOne is read for an fn that makes a single query whose SQL text is a
// constant; see Dialect.ReadOne.
func (s *Store) readOne(parent context.Context, fn func(*dbtx) error) error {
	ctx, cancel := s.bound(parent, 1)
	defer cancel()
	return deadlineErr(ctx, parent, s.d.ReadOne(ctx, func(t Tx) error { return fn(&dbtx{tx: t, d: s.d, single: true}) }))
}

// dbtx is the query API of the method bodies: the dialect's Tx, with the
// stored form of timestamps (see ts and tsScan) filled in.
type dbtx struct {
	tx Tx
	d  Dialect
	// single: under readOne, which allows one query and no writes.
	single, used bool
	// locked: the keys Lock was called with in this transaction (a lock is
	// held until the transaction ends, so once is enough).
	locked map[string]bool
}

// errNotSingle is a bug in this package: readOne given an fn that makes
// more than one query, or writes.
var errNotSingle = errors.New("sqlstore: more than one statement outside a transaction")

// next counts a statement against readOne's limit of one read.
func (t *dbtx) next(write bool) error {
	if t.single && (write || t.used) {
		return errNotSingle
	}
	t.used = true
	return nil
}

func (t *dbtx) exec(q string, args ...any) (int64, error) {
	if err := t.next(true); err != nil {
		return 0, err
	}
	return t.tx.Exec(q, t.args(args)...)
}

// get scans the first row of q into dest; ErrNoRows when there is none.
func (t *dbtx) get(q string, args []any, dest ...any) error {
	if err := t.next(false); err != nil {
		return err
	}
	return t.tx.Get(q, t.args(args), t.dests(dest)...)
}

// query calls each for every row; each scans with the function it is given.
func (t *dbtx) query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	if err := t.next(false); err != nil {
		return err
	}
	return t.tx.Query(q, t.args(args), func(scan func(dest ...any) error) error {
		return each(func(dest ...any) error { return scan(t.dests(dest)...) })
	})
}

func (t *dbtx) lock(key string) error {
	if err := t.next(true); err != nil {
		return err
	}
	if t.locked[key] {
		return nil
	}
	if err := t.tx.Lock(key); err != nil {
		return err
	}
	if t.locked == nil {
		t.locked = map[string]bool{}
	}
	t.locked[key] = true
	return nil
}

// lockAll takes the locks of keys not yet held in this transaction.
func (t *dbtx) lockAll(keys []string) error {
	if err := t.next(true); err != nil {
		return err
	}
	var todo []string
	for _, k := range keys {
		if !t.locked[k] {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if err := t.tx.LockAll(todo); err != nil {
		return err
	}
	if t.locked == nil {
		t.locked = map[string]bool{}
	}
	for _, k := range todo {
		t.locked[k] = true
	}
	return nil
}

// execBatch runs stmts in order in one round trip where possible.
func (t *dbtx) execBatch(stmts ...Stmt) error {
	if err := t.next(true); err != nil {
		return err
	}
	for i := range stmts {
		stmts[i].Args = t.args(stmts[i].Args)
	}
	return t.tx.ExecBatch(stmts)
}

// stamp is a timestamp argument (from ts) that the dialect has yet to encode.
type stamp time.Time

// stampDest is a timestamp destination (from tsScan) that the dialect has
// yet to wrap.
type stampDest *time.Time

// ts is a time argument as stored: NULL for the zero time.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return stamp(t)
}

// tsScan is a destination for a stored time: UTC, zero for NULL.
func tsScan(t *time.Time) any { return stampDest(t) }

// args encodes the timestamps among args, in place: the slices are the
// callers' own (variadic or literal), and encoding twice is harmless.
func (t *dbtx) args(args []any) []any {
	for i, a := range args {
		if v, ok := a.(stamp); ok {
			args[i] = t.d.Time(time.Time(v))
		}
	}
	return args
}

// dests wraps the timestamp destinations among dest, in place.
func (t *dbtx) dests(dest []any) []any {
	for i, a := range dest {
		if p, ok := a.(stampDest); ok {
			dest[i] = t.d.ScanTime(p)
		}
	}
	return dest
}
