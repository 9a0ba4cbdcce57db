package throttle_test

import (
	"context"
	"fmt"
	"sync"
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

// behaviour is the contract every Limiter meets; wait moves time forward
// (a fake clock, or real sleeping for Redis).
func behaviour(t *testing.T, l throttle.Limiter, window time.Duration, wait func(time.Duration)) {
	ctx := context.Background()
	alice := throttle.Key("alice", "192.0.2.1")
	verdict := func(key string) throttle.Verdict {
		t.Helper()
		v, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatalf("Allow: %v", err)
		}
		return v
	}
	allow := func(key string) (bool, time.Duration) {
		t.Helper()
		v := verdict(key)
		return v.Allowed, v.RetryAfter
	}
	fail := func(key string) {
		t.Helper()
		if err := l.Fail(ctx, key); err != nil {
			t.Fatalf("Fail: %v", err)
		}
	}

	t.Run("unknown key allowed", func(t *testing.T) {
		if v := verdict(alice); !v.Allowed || v.Failures != 0 {
			t.Fatalf("without failures: %+v", v)
		}
	})
	t.Run("refused after max failures with retry-after", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if ok, _ := allow(alice); !ok {
				t.Fatalf("refused after %d failures", i)
			}
			fail(alice)
		}
		ok, retry := allow(alice)
		if ok {
			t.Fatal("allowed after 3 failures")
		}
		if retry <= 0 || retry > window {
			t.Fatalf("retryAfter %s, want in (0, %s]", retry, window)
		}
	})
	t.Run("other address and other user unaffected", func(t *testing.T) {
		if ok, _ := allow(throttle.Key("alice", "198.51.100.7")); !ok {
			t.Error("alice from another address refused")
		}
		if ok, _ := allow(throttle.Key("bob", "192.0.2.1")); !ok {
			t.Error("bob from the same address refused")
		}
	})
	t.Run("failures counted, reset forgets", func(t *testing.T) {
		if v := verdict(alice); v.Failures != 3 {
			t.Fatalf("after 3 failures: %+v", v)
		}
		if err := l.Reset(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if v := verdict(alice); !v.Allowed || v.Failures != 0 {
			t.Fatalf("after reset: %+v", v)
		}
	})
	t.Run("window ends", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			fail(alice)
		}
		if ok, _ := allow(alice); ok {
			t.Fatal("allowed after 3 failures")
		}
		wait(window + window/2)
		if ok, _ := allow(alice); !ok {
			t.Fatal("still refused after the window")
		}
		fail(alice)
		if ok, _ := allow(alice); !ok {
			t.Fatal("a failure in a new window refused at once")
		}
	})
	t.Run("concurrent failures all count", func(t *testing.T) {
		key := throttle.Key("carol", "192.0.2.9")
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = l.Fail(ctx, key)
			}()
		}
		wg.Wait()
		if ok, _ := allow(key); ok {
			t.Fatal("allowed after 20 concurrent failures")
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
		if v, _ := m.Allow(ctx, k); !v.Allowed {
			t.Fatalf("refused after %d failures", i)
		}
		_ = m.Fail(ctx, k)
	}
	v, _ := m.Allow(ctx, k)
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
		_ = m.Fail(context.Background(), throttle.Key(fmt.Sprint("user", i), "192.0.2.1"))
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
		_ = l.Fail(ctx, key)
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
	if v, err := l.Allow(ctx, "k"); !v.Allowed || err != nil {
		t.Fatalf("before the outage: ok %v err %v", v.Allowed, err)
	}
	stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if v, err := l.Allow(ctx, "k"); v.Allowed || err == nil {
		t.Errorf("Allow during outage: ok %v err %v", v.Allowed, err)
	}
	if err := l.Fail(ctx, "k"); err == nil {
		t.Error("Fail during outage: no error")
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
