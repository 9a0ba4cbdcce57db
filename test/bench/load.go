package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig is one run of the load generator: a fixed number of keep-alive
// connections, each a closed loop (send, wait for the answer, send again).
type LoadConfig struct {
	// Mode is "token" (GET URL), "registry" (Method URL with Bearer, an OCI
	// manifest Accept header), "events" (POST a fresh notification
	// envelope per request to URL) or "burst" (every connection sends one
	// GET URL at the same moment, once).
	Mode     string        `json:"mode"`
	URL      string        `json:"url"`
	Conns    int           `json:"conns"`
	Duration time.Duration `json:"duration"`
	// Warmup runs the same load before measuring; its requests are not counted.
	Warmup time.Duration `json:"warmup"`
	// User and Password, when User is set, go in a Basic Authorization header.
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// Bearer is sent as "Authorization: Bearer <Bearer>" (events, registry).
	Bearer string `json:"bearer,omitempty"`
	// Method is the registry mode's request method (GET or HEAD).
	Method string `json:"method,omitempty"`
	// Repos is how many repositories events spread over (events mode);
	// they are named RepoPrefix + "-NN".
	Repos      int    `json:"repos,omitempty"`
	RepoPrefix string `json:"repo_prefix,omitempty"`
	// WarmURL is fetched once on every connection before a burst, so the
	// burst measures the server, not TCP connects.
	WarmURL string `json:"warm_url,omitempty"`
}

// LoadResult is what a run measured. Latencies are sorted, in nanoseconds
// (kept only for percentiles; the JSON between processes carries them).
type LoadResult struct {
	Requests  int64           `json:"requests"`
	Errors    int64           `json:"errors"`     // transport errors
	BadStatus int64           `json:"bad_status"` // answers outside 2xx
	LastError string          `json:"last_error,omitempty"`
	Elapsed   time.Duration   `json:"elapsed"`
	Latencies []time.Duration `json:"latencies"`
}

// Rate is successful requests per second.
func (r LoadResult) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests-r.BadStatus) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of the sorted
// latencies (nearest rank), or 0 when there are none.
func (r LoadResult) Percentile(p float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	rank := int(p/100*float64(n)+0.999999999) - 1
	rank = max(0, min(rank, n-1))
	return r.Latencies[rank]
}

// newConnClient is an HTTP client that owns exactly one keep-alive
// connection, so N workers mean N connections.
func newConnClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        1,
			MaxIdleConnsPerHost: 1,
			MaxConnsPerHost:     1,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
		Timeout: 30 * time.Second,
	}
}

// request builds one request of the run; seq is unique across the run.
type requestFunc func(seq uint64) (*http.Request, error)

