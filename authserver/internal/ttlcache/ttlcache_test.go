package ttlcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

var errNotFound = errors.New("not found")

// fixture is a backing store that counts its reads and can run a hook in
// the middle of one (after it read the row).
type fixture struct {
	now    time.Time
	rows   map[string]string
	reads  map[string]int
	fail   error
	during func()
}

func (f *fixture) get(_ context.Context, k string) (string, error) {
	f.reads[k]++
	if f.fail != nil {
		return "", f.fail
	}
	v, ok := f.rows[k]
	if f.during != nil { // after the row was read, before it is returned
		d := f.during
		f.during = nil
		d()
	}
	if !ok {
		return "", errNotFound
	}
	return v, nil
}

func newFixture(ttl time.Duration, max int) (*fixture, *ttlcache.Cache[string, string], func(string) string) {
	f := &fixture{now: time.Unix(1000, 0), rows: map[string]string{}, reads: map[string]int{}}
	c := ttlcache.New(f.get, ttlcache.Options{TTL: ttl, Max: max, Now: func() time.Time { return f.now }})
	load := func(k string) string {
		v, err := c.Load(context.Background(), k)
		if err != nil {
			return "error: " + err.Error()
		}
		return v
	}
	return f, c, load
}

func TestCache(t *testing.T) {
	f, c, load := newFixture(time.Second, 2)
	f.rows["a"] = "a1"

	load("a")
	f.rows["a"] = "a2"
	if got := load("a"); got != "a1" || f.reads["a"] != 1 {
		t.Fatalf("within the TTL: %s after %d reads, want the cached a1 after 1", got, f.reads["a"])
	}
	c.Forget("a")
	if got := load("a"); got != "a2" || f.reads["a"] != 2 {
		t.Fatalf("after Forget: %s after %d reads", got, f.reads["a"])
	}
	f.rows["a"] = "a3"
	c.Clear()
	if got := load("a"); got != "a3" {
		t.Fatalf("after Clear: %s", got)
	}
	f.now = f.now.Add(time.Second)
	f.rows["a"] = "a4"
	if got := load("a"); got != "a4" {
		t.Fatalf("after the TTL: %s", got)
	}

	// Misses and failures are not kept.
	if got := load("new"); got != "error: not found" {
		t.Fatalf("missing: %s", got)
	}
	f.rows["new"] = "n1"
	if got := load("new"); got != "n1" {
		t.Fatalf("created after a miss: %s", got)
	}
	f.now = f.now.Add(time.Second)
	f.fail = errors.New("down")
	if got := load("a"); got != "error: down" {
		t.Fatalf("failure: %s", got)
	}
	f.fail = nil
	f.rows["a"] = "a5"
	if got := load("a"); got != "a5" {
		t.Fatalf("after a failure: %s, want a fresh read", got)
	}

	// A read that overlaps a Forget, Clear or SetActive does not fill the
	// cache with what it saw.
	for name, change := range map[string]func(){
		"Forget":    func() { c.Forget("a") },
		"Clear":     c.Clear,
		"SetActive": func() { c.SetActive(true) },
	} {
		f.now = f.now.Add(time.Second)
		f.during = func() { change(); f.rows["a"] = "after " + name }
		load("a")
		if got := load("a"); got != "after "+name {
			t.Fatalf("a read overlapping %s filled the cache: %s", name, got)
		}
	}

	// Bounded: a third key first drops expired entries, then everything.
	f.rows["b"], f.rows["c"] = "b1", "c1"
	f.now = f.now.Add(time.Second)
	load("a")
	load("b")
	load("c")
	if n := c.Len(); n > 2 {
		t.Fatalf("%d entries, max 2", n)
	}
}

func TestCacheSwitch(t *testing.T) {
	f, c, load := newFixture(time.Second, 0)
	f.rows["a"] = "a1"
	if !c.Active() {
		t.Fatal("a cache with a TTL starts inactive")
	}
	load("a")
	c.SetActive(false)
	f.rows["a"] = "a2"
	if got := load("a"); got != "a2" {
		t.Fatalf("switched off: %s, want a fresh read", got)
	}
	load("a")
	if f.reads["a"] != 3 {
		t.Fatalf("switched off: %d reads, want every load to read", f.reads["a"])
	}
	c.SetActive(true)
	f.rows["a"] = "a3"
	if got := load("a"); got != "a3" {
		t.Fatalf("switched on again: %s, want a fresh read (the old entries are gone)", got)
	}

	// No TTL: never active, every load reads.
	f0, c0, load0 := newFixture(0, 0)
	f0.rows["a"] = "x"
	c0.SetActive(true)
	load0("a")
	load0("a")
	if c0.Active() || f0.reads["a"] != 2 {
		t.Fatalf("TTL 0: active %v, %d reads, want inactive and 2", c0.Active(), f0.reads["a"])
	}
}
