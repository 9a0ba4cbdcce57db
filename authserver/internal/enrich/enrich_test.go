package enrich_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/enrich"
	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

func dig(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// fakeRegistry serves manifests and blobs by digest, with the caps the
// real client applies.
type fakeRegistry struct {
	mu        sync.Mutex
	manifests map[string][]byte
	blobs     map[string][]byte
	down      bool
}

func (f *fakeRegistry) Manifest(_ context.Context, _, d string, max int64) ([]byte, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, "", errors.New("connection refused")
	}
	b, ok := f.manifests[d]
	if !ok {
		return nil, "", registryclient.ErrNotFound
	}
	if int64(len(b)) > max {
		return nil, "", fmt.Errorf("manifest: %w", registryclient.ErrTooLarge)
	}
	return b, "application/vnd.oci.image.manifest.v1+json", nil
}

func (f *fakeRegistry) Blob(_ context.Context, _, d string, max int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[d]
	if !ok {
		return nil, registryclient.ErrNotFound
	}
	if int64(len(b)) > max {
		return nil, registryclient.ErrTooLarge
	}
	return b, nil
}

type fakeStore struct {
	mu      sync.Mutex
	pending []store.ManifestRef
	got     map[string]store.ManifestDetails
}

func (f *fakeStore) SetManifestDetails(_ context.Context, d store.ManifestDetails) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[d.Digest] = d
	for i, p := range f.pending {
		if p.Digest == d.Digest {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
			break
		}
	}
	return true, nil
}

func (f *fakeStore) PendingManifests(_ context.Context, n int) ([]store.ManifestRef, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]store.ManifestRef{}, f.pending[:min(n, len(f.pending))]...), nil
}

func (f *fakeStore) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got)
}

func (f *fakeStore) details(d string) (store.ManifestDetails, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.got[d]
	return v, ok
}

func TestEnrich(t *testing.T) {
	chartCfg := []byte(`{"name":"hello","version":"0.1.0","appVersion":"1.16.0","description":"A Helm chart for Kubernetes","apiVersion":"v2","type":"application"}`)
	chart := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"` + dig(chartCfg) + `","size":` + fmt.Sprint(len(chartCfg)) + `},"layers":[]}`)
	badCfg := []byte("apiVersion: v2\nname: yaml\n")
	badChart := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"` + dig(badCfg) + `","size":10},"layers":[]}`)
	huge := []byte(`{"schemaVersion":2,"annotations":{"x":"` + strings.Repeat("x", mediatype.MaxManifestBytes) + `"}}`)
	notJSON := []byte("<html>hello</html>")
	missing := "sha256:" + strings.Repeat("0", 64)
	reg := &fakeRegistry{manifests: map[string][]byte{dig(chart): chart, dig(badChart): badChart, dig(huge): huge, dig(notJSON): notJSON},
		blobs: map[string][]byte{dig(chartCfg): chartCfg, dig(badCfg): badCfg}}
	st := &fakeStore{got: map[string]store.ManifestDetails{}}
	e := enrich.New(enrich.Deps{Registry: reg, Store: st, SweepEvery: -1})
	t.Cleanup(func() { e.Close(context.Background()) })
	for _, d := range []string{dig(chart), dig(badChart), dig(huge), dig(notJSON), missing} {
		e.Enqueue(store.ManifestRef{Repository: "team/app", Digest: d})
	}
	deadline := time.Now().Add(5 * time.Second)
	for st.count() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("enriched %d of 5: %+v", st.count(), e.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	d, _ := st.details(dig(chart))
	if d.Kind != mediatype.KindHelmChart || d.Chart == nil || d.Chart.Name != "hello" || d.Chart.AppVersion != "1.16.0" || d.Problem != "" {
		t.Errorf("chart: %+v %+v", d, d.Chart)
	}
	d, _ = st.details(dig(badChart))
	if d.Kind != mediatype.KindHelmChart || d.Chart != nil || !strings.Contains(d.Problem, "chart config") {
		t.Errorf("chart with a config that is not JSON: %+v", d)
	}
	for name, dg := range map[string]string{"over the cap": dig(huge), "not JSON": dig(notJSON), "gone": missing} {
		d, _ := st.details(dg)
		if d.Kind != mediatype.KindUnknown || d.Problem == "" {
			t.Errorf("%s: %+v, want unknown with a reason", name, d)
		}
	}
	if s := e.Stats(); s.Enriched != 2 || s.Unknown != 3 {
		t.Errorf("stats %+v", s)
	}
}

