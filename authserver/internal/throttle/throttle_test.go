package throttle_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/testutil/redistest"

	"github.com/redis/go-redis/v9"

	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// behaviour is the contract every Limiter meets (MaxFailures 3); wait moves
// time forward (a fake clock, or real sleeping for Redis).
func behaviour(t *testing.T, l throttle.Limiter, window time.Duration, wait func(time.Duration)) {
	ctx := context.Background()
	alice := throttle.Key("alice", "192.0.2.1")
	reserve := func(key string) throttle.Verdict {
		t.Helper()
		v, err := l.Reserve(ctx, key)
		if err != nil {
			t.Fatalf("Reserve: %v", err)
		}
		return v
	}

	t.Run("unknown key allowed", func(t *testing.T) {
		v := reserve(alice)
		if !v.Allowed || v.Failures != 0 {
			t.Fatalf("without failures: %+v", v)
		}
		if err := throttle.Succeeded(ctx, l, alice, v); err != nil {
			t.Fatal(err)
		}
		if v := reserve(alice); !v.Allowed || v.Failures != 0 {
			t.Fatalf("after a released success: %+v", v)
		}
		if err := l.Release(ctx, alice); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refused after max failures with retry-after", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if v := reserve(alice); !v.Allowed || v.Failures != i {
				t.Fatalf("attempt %d: %+v", i, v)
			}
		}
		v := reserve(alice)
		if v.Allowed {
			t.Fatal("allowed after 3 failures")
		}
		if v.RetryAfter <= 0 || v.RetryAfter > window {
			t.Fatalf("retryAfter %s, want in (0, %s]", v.RetryAfter, window)
		}
		if v.Failures != 3 {
			t.Fatalf("refused attempts count: %+v", v)
		}
	})
	t.Run("other address and other user unaffected", func(t *testing.T) {
		for _, k := range []string{throttle.Key("alice", "198.51.100.7"), throttle.Key("bob", "192.0.2.1")} {
			if v := reserve(k); !v.Allowed {
				t.Errorf("%q refused", k)
			}
			_ = l.Release(ctx, k)
		}
	})
	t.Run("reset forgets", func(t *testing.T) {
		if err := l.Reset(ctx, alice); err != nil {
			t.Fatal(err)
		}
		v := reserve(alice)
		if !v.Allowed || v.Failures != 0 {
			t.Fatalf("after reset: %+v", v)
		}
		_ = l.Release(ctx, alice)
	})
	t.Run("success after failures resets", func(t *testing.T) {
		reserve(alice)
		reserve(alice)
		v := reserve(alice)
		if !v.Allowed || v.Failures != 2 {
			t.Fatalf("third attempt: %+v", v)
		}
		if err := throttle.Succeeded(ctx, l, alice, v); err != nil {
			t.Fatal(err)
		}
		if v := reserve(alice); !v.Allowed || v.Failures != 0 {
			t.Fatalf("after a success: %+v", v)
		}
		_ = l.Release(ctx, alice)
	})
	t.Run("window ends", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			reserve(alice)
		}
		if v := reserve(alice); v.Allowed {
			t.Fatal("allowed after 3 failures")
		}
		wait(window + window/2)
		if v := reserve(alice); !v.Allowed {
			t.Fatal("still refused after the window")
		}
		if v := reserve(alice); !v.Allowed {
			t.Fatal("a second failure in a new window refused at once")
		}
	})
	t.Run("concurrent attempts never pass the limit", func(t *testing.T) {
		// 30 = 10 × the limit, all at once: exactly 3 reserved.
		key := throttle.Key("carol", "192.0.2.9")
		const n = 30
		var allowed atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				v, err := l.Reserve(ctx, key)
				if err != nil {
					t.Error(err)
				}
				if v.Allowed {
					allowed.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if got := allowed.Load(); got != 3 {
			t.Fatalf("%d concurrent attempts: %d reserved, want 3", n, got)
		}
	})
}

