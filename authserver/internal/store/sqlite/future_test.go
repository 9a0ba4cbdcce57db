package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
)

// TestSyncWinsOverFutureState (issue 8.3): state recorded with a time far
// ahead of the server's clock — left by a receiver that did not clamp
// event times, or by a clock that ran ahead — does not outrank the
// registry's listing: the sync restores the tag.
func TestSyncWinsOverFutureState(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := t.Context()
	const repo, dg = "future/app", "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	const mt = "application/vnd.oci.image.manifest.v1+json"
	ev := func(id, action string, at time.Time) store.RegistryEvent {
		return store.RegistryEvent{ID: id, Action: action, Repository: repo, Tag: "v1", Digest: dg, MediaType: mt, Size: 1, Timestamp: at}
	}
	if _, err := s.ApplyEvent(c, ev("p1", store.ActionPush, time.Now().Add(-time.Minute)), ""); err != nil {
		t.Fatal(err)
	}
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return future } // the clock that ran ahead
	if _, err := s.ApplyEvent(c, ev("d1", store.ActionDelete, future), ""); err != nil {
		t.Fatal(err)
	}
	s.Now = time.Now
	if _, err := s.GetTag(c, repo, "v1"); err == nil {
		t.Fatal("the delete was not recorded")
	}
	res, err := s.ReconcileRepository(c, store.Reconcile{Repository: repo, Snapshot: time.Now(),
		Tags: []store.TagState{{Name: "v1", Digest: dg, MediaType: mt, Size: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTag(c, repo, "v1"); err != nil {
		t.Fatalf("the sync did not restore the tag the registry lists (%+v): %v", res, err)
	}
}
