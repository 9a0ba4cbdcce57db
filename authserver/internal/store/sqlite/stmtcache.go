package sqlite

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the write transactions' statements prepared on the
// writer connection, so SQLite parses a statement the group commit runs on
// every batch once instead of once per batch (parsing the multi-row
// upserts was a fifth of an event's cost).
//
// The writer pool has one connection, held by the transaction that runs a
// statement, so a statement cannot be prepared there and then: a text seen
// a second time is noted and prepared right after its transaction ends
// (see prepareNoted), when the connection is free. The cache holds the
// most recently used max texts; texts built for one call (an IN list of a
// given length) fall out of it.
type stmtCache struct {
	db  *sql.DB
	max int

	mu    sync.Mutex
	byQ   map[string]*list.Element // of *cachedStmt
	lru   list.List                // front: most recently used
	seen  map[string]bool          // texts run once, not prepared yet
	noted []string                 // texts to prepare when the transaction ends
}

type cachedStmt struct {
	q  string
	st *sql.Stmt
}

// maxSeen bounds the texts remembered as run once.
const maxSeen = 1024

func newStmtCache(db *sql.DB, max int) *stmtCache {
	return &stmtCache{db: db, max: max, byQ: map[string]*list.Element{}, seen: map[string]bool{}}
}

// get returns the prepared statement of q, or nil when it has none yet
// (q is then noted for preparing when its second use ends).
func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byQ[q]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cachedStmt).st
	}
	if !c.seen[q] {
		if len(c.seen) >= maxSeen {
			clear(c.seen)
		}
		c.seen[q] = true
		return nil
	}
	delete(c.seen, q)
	c.noted = append(c.noted, q)
	return nil
}

// prepareNoted prepares the noted texts; it runs between transactions.
// A text that fails to prepare is left unprepared: running it reports the
// error where it has a caller.
func (c *stmtCache) prepareNoted(ctx context.Context) {
	c.mu.Lock()
	noted := c.noted
	c.noted = nil
	c.mu.Unlock()
	for _, q := range noted {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.byQ[q]; ok {
			c.mu.Unlock()
			st.Close()
			continue
		}
		c.byQ[q] = c.lru.PushFront(&cachedStmt{q: q, st: st})
		var evicted *sql.Stmt
		if c.lru.Len() > c.max {
			old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
			delete(c.byQ, old.q)
			evicted = old.st
		}
		c.mu.Unlock()
		if evicted != nil {
			// A transaction still running it keeps it until it ends
			// (database/sql closes it after its last user).
			evicted.Close()
		}
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for _, e := range c.byQ {
		err = errors.Join(err, e.Value.(*cachedStmt).st.Close())
	}
	clear(c.byQ)
	c.lru.Init()
	return err
}
