package catalogsync_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/catalogsync"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
)

const ociMT = "application/vnd.oci.image.manifest.v1+json"

func digestOf(s string) string { return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s))) }

// fakeRegistry serves the distribution API's listing endpoints from a map,
// with faults on demand.
type fakeRegistry struct {
	mu    sync.Mutex
	repos map[string]map[string]string // repo → tag → digest

	// Faults.
	catalog    func(w http.ResponseWriter, r *http.Request) bool // true: handled
	tagsStatus map[string]int
	headStatus map[string]int // "repo:tag" → status
	token      string         // non-empty: require Bearer token with the right scope

	catalogRequests atomic.Int32
	srv             *httptest.Server
}

func newFake(t *testing.T) *fakeRegistry {
	f := &fakeRegistry{repos: map[string]map[string]string{}, tagsStatus: map[string]int{}, headStatus: map[string]int{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistry) put(repo, tag, content string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.repos[repo] == nil {
		f.repos[repo] = map[string]string{}
	}
	f.repos[repo][tag] = digestOf(content)
}

func (f *fakeRegistry) remove(repo, tag string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if tag == "" {
		delete(f.repos, repo)
		return
	}
	delete(f.repos[repo], tag)
}

// page returns the names after last, at most n, and whether more follow.
func page(all []string, last string, n int) ([]string, bool) {
	i := sort.SearchStrings(all, last)
	if i < len(all) && all[i] == last {
		i++
	}
	end := min(i+n, len(all))
	return all[i:end], end < len(all)
}

func (f *fakeRegistry) authorized(w http.ResponseWriter, r *http.Request, scope string) bool {
	if f.token == "" {
		return true
	}
	want := "Bearer " + f.token + "|"
	got := r.Header.Get("Authorization")
	if strings.HasPrefix(got, want) && slices.Contains(strings.Split(strings.TrimPrefix(got, want), " "), scope) {
		return true
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://auth/token",service="registry",scope="%s",error="insufficient_scope"`, scope))
	w.WriteHeader(http.StatusUnauthorized)
	return false
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if n <= 0 {
		n = 100
	}
	last := r.URL.Query().Get("last")
	switch {
	case p == "/v2/_catalog" && r.Method == http.MethodGet:
		f.catalogRequests.Add(1)
		if !f.authorized(w, r, "registry:catalog:*") {
			return
		}
		if f.catalog != nil && f.catalog(w, r) {
			return
		}
		f.mu.Lock()
		var names []string
		for name := range f.repos {
			names = append(names, name)
		}
		f.mu.Unlock()
		sort.Strings(names)
		pg, more := page(names, last, n)
		if more {
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?last=%s&n=%d>; rel="next"`, url.QueryEscape(pg[len(pg)-1]), n))
		}
		writeJSON(w, map[string]any{"repositories": nonNil(pg)})
	case strings.HasSuffix(p, "/tags/list") && r.Method == http.MethodGet:
		repo := strings.TrimSuffix(strings.TrimPrefix(p, "/v2/"), "/tags/list")
		if !f.authorized(w, r, "repository:"+repo+":pull") {
			return
		}
		if st := f.tagsStatus[repo]; st != 0 {
			w.WriteHeader(st)
			return
		}
		f.mu.Lock()
		tags, ok := f.repos[repo]
		var names []string
		for tg := range tags {
			names = append(names, tg)
		}
		f.mu.Unlock()
		if !ok {
			http.Error(w, `{"errors":[{"code":"NAME_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		sort.Strings(names)
		pg, more := page(names, last, n)
		if more {
			w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?last=%s&n=%d>; rel="next"`, repo, url.QueryEscape(pg[len(pg)-1]), n))
		}
		writeJSON(w, map[string]any{"name": repo, "tags": nonNil(pg)})
	case strings.Contains(p, "/manifests/") && r.Method == http.MethodHead:
		repo, tag, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/manifests/")
		if !f.authorized(w, r, "repository:"+repo+":pull") {
			return
		}
		if !strings.Contains(r.Header.Get("Accept"), ociMT) || !strings.Contains(r.Header.Get("Accept"), "application/vnd.docker.distribution.manifest.list.v2+json") {
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		if st := f.headStatus[repo+":"+tag]; st != 0 {
			w.WriteHeader(st)
			return
		}
		f.mu.Lock()
		d, ok := f.repos[repo][tag]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Docker-Content-Digest", d)
		w.Header().Set("Content-Type", ociMT)
		w.Header().Set("Content-Length", "321")
		w.WriteHeader(http.StatusOK)
	default:
		http.NotFound(w, r)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newSyncer(s catalogsync.Store, f *fakeRegistry, mutate func(*catalogsync.Deps)) *catalogsync.Syncer {
	d := catalogsync.Deps{Store: s, RegistryURL: f.srv.URL, PageSize: 100, RequestTimeout: 2 * time.Second}
	if mutate != nil {
		mutate(&d)
	}
	return catalogsync.New(d)
}

// state renders the store as "repo tag=digest..." lines.
func state(t *testing.T, s *sqlite.Store) []string {
	t.Helper()
	st, err := s.RegistryState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range st {
		line := r.Name
		for _, tg := range r.Tags {
			line += " " + tg.Name + "=" + tg.Digest[:15]
		}
		out = append(out, line)
	}
	return out
}

func (f *fakeRegistry) state() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for repo, tags := range f.repos {
		var names []string
		for tg := range tags {
			names = append(names, tg)
		}
		sort.Strings(names)
		line := repo
		for _, tg := range names {
			line += " " + tg + "=" + tags[tg][:15]
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

func sameState(t *testing.T, s *sqlite.Store, want []string) {
	t.Helper()
	if got := state(t, s); !slices.Equal(got, want) {
		t.Fatalf("store:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// seed makes registry and store agree on repos a/app..e/app with two tags.
func seed(t *testing.T, f *fakeRegistry, s *sqlite.Store) []string {
	t.Helper()
	for _, r := range []string{"a/app", "b/app", "c/app", "d/app", "e/app"} {
		f.put(r, "v1", r+"1")
		f.put(r, "v2", r+"2")
	}
	rep, err := newSyncer(s, f, nil).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Repositories != 5 || rep.Tags != 10 || rep.Added != 10 || rep.RepositoriesAdded != 5 || rep.Errors != 0 {
		t.Fatalf("seed report %+v", rep)
	}
	sameState(t, s, f.state())
	return f.state()
}

func TestReconcile(t *testing.T) {
	f, s := newFake(t), openStore(t)
	seed(t, f, s)
	f.put("a/app", "v1", "retagged")
	f.put("a/app", "v3", "new")
	f.remove("b/app", "v2")
	f.remove("c/app", "")
	f.put("f/app", "latest", "f")
	rep, err := newSyncer(s, f, nil).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := catalogsync.Report{Repositories: 5, Tags: 9, Added: 2, Updated: 1, Deleted: 3, RepositoriesAdded: 1, RepositoriesDeleted: 1}
	rep.Duration = 0
	if rep.Enriched == 0 {
		t.Errorf("the run read no manifest: %+v", rep)
	}
	rep.Enriched, rep.EnrichDuration = 0, 0 // what reading finds is enrich's and registrytest's to check
	if rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	sameState(t, s, f.state())
	tg, err := s.GetTag(t.Context(), "a/app", "v3")
	if err != nil || tg.MediaType != ociMT || tg.Size != 321 {
		t.Fatalf("tag = %+v, %v", tg, err)
	}
	// A second run changes nothing.
	rep, err = newSyncer(s, f, nil).Run(t.Context())
	if err != nil || rep.Added+rep.Updated+rep.Deleted+rep.RepositoriesAdded+rep.RepositoriesDeleted != 0 {
		t.Fatalf("second run %+v, %v", rep, err)
	}
}

// Item 20: thousands of repositories, every Link page followed.
func TestPagingThousands(t *testing.T) {
	f, s := newFake(t), openStore(t)
	const n = 2500
	for i := range n {
		f.put(fmt.Sprintf("ns%02d/repo%05d", i%40, i), "latest", strconv.Itoa(i))
	}
	// One repository with many tags pages its tag list too.
	for i := range 250 {
		f.put("ns00/many", fmt.Sprintf("t%03d", i), strconv.Itoa(i))
	}
	rep, err := newSyncer(s, f, func(d *catalogsync.Deps) { d.PageSize = 100; d.Concurrency = 16 }).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Repositories != n+1 || rep.Tags != n+250 || rep.Added != n+250 {
		t.Fatalf("report %+v", rep)
	}
	if got := f.catalogRequests.Load(); got != (n+1+99)/100 {
		t.Fatalf("catalog requests %d, want %d", got, (n+1+99)/100)
	}
	sameState(t, s, f.state())
}

// Items 18 and 20: a broken catalog (errors, loops, timeouts, cut pages)
// deletes nothing.
func TestCatalogFaultsDeleteNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request) bool
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}},
		{"500 on the second page", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("last") == "" {
				return false
			}
			w.WriteHeader(http.StatusBadGateway)
			return true
		}},
		{"timeout", func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return true
		}},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Length", "200")
			w.Write([]byte(`{"repositories":["a/app"`))
			return true
		}},
		{"cut JSON", func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"repositories":["a/app","b/ap`))
			return true
		}},
		{"no repositories field", func(w http.ResponseWriter, r *http.Request) bool {
			w.Write([]byte(`{"errors":[]}`))
			return true
		}},
		{"Link to itself", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Link", `</v2/_catalog?n=2>; rel="next"`)
			writeJSON(w, map[string]any{"repositories": []string{"a/app"}})
			return true
		}},
		{"Link that never advances", func(w http.ResponseWriter, r *http.Request) bool {
			k, _ := strconv.Atoi(r.URL.Query().Get("k"))
			w.Header().Set("Link", fmt.Sprintf(`</v2/_catalog?n=2&k=%d>; rel="next"`, k+1))
			writeJSON(w, map[string]any{"repositories": []string{"a/app"}})
			return true
		}},
		{"Link to another host", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Link", `<http://example.invalid/v2/_catalog?n=2&last=a>; rel="next"`)
			writeJSON(w, map[string]any{"repositories": []string{"a/app"}})
			return true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := newFake(t), openStore(t)
			before := seed(t, f, s)
			f.remove("b/app", "")
			f.remove("a/app", "v2")
			f.catalog = tc.fault
			rep, err := newSyncer(s, f, func(d *catalogsync.Deps) { d.PageSize = 2; d.RequestTimeout = 300 * time.Millisecond }).Run(t.Context())
			if !errors.Is(err, catalogsync.ErrIncomplete) {
				t.Fatalf("err = %v, want ErrIncomplete", err)
			}
			if !rep.DeletionsSkipped || rep.Deleted != 0 || rep.RepositoriesDeleted != 0 || rep.Errors == 0 {
				t.Fatalf("report %+v", rep)
			}
			sameState(t, s, before)
		})
	}
}

// Items 18 and 19: a repository whose tags cannot be read is left as it
// is, the others are updated, and nothing is deleted anywhere.
func TestTagListFailure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(f *fakeRegistry)
	}{
		{"tags 500", func(f *fakeRegistry) { f.tagsStatus["a/app"] = http.StatusInternalServerError }},
		{"tags 404", func(f *fakeRegistry) { f.tagsStatus["a/app"] = http.StatusNotFound }},
		{"HEAD 500", func(f *fakeRegistry) { f.headStatus["a/app:v1"] = http.StatusServiceUnavailable }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := newFake(t), openStore(t)
			before := seed(t, f, s)
			f.remove("a/app", "v2")   // would be deleted, but a/app cannot be read
			f.remove("b/app", "v2")   // would be deleted, but the run is incomplete
			f.remove("c/app", "")     // likewise
			f.put("d/app", "v3", "x") // added
			tc.fault(f)
			rep, err := newSyncer(s, f, nil).Run(t.Context())
			if !errors.Is(err, catalogsync.ErrIncomplete) {
				t.Fatalf("err = %v, want ErrIncomplete", err)
			}
			if rep.Errors != 1 || rep.Added != 1 || rep.Deleted != 0 || rep.RepositoriesDeleted != 0 || !rep.DeletionsSkipped {
				t.Fatalf("report %+v", rep)
			}
			want := slices.Clone(before)
			want[3] += " v3=" + digestOf("x")[:15]
			sameState(t, s, want)
		})
	}
}

// Item 21: an empty (or mostly empty) catalog does not wipe the store.
func TestDeleteGuard(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep []string
	}{
		{"empty catalog", nil},
		{"most repositories gone", []string{"a/app", "b/app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, s := newFake(t), openStore(t)
			before := seed(t, f, s)
			for _, r := range []string{"a/app", "b/app", "c/app", "d/app", "e/app"} {
				if !slices.Contains(tc.keep, r) {
					f.remove(r, "")
				}
			}
			rep, err := newSyncer(s, f, nil).Run(t.Context())
			if !errors.Is(err, catalogsync.ErrDeleteGuard) {
				t.Fatalf("err = %v, want ErrDeleteGuard", err)
			}
			if !strings.Contains(err.Error(), "of 5 would go") {
				t.Fatalf("unclear message: %v", err)
			}
			if rep.RepositoriesDeleted != 0 || rep.Deleted != 0 || !rep.DeletionsSkipped {
				t.Fatalf("report %+v", rep)
			}
			sameState(t, s, before)

			// An operator who checked may force it.
			rep, err = newSyncer(s, f, func(d *catalogsync.Deps) { d.Force = true }).Run(t.Context())
			if err != nil || rep.RepositoriesDeleted != 5-len(tc.keep) {
				t.Fatalf("forced run %+v, %v", rep, err)
			}
			sameState(t, s, f.state())
		})
	}
	t.Run("a few deletions pass", func(t *testing.T) {
		f, s := newFake(t), openStore(t)
		seed(t, f, s)
		f.remove("a/app", "")
		f.remove("b/app", "")
		if _, err := newSyncer(s, f, nil).Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		sameState(t, s, f.state())
	})
}