// A registry that is down leaves manifests pending; the sweep reads them
// once it is back.
func TestSweepRetriesWhenTheRegistryIsDown(t *testing.T) {
	img := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":2},"layers":[]}`)
	reg := &fakeRegistry{manifests: map[string][]byte{dig(img): img}, down: true}
	st := &fakeStore{got: map[string]store.ManifestDetails{}, pending: []store.ManifestRef{{Repository: "a/b", Digest: dig(img)}}}
	e := enrich.New(enrich.Deps{Registry: reg, Store: st, Workers: -1, SweepEvery: -1})
	n, err := e.Sweep(t.Context(), 100)
	if err == nil || n != 0 {
		t.Fatalf("sweep with the registry down: %d, %v", n, err)
	}
	if _, ok := st.details(dig(img)); ok {
		t.Fatal("recorded while the registry was down")
	}
	reg.mu.Lock()
	reg.down = false
	reg.mu.Unlock()
	if n, err := e.Sweep(t.Context(), 100); err != nil || n != 1 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	if d, _ := st.details(dig(img)); d.Kind != mediatype.KindImage {
		t.Fatalf("details %+v", d)
	}
}

// Enqueue never blocks: a full queue drops, and counts it.
func TestEnqueueDoesNotBlock(t *testing.T) {
	reg := &fakeRegistry{down: true}
	st := &fakeStore{got: map[string]store.ManifestDetails{}}
	e := enrich.New(enrich.Deps{Registry: reg, Store: st, Workers: -1, Queue: 2, SweepEvery: -1})
	done := make(chan struct{})
	go func() {
		for i := range 10 {
			e.Enqueue(store.ManifestRef{Repository: "a/b", Digest: fmt.Sprintf("sha256:%064d", i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Enqueue blocked")
	}
	if s := e.Stats(); s.Dropped != 8 {
		t.Fatalf("stats %+v, want 8 dropped", s)
	}
}

// While notifications are answered the enrichment waits, at most maxYield
// (250 ms) per step, and goes on at once when they are done.
func TestEnrichmentYieldsToNotifications(t *testing.T) {
	img := []byte(`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("1", 64) + `","size":2},"layers":[]}`)
	img2 := append([]byte(nil), img...)
	img2[len(img2)-2] = ' '
	reg := &fakeRegistry{manifests: map[string][]byte{dig(img): img, dig(img2): img2}}
	st := &fakeStore{got: map[string]store.ManifestDetails{}}
	e := enrich.New(enrich.Deps{Registry: reg, Store: st, SweepEvery: -1})
	t.Cleanup(func() { e.Close(context.Background()) })
	waitFor := func(n int, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for st.count() < n {
			if time.Since(start) > within {
				t.Fatalf("%d of %d manifests recorded after %v: %+v", st.count(), n, within, e.Stats())
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(start)
	}

	done := e.Foreground()
	e.Enqueue(store.ManifestRef{Repository: "team/app", Digest: dig(img)})
	time.Sleep(100 * time.Millisecond)
	if n := st.count(); n != 0 {
		t.Fatalf("%d manifests recorded while a notification was in progress", n)
	}
	done()
	waitFor(1, 2*time.Second)

	// A notification that never ends does not stop the enrichment: it
	// reads and writes after waiting maxYield for each.
	done = e.Foreground()
	defer done()
	e.Enqueue(store.ManifestRef{Repository: "team/app", Digest: dig(img2)})
	if took := waitFor(2, 5*time.Second); took < 400*time.Millisecond {
		t.Fatalf("recorded after %v under a notification that never ended, want ≥ 2 × maxYield", took)
	}
}
