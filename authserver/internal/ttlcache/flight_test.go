package ttlcache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

// gated is a store whose reads block until released, counting them; its
// clock is set by the test.
type gated struct {
	mu    sync.Mutex
	now   time.Time
	value string
	reads atomic.Int64
	// gate, when not nil, holds every read until it is closed.
	gate    chan struct{}
	started chan struct{} // receives once per read that began
}

func newGated() *gated {
	return &gated{now: time.Unix(1000, 0), value: "v1", started: make(chan struct{}, 1000)}
}

func (g *gated) Now() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.now
}

func (g *gated) advance(d time.Duration) {
	g.mu.Lock()
	g.now = g.now.Add(d)
	g.mu.Unlock()
}

func (g *gated) set(v string) {
	g.mu.Lock()
	g.value = v
	g.mu.Unlock()
}

func (g *gated) hold() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
	return g.gate
}

func (g *gated) get(ctx context.Context, _ string) (string, error) {
	g.reads.Add(1)
	g.mu.Lock()
	gate, v := g.gate, g.value
	g.mu.Unlock()
	g.started <- struct{}{}
	if gate != nil {
		<-gate
	}
	return v, nil
}

// waitReads waits until n reads have begun.
func (g *gated) waitReads(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.started:
		case <-time.After(10 * time.Second):
			t.Fatalf("a read did not begin")
		}
	}
}

func TestConcurrentMissesShareOneRead(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, Now: g.Now})
	gate := g.hold()
	const n = 100
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for range n {
		wg.Go(func() {
			v, err := c.Load(context.Background(), "k")
			if err != nil || v != "v1" {
				wrong.Add(1)
			}
		})
	}
	g.waitReads(t, 1)
	// Give every load time to arrive and join the read in flight; a load
	// that came late would find the value cached and not read either.
	time.Sleep(50 * time.Millisecond)
	close(gate)
	wg.Wait()
	if got := g.reads.Load(); got != 1 {
		t.Fatalf("%d concurrent misses of one key made %d store reads, want 1", n, got)
	}
	if wrong.Load() != 0 {
		t.Fatalf("%d loads got a wrong answer", wrong.Load())
	}
	if c.Reads() != 1 {
		t.Fatalf("Reads() = %d", c.Reads())
	}
}

func TestLifeCountsFromArrival(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, Now: g.Now})
	gate := g.hold()
	done := make(chan struct{})
	go func() { _, _ = c.Load(context.Background(), "k"); close(done) }()
	g.waitReads(t, 1)
	g.advance(3 * time.Second) // a read slower than the TTL
	g.mu.Lock()
	g.gate = nil
	g.mu.Unlock()
	close(gate)
	<-done
	g.advance(900 * time.Millisecond)
	if _, err := c.Load(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
	if got := g.reads.Load(); got != 1 {
		t.Fatalf("a value 0.9 s after it arrived (TTL 1 s) was read again: %d reads", got)
	}
}

func TestMaxAgeBoundsSlowReads(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, MaxAge: time.Second, Now: g.Now})
	gate := g.hold()
	done := make(chan struct{})
	go func() { _, _ = c.Load(context.Background(), "k"); close(done) }()
	g.waitReads(t, 1)
	g.advance(600 * time.Millisecond)
	g.mu.Lock()
	g.gate = nil
	g.mu.Unlock()
	close(gate)
	<-done
	g.waitReads(t, 0)
	g.advance(300 * time.Millisecond) // 0.9 s after the read began: still served
	mustLoad(t, c, "v1")
	if g.reads.Load() != 1 {
		t.Fatal("read again within MaxAge")
	}
	g.set("v2")
	g.advance(200 * time.Millisecond) // 1.1 s after the read began: never served
	mustLoad(t, c, "v2")
	if g.reads.Load() != 2 {
		t.Fatalf("%d reads, want 2", g.reads.Load())
	}
}

func mustLoad(t *testing.T, c *ttlcache.Cache[string, string], want string) {
	t.Helper()
	v, err := c.Load(context.Background(), "k")
	if err != nil || v != want {
		t.Fatalf("Load = %q, %v; want %q", v, err, want)
	}
}

func TestStaleWhileRevalidate(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, MaxAge: time.Second, Refresh: 500 * time.Millisecond, Now: g.Now})
	mustLoad(t, c, "v1")
	g.waitReads(t, 1)
	g.set("v2")
	gate := g.hold()
	g.advance(600 * time.Millisecond)
	// Within Refresh of expiry: the old value at once, one read behind it.
	for range 10 {
		mustLoad(t, c, "v1")
	}
	g.waitReads(t, 1)
	if got := g.reads.Load(); got != 2 {
		t.Fatalf("%d reads, want 1 background refresh", got)
	}
	// Past the bound the old value is never served: the load waits for
	// the refresh in flight (no third read).
	g.advance(500 * time.Millisecond)
	res := make(chan string)
	go func() { v, _ := c.Load(context.Background(), "k"); res <- v }()
	select {
	case v := <-res:
		t.Fatalf("served %q past MaxAge before the refresh arrived", v)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if v := <-res; v != "v2" {
		t.Fatalf("after the refresh: %q", v)
	}
	if got := g.reads.Load(); got != 2 {
		t.Fatalf("%d reads, want 2", got)
	}
}

func TestNoJoinAcrossInvalidation(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, MaxAge: time.Second, Refresh: 500 * time.Millisecond, Now: g.Now})
	gate := g.hold()
	first := make(chan string)
	go func() { v, _ := c.Load(context.Background(), "k"); first <- v }()
	g.waitReads(t, 1)
	// The change commits and is announced while the first read is out.
	g.set("v2")
	c.Clear()
	g.mu.Lock()
	g.gate = nil
	g.mu.Unlock()
	// A load after the invalidation reads anew, not the read in flight.
	mustLoad(t, c, "v2")
	close(gate)
	if v := <-first; v != "v1" {
		t.Fatalf("first load: %q", v)
	}
	// And the old read did not fill the cache.
	g.set("v3")
	g.advance(10 * time.Millisecond)
	if v, _ := c.Load(context.Background(), "k"); v == "v1" {
		t.Fatal("a read that began before Clear filled the cache")
	}
	// Stale serving never crosses an invalidation either.
	g.advance(700 * time.Millisecond)
	g.set("v4")
	c.Forget("k")
	mustLoad(t, c, "v4")
}

func TestWaiterGivesUp(t *testing.T) {
	g := newGated()
	c := ttlcache.New(g.get, ttlcache.Options{TTL: time.Second, Now: g.Now})
	gate := g.hold()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() { _, err := c.Load(ctx, "k"); errc <- err }()
	g.waitReads(t, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled load: %v", err)
	}
	// The read goes on for the others and fills the cache.
	close(gate)
	deadline := time.Now().Add(5 * time.Second)
	for c.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	mustLoad(t, c, "v1")
	if g.reads.Load() != 1 {
		t.Fatalf("%d reads", g.reads.Load())
	}
}
