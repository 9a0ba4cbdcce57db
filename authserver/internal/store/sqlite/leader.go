package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// leaders holds the leader locks taken in this process. It is process state
// on purpose: SQLite serves one process, so a lock shared by every Store
// opened on the same file is exactly the exclusion needed (two Stores on
// one file in one process must not both lead).
var leaders = struct {
	sync.Mutex
	held map[string]bool
}{held: map[string]bool{}}

// TryLock takes the leader lock name for this database file without
// waiting; see store.RegistryStore.
func (s *Store) TryLock(ctx context.Context, name string) (release func(), ok bool, err error) {
	key, err := s.lockKey(ctx)
	if err != nil {
		return nil, false, err
	}
	key += "\x00" + name
	leaders.Lock()
	defer leaders.Unlock()
	if leaders.held[key] {
		return nil, false, nil
	}
	leaders.held[key] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			leaders.Lock()
			delete(leaders.held, key)
			leaders.Unlock()
		})
	}, true, nil
}

// lockKey names the database: its file, or this Store for an in-memory one.
func (s *Store) lockKey(ctx context.Context) (string, error) {
	var file string
	err := s.db.reader.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file)
	if err != nil {
		return "", fmt.Errorf("leader lock: %w", mapErr(err))
	}
	if file == "" {
		return fmt.Sprintf("memory:%p", s), nil
	}
	return "file:" + file, nil
}
