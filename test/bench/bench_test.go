package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBenchHarnessSmoke runs the load generator against the reference for
// a second, in process, so `make test` proves the harness builds and measures.
func TestBenchHarnessSmoke(t *testing.T) {
	h, err := referenceHandler("dockmaster", "dockmaster", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	acc, err := tokenAccess(srv.URL+"/auth/token?service=dockmaster&scope="+pushScope, "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(acc, `"name":"team/app","actions":["pull","push"]`) {
		t.Fatalf("reference granted %s", acc)
	}

	for _, cfg := range []LoadConfig{
		{Mode: "token", URL: srv.URL + "/auth/token?service=dockmaster&scope=" + pushScope, Conns: 4, Duration: time.Second, Warmup: 100 * time.Millisecond, User: "alice", Password: "pw"},
		{Mode: "events", URL: srv.URL + "/registry/events", Conns: 4, Duration: 300 * time.Millisecond, Bearer: "s3cret", Repos: 100},
		{Mode: "burst", URL: srv.URL + "/auth/token?service=dockmaster&scope=" + pushScope, Conns: 8, WarmURL: srv.URL + "/healthz"},
	} {
		res, err := RunLoad(t.Context(), cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg.Mode, err)
		}
		t.Logf("%s: %s", cfg.Mode, res.summary())
		if res.Requests <= 0 || res.Errors != 0 || res.BadStatus != 0 {
			t.Fatalf("%s: %d requests, %d errors, %d bad status (%s)", cfg.Mode, res.Requests, res.Errors, res.BadStatus, res.LastError)
		}
		if cfg.Mode == "burst" && res.Requests != int64(cfg.Conns) {
			t.Fatalf("burst: %d requests, want %d", res.Requests, cfg.Conns)
		}
		if int64(len(res.Latencies)) != res.Requests {
			t.Fatalf("%s: %d latencies for %d requests", cfg.Mode, len(res.Latencies), res.Requests)
		}
		p50, p99, p100 := res.Percentile(50), res.Percentile(99), res.Percentile(100)
		if p50 <= 0 || p50 > p99 || p99 > p100 || p100 > 5*time.Second {
			t.Fatalf("%s: insane percentiles p50 %s p99 %s max %s", cfg.Mode, p50, p99, p100)
		}
		if cfg.Mode != "burst" && res.Rate() <= 0 {
			t.Fatalf("%s: rate %f", cfg.Mode, res.Rate())
		}
	}
}

func TestPercentile(t *testing.T) {
	r := LoadResult{}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1} {
		if got := r.Percentile(p); got != want {
			t.Errorf("p%v = %d, want %d", p, got, want)
		}
	}
}
