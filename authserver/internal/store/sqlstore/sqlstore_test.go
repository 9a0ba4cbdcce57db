package sqlstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/fstest"
	"time"
)

// fakeDialect records what reaches the dialect; its times are Unix seconds.
type fakeDialect struct{ tx *fakeTx }

func (d *fakeDialect) Read(ctx context.Context, fn func(Tx) error) error    { return fn(d.tx) }
func (d *fakeDialect) Write(ctx context.Context, fn func(Tx) error) error   { return fn(d.tx) }
func (d *fakeDialect) ReadOne(ctx context.Context, fn func(Tx) error) error { return fn(d.tx) }
func (d *fakeDialect) Time(t time.Time) any                                 { return t.Unix() }
func (d *fakeDialect) ScanTime(t *time.Time) any                            { return fakeScanner{t} }

type fakeScanner struct{ t *time.Time }

type fakeTx struct {
	args  []any
	dests []any
}

func (t *fakeTx) Exec(q string, args ...any) (int64, error) { t.args = args; return 1, nil }
func (t *fakeTx) Get(q string, args []any, dest ...any) error {
	t.args, t.dests = args, dest
	return nil
}
func (t *fakeTx) Query(q string, args []any, each func(scan func(dest ...any) error) error) error {
	t.args = args
	return each(func(dest ...any) error { t.dests = dest; return nil })
}
func (t *fakeTx) Lock(key string) error  { return nil }
func (t *fakeTx) LockAll([]string) error { return nil }
func (t *fakeTx) ExecBatch(stmts []Stmt) error {
	for _, st := range stmts {
		t.args = st.Args
	}
	return nil
}

func TestTimestampsReachTheDialectEncoded(t *testing.T) {
	tx := &fakeTx{}
	s := New(&fakeDialect{tx: tx}, time.Now)
	at := time.Unix(1700000000, 0)
	var got time.Time
	tests := []struct {
		name string
		run  func(t *dbtx) error
	}{
		{"exec", func(t *dbtx) error { _, err := t.exec(`x`, "a", ts(at), ts(time.Time{})); return err }},
		{"get", func(t *dbtx) error { return t.get(`x`, []any{"a", ts(at), ts(time.Time{})}, new(string), tsScan(&got)) }},
		{"query", func(t *dbtx) error {
			return t.query(`x`, []any{"a", ts(at), ts(time.Time{})}, func(scan func(...any) error) error {
				return scan(new(string), tsScan(&got))
			})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			*tx = fakeTx{}
			if err := s.write(t.Context(), tc.run); err != nil {
				t.Fatal(err)
			}
			if len(tx.args) != 3 || tx.args[0] != "a" || tx.args[1] != int64(1700000000) || tx.args[2] != nil {
				t.Errorf("args = %#v, want a, the encoded time, nil", tx.args)
			}
			if tc.name == "exec" {
				return
			}
			if len(tx.dests) != 2 || tx.dests[1] != (fakeScanner{&got}) {
				t.Errorf("dests = %#v, want the dialect's scanner of the time", tx.dests)
			}
		})
	}
}

func TestReadOneAllowsOneRead(t *testing.T) {
	s := New(&fakeDialect{tx: &fakeTx{}}, time.Now)
	tests := []struct {
		name string
		run  func(t *dbtx) error
		want error
	}{
		{"one get", func(t *dbtx) error { return t.get(`x`, nil) }, nil},
		{"one query", func(t *dbtx) error { return t.query(`x`, nil, func(func(...any) error) error { return nil }) }, nil},
		{"two gets", func(t *dbtx) error {
			if err := t.get(`x`, nil); err != nil {
				return err
			}
			return t.get(`y`, nil)
		}, errNotSingle},
		{"exec", func(t *dbtx) error { _, err := t.exec(`x`); return err }, errNotSingle},
		{"lock", func(t *dbtx) error { return t.lock("k") }, errNotSingle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.readOne(t.Context(), tc.run); !errors.Is(err, tc.want) {
				t.Fatalf("readOne = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestChunks: the runs cover 0..n exactly once, in order, each a power of
// two of at most maxChunk rows — so a multi-row statement has few texts.
func TestChunks(t *testing.T) {
	for n := range 300 {
		next, texts := 0, map[int]bool{}
		for start, size := range chunks(n) {
			if start != next || size < 1 || size > maxChunk || size&(size-1) != 0 {
				t.Fatalf("n=%d: run (%d, %d) after %d", n, start, size, next)
			}
			texts[size] = true
			next = start + size
		}
		if next != n {
			t.Fatalf("n=%d: runs end at %d", n, next)
		}
		if len(texts) > 7 {
			t.Fatalf("n=%d: %d run sizes", n, len(texts))
		}
	}
}

// TestMigrations: only migrations/*.sql, in version order, named by file.
func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0002_b.sql": {Data: []byte("B")},
		"migrations/0001_a.sql": {Data: []byte("A")},
		"migrations/README":     {Data: []byte("not a migration")},
		"other/0000_x.sql":      {Data: []byte("X")},
	}
	ms, err := Migrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{"0001_a", "A"}, {"0002_b", "B"}}
	if !slices.Equal(ms, want) {
		t.Fatalf("Migrations = %v, want %v", ms, want)
	}
}
