package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlstore"
	"github.com/dockmaster/dockmaster/authserver/internal/store/storetest"
)

// TestWriteStatementCache: a write statement is prepared after its second
// use and runs prepared from then on; the cache keeps the most recent texts
// only, and an evicted or unpreparable text still runs.
func TestWriteStatementCache(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "dockmaster.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.db.written
	c.max = 2
	write := func(q string, args ...any) {
		t.Helper()
		if err := s.db.Write(t.Context(), func(tx sqlstore.Tx) error {
			_, err := tx.Exec(q, args...)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cached := func(q string) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.byQ[q]
		return ok
	}
	write(`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)`)
	ins := `INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`
	write(ins, "a", 1)
	if cached(ins) {
		t.Fatal("prepared after one use")
	}
	write(ins, "a", 2)
	if !cached(ins) {
		t.Fatal("not prepared after two uses")
	}
	// Prepared this time: the transaction runs it from the cache.
	if err := s.db.Write(t.Context(), func(tx sqlstore.Tx) error {
		if tx.(*dbtx).stmt(ins) == nil {
			t.Error("a cached text is not run prepared")
		}
		_, err := tx.Exec(ins, "a", 3)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.db.Read(t.Context(), func(tx sqlstore.Tx) error { return tx.Get(`SELECT v FROM t WHERE k = ?`, []any{"a"}, &v) }); err != nil || v != 3 {
		t.Fatalf("v = %d, %v after a prepared upsert; want 3", v, err)
	}

	// Two more texts, each used twice: the first text is the least recent
	// and falls out; it still runs, and comes back after two more uses.
	for i := range 2 {
		q := fmt.Sprintf(`UPDATE t SET v = v + %d WHERE k = ?`, i+1)
		write(q, "a")
		write(q, "a")
		if !cached(q) {
			t.Fatalf("%s not prepared", q)
		}
	}
	if cached(ins) {
		t.Fatal("least recently used text kept beyond max")
	}
	write(ins, "b", 10)
	write(ins, "b", 11)
	if !cached(ins) {
		t.Fatal("evicted text not prepared again")
	}
	if n := c.lru.Len(); n != 2 {
		t.Fatalf("cache holds %d statements, max 2", n)
	}

	// A text that fails to prepare (its table is gone) is not kept, and
	// its error reaches the caller.
	bad := `INSERT INTO gone (k) VALUES (?)`
	for range 3 {
		err := s.db.Write(t.Context(), func(tx sqlstore.Tx) error { _, err := tx.Exec(bad, "x"); return err })
		if err == nil {
			t.Fatal("insert into a missing table succeeded")
		}
	}
	if cached(bad) {
		t.Fatal("a statement that does not prepare was cached")
	}
}

func TestMigration0009Backfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dockmaster.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestActivityBackfill(t, storetest.Before0009{
		Exec: func(q string, args ...any) {
			t.Helper()
			if _, err := s.db.writer.ExecContext(t.Context(), q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		},
		Stamp: func(at time.Time) any { return at.UnixMicro() },
		Migrate: func() store.Store {
			s.Close()
			s, err = Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	})
}

// TestCheckpointer: what is committed reaches the database file within a
// few checkpoint intervals with no commit crossing SQLite's own threshold.
func TestCheckpointer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dockmaster.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		s.Close()
		s.Close() // a store closed twice (tests of outages do) stays closed
	}()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	time.Sleep(3 * checkpointEvery) // the migrations' pages land first
	before := size()
	if err := s.db.Write(t.Context(), func(tx sqlstore.Tx) error {
		if _, err := tx.Exec(`CREATE TABLE filler (v TEXT)`); err != nil {
			return err
		}
		for i := range 500 {
			if _, err := tx.Exec(`INSERT INTO filler (v) VALUES (?)`, fmt.Sprintf("%0500d", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() < before+200_000 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes 5 s after a 250 kB commit (was %d): not checkpointed", size(), before)
		}
		time.Sleep(checkpointEvery)
	}
}
