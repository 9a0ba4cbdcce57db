package events_test

import (
	"context"
	"errors"
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

// batchFake records the batches it is given and which ids committed.
type batchFake struct {
	mu        sync.Mutex
	batches   []int
	committed map[string]bool
	fail      error
}

func (f *batchFake) ApplyEvent(ctx context.Context, e store.RegistryEvent, owner string) (bool, error) {
	a, err := f.ApplyEvents(ctx, []store.RegistryEvent{e}, owner)
	if err != nil {
		return false, err
	}
	return a[0], nil
}

func (f *batchFake) ApplyEvents(_ context.Context, evs []store.RegistryEvent, _ string) ([]bool, error) {
	time.Sleep(5 * time.Millisecond) // the commit
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, len(evs))
	if f.fail != nil {
		return nil, f.fail
	}
	out := make([]bool, len(evs))
	for i, e := range evs {
		out[i] = !f.committed[e.ID]
		f.committed[e.ID] = true
	}
	return out, nil
}

func TestGroupCommit(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			f := &batchFake{committed: map[string]bool{}}
			if fail {
				f.fail = errors.New("database down")
			}
			mux := http.NewServeMux()
			r := events.New(events.Deps{Store: f, Secret: secret, BatchWindow: 2 * time.Millisecond})
			t.Cleanup(func() { r.Close(context.Background()) })
			r.Register(mux)
			const n = 20
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("e%d", i)
					req := httptest.NewRequest(http.MethodPost, events.Path,
						strings.NewReader(envelope(event(id, "push", "team/app", "v1", ociMT))))
					req.Header.Set("Authorization", "Bearer "+secret)
					rec := httptest.NewRecorder()
					mux.ServeHTTP(rec, req)
					f.mu.Lock()
					done := f.committed[id]
					f.mu.Unlock()
					switch {
					case fail && rec.Code != http.StatusServiceUnavailable:
						t.Errorf("%s: status %d with the store down, want 503", id, rec.Code)
					case !fail && rec.Code != http.StatusOK:
						t.Errorf("%s: status %d, want 200", id, rec.Code)
					case !fail && !done:
						t.Errorf("%s: answered 200 before its batch committed", id)
					}
				}()
			}
			wg.Wait()
			f.mu.Lock()
			defer f.mu.Unlock()
			if !fail && len(f.committed) != n {
				t.Errorf("%d events committed, want %d", len(f.committed), n)
			}
			if len(f.batches) >= n && !fail {
				t.Errorf("batches %v: no request was grouped with another", f.batches)
			}
		})
	}
}
