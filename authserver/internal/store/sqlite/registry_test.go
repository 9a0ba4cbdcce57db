package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
)

// Two Stores on one file in one process share the leader lock; other files
// do not.
func TestLeaderLockPerFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dockmaster.db")
	a, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	other, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "other.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	release, ok, err := a.TryLock(t.Context(), "sync")
	if err != nil || !ok {
		t.Fatalf("a.TryLock = %v, %v", ok, err)
	}
	if _, ok, err := b.TryLock(t.Context(), "sync"); err != nil || ok {
		t.Fatalf("b.TryLock on the same file while a holds it = %v, %v", ok, err)
	}
	relOther, ok, err := other.TryLock(t.Context(), "sync")
	if err != nil || !ok {
		t.Fatalf("TryLock on another file = %v, %v", ok, err)
	}
	relOther()
	release()
	relB, ok, err := b.TryLock(t.Context(), "sync")
	if err != nil || !ok {
		t.Fatalf("b.TryLock after release = %v, %v", ok, err)
	}
	relB()
}
