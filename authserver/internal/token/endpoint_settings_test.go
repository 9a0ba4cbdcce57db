package token

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

func TestSettingsCache(t *testing.T) {
	now := time.Unix(1000, 0)
	var reads int
	var lifetime time.Duration = time.Minute
	var fail error
	var during func() // runs inside a read, before it returns
	c := newSettingsCache(func(context.Context) (store.Settings, error) {
		reads++
		if during != nil {
			during()
		}
		return store.Settings{TokenLifetime: lifetime}, fail
	}, time.Second, func() time.Time { return now })
	ctx := context.Background()
	load := func() time.Duration {
		t.Helper()
		s, err := c.load(ctx, struct{}{})
		if err != nil {
			t.Fatal(err)
		}
		return s.TokenLifetime
	}

	load()
	lifetime = 2 * time.Minute
	if got := load(); got != time.Minute || reads != 1 {
		t.Fatalf("within the TTL: lifetime %s after %d reads, want the cached 1m after 1", got, reads)
	}
	c.invalidate()
	if got := load(); got != 2*time.Minute || reads != 2 {
		t.Fatalf("after invalidate: lifetime %s after %d reads, want 2m after 2", got, reads)
	}
	now = now.Add(time.Second)
	lifetime = 3 * time.Minute
	if got := load(); got != 3*time.Minute || reads != 3 {
		t.Fatalf("after the TTL: lifetime %s after %d reads, want 3m after 3", got, reads)
	}

	// A read that began before an invalidation must not fill the cache
	// with what it saw.
	now = now.Add(time.Second)
	during = func() { during = nil; c.invalidate(); lifetime = 4 * time.Minute }
	load()
	if got := load(); got != 4*time.Minute {
		t.Fatalf("a read overlapping an invalidation filled the cache: %s", got)
	}

	// Failures are not cached.
	now = now.Add(time.Second)
	fail = errors.New("down")
	if _, err := c.load(ctx, struct{}{}); err == nil {
		t.Fatal("store failure not returned")
	}
	fail = nil
	lifetime = 5 * time.Minute
	if got := load(); got != 5*time.Minute {
		t.Fatalf("after a failure: %s, want a fresh read", got)
	}

	// TTL 0 reads every time.
	c2 := &settingsCache{get: c.get, now: c.now}
	before := reads
	load2 := func() { _, _ = c2.load(ctx, struct{}{}) }
	load2()
	load2()
	if reads != before+2 {
		t.Fatalf("TTL 0: %d reads, want 2", reads-before)
	}
}