func TestMemory(t *testing.T) {
	c := &clock{now: time.Unix(1_700_000_000, 0)}
	m, err := throttle.NewMemory(throttle.Config{MaxFailures: 3, Window: time.Minute, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	behaviour(t, m, time.Minute, c.Add)
}

func TestMemoryDefaults(t *testing.T) {
	m, err := throttle.NewMemory(throttle.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k := throttle.Key("alice", "::1")
	for i := 0; i < throttle.DefaultMaxFailures; i++ {
		if v, _ := m.Reserve(ctx, k); !v.Allowed {
			t.Fatalf("refused after %d failures", i)
		}
	}
	v, _ := m.Reserve(ctx, k)
	ok, retry := v.Allowed, v.RetryAfter
	if ok || retry <= 0 || retry > throttle.DefaultWindow {
		t.Fatalf("after %d failures: ok %v retry %s", throttle.DefaultMaxFailures, ok, retry)
	}
}

func TestMemoryBounded(t *testing.T) {
	c := &clock{now: time.Unix(1_700_000_000, 0)}
	m, err := throttle.NewMemory(throttle.Config{MaxKeys: 100, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10_000; i++ {
		_, _ = m.Reserve(context.Background(), throttle.Key(fmt.Sprint("user", i), "192.0.2.1"))
		if n := m.Len(); n > 100 {
			t.Fatalf("%d keys held, limit 100", n)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []throttle.Config{{MaxFailures: -1}, {Window: -time.Second}, {MaxKeys: -3}} {
		if _, err := throttle.NewMemory(cfg); err == nil {
			t.Errorf("NewMemory(%+v) accepted", cfg)
		}
	}
	if _, err := throttle.NewRedis(nil, "", throttle.Config{}); err == nil {
		t.Error("NewRedis(nil) accepted")
	}
}

func TestRedis(t *testing.T) {
	rdb, _ := startRedis(t)
	// A real window, kept short: the test sleeps through it once.
	const window = 300 * time.Millisecond
	const prefix = "test:throttle:"
	l, err := throttle.NewRedis(rdb, prefix, throttle.Config{MaxFailures: 3, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	behaviour(t, l, window, time.Sleep)

	t.Run("counter always expires", func(t *testing.T) {
		ctx := context.Background()
		key := throttle.Key("dave", "192.0.2.3")
		_, _ = l.Reserve(ctx, key)
		ttl, err := rdb.PTTL(ctx, prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > window {
			t.Fatalf("PTTL %s, want in (0, %s]", ttl, window)
		}
	})
}

// TestRedisOutage: with Redis gone every call errs, so the endpoint can fail
// closed; nothing reports "allowed".
func TestRedisOutage(t *testing.T) {
	rdb, stop := startRedis(t)
	l, err := throttle.NewRedis(rdb, "", throttle.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if v, err := l.Reserve(ctx, "k"); !v.Allowed || err != nil {
		t.Fatalf("before the outage: ok %v err %v", v.Allowed, err)
	}
	stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if v, err := l.Reserve(ctx, "k"); v.Allowed || err == nil {
		t.Errorf("Reserve during outage: ok %v err %v", v.Allowed, err)
	}
	if err := l.Release(ctx, "k"); err == nil {
		t.Error("Release during outage: no error")
	}
	if err := l.Reset(ctx, "k"); err == nil {
		t.Error("Reset during outage: no error")
	}
}

// startRedis runs a private redis-server; stop ends it early.
func startRedis(t *testing.T) (rdb *redis.Client, stop func()) {
	t.Helper()
	addr, stop := redistest.Start(t)
	rdb = redis.NewClient(&redis.Options{Addr: addr,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, stop
}

// TestFallbackDuringRedisOutage: with Redis gone, the Fallback throttles in
// memory — logins keep working and the limit still holds (security.md:
// Redis is a cache).
func TestFallbackDuringRedisOutage(t *testing.T) {
	rdb, stop := startRedis(t)
	shared, err := throttle.NewRedis(rdb, "", throttle.Config{MaxFailures: 3})
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := throttle.NewMemory(throttle.Config{MaxFailures: 3})
	l := throttle.NewFallback(shared, mem, nil)
	stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		if v, err := l.Reserve(ctx, "k"); err != nil || !v.Allowed {
			t.Fatalf("attempt %d during the outage: %+v, %v", i, v, err)
		}
	}
	if v, err := l.Reserve(ctx, "k"); err != nil || v.Allowed {
		t.Fatalf("4th attempt during the outage: %+v, %v; want refused", v, err)
	}
}

// flaky is a Limiter that fails while down, counting the calls it gets.
type flaky struct {
	down  atomic.Bool
	calls atomic.Int64
	mem   *throttle.Memory
}

func (f *flaky) Reserve(ctx context.Context, key string) (throttle.Verdict, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return throttle.Verdict{}, fmt.Errorf("connection refused")
	}
	return f.mem.Reserve(ctx, key)
}

func (f *flaky) Release(ctx context.Context, key string) error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("connection refused")
	}
	return f.mem.Release(ctx, key)
}

func (f *flaky) Reset(ctx context.Context, key string) error {
	f.calls.Add(1)
	if f.down.Load() {
		return fmt.Errorf("connection refused")
	}
	return f.mem.Reset(ctx, key)
}

// TestFallbackProbesAndFailsClosed (issue 13): while the shared limiter is
// down it is asked at most once per probe interval (a hung Redis must not
// add its timeout to every login), the state changes are reported once
// each way, the first answer switches back; with FailClosed every attempt
// is refused with an error instead.
func TestFallbackProbesAndFailsClosed(t *testing.T) {
	ctx := context.Background()
	for _, failClosed := range []bool{false, true} {
		c := &clock{now: time.Unix(1_700_000_000, 0)}
		shared, _ := throttle.NewMemory(throttle.Config{MaxFailures: 3})
		primary := &flaky{mem: shared}
		mem, _ := throttle.NewMemory(throttle.Config{MaxFailures: 3})
		var reports []error
		l := throttle.NewFallbackWith(primary, mem, throttle.FallbackOptions{
			FailClosed: failClosed, Probe: time.Second, Now: c.Now,
			Report: func(_ context.Context, err error) { reports = append(reports, err) },
		})
		primary.down.Store(true)
		for i := range 20 {
			v, err := l.Reserve(ctx, throttle.Key("alice", fmt.Sprint(i)))
			if failClosed != (err != nil) || (!failClosed && !v.Allowed) {
				t.Fatalf("fail-closed %v, attempt %d while down: %+v, %v", failClosed, i, v, err)
			}
		}
		if n := primary.calls.Load(); n != 1 {
			t.Errorf("fail-closed %v: the down limiter was asked %d times within one probe interval, want 1", failClosed, n)
		}
		c.Add(time.Second)
		_, _ = l.Reserve(ctx, "k")
		if n := primary.calls.Load(); n != 2 {
			t.Errorf("fail-closed %v: %d calls after the probe interval, want 2", failClosed, n)
		}
		primary.down.Store(false)
		c.Add(time.Second)
		if v, err := l.Reserve(ctx, "k2"); err != nil || !v.Allowed {
			t.Fatalf("fail-closed %v: after the limiter is back: %+v, %v", failClosed, v, err)
		}
		if l.Down() {
			t.Error("still down after an answer")
		}
		if len(reports) != 2 || reports[0] == nil || reports[1] != nil {
			t.Errorf("fail-closed %v: reports %v, want one failure then one recovery", failClosed, reports)
		}
	}
}
