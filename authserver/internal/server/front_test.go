package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/server"
)

// TestFrontWhileStarting (issue 13): while the server is being built the
// listener already answers: /healthz 200, /readyz 503 naming the stage,
// everything else 503 with Retry-After; then the server itself.
func TestFrontWhileStarting(t *testing.T) {
	f := server.NewFront()
	f.SetStage("applying migrations")
	serve := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		f.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	if w := serve("/healthz"); w.Code != 200 {
		t.Errorf("/healthz while starting: %d", w.Code)
	}
	if w := serve("/readyz"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "applying migrations") {
		t.Errorf("/readyz while starting: %d %q", w.Code, w.Body.String())
	}
	for _, p := range []string{"/auth/token?service=x", "/api/v1/me", "/"} {
		if w := serve(p); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s while starting: %d, Retry-After %q", p, w.Code, w.Header().Get("Retry-After"))
		}
	}
	f.Ready(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	if w := serve("/readyz"); w.Code != http.StatusTeapot {
		t.Errorf("after Ready: %d", w.Code)
	}
}