// Item 22: with the lock held elsewhere the run is skipped.
func TestLeaderLock(t *testing.T) {
	f, s := newFake(t), openStore(t)
	f.put("a/app", "v1", "x")
	release, ok, err := s.TryLock(t.Context(), catalogsync.DefaultLockName)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	rep, err := newSyncer(s, f, nil).Run(t.Context())
	if err != nil || !rep.Skipped || f.catalogRequests.Load() != 0 {
		t.Fatalf("run while locked: %+v, %v (%d catalog requests)", rep, err, f.catalogRequests.Load())
	}
	release()
	rep, err = newSyncer(s, f, nil).Run(t.Context())
	if err != nil || rep.Skipped || rep.Added != 1 {
		t.Fatalf("run after release: %+v, %v", rep, err)
	}

	// Two syncers at once on one store: never both run.
	var wg sync.WaitGroup
	var ran atomic.Int32
	f.catalog = func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(50 * time.Millisecond)
		return false
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := newSyncer(s, f, nil).Run(t.Context())
			if err != nil {
				t.Error(err)
			}
			if !rep.Skipped {
				ran.Add(1)
			}
		}()
	}
	wg.Wait()
	if f.catalogRequests.Load() != 1+ran.Load() {
		t.Fatalf("%d runs, %d catalog requests", ran.Load(), f.catalogRequests.Load())
	}
}