func (c LoadConfig) requestFunc() (requestFunc, error) {
	switch c.Mode {
	case "token", "burst":
		return func(uint64) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, c.URL, nil)
			if err != nil {
				return nil, err
			}
			if c.User != "" {
				req.SetBasicAuth(c.User, c.Password)
			}
			return req, nil
		}, nil
	case "registry":
		method := c.Method
		if method == "" {
			method = http.MethodGet
		}
		return func(uint64) (*http.Request, error) {
			req, err := http.NewRequest(method, c.URL, nil)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+c.Bearer)
			req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
			return req, nil
		}, nil
	case "events":
		repos := max(c.Repos, 1)
		prefix := c.RepoPrefix
		if prefix == "" {
			prefix = "bench/app"
		}
		run := randomHex(6) // ids unique across runs against one database
		return func(seq uint64) (*http.Request, error) {
			body := pushEnvelope(run, seq, fmt.Sprintf("%s-%02d", prefix, seq%uint64(repos)))
			req, err := http.NewRequest(http.MethodPost, c.URL, bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
			if c.Bearer != "" {
				req.Header.Set("Authorization", "Bearer "+c.Bearer)
			}
			return req, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown load mode %q", c.Mode)
}

// pushEnvelope is a realistic notification as distribution v3 posts it: one
// manifest push event with a tag, the request and source blocks included.
func pushEnvelope(run string, seq uint64, repo string) []byte {
	digest := "sha256:" + randomHex(32)
	tag := fmt.Sprintf("v1.%d", seq%50)
	id := fmt.Sprintf("%s-%08d-%s", run, seq, randomHex(4))
	ts := time.Now().UTC().Format(time.RFC3339Nano)
	return fmt.Appendf(nil, `{
   "events": [
      {
         "id": %q,
         "timestamp": %q,
         "action": "push",
         "target": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": %q,
            "size": 1579,
            "length": 1579,
            "repository": %q,
            "url": "http://localhost:5000/v2/%s/manifests/%s",
            "tag": %q
         },
         "request": {
            "id": %q,
            "addr": "127.0.0.1:41838",
            "host": "localhost:5000",
            "method": "PUT",
            "useragent": "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.1.0 os/linux arch/amd64 UpstreamClient(Docker-Client/27.3.1 \\(linux\\))"
         },
         "actor": {
            "name": "ci-bot"
         },
         "source": {
            "addr": "registry-0:5000",
            "instanceID": "0f1a6a0e-3c47-4e44-9d0a-5b1c7f6a9e21"
         }
      }
   ]
}`, id, ts, digest, repo, repo, digest, tag, randomHex(8))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RunLoad runs cfg in this process and returns what it measured.
func RunLoad(ctx context.Context, cfg LoadConfig) (LoadResult, error) {
	if cfg.Conns <= 0 {
		return LoadResult{}, errors.New("load: conns must be > 0")
	}
	mk, err := cfg.requestFunc()
	if err != nil {
		return LoadResult{}, err
	}
	clients := make([]*http.Client, cfg.Conns)
	for i := range clients {
		clients[i] = newConnClient()
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	if cfg.Mode == "burst" {
		return runBurst(ctx, cfg, clients, mk)
	}
	var seq atomic.Uint64
	if cfg.Warmup > 0 {
		runPhase(ctx, clients, mk, &seq, cfg.Warmup)
	}
	res := runPhase(ctx, clients, mk, &seq, cfg.Duration)
	return res, nil
}

// runPhase runs the closed loops for d and merges the workers' records.
func runPhase(ctx context.Context, clients []*http.Client, mk requestFunc, seq *atomic.Uint64, d time.Duration) LoadResult {
	type worker struct {
		lat     []time.Duration
		n, errs int64
		bad     int64
		lastErr string
	}
	ws := make([]worker, len(clients))
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &ws[i]
			w.lat = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				req, err := mk(seq.Add(1))
				if err != nil {
					w.errs++
					w.lastErr = err.Error()
					return
				}
				status, err := do(c, req)
				el := time.Since(t0)
				w.n++
				switch {
				case err != nil:
					w.errs++
					w.lastErr = err.Error()
					time.Sleep(10 * time.Millisecond) // no hot loop on a dead server
				case status < 200 || status > 299:
					w.bad++
					w.lastErr = fmt.Sprintf("status %d", status)
				}
				w.lat = append(w.lat, el)
			}
		}()
	}
	wg.Wait()
	res := LoadResult{Elapsed: time.Since(start)}
	for _, w := range ws {
		res.Requests += w.n
		res.Errors += w.errs
		res.BadStatus += w.bad
		if w.lastErr != "" {
			res.LastError = w.lastErr
		}
		res.Latencies = append(res.Latencies, w.lat...)
	}
	slices.Sort(res.Latencies)
	return res
}

// do sends req and drains the answer, so the connection is reused.
func do(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// runBurst opens every connection (one WarmURL request each), then lets all
// of them send one request at the same moment.
func runBurst(ctx context.Context, cfg LoadConfig, clients []*http.Client, mk requestFunc) (LoadResult, error) {
	if cfg.WarmURL != "" {
		var wg sync.WaitGroup
		errs := make([]error, len(clients))
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.WarmURL, nil)
				if err == nil {
					var st int
					st, err = do(c, req)
					if err == nil && st != http.StatusOK {
						err = fmt.Errorf("warm-up %s: status %d", cfg.WarmURL, st)
					}
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return LoadResult{}, err
		}
	}
	var (
		wg    sync.WaitGroup
		ready sync.WaitGroup
		mu    sync.Mutex
		res   LoadResult
	)
	gate := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			req, err := mk(uint64(i))
			ready.Done()
			if err != nil {
				mu.Lock()
				res.Errors++
				res.LastError = err.Error()
				mu.Unlock()
				return
			}
			<-gate
			t0 := time.Now()
			status, err := do(c, req)
			el := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			res.Requests++
			res.Latencies = append(res.Latencies, el)
			switch {
			case err != nil:
				res.Errors++
				res.LastError = err.Error()
			case status < 200 || status > 299:
				res.BadStatus++
				res.LastError = fmt.Sprintf("status %d", status)
			}
		}()
	}
	ready.Wait()
	start := time.Now()
	close(gate)
	wg.Wait()
	res.Elapsed = time.Since(start)
	slices.Sort(res.Latencies)
	return res, nil
}

// summary is a one-line description of a result (for logs).
func (r LoadResult) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d req in %.1fs = %.0f/s, p50 %s p99 %s max %s", r.Requests, r.Elapsed.Seconds(), r.Rate(),
		fmtDur(r.Percentile(50)), fmtDur(r.Percentile(99)), fmtDur(r.Percentile(100)))
	if r.Errors > 0 || r.BadStatus > 0 {
		fmt.Fprintf(&b, ", %d errors, %d bad status (last: %s)", r.Errors, r.BadStatus, r.LastError)
	}
	return b.String()
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}
