package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/testutil/latencyproxy"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestServeListensWhileTheDatabaseIsSlow (issue 13): serve binds its
// address before it opens the database, so with PostgreSQL 300 ms away
// each way (start-up then takes seconds) /healthz answers at once, /readyz
// says start-up is under way (503) and requests get 503 with Retry-After;
// once the database answers, the server is ready without a restart.
func TestServeListensWhileTheDatabaseIsSlow(t *testing.T) {
	u := pgtest.URL(t)
	host := u[strings.Index(u, "@")+1:]
	host = host[:strings.IndexByte(host, '/')]
	p, err := latencyproxy.Start(host, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	addr := freeAddr(t)
	start(t, "serve", "--data-dir", t.TempDir(), "--listen", addr, "--database", strings.Replace(u, host, p.Addr(), 1))
	get := func(path string) (int, http.Header, string) {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, nil, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	waitFor(t, "/healthz while the database is slow", 5*time.Second, func() bool {
		s, _, _ := get("/healthz")
		return s == http.StatusOK
	})
	if s, _, body := get("/readyz"); s != http.StatusServiceUnavailable || !strings.Contains(body, "starting") {
		t.Errorf("/readyz during start-up: %d %q, want 503 naming the stage", s, body)
	}
	if s, h, _ := get("/api/v1/me"); s != http.StatusServiceUnavailable || h.Get("Retry-After") == "" {
		t.Errorf("a request during start-up: %d, Retry-After %q; want 503 with Retry-After", s, h.Get("Retry-After"))
	}
	p.SetDelay(0)
	waitFor(t, "/readyz once the database answers", 60*time.Second, func() bool {
		s, _, _ := get("/readyz")
		return s == http.StatusOK
	})
}
