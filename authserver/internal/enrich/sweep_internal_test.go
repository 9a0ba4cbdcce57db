package enrich

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// goneRegistry answers every read "not found": each manifest is recorded
// as unknown.
type goneRegistry struct{}

func (goneRegistry) Manifest(context.Context, string, string, int64) ([]byte, string, error) {
	return nil, "", registryclient.ErrNotFound
}

func (goneRegistry) Blob(context.Context, string, string, int64) ([]byte, error) {
	return nil, registryclient.ErrNotFound
}

// backlog is a store with pending manifests that leave it when recorded.
type backlog struct {
	mu      sync.Mutex
	pending []store.ManifestRef
}

func (b *backlog) SetManifestDetails(_ context.Context, d store.ManifestDetails) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, p := range b.pending {
		if p.Digest == d.Digest {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

func (b *backlog) PendingManifests(_ context.Context, n int) ([]store.ManifestRef, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]store.ManifestRef{}, b.pending[:min(n, len(b.pending))]...), nil
}

// A backlog larger than a round (what a burst leaves beyond the queue) is
// read in one sweep, round after round, not a round per SweepEvery.
func TestSweepAllReadsTheBacklog(t *testing.T) {
	st := &backlog{}
	const n = 2*sweepRound + 123
	for i := range n {
		st.pending = append(st.pending, store.ManifestRef{Repository: "team/app", Digest: fmt.Sprintf("sha256:%064d", i)})
	}
	e := New(Deps{Registry: goneRegistry{}, Store: st, Workers: -1, SweepEvery: -1})
	defer e.Close(context.Background())
	got, err := e.sweepAll(context.Background())
	if err != nil || got != n {
		t.Fatalf("sweepAll = %d, %v; want %d", got, err, n)
	}
	if len(st.pending) != 0 {
		t.Fatalf("%d manifests still pending", len(st.pending))
	}
}
