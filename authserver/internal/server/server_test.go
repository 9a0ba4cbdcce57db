package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pingFails is a store whose Ping fails; nothing else is called.
type pingFails struct{ server.Pinger }

func (pingFails) Ping(context.Context) error { return store.ErrUnavailable }

type fixture struct {
	st     store.Store
	srv    *server.Server
	logs   *syncBuffer
	reg    *prometheus.Registry
	secret string
}

func newFixture(t *testing.T, mod func(*server.Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	secret, err := service.BootstrapAdmin(ctx, st, "admin", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, logs: &syncBuffer{}, reg: prometheus.NewRegistry(), secret: secret}
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := server.Deps{
		Store: st, Logger: logger, Registry: f.reg, MaxBodyBytes: 1024,
		Routes: []server.Routes{
			api.New(api.Deps{Store: st, Auth: authn.New(st, authn.Options{}), Logger: logger, ClientAddr: server.ClientAddr}),
			server.RoutesFunc(func(mux *http.ServeMux) {
				mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
				mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, server.ClientAddr(r)) })
			}),
		},
	}
	if mod != nil {
		mod(&d)
	}
	f.srv = server.New(d)
	return f
}

func (f *fixture) serve(method, path string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return w
}

func TestProbes(t *testing.T) {
	f := newFixture(t, nil)
	if w := f.serve("GET", "/healthz", nil, nil); w.Code != 200 {
		t.Fatalf("healthz %d", w.Code)
	}
	if w := f.serve("GET", "/readyz", nil, nil); w.Code != 200 {
		t.Fatalf("readyz %d", w.Code)
	}
	down := newFixture(t, func(d *server.Deps) { d.Store = pingFails{d.Store} })
	if w := down.serve("GET", "/readyz", nil, nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database down: %d", w.Code)
	}
	if w := down.serve("GET", "/healthz", nil, nil); w.Code != 200 {
		t.Fatalf("healthz with the database down: %d", w.Code)
	}
}

func TestMetricsAndLogging(t *testing.T) {
	f := newFixture(t, nil)
	auth := map[string]string{"Authorization": "Basic " + basic("admin", f.secret)}
	if w := f.serve("GET", "/api/v1/teams/nope", nil, auth); w.Code != 404 {
		t.Fatalf("missing team: %d %s", w.Code, w.Body)
	}
	w := f.serve("GET", "/metrics", nil, nil)
	if w.Code != 200 {
		t.Fatalf("metrics %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		`dockmaster_http_requests_total{method="GET",route="GET /api/v1/teams/{team}",status="404"} 1`,
		`dockmaster_http_request_duration_seconds_bucket{method="GET",route="GET /api/v1/teams/{team}"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `route="GET /api/v1/teams/{team}"`) || !strings.Contains(logs, "status=404") {
		t.Errorf("request log lacks route or status:\n%s", logs)
	}
	if strings.Contains(logs, f.secret) || strings.Contains(logs, basic("admin", f.secret)) {
		t.Error("credentials in the logs")
	}
}

func basic(u, p string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(u, p)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestRecoverAndBodyLimit(t *testing.T) {
	f := newFixture(t, nil)
	w := f.serve("GET", "/boom", nil, nil)
	var e apiv1.Error
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 500 || e.Code != "internal" {
		t.Fatalf("panic answer: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(f.logs.String(), "kaboom") {
		t.Fatal("panic not logged")
	}
	if w := f.serve("GET", "/healthz", nil, nil); w.Code != 200 {
		t.Fatal("server unusable after a panic")
	}

	auth := map[string]string{"Authorization": "Basic " + basic("admin", f.secret), "Content-Type": "application/json"}
	big := `{"name":"t","description":"` + strings.Repeat("x", 2000) + `"}`
	// Declared length over the cap.
	w = f.serve("POST", "/api/v1/teams", strings.NewReader(big), auth)
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != http.StatusRequestEntityTooLarge || e.Code != "too_large" {
		t.Fatalf("oversized body: %d %s", w.Code, w.Body)
	}
	// Unknown length (chunked) over the cap.
	w = f.serve("POST", "/api/v1/teams", io.MultiReader(strings.NewReader(big)), auth)
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != http.StatusRequestEntityTooLarge || e.Code != "too_large" {
		t.Fatalf("oversized chunked body: %d %s", w.Code, w.Body)
	}
	if _, err := f.st.GetTeam(context.Background(), "t"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("oversized request had an effect: %v", err)
	}
}

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	f := newFixture(t, func(d *server.Deps) { d.TrustedProxies = trusted })
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct", "192.0.2.1:1234", "", "192.0.2.1"},
		{"untrusted peer ignores header", "192.0.2.1:1234", "203.0.113.9", "192.0.2.1"},
		{"trusted proxy", "10.0.0.5:1234", "203.0.113.9", "203.0.113.9"},
		{"rightmost untrusted", "10.0.0.5:1234", "198.51.100.7, 203.0.113.9, 10.1.2.3", "203.0.113.9"},
		{"spoofed left entries ignored", "10.0.0.5:1234", "1.1.1.1, 203.0.113.9", "203.0.113.9"},
		{"garbage stops at last trusted", "10.0.0.5:1234", "evil, 10.9.9.9", "10.9.9.9"},
		{"proxy without header", "10.0.0.5:1234", "", "10.0.0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/whoami", nil)
			req.RemoteAddr = tc.remote
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			w := httptest.NewRecorder()
			f.srv.ServeHTTP(w, req)
			if got := w.Body.String(); got != tc.want {
				t.Fatalf("client address %q, want %q", got, tc.want)
			}
		})
	}
}

func TestListenAndServeShutsDown(t *testing.T) {
	f := newFixture(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.ListenAndServe(ctx, addr, "", "") }()
	var res *http.Response
	for i := 0; i < 100; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v", err)
	}
	_ = res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ListenAndServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
}

// TestListenAndServeShutdownTimeout: a request still running when the
// shutdown timeout ends is cut off, and ListenAndServe says so, instead of
// waiting for it.
func TestListenAndServeShutdownTimeout(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	f := newFixture(t, func(d *server.Deps) {
		d.ShutdownTimeout = 200 * time.Millisecond
		d.Routes = append(d.Routes, server.RoutesFunc(func(mux *http.ServeMux) {
			mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
				close(entered)
				select {
				case <-release:
				case <-time.After(30 * time.Second):
				}
			})
		}))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.srv.ListenAndServe(ctx, addr, "", "") }()
	go func() {
		for i := 0; i < 100; i++ {
			res, err := http.Get("http://" + addr + "/slow")
			if err == nil {
				_ = res.Body.Close()
				return
			}
			select {
			case <-entered:
				return // the request reached the handler; the error is the cut-off
			default:
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow request never reached the server")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "shutdown timeout") {
			t.Fatalf("ListenAndServe = %v, want the shutdown timeout named", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown waited for the slow request instead of its 200ms timeout")
	}
}