// Item 23: a change that lands after the snapshot survives the run.
type racingStore struct {
	*sqlite.Store
	during func()
}

func (r racingStore) RegistryState(ctx context.Context) ([]store.RepositoryState, error) {
	st, err := r.Store.RegistryState(ctx)
	r.during()
	return st, err
}

func TestEventsDuringRun(t *testing.T) {
	f, s := newFake(t), openStore(t)
	seed(t, f, s)
	f.remove("a/app", "v1")
	// The listing will not show e/app:v9, pushed (event) after the snapshot.
	rs := racingStore{Store: s, during: func() {
		_, err := s.ApplyEvent(t.Context(), store.RegistryEvent{ID: "late", Action: store.ActionPush, Repository: "e/app",
			Tag: "v9", Digest: digestOf("late"), MediaType: ociMT, Timestamp: time.Now()}, "")
		if err != nil {
			t.Error(err)
		}
		_, err = s.ApplyEvent(t.Context(), store.RegistryEvent{ID: "late2", Action: store.ActionPush, Repository: "z/new",
			Tag: "v1", Digest: digestOf("z"), MediaType: ociMT, Timestamp: time.Now()}, "")
		if err != nil {
			t.Error(err)
		}
	}}
	rep, err := catalogsync.New(catalogsync.Deps{Store: rs, RegistryURL: f.srv.URL}).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted != 1 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := s.GetTag(t.Context(), "e/app", "v9"); err != nil {
		t.Fatalf("tag pushed after the snapshot was deleted: %v", err)
	}
	if _, err := s.GetRepository(t.Context(), "z/new"); err != nil {
		t.Fatalf("repository pushed after the snapshot was deleted: %v", err)
	}
}

