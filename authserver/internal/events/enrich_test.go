package events_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

type enqueued struct {
	mu   sync.Mutex
	refs []store.ManifestRef
}

func (e *enqueued) Enqueue(refs ...store.ManifestRef) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refs = append(e.refs, refs...)
}

// A durable push hands its manifest to the enricher (once: a replay does
// not); a HEAD and the server's own reads are not pulls.
func TestEnrichmentAndPulls(t *testing.T) {
	en := &enqueued{}
	h := newHarness(t, func(d *events.Deps) { d.Enricher = en; d.SelfActor = "dockmaster-sync" })
	auth := "Bearer " + secret
	push := envelope(event("p1", "push", "team/app", "v1", ociMT))
	for range 2 {
		if rec := h.post(t, auth, strings.NewReader(push)); rec.Code != http.StatusOK {
			t.Fatalf("push: %d %s", rec.Code, rec.Body)
		}
	}
	en.mu.Lock()
	if len(en.refs) != 1 || en.refs[0] != (store.ManifestRef{Repository: "team/app", Digest: digest}) {
		t.Fatalf("enqueued %+v, want the pushed manifest once", en.refs)
	}
	en.mu.Unlock()

	head := strings.Replace(event("h1", "pull", "team/app", "v1", ociMT), `"method":"PUT"`, `"method":"HEAD"`, 1)
	self := strings.Replace(strings.Replace(event("s1", "pull", "team/app", "v1", ociMT), `"method":"PUT"`, `"method":"GET"`, 1),
		`"name":"alice"`, `"name":"dockmaster-sync"`, 1)
	get := strings.Replace(event("g1", "pull", "team/app", "v1", ociMT), `"method":"PUT"`, `"method":"GET"`, 1)
	if rec := h.post(t, auth, strings.NewReader(envelope(head, self, get))); rec.Code != http.StatusOK {
		t.Fatalf("pulls: %d %s", rec.Code, rec.Body)
	}
	tg, err := h.store.GetTag(t.Context(), "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if tg.PullCount != 1 {
		t.Fatalf("pull count %d after a HEAD, the server's own GET and a GET; want 1", tg.PullCount)
	}
	rp, err := h.store.GetRepository(t.Context(), "team/app")
	if err != nil || rp.PullCount != 1 {
		t.Fatalf("repository pull count %d (%v), want 1", rp.PullCount, err)
	}
}
