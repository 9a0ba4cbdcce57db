package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

var _ api.Registry = (*registryclient.Client)(nil)

// fakeRegistry behaves like distribution v3: deleting by tag removes the
// tag, deleting by digest removes the manifest and every tag on it.
type fakeRegistry struct {
	mu    sync.Mutex
	repos map[string]map[string]string // repo → tag → digest
	// fail, by operation ("tags", "head", "delete"), is returned instead
	// of doing it; failAfter lets that many of the operation succeed first.
	fail      map[string]error
	failAfter map[string]int
	calls     []string
}

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{repos: map[string]map[string]string{}, fail: map[string]error{}, failAfter: map[string]int{}}
}

func (f *fakeRegistry) put(repo, tag, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.repos[repo] == nil {
		f.repos[repo] = map[string]string{}
	}
	f.repos[repo][tag] = digest
}

func (f *fakeRegistry) fault(op string) error {
	if f.failAfter[op] > 0 {
		f.failAfter[op]--
		return nil
	}
	return f.fail[op]
}

func (f *fakeRegistry) Tags(ctx context.Context, repo string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "tags "+repo)
	if err := f.fault("tags"); err != nil {
		return nil, err
	}
	tags, ok := f.repos[repo]
	if !ok {
		return nil, fmt.Errorf("tags of %s: %w", repo, registryclient.ErrNotFound)
	}
	out := make([]string, 0, len(tags))
	for t := range tags {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeRegistry) ManifestDigest(ctx context.Context, repo, tag string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "head "+repo+":"+tag)
	if err := f.fault("head"); err != nil {
		return "", err
	}
	d, ok := f.repos[repo][tag]
	if !ok {
		return "", fmt.Errorf("manifest %s:%s: %w", repo, tag, registryclient.ErrNotFound)
	}
	return d, nil
}

func (f *fakeRegistry) DeleteManifest(ctx context.Context, repo, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "delete "+repo+" "+ref)
	if err := f.fault("delete"); err != nil {
		return err
	}
	tags := f.repos[repo]
	if !strings.Contains(ref, ":") {
		if _, ok := tags[ref]; !ok {
			return fmt.Errorf("delete %s:%s: %w", repo, ref, registryclient.ErrNotFound)
		}
		delete(tags, ref)
		return nil
	}
	found := false
	for t, d := range tags {
		if d == ref {
			delete(tags, t)
			found = true
		}
	}
	if !found {
		return fmt.Errorf("delete %s@%s: %w", repo, ref, registryclient.ErrNotFound)
	}
	return nil
}

func (f *fakeRegistry) tagsOf(repo string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for t := range f.repos[repo] {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func (f *fakeRegistry) deletes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "delete ") {
			out = append(out, c)
		}
	}
	return out
}

func digest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

// putTag puts a tag with a given digest into the store.
func (h *harness) putTag(repo, tag, digest string) {
	h.t.Helper()
	if err := h.st.PutTag(context.Background(), store.Tag{Repository: repo, Name: tag, Digest: digest,
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 10, PushedBy: "admin"}); err != nil {
		h.t.Fatalf("put tag %s:%s: %v", repo, tag, err)
	}
}

func (h *harness) hasTag(repo, tag string) bool {
	h.t.Helper()
	_, err := h.st.GetTag(context.Background(), repo, tag)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.t.Fatal(err)
	}
	return err == nil
}

