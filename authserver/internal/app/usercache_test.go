package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/redistest"
)

// replica is one app instance behind its own HTTP server.
type replica struct {
	app *app.App
	st  app.Store
	cfg config.Config
	url string
	// adminPW is the bootstrapped admin's password, when a test set it.
	adminPW string
}

// startReplica composes the server as main does, over dataDir's SQLite
// file, with Redis at redisURL when it is not empty.
func startReplica(t *testing.T, dataDir, redisURL string) *replica {
	t.Helper()
	ctx := t.Context()
	srv := httptest.NewUnstartedServer(nil)
	args := []string{"--data-dir", dataDir, "--public-url", "http://" + srv.Listener.Addr().String()}
	if redisURL != "" {
		args = append(args, "--redis-url", redisURL)
	}
	cfg, err := config.Load(args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a, err := app.New(ctx, cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	srv.Config.Handler = a.Server
	srv.Start()
	t.Cleanup(srv.Close)
	return &replica{app: a, st: st, cfg: cfg, url: srv.URL}
}

// tokenStatus is the status of a Basic token request as user:pw.
func (r *replica) tokenStatus(t *testing.T, user, pw string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.url+"/auth/token?service="+r.cfg.Service+"&scope=repository:"+user+"/app:pull", nil)
	req.SetBasicAuth(user, pw)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// me is GET /api/v1/me as user:pw: admin flag and status.
func (r *replica) me(t *testing.T, user, pw string) (admin bool, status int) {
	t.Helper()
	c, err := client.New(r.url, client.WithBasic(user, pw))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Me(t.Context())
	if err != nil {
		if s := client.StatusOf(err); s != 0 {
			return false, s
		}
		t.Fatal(err)
	}
	return m.Admin, http.StatusOK
}

func (r *replica) admin(t *testing.T, pw string) *client.Client {
	t.Helper()
	c, err := client.New(r.url, client.WithBasic("admin", pw))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// checkUserChanges: each change through a's REST API is refused or seen by
// b's very next Basic login (a == b: the same replica), although b's user
// cache holds the old row.
func checkUserChanges(t *testing.T, a, b *replica, adminPW string) {
	t.Helper()
	ctx := t.Context()
	ac := a.admin(t, adminPW)
	for _, u := range []string{"pwuser", "offuser", "demoted", "gone"} {
		if _, err := ac.CreateUser(ctx, apiv1.CreateUser{Username: u, Password: "first-password-1", Admin: u == "demoted"}); err != nil {
			t.Fatal(err)
		}
		// Fill b's cache.
		if s := b.tokenStatus(t, u, "first-password-1"); s != http.StatusOK {
			t.Fatalf("%s: token status %d", u, s)
		}
	}
	if !b.app.Auth.UserCacheActive() {
		t.Fatal("user cache is off; the test would prove nothing")
	}

	if _, err := ac.UpdateUser(ctx, "pwuser", apiv1.UpdateUser{Password: ptr("second-password-2")}); err != nil {
		t.Fatal(err)
	}
	if s := b.tokenStatus(t, "pwuser", "first-password-1"); s != http.StatusUnauthorized {
		t.Errorf("old password right after the change: token status %d", s)
	}
	if _, s := b.me(t, "pwuser", "second-password-2"); s != http.StatusOK {
		t.Errorf("new password: /me status %d", s)
	}

	if _, err := ac.UpdateUser(ctx, "offuser", apiv1.UpdateUser{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if s := b.tokenStatus(t, "offuser", "first-password-1"); s != http.StatusUnauthorized {
		t.Errorf("disabled user: token status %d", s)
	}
	if _, s := b.me(t, "offuser", "first-password-1"); s != http.StatusUnauthorized {
		t.Errorf("disabled user: /me status %d", s)
	}

	if admin, s := b.me(t, "demoted", "first-password-1"); !admin || s != http.StatusOK {
		t.Fatalf("admin before: %v, status %d", admin, s)
	}
	if _, err := ac.UpdateUser(ctx, "demoted", apiv1.UpdateUser{Admin: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if admin, s := b.me(t, "demoted", "first-password-1"); admin || s != http.StatusOK {
		t.Errorf("demoted admin: /me admin %v, status %d", admin, s)
	}

	if err := ac.DeleteUser(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if s := b.tokenStatus(t, "gone", "first-password-1"); s != http.StatusUnauthorized {
		t.Errorf("deleted user: token status %d", s)
	}
}

// TestUserCacheInProcess: SQLite without Redis caches user rows on the
// password path, and the REST API's changes apply to the next login.
func TestUserCacheInProcess(t *testing.T) {
	dir := t.TempDir()
	r := startReplica(t, dir, "")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	// The cache is really in use: a change behind the API's back (no
	// Forget) is not seen while the row is cached.
	ctx := t.Context()
	if _, err := r.admin(t, pw).CreateUser(ctx, apiv1.CreateUser{Username: "sneaky", Password: "first-password-1"}); err != nil {
		t.Fatal(err)
	}
	if s := r.tokenStatus(t, "sneaky", "first-password-1"); s != http.StatusOK {
		t.Fatalf("token status %d", s)
	}
	u, err := r.st.GetUser(ctx, "sneaky")
	if err != nil {
		t.Fatal(err)
	}
	u.Enabled = false
	if err := r.st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if s := r.tokenStatus(t, "sneaky", "first-password-1"); s != http.StatusOK {
		t.Fatalf("cached row: token status %d, want 200 (is the cache on?)", s)
	}

	checkUserChanges(t, r, r, pw)
}

// TestUserCacheAcrossReplicas: two replicas share one SQLite file and one
// Redis; a change through A's API is refused by B's very next login. With
// B's subscription down, B reads the store on every login.
func TestUserCacheAcrossReplicas(t *testing.T) {
	a, b, pw, stopRedis := startPair(t)
	checkUserChanges(t, a, b, pw)

	// Redis goes away: B can no longer hear changes, so it bypasses its
	// cache — a change no one announces (straight into the database) is seen
	// by the next login.
	ctx := t.Context()
	if _, err := a.admin(t, pw).CreateUser(ctx, apiv1.CreateUser{Username: "outage", Password: "first-password-1"}); err != nil {
		t.Fatal(err)
	}
	if s := b.tokenStatus(t, "outage", "first-password-1"); s != http.StatusOK {
		t.Fatalf("token status %d", s)
	}
	stopRedis()
	waitFor(t, "the cache to switch off", func() bool { return !b.app.Auth.UserCacheActive() })
	u, err := a.st.GetUser(ctx, "outage")
	if err != nil {
		t.Fatal(err)
	}
	u.Enabled = false
	if err := a.st.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, s := b.me(t, "outage", "first-password-1"); s != http.StatusUnauthorized {
		t.Errorf("Redis down, user disabled in the database: /me status %d", s)
	}
}

// startPair starts two replicas over one SQLite file and one private
// Redis, bootstraps the admin (its password is pw) and waits until both
// replicas hear announced changes; stopRedis ends Redis early.
func startPair(t *testing.T) (a, b *replica, pw string, stopRedis func()) {
	t.Helper()
	redisAddr, stopRedis := redistest.Start(t)
	redisURL := "redis://" + redisAddr
	dir := t.TempDir()
	a = startReplica(t, dir, redisURL)
	pw, err := app.BootstrapAdmin(t.Context(), a.st, "admin", "", a.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	b = startReplica(t, dir, redisURL)
	for _, r := range []*replica{a, b} {
		waitFor(t, "the subscription to come up", r.app.Auth.UserCacheActive)
	}
	return a, b, pw, stopRedis
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