// fakeTokens hands out tokens the fake registry understands, counting mints.
type fakeTokens struct {
	secret string
	calls  atomic.Int32
	scopes sync.Map
}

func (ft *fakeTokens) Token(_ context.Context, scopes []string) (string, error) {
	ft.calls.Add(1)
	for _, s := range scopes {
		ft.scopes.Store(s, true)
	}
	return ft.secret + "|" + strings.Join(scopes, " "), nil
}

func TestTokenAuth(t *testing.T) {
	f, s := newFake(t), openStore(t)
	for i := range 120 {
		f.put(fmt.Sprintf("team/app%03d", i), "v1", strconv.Itoa(i))
	}
	f.token = "tok"
	tokens := &fakeTokens{secret: "tok"}
	// Listing only: reading manifests asks one token per repository (its
	// pull scope), cached for the token's life.
	rep, err := newSyncer(s, f, func(d *catalogsync.Deps) { d.Tokens = tokens; d.Concurrency = 1; d.Enricher = noEnrich{} }).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 120 {
		t.Fatalf("report %+v", rep)
	}
	// One token for the catalog, one per batch of repositories: many scopes
	// per token, reused.
	if got := tokens.calls.Load(); got > 5 {
		t.Fatalf("%d tokens minted for 120 repositories", got)
	}
	if _, ok := tokens.scopes.Load("registry:catalog:*"); !ok {
		t.Fatal("catalog scope never asked for")
	}

	// Without a token source the registry's 401 is an error, not a wipe.
	rep, err = newSyncer(s, f, nil).Run(t.Context())
	if !errors.Is(err, catalogsync.ErrIncomplete) || rep.RepositoriesDeleted != 0 {
		t.Fatalf("without tokens: %+v, %v", rep, err)
	}
}

