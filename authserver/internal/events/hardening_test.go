package events_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
)

// at renders ev (from event) with another timestamp.
func at(ev string, ts time.Time) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(ev), &m)
	m["timestamp"] = ts.Format(time.RFC3339Nano)
	b, _ := json.Marshal(m)
	return string(b)
}

// TestFutureTimestampsAreClamped (issue 8.3, security 39): a delete dated
// 2099 cannot hide a tag for good — its time is clamped to the receiver's
// clock, so the next real push is recorded.
func TestFutureTimestampsAreClamped(t *testing.T) {
	h := newHarness(t, nil)
	now := time.Now().UTC()
	push := func(id string, ts time.Time) {
		t.Helper()
		if rec := h.post(t, "Bearer "+secret, strings.NewReader(envelope(at(event(id, "push", "team/app", "v1", ociMT), ts)))); rec.Code != http.StatusOK {
			t.Fatalf("push: %d %s", rec.Code, rec.Body)
		}
	}
	push("p1", now.Add(-time.Minute))
	del := at(event("d1", "delete", "team/app", "v1", ""), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	if rec := h.post(t, "Bearer "+secret, strings.NewReader(envelope(del))); rec.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if _, err := h.store.GetTag(t.Context(), "team/app", "v1"); err == nil {
		t.Fatal("the delete was not applied at all")
	}
	time.Sleep(10 * time.Millisecond)
	push("p2", time.Now().UTC())
	if _, err := h.store.GetTag(t.Context(), "team/app", "v1"); err != nil {
		t.Fatalf("a real re-push after a delete dated 2099 is not recorded: %v", err)
	}
}

// TestEventNamesPassTheGrammar (issue 8.9, security 43): repository names
// and tags outside the grammar every other entry point uses are rejected
// and recorded, never stored.
func TestEventNamesPassTheGrammar(t *testing.T) {
	h := newHarness(t, nil)
	bad := []string{"../../etc/passwd", "A/B", "a//b", "/a", "a/", "team/\u202eppa", "team/app\u200f", "a/.."}
	var evs []string
	for i, name := range bad {
		evs = append(evs, event("bad-"+string(rune('a'+i)), "push", name, "v1", ociMT))
	}
	evs = append(evs, event("bad-tag", "push", "team/app", "-not-a-tag", ociMT))
	rec := h.post(t, "Bearer "+secret, strings.NewReader(envelope(evs...)))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	var res struct{ Applied, Ignored int }
	_ = json.Unmarshal(rec.Body.Bytes(), &res)
	if res.Applied != 0 || res.Ignored != len(evs) {
		t.Errorf("applied %d, ignored %d of %d invalid events", res.Applied, res.Ignored, len(evs))
	}
	for _, name := range append(bad, "team/app") {
		if _, err := h.store.GetRepository(t.Context(), name); err == nil {
			t.Errorf("repository %q stored", name)
		}
	}
	if n := h.metrics.get(events.OutcomeRejected); n != len(evs) {
		t.Errorf("%d events counted as rejected, want %d", n, len(evs))
	}
}
