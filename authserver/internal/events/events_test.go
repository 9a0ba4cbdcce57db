package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
)

const secret = "s3cret-shared-with-the-registry"

const (
	digest  = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	ociMT   = "application/vnd.oci.image.manifest.v1+json"
	layerMT = "application/vnd.oci.image.layer.v1.tar+gzip"
)

type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) Event(o string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[o]++
}

func (c *counter) get(o string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[o]
}

type harness struct {
	store   *sqlite.Store
	metrics *counter
	mux     *http.ServeMux
}

func newHarness(t *testing.T, mutate func(*events.Deps)) *harness {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	h := &harness{store: s, metrics: &counter{}, mux: http.NewServeMux()}
	d := events.Deps{Store: s, Secret: secret, OwnerTeam: "admins", Metrics: h.metrics}
	if mutate != nil {
		mutate(&d)
	}
	events.New(d).Register(h.mux)
	return h
}

func (h *harness) post(t *testing.T, auth string, body io.Reader) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, events.Path, body)
	req.Header.Set("Content-Type", "application/vnd.docker.distribution.events.v2+json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, req)
	return rec
}

// event renders one event the way distribution v3 does.
func event(id, action, repo, tag, mediaType string) string {
	ev := map[string]any{
		"id":        id,
		"timestamp": time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339Nano),
		"action":    action,
		"target": map[string]any{
			"mediaType":  mediaType,
			"digest":     digest,
			"size":       528,
			"length":     528,
			"repository": repo,
			"url":        "http://127.0.0.1:5000/v2/" + repo + "/manifests/" + digest,
			"tag":        tag,
		},
		"request": map[string]any{"id": "r1", "addr": "127.0.0.1:1", "host": "127.0.0.1:5000", "method": "PUT", "useragent": "crane"},
		"actor":   map[string]any{"name": "alice"},
		"source":  map[string]any{"addr": "host:5000", "instanceID": "x"},
	}
	if mediaType == "" {
		delete(ev["target"].(map[string]any), "mediaType")
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

func envelope(evs ...string) string { return `{"events":[` + strings.Join(evs, ",") + `]}` }

// readTracker records whether the handler read the body at all.
type readTracker struct {
	r    io.Reader
	read bool
}

func (b *readTracker) Read(p []byte) (int, error) {
	b.read = true
	return b.r.Read(p)
}

func TestAuthentication(t *testing.T) {
	body := envelope(event("e1", "push", "team/app", "v1", ociMT))
	for _, tc := range []struct {
		name, secret, auth string
	}{
		{"no secret configured", "", "Bearer "},
		{"no secret configured, empty header", "", ""},
		{"missing header", secret, ""},
		{"wrong secret", secret, "Bearer wrong"},
		{"prefix of the secret", secret, "Bearer " + secret[:len(secret)-1]},
		{"secret plus more", secret, "Bearer " + secret + "x"},
		{"basic scheme", secret, "Basic " + secret},
		{"bare secret", secret, secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *events.Deps) { d.Secret = tc.secret })
			tr := &readTracker{r: strings.NewReader(body)}
			rec := h.post(t, tc.auth, tr)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			if tr.read {
				t.Fatal("body read before authentication")
			}
			if _, err := h.store.GetRepository(t.Context(), "team/app"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("repository stored after a refused request: %v", err)
			}
			if h.metrics.get(events.OutcomeUnauthorized) != 1 {
				t.Fatalf("unauthorized not counted: %v", h.metrics.n)
			}
		})
	}

	t.Run("two Authorization headers", func(t *testing.T) {
		h := newHarness(t, nil)
		req := httptest.NewRequest(http.MethodPost, events.Path, strings.NewReader(body))
		req.Header.Add("Authorization", "Bearer "+secret)
		req.Header.Add("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", rec.Code)
		}
	})
}

