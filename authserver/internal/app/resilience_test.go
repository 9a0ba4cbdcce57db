package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/latencyproxy"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
	"github.com/dockmaster/dockmaster/internal/testutil/redistest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// startWith composes a replica as main does from the command-line args
// (--public-url is added).
func startWith(t *testing.T, args ...string) *replica {
	t.Helper()
	ctx := t.Context()
	srv := httptest.NewUnstartedServer(nil)
	args = append(args, "--public-url", "http://"+srv.Listener.Addr().String())
	cfg, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a, err := app.New(ctx, cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	srv.Config.Handler = a.Server
	srv.Start()
	t.Cleanup(srv.Close)
	return &replica{app: a, st: st, cfg: cfg, url: srv.URL}
}

// mkUser creates username through the API as the admin. On a loaded
// machine (race detector, shared cores) the password hash can eat into the
// request's database budget and the create answers 503: retry, and take a
// conflict as "the earlier try committed".
func (r *replica) mkUser(t *testing.T, adminPW, username string) {
	t.Helper()
	var err error
	for range 5 {
		_, err = r.admin(t, adminPW).CreateUser(t.Context(), apiv1.CreateUser{Username: username, Password: alicePW})
		if err == nil || client.IsConflict(err) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("create user %s: %v", username, err)
}

// proxied starts a latency proxy (no delay) in front of addr, closed when
// the test ends.
func proxied(t *testing.T, addr string) *latencyproxy.Proxy {
	t.Helper()
	p, err := latencyproxy.Start(addr, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// tokenReply is a token request's outcome: status, Retry-After and the
// actions granted on the one scope asked for.
type tokenReply struct {
	status     int
	retryAfter string
	actions    []string
	elapsed    time.Duration
}

func (r *replica) token(t testing.TB, user, pw, scope string) tokenReply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.url+"/auth/token?service="+r.cfg.Service+"&scope="+scope, nil)
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("token request: %v", err)
		return tokenReply{}
	}
	defer res.Body.Close()
	out := tokenReply{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	var body struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	out.elapsed = time.Since(start)
	if parts := strings.Split(body.Token, "."); len(parts) == 3 {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims struct {
			Access []struct {
				Actions []string `json:"actions"`
			} `json:"access"`
		}
		_ = json.Unmarshal(raw, &claims)
		for _, a := range claims.Access {
			out.actions = append(out.actions, a.Actions...)
		}
	}
	return out
}

func (r *replica) get(t testing.TB, path string) (int, string) {
	t.Helper()
	res, err := http.Get(r.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// metric is the value of an unlabelled metric at /metrics ("" if absent).
func (r *replica) metric(t testing.TB, name string) string {
	t.Helper()
	_, body := r.get(t, "/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// load runs token requests as user on each replica until stop is closed,
// counting the answers by status.
func load(t *testing.T, rs []*replica, user, pw, scope string, stop chan struct{}) (wait func() map[int]int) {
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for _, r := range rs {
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					rep := r.token(t, user, pw, scope)
					mu.Lock()
					counts[rep.status]++
					mu.Unlock()
				}
			})
		}
	}
	return func() map[int]int { wg.Wait(); return counts }
}

// TestRedisOutageFallsBack (issue 13): Redis stops under load and comes
// back. Logins keep working through the outage on both replicas, a brute
// force is still refused on each replica, a grant revoked on one replica
// during the outage stops on the other within the caches' TTL, and the
// outage is visible (metric, /readyz); once Redis is back the replicas
// share throttling and invalidation again, without a restart.
func TestRedisOutageFallsBack(t *testing.T) {
	redisAddr, _ := redistest.Start(t)
	link := proxied(t, redisAddr)
	dir := t.TempDir()
	a := startWith(t, "--data-dir", dir, "--redis-url", "redis://"+link.Addr())
	pw, err := app.BootstrapAdmin(t.Context(), a.st, "admin", "", a.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	b := startWith(t, "--data-dir", dir, "--redis-url", "redis://"+link.Addr())
	for _, r := range []*replica{a, b} {
		waitFor(t, "the subscription to come up", r.app.Auth.UserCacheActive)
	}
	ctx := t.Context()
	adm := a.admin(t, pw)
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		if _, err := adm.CreateUser(ctx, apiv1.CreateUser{Username: u, Password: alicePW}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := adm.CreatePermission(ctx, "alice", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	const scope = "repository:alice/app:pull"
	if got := b.token(t, "bob", alicePW, scope); got.status != 200 || len(got.actions) != 1 {
		t.Fatalf("bob before the outage: %+v", got)
	}

	stop := make(chan struct{})
	wait := load(t, []*replica{a, b}, "alice", alicePW, scope, stop)
	time.Sleep(200 * time.Millisecond)

	link.Down()
	// The outage is seen (by the subscription within its health period, by
	// the throttle on the next login).
	for _, r := range []*replica{a, b} {
		waitFor(t, "dockmaster_redis_up 0", func() bool { return r.metric(t, "dockmaster_redis_up") == "0" })
		status, body := r.get(t, "/readyz")
		if status != 200 || !strings.Contains(body, "redis: unavailable") {
			t.Errorf("/readyz during the outage: %d %q, want 200 naming Redis", status, body)
		}
	}

	// Brute force during the outage: each replica refuses after the limit.
	for _, r := range []*replica{a, b} {
		user := map[*replica]string{a: "carol", b: "dave"}[r]
		for i := range throttle.DefaultMaxFailures {
			if got := r.token(t, user, "wrong-guess", scope); got.status != http.StatusUnauthorized {
				t.Fatalf("guess %d during the outage: %d", i, got.status)
			}
		}
		if got := r.token(t, user, "wrong-guess", scope); got.status != http.StatusTooManyRequests {
			t.Errorf("guess past the limit during the outage: %d, want 429", got.status)
		}
	}

	// A grant revoked on a during the outage stops on b within the TTL.
	if got := b.token(t, "bob", alicePW, scope); len(got.actions) != 1 {
		t.Fatalf("bob on b during the outage: %+v", got)
	}
	if err := adm.DeletePermission(ctx, "alice", "user", "bob"); err != nil {
		t.Fatal(err)
	}
	revoked := time.Now()
	time.Sleep(time.Second + 100*time.Millisecond) // the caches' bound (1 s), counted from the revocation
	if got := b.token(t, "bob", alicePW, scope); got.status != 200 || len(got.actions) != 0 {
		t.Errorf("bob on b %s after the revocation on a (Redis down): %+v, want 200 with nothing", time.Since(revoked).Round(time.Millisecond), got)
	}

	time.Sleep(200 * time.Millisecond)
	if err := link.Up(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*replica{a, b} {
		waitFor(t, "dockmaster_redis_up 1", func() bool { return r.metric(t, "dockmaster_redis_up") == "1" })
		if got := r.metric(t, "dockmaster_redis_outages_total"); got != "1" {
			t.Errorf("outages counted: %s, want 1", got)
		}
		waitFor(t, "the subscription to come back", r.app.Auth.UserCacheActive)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	counts := wait()
	if counts[200] == 0 || len(counts) != 1 {
		t.Errorf("alice's logins through the outage: %v, want all 200", counts)
	}

	// Back on Redis: a grant made on a applies on b at once (announced),
	// and failures count across replicas again.
	if _, err := adm.CreatePermission(ctx, "alice", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	if got := b.token(t, "bob", alicePW, scope); len(got.actions) != 1 {
		t.Errorf("bob on b right after a grant on a (Redis back): %+v", got)
	}
	if _, err := adm.CreateUser(ctx, apiv1.CreateUser{Username: "erin", Password: alicePW}); err != nil {
		t.Fatal(err)
	}
	for i := range throttle.DefaultMaxFailures {
		r := []*replica{a, b}[i%2]
		if got := r.token(t, "erin", "wrong-guess", scope); got.status != http.StatusUnauthorized {
			t.Fatalf("guess %d after the outage: %d", i, got.status)
		}
	}
	if got := a.token(t, "erin", alicePW, scope); got.status != http.StatusTooManyRequests {
		t.Errorf("right password after %d guesses spread over both replicas: %d, want 429 (shared throttle)", throttle.DefaultMaxFailures, got.status)
	}
}

// TestRedisOutageFailClosed: with --redis-fail-closed, a Redis outage
// refuses password logins with 503 and Retry-After (never 401), /readyz
// says so (still 200), and logins work again once Redis is back.
func TestRedisOutageFailClosed(t *testing.T) {
	redisAddr, _ := redistest.Start(t)
	link := proxied(t, redisAddr)
	r := startWith(t, "--data-dir", t.TempDir(), "--redis-url", "redis://"+link.Addr(), "--redis-fail-closed")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.admin(t, pw).CreateUser(t.Context(), apiv1.CreateUser{Username: "alice", Password: alicePW}); err != nil {
		t.Fatal(err)
	}
	const scope = "repository:alice/app:pull"
	if got := r.token(t, "alice", alicePW, scope); got.status != 200 {
		t.Fatalf("before the outage: %+v", got)
	}
	link.Down()
	for i := range 10 {
		got := r.token(t, "alice", alicePW, scope)
		if got.status != http.StatusServiceUnavailable || got.retryAfter == "" {
			t.Fatalf("login %d during the outage (fail-closed): %d, Retry-After %q; want 503 with Retry-After", i, got.status, got.retryAfter)
		}
	}
	if _, s := r.me(t, "alice", alicePW); s != http.StatusServiceUnavailable {
		t.Errorf("REST Basic during the outage (fail-closed): %d, want 503", s)
	}
	// Still ready: everything but password logins is served (a load
	// balancer must not take every replica out for a Redis outage).
	if status, body := r.get(t, "/readyz"); status != http.StatusOK || !strings.Contains(body, "fail-closed") {
		t.Errorf("/readyz during the outage (fail-closed): %d %q, want 200 saying fail-closed", status, body)
	}
	if err := link.Up(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "logins after Redis is back", func() bool { return r.token(t, "alice", alicePW, scope).status == 200 })
	if status, _ := r.get(t, "/readyz"); status != 200 {
		t.Errorf("/readyz after the outage: %d", status)
	}
}

// TestDatabaseOutageUnderLoad: PostgreSQL goes away under load: token
// requests answer 503 with Retry-After while it is gone (never 401, never
// an empty grant), /readyz says so, and the replica recovers by itself when
// the database is back.
func TestDatabaseOutageUnderLoad(t *testing.T) {
	db := pgURLVia(t)
	r := startWith(t, "--data-dir", t.TempDir(), "--database", db.url, "--database-timeout", "5s")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	r.mkUser(t, pw, "alice")
	const scope = "repository:alice/app:pull"
	if got := r.token(t, "alice", alicePW, scope); got.status != 200 || len(got.actions) != 1 {
		t.Fatalf("before the outage: %+v", got)
	}
	var down atomic.Bool
	var mu sync.Mutex
	bad := map[string]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				wasDown := down.Load()
				got := r.token(t, "alice", alicePW, scope)
				ok := (got.status == 200 && len(got.actions) == 1) ||
					(got.status == http.StatusServiceUnavailable && got.retryAfter != "")
				if !ok || (wasDown && down.Load() && got.status == 200) {
					mu.Lock()
					bad[http.StatusText(got.status)+" "+strings.Join(got.actions, ",")]++
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	db.proxy.Down() // before down is set: a request that began earlier may still succeed
	down.Store(true)
	// The user row and grants may be served from caches for their bound;
	// past it, only 503.
	time.Sleep(1500 * time.Millisecond)
	if got := r.token(t, "alice", alicePW, scope); got.status != http.StatusServiceUnavailable {
		t.Errorf("token request with the database down: %d, want 503", got.status)
	}
	if status, _ := r.get(t, "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database down: %d", status)
	}
	time.Sleep(500 * time.Millisecond)
	down.Store(false)
	if err := db.proxy.Up(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a token after the database is back", func() bool { return r.token(t, "alice", alicePW, scope).status == 200 })
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("answers other than 200-with-the-grant or 503-with-Retry-After (or 200 while down): %v", bad)
	}
	if status, _ := r.get(t, "/readyz"); status != 200 {
		t.Errorf("/readyz after the outage: %d", status)
	}
}

// proxiedPG is a fresh PostgreSQL database reached through a latency proxy.
type proxiedPG struct {
	url   string
	proxy *latencyproxy.Proxy
}

func pgURLVia(t *testing.T) proxiedPG {
	t.Helper()
	u := pgtest.URL(t)
	host := u[strings.Index(u, "@")+1:]
	host = host[:strings.IndexAny(host, "/")]
	p := proxied(t, host)
	return proxiedPG{url: strings.Replace(u, host, p.Addr(), 1), proxy: p}
}

// TestSlowDatabaseFailsFast (issue 13): with 250 ms added each way between
// the server and PostgreSQL and 100 concurrent clients, every request ends
// within the configured database timeout (plus the server's own work):
// 200, or 503 with Retry-After — none waits past it for the database.
func TestSlowDatabaseFailsFast(t *testing.T) {
	db := pgURLVia(t)
	const timeout = 2 * time.Second
	r := startWith(t, "--data-dir", t.TempDir(), "--database", db.url, "--database-timeout", timeout.String(), "--database-acquire-timeout", "500ms")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	r.mkUser(t, pw, "alice")
	db.proxy.SetDelay(250 * time.Millisecond)
	const clients = 100
	replies := make([]tokenReply, clients*2)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			for j := range 2 {
				replies[i*2+j] = r.token(t, "alice", alicePW, "repository:alice/app:pull")
			}
		})
	}
	wg.Wait()
	// Slack for what is not the database: a bcrypt compare or two, the
	// scheduling of 100 clients on a shared 2-core machine.
	const slack = 3 * time.Second
	count := map[int]int{}
	var slowest time.Duration
	for _, rep := range replies {
		count[rep.status]++
		slowest = max(slowest, rep.elapsed)
		if rep.status == http.StatusServiceUnavailable && rep.retryAfter == "" {
			t.Errorf("503 without Retry-After")
		}
	}
	t.Logf("250 ms each way, %d clients × 2: %v, slowest %s (database timeout %s)", clients, count, slowest.Round(time.Millisecond), timeout)
	if count[200]+count[http.StatusServiceUnavailable] != len(replies) {
		t.Errorf("answers %v, want only 200 and 503", count)
	}
	if slowest > timeout+slack {
		t.Errorf("slowest request %s, past the database timeout %s (+%s slack)", slowest, timeout, slack)
	}
	// And back to normal without a restart.
	db.proxy.SetDelay(0)
	waitFor(t, "a token at normal latency", func() bool { return r.token(t, "alice", alicePW, "repository:alice/app:pull").status == 200 })
}