func (h *harness) hasRepository(name string) bool {
	h.t.Helper()
	_, err := h.st.GetRepository(context.Background(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.t.Fatal(err)
	}
	return err == nil
}

// lastAudit is the newest audit event of action.
func (h *harness) lastAudit(action string) store.AuditEvent {
	h.t.Helper()
	evs, err := h.st.ListAudit(context.Background(), store.AuditFilter{Action: action, Limit: 1})
	if err != nil || len(evs) == 0 {
		h.t.Fatalf("audit %s: %v %v", action, evs, err)
	}
	return evs[0]
}

// registryHarness: alice owns namespace team (team "devs"), dora is a
// contributor there; team/app has v1 and v1b on digest a, v2 on digest b,
// in the store and in the fake registry.
func registryHarness(t *testing.T) (*harness, *fakeRegistry, cred, cred) {
	return registryHarnessWith(t, true)
}

// registryHarnessWith is registryHarness; with connected false the API has
// no registry (the fake one is filled, and must not be called).
func registryHarnessWith(t *testing.T, connected bool) (*harness, *fakeRegistry, cred, cred) {
	reg := newFakeRegistry()
	var use api.Registry
	if connected {
		use = reg
	}
	h := newHarnessWith(t, use)
	alice := h.user("alice", false)
	dora := h.user("dora", false)
	h.team("devs", "alice", map[string]rbac.Role{"dora": rbac.RoleContributor})
	h.namespace("team", "devs", rbac.Private)
	for _, tg := range []struct{ tag, digest string }{{"v1", digest('a')}, {"v1b", digest('a')}, {"v2", digest('b')}} {
		h.putTag("team/app", tg.tag, tg.digest)
		reg.put("team/app", tg.tag, tg.digest)
	}
	return h, reg, alice, dora
}

var errDown = errors.New("dial tcp 127.0.0.1:5000: connection refused")

func TestDeleteTagActsOnTheRegistry(t *testing.T) {
	const path = "/api/v1/repositories/team/app/tags/v1"
	t.Run("deletes the tag only", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusNoContent, "")
		if got := reg.deletes(); !slices.Equal(got, []string{"delete team/app v1"}) {
			t.Fatalf("registry deletes = %v, want by tag", got)
		}
		if got := reg.tagsOf("team/app"); !slices.Equal(got, []string{"v1b", "v2"}) {
			t.Fatalf("registry tags = %v", got)
		}
		if h.hasTag("team/app", "v1") || !h.hasTag("team/app", "v1b") {
			t.Fatal("store: want v1 gone and v1b (same digest) kept")
		}
		if ev := h.lastAudit("tag.delete"); ev.Outcome != "success" || !strings.Contains(ev.Detail, digest('a')) {
			t.Fatalf("audit = %+v, want success with the digest", ev)
		}
	})
	t.Run("already gone in the registry", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.DeleteManifest(t.Context(), "team/app", "v1")
		reg.calls = nil
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusNoContent, "")
		if h.hasTag("team/app", "v1") {
			t.Fatal("store still has v1")
		}
		if ev := h.lastAudit("tag.delete"); !strings.Contains(ev.Detail, "already gone") {
			t.Fatalf("audit = %+v", ev)
		}
	})
	for _, op := range []string{"head", "delete"} {
		t.Run("registry down on "+op, func(t *testing.T) {
			h, reg, alice, _ := registryHarness(t)
			reg.fail[op] = errDown
			r := h.do(alice, "DELETE", path, nil)
			expect(t, r, http.StatusServiceUnavailable, "")
			if e := r.err(); e.Code != "unavailable" || strings.Contains(e.Message, "127.0.0.1") {
				t.Fatalf("error = %+v, want unavailable without the cause", e)
			}
			if !h.hasTag("team/app", "v1") {
				t.Fatal("the store changed although the registry did not")
			}
			if ev := h.lastAudit("tag.delete"); ev.Outcome != "error" {
				t.Fatalf("audit = %+v", ev)
			}
		})
	}
	t.Run("deletes disabled in the registry", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.fail["delete"] = fmt.Errorf("delete: 405 Method Not Allowed: %w", registryclient.ErrDeleteDisabled)
		r := h.do(alice, "DELETE", path, nil)
		expect(t, r, http.StatusConflict, "")
		if e := r.err(); e.Code != "conflict" || !strings.Contains(e.Message, "storage.delete.enabled") {
			t.Fatalf("error = %+v", e)
		}
		if !h.hasTag("team/app", "v1") {
			t.Fatal("the store changed although the registry did not")
		}
	})
	t.Run("contributor refused before the registry", func(t *testing.T) {
		h, reg, _, dora := registryHarness(t)
		expect(t, h.do(dora, "DELETE", path, nil), http.StatusForbidden, "")
		if len(reg.calls) != 0 {
			t.Fatalf("registry called: %v", reg.calls)
		}
	})
	t.Run("canceled context is not a registry outage", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.fail["delete"] = fmt.Errorf("delete: %w", context.Canceled)
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusServiceUnavailable, "")
	})
}

