package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// value is the value of the unlabelled gauge or counter name in reg.
func value(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			m := mf.GetMetric()[0]
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// levels counts log records by level.
type levels struct {
	mu sync.Mutex
	n  map[slog.Level]int
}

func (l *levels) Enabled(context.Context, slog.Level) bool { return true }
func (l *levels) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.n[r.Level]++
	l.mu.Unlock()
	return nil
}
func (l *levels) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levels) WithGroup(string) slog.Handler      { return l }

// TestRedisHealthOnceAnOutage: however many failures the throttle and the
// change feed see, an outage is one warning, one count, gauge 0 and a
// /readyz line; its end is one note and gauge 1 — whoever sees Redis again.
func TestRedisHealthOnceAnOutage(t *testing.T) {
	for _, failClosed := range []bool{false, true} {
		lv := &levels{n: map[slog.Level]int{}}
		reg := prometheus.NewRegistry()
		h := newRedisHealth(reg, slog.New(lv), failClosed)
		ctx := context.Background()
		if ready, detail := h.check(ctx); !ready || detail != "ok" {
			t.Fatalf("before: %v %q", ready, detail)
		}
		for range 50 {
			h.report(ctx, "throttle", errors.New("connection refused"))
			h.report(ctx, "changes", errors.New("connection refused"))
		}
		ready, detail := h.check(ctx)
		if !ready || !strings.Contains(detail, "unavailable since") || failClosed != strings.Contains(detail, "fail-closed") {
			t.Errorf("fail-closed %v, during: ready %v %q", failClosed, ready, detail)
		}
		if g := value(t, reg, "dockmaster_redis_up"); g != 0 {
			t.Errorf("gauge during the outage: %v", g)
		}
		// The subscription comes back; the throttle has not probed yet.
		h.report(ctx, "changes", nil)
		h.report(ctx, "throttle", nil)
		if ready, _ := h.check(ctx); !ready {
			t.Error("not ready after Redis answered again")
		}
		if lv.n[slog.LevelWarn] != 1 || lv.n[slog.LevelInfo] != 1 {
			t.Errorf("fail-closed %v: %d warnings and %d notes for one outage, want 1 and 1", failClosed, lv.n[slog.LevelWarn], lv.n[slog.LevelInfo])
		}
		if c := value(t, reg, "dockmaster_redis_outages_total"); c != 1 {
			t.Errorf("outages %v", c)
		}
		if g := value(t, reg, "dockmaster_redis_up"); g != 1 {
			t.Errorf("gauge after: %v", g)
		}
	}
}
