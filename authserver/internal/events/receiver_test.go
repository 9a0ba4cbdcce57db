package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// withTarget rewrites fields of an event's target (nil deletes one).
func withTarget(ev string, fields map[string]any) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(ev), &m)
	tg := m["target"].(map[string]any)
	for k, v := range fields {
		if v == nil {
			delete(tg, k)
			continue
		}
		tg[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// The stored size is the target's size; an event without one (older
// registries send only length) falls back to length; a negative one is 0.
func TestEventSize(t *testing.T) {
	cases := []struct {
		name   string
		fields map[string]any
		want   int64
	}{
		{"size and length", map[string]any{"size": 528, "length": 700}, 528},
		{"size only", map[string]any{"size": 528, "length": nil}, 528},
		{"length only", map[string]any{"size": nil, "length": 700}, 700},
		{"zero size, length", map[string]any{"size": 0, "length": 700}, 700},
		{"negative size, no length", map[string]any{"size": -5, "length": nil}, 0},
		{"neither", map[string]any{"size": nil, "length": nil}, 0},
	}
	for _, c := range cases {
		evs, skipped, err := events.DecodeEnvelope([]byte(envelope(withTarget(event("e1", "push", "team/app", "v1", ociMT), c.fields))))
		if err != nil || len(skipped) != 0 || len(evs) != 1 {
			t.Fatalf("%s: %d events, skipped %v, %v", c.name, len(evs), skipped, err)
		}
		if evs[0].Size != c.want {
			t.Errorf("%s: size %d, want %d", c.name, evs[0].Size, c.want)
		}
	}
}

// An event without a timestamp is dated by the receiver's clock (Deps.Now).
func TestEventWithoutTimestampTakesTheClock(t *testing.T) {
	clock := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	h := newHarness(t, func(d *events.Deps) { d.Now = func() time.Time { return clock } })
	var m map[string]any
	_ = json.Unmarshal([]byte(event("p1", "push", "team/app", "v1", ociMT)), &m)
	delete(m, "timestamp")
	b, _ := json.Marshal(m)
	if rec := h.post(t, "Bearer "+secret, strings.NewReader(envelope(string(b)))); rec.Code != http.StatusOK {
		t.Fatalf("push: %d %s", rec.Code, rec.Body)
	}
	tg, err := h.store.GetTag(t.Context(), "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if !tg.PushedAt.Equal(clock) {
		t.Fatalf("pushed at %v, want the receiver's clock %v", tg.PushedAt, clock)
	}
}

// onlyBatches is a BatchStore that fails the test if an event bypasses
// the group commit.
type onlyBatches struct {
	t       *testing.T
	mu      sync.Mutex
	batches [][]string
}

func (s *onlyBatches) ApplyEvent(context.Context, store.RegistryEvent, string) (bool, error) {
	s.t.Error("ApplyEvent: an event was applied outside a batch")
	return true, nil
}

func (s *onlyBatches) ApplyEvents(_ context.Context, evs []store.RegistryEvent, _ string) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	s.batches = append(s.batches, ids)
	out := make([]bool, len(evs))
	for i := range out {
		out[i] = true
	}
	return out, nil
}

func postTo(t *testing.T, r *events.Receiver, body string) (int, struct{ Applied, Duplicate, Ignored int }) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, events.Path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var res struct{ Applied, Duplicate, Ignored int }
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("response %q: %v", rec.Body, err)
		}
	}
	return rec.Code, res
}

// With a BatchStore, the group commit is on by default (BatchWindow 0).
func TestGroupCommitIsTheDefault(t *testing.T) {
	s := &onlyBatches{t: t}
	r := events.New(events.Deps{Store: s, Secret: secret})
	t.Cleanup(func() { r.Close(context.Background()) })
	code, res := postTo(t, r, envelope(event("p1", "push", "team/app", "v1", ociMT)))
	if code != http.StatusOK || res.Applied != 1 {
		t.Fatalf("status %d, %+v; want 200, one applied", code, res)
	}
	if len(s.batches) != 1 {
		t.Fatalf("batches %v, want one", s.batches)
	}
}

// A request that fills a batch (DefaultBatchEvents events) commits at once,
// without waiting for the window to close.
func TestFullBatchDoesNotWaitForTheWindow(t *testing.T) {
	s := &onlyBatches{t: t}
	r := events.New(events.Deps{Store: s, Secret: secret, BatchWindow: time.Hour, Timeout: 3 * time.Second})
	t.Cleanup(func() { r.Close(context.Background()) })
	evs := make([]string, events.DefaultBatchEvents)
	for i := range evs {
		evs[i] = event(fmt.Sprintf("p%d", i), "push", "team/app", "v1", ociMT)
	}
	start := time.Now()
	code, res := postTo(t, r, envelope(evs...))
	if code != http.StatusOK || res.Applied != len(evs) {
		t.Fatalf("status %d, %+v after %v; want 200, %d applied", code, res, time.Since(start), len(evs))
	}
	if len(s.batches) != 1 || len(s.batches[0]) != len(evs) {
		t.Fatalf("%d batches, want one of %d events", len(s.batches), len(evs))
	}
}

// An envelope whose events are all ignored answers 200 on a batching
// receiver too, and commits nothing.
func TestBatchedEnvelopeWithNothingToApply(t *testing.T) {
	s := &onlyBatches{t: t}
	r := events.New(events.Deps{Store: s, Secret: secret, BatchWorkers: 2})
	t.Cleanup(func() { r.Close(context.Background()) })
	code, res := postTo(t, r, envelope(event("l1", "push", "team/app", "v1", layerMT), event("m1", "mount", "team/app", "", ociMT)))
	if code != http.StatusOK || res.Applied != 0 || res.Ignored != 2 {
		t.Fatalf("status %d, %+v; want 200, two ignored", code, res)
	}
	if len(s.batches) != 0 {
		t.Fatalf("batches %v for an envelope with nothing to apply", s.batches)
	}
}

// Close is safe on a receiver whose group commit is off (negative
// BatchWindow); events still apply after it.
func TestCloseWithoutGroupCommit(t *testing.T) {
	h := newHarness(t, nil)
	r := events.New(events.Deps{Store: h.store, Secret: secret, BatchWindow: -1})
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, res := postTo(t, r, envelope(event("p1", "push", "team/app", "v1", ociMT))); code != http.StatusOK || res.Applied != 1 {
		t.Fatalf("status %d, %+v after Close; want 200, one applied", code, res)
	}
}