func TestDeleteRepositoryActsOnTheRegistry(t *testing.T) {
	const path = "/api/v1/repositories/team/app"
	t.Run("every digest, from the registry and the store", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.put("team/app", "registry-only", digest('c')) // the store missed this push
		h.putTag("team/app", "store-only", digest('d'))   // and this delete
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusNoContent, "")
		got := reg.deletes()
		want := []string{"delete team/app " + digest('c'), "delete team/app " + digest('a'), "delete team/app " + digest('b'), "delete team/app " + digest('d')}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("registry deletes = %v, want each digest once: %v", got, want)
		}
		if tags := reg.tagsOf("team/app"); len(tags) != 0 {
			t.Fatalf("registry still has %v", tags)
		}
		if h.hasRepository("team/app") {
			t.Fatal("store still has the repository")
		}
		ev := h.lastAudit("repository.delete")
		for _, c := range "abc" {
			if !strings.Contains(ev.Detail, digest(byte(c))) {
				t.Fatalf("audit detail %q lacks digest %c", ev.Detail, c)
			}
		}
		if !strings.Contains(ev.Detail, "already gone: "+digest('d')) {
			t.Fatalf("audit detail %q: want the store-only digest already gone", ev.Detail)
		}
	})
	t.Run("unknown to the registry", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		delete(reg.repos, "team/app")
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusNoContent, "")
		if h.hasRepository("team/app") {
			t.Fatal("store still has the repository")
		}
	})
	t.Run("registry fails midway", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.fail["delete"] = errors.New("delete: 500 Internal Server Error")
		reg.failAfter["delete"] = 1
		r := h.do(alice, "DELETE", path, nil)
		expect(t, r, http.StatusServiceUnavailable, "")
		if !h.hasRepository("team/app") || !h.hasTag("team/app", "v2") {
			t.Fatal("the store changed although the registry failed")
		}
		if ev := h.lastAudit("repository.delete"); ev.Outcome != "error" || !strings.Contains(ev.Detail, "deleted 1 of 2") {
			t.Fatalf("audit = %+v", ev)
		}
	})
	t.Run("listing fails", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.fail["tags"] = errDown
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusServiceUnavailable, "")
		if len(reg.deletes()) != 0 || !h.hasRepository("team/app") {
			t.Fatal("deleted something without a complete listing")
		}
	})
	t.Run("deletes disabled", func(t *testing.T) {
		h, reg, alice, _ := registryHarness(t)
		reg.fail["delete"] = fmt.Errorf("delete: %w", registryclient.ErrDeleteDisabled)
		r := h.do(alice, "DELETE", path, nil)
		expect(t, r, http.StatusConflict, "")
		if !strings.Contains(r.err().Message, "storage.delete.enabled") || !h.hasRepository("team/app") {
			t.Fatalf("error %+v; repository kept: %v", r.err(), h.hasRepository("team/app"))
		}
	})
	t.Run("contributor refused before the registry", func(t *testing.T) {
		h, reg, _, dora := registryHarness(t)
		expect(t, h.do(dora, "DELETE", path, nil), http.StatusForbidden, "")
		if len(reg.calls) != 0 {
			t.Fatalf("registry called: %v", reg.calls)
		}
	})
	t.Run("no registry: the database only", func(t *testing.T) {
		h, reg, alice, _ := registryHarnessWith(t, false)
		expect(t, h.do(alice, "DELETE", path, nil), http.StatusNoContent, "")
		if len(reg.calls) != 0 || h.hasRepository("team/app") {
			t.Fatalf("registry calls %v; repository kept: %v", reg.calls, h.hasRepository("team/app"))
		}
	})
}
