package server

import (
	"log/slog"
	"testing"
)

func TestAccessLevel(t *testing.T) {
	for _, c := range []struct {
		route  string
		status int
		want   slog.Level
	}{
		{"GET /auth/token", 200, slog.LevelDebug},
		{"POST /auth/token", 200, slog.LevelDebug},
		{"POST /registry/events", 200, slog.LevelDebug},
		{"GET /healthz", 200, slog.LevelDebug},
		{"GET /readyz", 200, slog.LevelDebug},
		{"GET /metrics", 200, slog.LevelDebug},
		{"GET /auth/token", 401, slog.LevelInfo},
		{"GET /auth/token", 429, slog.LevelInfo},
		{"POST /registry/events", 401, slog.LevelInfo},
		{"GET /auth/token", 302, slog.LevelInfo},
		{"GET /auth/token", 503, slog.LevelWarn},
		{"GET /readyz", 503, slog.LevelWarn},
		{"GET /api/v1/users", 200, slog.LevelInfo},
		{"unmatched", 404, slog.LevelInfo},
		{"GET /api/v1/users", 500, slog.LevelWarn},
	} {
		if got := accessLevel(c.route, c.status); got != c.want {
			t.Errorf("accessLevel(%q, %d) = %s, want %s", c.route, c.status, got, c.want)
		}
	}
}