func TestPushPullDelete(t *testing.T) {
	h := newHarness(t, nil)
	auth := "Bearer " + secret
	if rec := h.post(t, auth, strings.NewReader(envelope(event("e1", "push", "team/app", "v1", ociMT)))); rec.Code != http.StatusOK {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	tg, err := h.store.GetTag(t.Context(), "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if tg.Digest != digest || tg.MediaType != ociMT || tg.Size != 528 || tg.PushedBy != "alice" {
		t.Fatalf("tag = %+v", tg)
	}
	// Pull and a replay of it.
	pull := envelope(event("e2", "pull", "team/app", "v1", ociMT))
	h.post(t, auth, strings.NewReader(pull))
	rec := h.post(t, auth, strings.NewReader(pull))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"duplicate":1`) {
		t.Fatalf("replayed pull: %d %s", rec.Code, rec.Body)
	}
	tg, _ = h.store.GetTag(t.Context(), "team/app", "v1")
	if tg.PullCount != 1 {
		t.Fatalf("pull count %d, want 1", tg.PullCount)
	}
	// A tag delete has no media type.
	del := strings.Replace(event("e3", "delete", "team/app", "v1", ""), `"2025-01-02T03:04:05Z"`, `"2025-01-02T03:04:06Z"`, 1)
	if rec := h.post(t, auth, strings.NewReader(envelope(del))); rec.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if _, err := h.store.GetTag(t.Context(), "team/app", "v1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("tag after delete: %v", err)
	}
	if got := h.metrics.get(events.OutcomeApplied); got != 3 {
		t.Fatalf("applied = %d, want 3", got)
	}
}

// Item 14: authenticated junk is answered 2xx and ignored.
func TestIgnored(t *testing.T) {
	auth := "Bearer " + secret
	for _, tc := range []struct {
		name, body, outcome string
	}{
		{"not JSON", `{"events":[`, events.OutcomeMalformed},
		{"empty body", ``, events.OutcomeMalformed},
		{"no events array", `{"foo":1}`, events.OutcomeMalformed},
		{"events not an array", `{"events":{"id":"x"}}`, events.OutcomeMalformed},
		{"event not an object", `{"events":[42]}`, events.OutcomeIgnored},
		{"unknown action", envelope(event("e1", "explode", "team/app", "v1", ociMT)), events.OutcomeIgnored},
		{"mount", envelope(event("e1", "mount", "team/app", "", layerMT)), events.OutcomeIgnored},
		{"blob push", envelope(event("e1", "push", "team/app", "", layerMT)), events.OutcomeIgnored},
		{"octet-stream push", envelope(event("e1", "push", "team/app", "", "application/octet-stream")), events.OutcomeIgnored},
		{"push without media type", envelope(event("e1", "push", "team/app", "v1", "")), events.OutcomeIgnored},
		{"blob pull", envelope(event("e1", "pull", "team/app", "", layerMT)), events.OutcomeIgnored},
		{"no id", envelope(event("", "push", "team/app", "v1", ociMT)), events.OutcomeIgnored},
		{"no repository", envelope(event("e1", "push", "", "v1", ociMT)), events.OutcomeIgnored},
		{"overlong repository", envelope(event("e1", "push", strings.Repeat("a", 300), "v1", ociMT)), events.OutcomeIgnored},
		{"control characters", envelope(event("e1", "push", "team/app\x00", "v1", ociMT)), events.OutcomeIgnored},
		{"bad timestamp", `{"events":[{"id":"e1","timestamp":"yesterday","action":"push","target":{"repository":"team/app"}}]}`, events.OutcomeIgnored},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			rec := h.post(t, auth, strings.NewReader(tc.body))
			if rec.Code/100 != 2 {
				t.Fatalf("status %d, want 2xx", rec.Code)
			}
			if h.metrics.get(tc.outcome) != 1 {
				t.Fatalf("outcomes %v, want one %s", h.metrics.n, tc.outcome)
			}
			state, err := h.store.RegistryState(t.Context())
			if err != nil || len(state) != 0 {
				t.Fatalf("state after junk = %v, %v", state, err)
			}
		})
	}
}

// One bad event does not hide the good ones of the same envelope.
func TestMixedEnvelope(t *testing.T) {
	h := newHarness(t, nil)
	body := envelope(event("e1", "push", "team/app", "", layerMT), `"junk"`, event("e2", "push", "team/app", "v1", ociMT))
	rec := h.post(t, "Bearer "+secret, strings.NewReader(body))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if _, err := h.store.GetTag(t.Context(), "team/app", "v1"); err != nil {
		t.Fatal(err)
	}
	if h.metrics.get(events.OutcomeIgnored) != 2 || h.metrics.get(events.OutcomeApplied) != 1 {
		t.Fatalf("outcomes %v", h.metrics.n)
	}
}

// Item 13.
func TestTooLarge(t *testing.T) {
	h := newHarness(t, func(d *events.Deps) { d.MaxBody = 1024 })
	pad := strings.Repeat(" ", 2000)
	rec := h.post(t, "Bearer "+secret, strings.NewReader(envelope(event("e1", "push", "team/app", "v1", ociMT))+pad))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", rec.Code)
	}
	if _, err := h.store.GetRepository(t.Context(), "team/app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stored from an oversized body: %v", err)
	}
	// The default is 1 MiB.
	h = newHarness(t, nil)
	rec = h.post(t, "Bearer "+secret, strings.NewReader(envelope(event("e1", "push", "team/app", "v1", ociMT))+strings.Repeat(" ", 1<<20)))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d with the default cap, want 413", rec.Code)
	}
}

// Item 15: the same event posted concurrently is applied once.
func TestConcurrentDuplicates(t *testing.T) {
	h := newHarness(t, nil)
	auth := "Bearer " + secret
	h.post(t, auth, strings.NewReader(envelope(event("push", "push", "team/app", "v1", ociMT))))
	pull := envelope(event("pull-1", "pull", "team/app", "v1", ociMT))
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, events.Path, strings.NewReader(pull))
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			h.mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("status %d", rec.Code)
			}
		}()
	}
	wg.Wait()
	tg, err := h.store.GetTag(t.Context(), "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if tg.PullCount != 1 {
		t.Fatalf("pull count %d, want 1", tg.PullCount)
	}
}

type failingStore struct{ err error }

func (f failingStore) ApplyEvent(context.Context, store.RegistryEvent, string) (bool, error) {
	return false, f.err
}

type slowStore struct{}

func (slowStore) ApplyEvent(ctx context.Context, _ store.RegistryEvent, _ string) (bool, error) {
	<-ctx.Done()
	return false, fmt.Errorf("%w: %w", store.ErrUnavailable, ctx.Err())
}

// Item 17: the store failing gives 503 so the registry retries.
func TestStoreDown(t *testing.T) {
	body := envelope(event("e1", "push", "team/app", "v1", ociMT))
	for _, tc := range []struct {
		name string
		st   events.Store
	}{
		{"unavailable", failingStore{fmt.Errorf("x: %w", store.ErrUnavailable)}},
		{"other error", failingStore{errors.New("disk full")}},
		{"hangs", slowStore{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &counter{}
			mux := http.NewServeMux()
			events.New(events.Deps{Store: tc.st, Secret: secret, Metrics: m, Timeout: 50 * time.Millisecond}).Register(mux)
			req := httptest.NewRequest(http.MethodPost, events.Path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+secret)
			rec := httptest.NewRecorder()
			start := time.Now()
			mux.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503", rec.Code)
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("answer took %s", time.Since(start))
			}
			if m.get(events.OutcomeUnavailable) != 1 {
				t.Fatalf("outcomes %v", m.n)
			}
		})
	}

	t.Run("closed database", func(t *testing.T) {
		h := newHarness(t, nil)
		h.store.Close()
		rec := h.post(t, "Bearer "+secret, strings.NewReader(body))
		if rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", rec.Code)
		}
	})
}

func TestNamespaceCreatedForOwnerTeam(t *testing.T) {
	h := newHarness(t, nil)
	ctx := t.Context()
	if err := h.store.CreateUser(ctx, store.User{Username: "root", Admin: true, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := h.store.CreateTeam(ctx, store.Team{Name: "admins", Protected: true}, "root"); err != nil {
		t.Fatal(err)
	}
	h.post(t, "Bearer "+secret, strings.NewReader(envelope(event("e1", "push", "newteam/app", "v1", ociMT))))
	ns, err := h.store.GetNamespace(ctx, "newteam")
	if err != nil {
		t.Fatal(err)
	}
	if ns.Team != "admins" || ns.Visibility != "private" {
		t.Fatalf("namespace = %+v", ns)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(envelope(event("e1", "push", "team/app", "v1", ociMT))))
	f.Add([]byte(envelope(event("e2", "delete", "team/app", "", ""))))
	f.Add([]byte(envelope(event("e3", "pull", "a", "", layerMT), `{}`, `null`)))
	f.Add([]byte(`{"events":[{"id":"x","action":"push","target":{"repository":"r","mediaType":"` + ociMT + `","digest":"d","size":-5}}]}`))
	f.Add([]byte(`{"events":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, skipped, err := events.DecodeEnvelope(body)
		if err != nil {
			if len(evs) != 0 || len(skipped) != 0 {
				t.Fatal("events returned with an error")
			}
			return
		}
		for _, e := range evs {
			if e.ID == "" || e.Repository == "" || len(e.Repository) > 255 || len(e.Tag) > 128 || e.Size < 0 {
				t.Fatalf("invalid event accepted: %+v", e)
			}
			switch e.Action {
			case store.ActionPush, store.ActionPull:
				if !mediatype.IsManifest(e.MediaType) || e.Digest == "" {
					t.Fatalf("non-manifest %s accepted: %+v", e.Action, e)
				}
			case store.ActionDelete:
			default:
				t.Fatalf("action %q accepted", e.Action)
			}
		}
	})
}
