package storetest

import (
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testSearchRepositories: exact > prefix > substring > recent pushes,
// restricted to the namespaces given, paged, wildcards literal.
func testSearchRepositories(t *testing.T, s store.Store) {
	ss, isSS := s.(store.SearchStore)
	if !isSS {
		t.Fatalf("%T does not implement store.SearchStore", s)
	}
	c := ctx(t)
	// Pushed in this order: later pushes rank first within a group.
	for i, name := range []string{"a/myapp-old", "b/app", "a/xapp", "a/app-web", "c/app", "a/other", "app", "b/my_app"} {
		ok(t, s.PutTag(c, store.Tag{Repository: name, Name: "1", Digest: "sha256:x", PushedAt: ts(100 + i)}))
		r, err := s.GetRepository(c, name)
		ok(t, err)
		r.UpdatedAt = ts(100 + i)
		ok(t, s.UpdateRepository(c, r))
	}
	search := func(q store.RepositorySearch) ([]string, int) {
		t.Helper()
		got, total, err := ss.SearchRepositories(c, q)
		ok(t, err)
		return names(got, func(r store.Repository) string { return r.Name }), total
	}
	got, total := search(store.RepositorySearch{Query: "APP", Limit: 100})
	eq(t, "total", total, 7)
	sameNames(t, "ranked", got, []string{"app", "c/app", "b/app", "a/app-web", "b/my_app", "a/xapp", "a/myapp-old"})
	got, total = search(store.RepositorySearch{Query: "app", Namespaces: []string{"a", ""}, Offset: 1, Limit: 2})
	eq(t, "total", total, 4)
	sameNames(t, "page 2 of a and global", got, []string{"a/app-web", "a/xapp"})
	got, total = search(store.RepositorySearch{Query: "_", Limit: 100})
	eq(t, "total", total, 1)
	sameNames(t, "literal _", got, []string{"b/my_app"})
	got, _ = search(store.RepositorySearch{Limit: 3})
	sameNames(t, "empty query: recent first", got, []string{"b/my_app", "app", "a/other"})
	got, total = search(store.RepositorySearch{Query: "app", Namespaces: []string{}})
	eq(t, "total", total, 0)
	sameNames(t, "no namespaces", got, nil)
}