// A catalog name outside the registry grammar is refused (not put in a URL)
// and makes the run incomplete.
// A name outside the grammar in the catalog is a failed listing: the run
// deletes nothing (here: e/app, gone from the registry), the empty name
// included.
func TestBadRepositoryNames(t *testing.T) {
	for _, bad := range []string{"UPPER/case", ""} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			f, s := newFake(t), openStore(t)
			seed(t, f, s)
			f.remove("e/app", "")
			f.catalog = func(w http.ResponseWriter, r *http.Request) bool {
				writeJSON(w, map[string]any{"repositories": []string{bad, "a/app", "b/app", "c/app", "d/app"}})
				return true
			}
			rep, err := newSyncer(s, f, nil).Run(t.Context())
			if !errors.Is(err, catalogsync.ErrIncomplete) || rep.Errors != 1 || !rep.DeletionsSkipped || rep.RepositoriesDeleted != 0 {
				t.Fatalf("report %+v, %v", rep, err)
			}
		})
	}
}

func TestBadURL(t *testing.T) {
	_, err := catalogsync.New(catalogsync.Deps{Store: openStore(t), RegistryURL: "ftp://x"}).Run(t.Context())
	if err == nil {
		t.Fatal("no error for a bad registry URL")
	}
}

func TestRunEvery(t *testing.T) {
	f, s := newFake(t), openStore(t)
	f.put("a/app", "v1", "x")
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := newSyncer(s, f, nil).RunEvery(ctx, 50*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RunEvery = %v", err)
	}
	if n := f.catalogRequests.Load(); n < 3 {
		t.Fatalf("%d runs in 300ms at 50ms", n)
	}
}

// The registry keeps listing a repository whose manifests were all deleted
// (e.g. through the REST API, which also deletes the row): an empty
// repository the store does not have is not adopted; one it has keeps its
// row and loses its tags.
func TestEmptyRepositories(t *testing.T) {
	f, s := newFake(t), openStore(t)
	seed(t, f, s)
	f.remove("a/app", "v1")
	f.remove("a/app", "v2") // known: stays, empty
	f.mu.Lock()
	f.repos["deleted/app"] = map[string]string{} // unknown: not adopted
	f.mu.Unlock()
	rep, err := newSyncer(s, f, nil).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rep.RepositoriesAdded != 0 || rep.Deleted != 2 || rep.Repositories != 6 {
		t.Fatalf("report %+v", rep)
	}
	if _, err := s.GetRepository(t.Context(), "deleted/app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty repository adopted: %v", err)
	}
	if _, err := s.GetRepository(t.Context(), "a/app"); err != nil {
		t.Fatalf("known empty repository: %v", err)
	}
}

// noEnrich reads nothing.
type noEnrich struct{}

func (noEnrich) Sweep(context.Context, int) (int, error) { return 0, nil }
