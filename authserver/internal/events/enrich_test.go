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
	// foreground: requests in progress; outside: enqueued outside one.
	foreground, outside int
}

func (e *enqueued) Enqueue(refs ...store.ManifestRef) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.refs = append(e.refs, refs...)
	if e.foreground == 0 {
		e.outside++
	}
}

func (e *enqueued) Foreground() func() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.foreground++
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.foreground--
	}
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
	pulls := func(want int64, evs ...string) {
		t.Helper()
		if rec := h.post(t, auth, strings.NewReader(envelope(evs...))); rec.Code != http.StatusOK {
			t.Fatalf("pulls: %d %s", rec.Code, rec.Body)
		}
		tg, err := h.store.GetTag(t.Context(), "team/app", "v1")
		if err != nil {
			t.Fatal(err)
		}
		if tg.PullCount != want {
			t.Fatalf("pull count %d, want %d", tg.PullCount, want)
		}
	}
	pulls(0, head, self) // a HEAD and the server's own GET
	pulls(1, get)        // another actor's GET
	rp, err := h.store.GetRepository(t.Context(), "team/app")
	if err != nil || rp.PullCount != 1 {
		t.Fatalf("repository pull count %d (%v), want 1", rp.PullCount, err)
	}
	// Only pushes are read behind: the pull above and a delete of the
	// digest (both applied, both carrying it) are not enqueued.
	if rec := h.post(t, auth, strings.NewReader(envelope(event("d1", "delete", "team/app", "", "")))); rec.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if _, err := h.store.GetTag(t.Context(), "team/app", "v1"); err == nil {
		t.Fatal("the delete was not applied")
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	if len(en.refs) != 1 {
		t.Fatalf("enqueued %+v after a pull and a delete, want only the push", en.refs)
	}
	// The enricher yields while a notification is answered: each request
	// was marked as foreground work, and the mark is gone after it.
	if en.outside != 0 || en.foreground != 0 {
		t.Fatalf("enqueued outside a request %d times, %d requests still marked", en.outside, en.foreground)
	}
}
