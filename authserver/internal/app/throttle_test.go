package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/testutil/redistest"
)

// throttleReplica starts one replica (in-process throttle, or Redis's when
// withRedis) with user alice, password alicePW.
func throttleReplica(t *testing.T, withRedis bool) *replica {
	t.Helper()
	redisURL := ""
	if withRedis {
		addr, _ := redistest.Start(t)
		redisURL = "redis://" + addr
	}
	r := startReplica(t, t.TempDir(), redisURL)
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	r.adminPW = pw
	if _, err := r.admin(t, pw).CreateUser(t.Context(), apiv1.CreateUser{Username: "alice", Password: alicePW}); err != nil {
		t.Fatal(err)
	}
	return r
}

const alicePW = "alice-right-password"

func forEachLimiter(t *testing.T, f func(t *testing.T, r *replica)) {
	for _, withRedis := range []bool{false, true} {
		name := "memory"
		if withRedis {
			name = "redis"
		}
		t.Run(name, func(t *testing.T) { f(t, throttleReplica(t, withRedis)) })
	}
}

// TestThrottleOnePathForEveryLogin (issue 8.1, security 38): a user locked
// out at /auth/token is locked out of the REST API too, and the other way
// round: every password check shares one throttle.
func TestThrottleOnePathForEveryLogin(t *testing.T) {
	forEachLimiter(t, func(t *testing.T, r *replica) {
		for i := 0; i < throttle.DefaultMaxFailures; i++ {
			if s := r.tokenStatus(t, "alice", "wrong-guess"); s != http.StatusUnauthorized {
				t.Fatalf("guess %d at /auth/token: %d", i, s)
			}
		}
		if _, s := r.me(t, "alice", alicePW); s != http.StatusTooManyRequests {
			t.Errorf("right password on /api/v1/me after %d failures at /auth/token: %d, want 429", throttle.DefaultMaxFailures, s)
		}
		for i := 0; i < 30; i++ {
			if _, s := r.me(t, "alice", "wrong-guess"); s != http.StatusTooManyRequests {
				t.Fatalf("guess %d on /api/v1/me while locked: %d, want 429", i, s)
			}
		}
		if s := r.tokenStatus(t, "alice", alicePW); s != http.StatusTooManyRequests {
			t.Errorf("right password at /auth/token while locked: %d, want 429", s)
		}

		// The REST API's failures count for /auth/token as well.
		if _, err := r.admin(t, r.adminPW).CreateUser(t.Context(), apiv1.CreateUser{Username: "bob", Password: alicePW}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < throttle.DefaultMaxFailures; i++ {
			if _, s := r.me(t, "bob", "wrong-guess"); s != http.StatusUnauthorized {
				t.Fatalf("guess %d on /api/v1/me: %d", i, s)
			}
		}
		if s := r.tokenStatus(t, "bob", alicePW); s != http.StatusTooManyRequests {
			t.Errorf("right password at /auth/token after %d failures on /api/v1/me: %d, want 429", throttle.DefaultMaxFailures, s)
		}
	})
}

// TestThrottleHoldsUnderConcurrentGuesses (issue 8.2, security 38): N
// concurrent guesses, N = 20 × the limit, verify at most the limit; the rest
// are 429 — on both entry points, in memory and through Redis.
func TestThrottleHoldsUnderConcurrentGuesses(t *testing.T) {
	const n = 20 * throttle.DefaultMaxFailures
	for _, entry := range []string{"token", "api"} {
		t.Run(entry, func(t *testing.T) {
			forEachLimiter(t, func(t *testing.T, r *replica) {
				statuses := make([]int, n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range n {
					wg.Go(func() {
						<-start
						pw := fmt.Sprintf("wrong-guess-%d", i)
						if entry == "token" {
							statuses[i] = r.tokenStatus(t, "alice", pw)
						} else {
							_, statuses[i] = r.me(t, "alice", pw)
						}
					})
				}
				close(start)
				wg.Wait()
				count := map[int]int{}
				for _, s := range statuses {
					count[s]++
				}
				verified := count[http.StatusUnauthorized]
				if verified > throttle.DefaultMaxFailures || count[http.StatusTooManyRequests] != n-verified {
					t.Errorf("%d concurrent guesses: %v; want at most %d verified (401), the rest 429", n, count, throttle.DefaultMaxFailures)
				}
				if s := r.tokenStatus(t, "alice", alicePW); s != http.StatusTooManyRequests {
					t.Errorf("right password after the guesses: %d, want 429", s)
				}
			})
		})
	}
}
