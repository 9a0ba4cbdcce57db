package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"sync"
	"time"
)

// TryLock takes the leader lock name without waiting: a session advisory
// lock held on a connection of its own until release (or until that
// connection dies, when PostgreSQL drops the lock). See store.RegistryStore.
func (s *Store) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	h := fnv.New64a()
	io.WriteString(h, "dockmaster-leader:"+name)
	key := int64(h.Sum64())
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("leader lock %s: %w", name, mapErr(err))
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("leader lock %s: %w", name, mapErr(err))
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var unlocked bool
			if err := conn.QueryRow(unlockCtx, `SELECT pg_advisory_unlock($1)`, key).Scan(&unlocked); err != nil || !unlocked {
				// Closing the session is the sure way to drop the lock.
				conn.Conn().Close(unlockCtx)
			}
			conn.Release()
		})
	}, true, nil
}
