// Package storetest is the one conformance suite every store.Store
// implementation passes. An implementation's test calls Run with a function
// that opens a fresh, empty store for each subtest.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Run runs every conformance test; open must return a fresh, empty store
// (the suite does not close it: open should register its own cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Ping", testPing},
		{"UserLifecycle", testUserLifecycle},
		{"UserTimes", testUserTimes},
		{"PersonalNamespace", testPersonalNamespace},
		{"LastAdmin", testLastAdmin},
		{"TeamLifecycle", testTeamLifecycle},
		{"Members", testMembers},
		{"LastOwner", testLastOwner},
		{"NamespaceLifecycle", testNamespaceLifecycle},
		{"Permissions", testPermissions},
		{"RolesOn", testRolesOn},
		{"Robots", testRobots},
		{"RobotAccessFollowsMove", testRobotAccessFollowsMove},
		{"FutureEventTimesClamped", testFutureEventTimesClamped},
		{"OwnerTeamIsProtected", testOwnerTeamIsProtected},
		{"Tokens", testTokens},
		{"TokenStore", testTokenStore},
		{"Settings", testSettings},
		{"RepositoriesAndTags", testRepositoriesAndTags},
		{"ListRepositoriesFilter", testListRepositoriesFilter},
		{"Paging", testPaging},
		{"QueryEscaping", testQueryEscaping},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"DeleteTeamCascades", testDeleteTeamCascades},
		{"Audit", testAudit},
		{"WebSessions", testWebSessions},
		{"SearchRepositories", testSearchRepositories},
		{"Activity", testActivity},
		{"AuditLimits", testAuditLimits},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentLastAdmin", testConcurrentLastAdmin},
		{"ConcurrentLastOwner", testConcurrentLastOwner},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
	runRegistry(t, open)
}

// --- helpers ---

func ctx(t testing.TB) context.Context { return t.Context() }

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func is(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func user(t testing.TB, s store.Store, name string, admin bool) {
	t.Helper()
	ok(t, s.CreateUser(ctx(t), store.User{Username: name, Email: name + "@example.com", Admin: admin, Enabled: true}))
}

func team(t testing.TB, s store.Store, name, owner string) {
	t.Helper()
	ok(t, s.CreateTeam(ctx(t), store.Team{Name: name}, owner))
}

func namespace(t testing.TB, s store.Store, name, team string) {
	t.Helper()
	ok(t, s.CreateNamespace(ctx(t), store.Namespace{Name: name, Team: team, Visibility: rbac.Private}))
}

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}

func sameNames(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// concurrently runs fn(0), ..., fn(n-1) in n goroutines at once and returns
// their errors, indexed by i.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}

// countIs counts the errors in errs that are want; any other non-nil error
// fails the test.
func countIs(t testing.TB, errs []error, want error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, want):
			n++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	return n
}

// ts is a time with nanoseconds in a non-UTC zone: the store must return
// it truncated to microseconds, in UTC.
func ts(sec int) time.Time {
	return time.Date(2024, 5, 6, 7, 8, sec, 123456789, time.FixedZone("X", 3600*2))
}

func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func sameTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC && !want.IsZero() {
		t.Fatalf("%s = %v (%v), want %v in UTC", what, got, got.Location(), want)
	}
	if want.IsZero() && !got.IsZero() {
		t.Fatalf("%s = %v, want zero", what, got)
	}
}

// --- tests ---

func testPing(t *testing.T, s store.Store) {
	ok(t, s.Ping(ctx(t)))
	n, err := s.CountUsers(ctx(t))
	ok(t, err)
	eq(t, "users in a new store", n, 0)
}

func testUserLifecycle(t *testing.T, s store.Store) {
	c := ctx(t)
	u := store.User{Username: "alice", Email: "alice@example.com", DisplayName: "Alice", PasswordHash: "h1",
		Admin: true, Enabled: true}
	ok(t, s.CreateUser(c, u))
	is(t, s.CreateUser(c, u), store.ErrConflict)
	ok(t, s.CreateUser(c, store.User{Username: "bot", Bot: true, Enabled: true}))
	n, err := s.CountUsers(c)
	ok(t, err)
	eq(t, "CountUsers", n, 2)

	got, err := s.GetUser(c, "alice")
	ok(t, err)
	eq(t, "Email", got.Email, u.Email)
	eq(t, "DisplayName", got.DisplayName, u.DisplayName)
	eq(t, "PasswordHash", got.PasswordHash, u.PasswordHash)
	eq(t, "Admin", got.Admin, true)
	eq(t, "Enabled", got.Enabled, true)
	eq(t, "Bot", got.Bot, false)
	if got.CreatedAt.IsZero() || got.UpdatedAt.IsZero() || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("CreatedAt/UpdatedAt = %v/%v, want set, UTC", got.CreatedAt, got.UpdatedAt)
	}
	eq(t, "PasswordChangedAt zero", got.PasswordChangedAt.IsZero(), true)

	_, err = s.GetUser(c, "nobody")
	is(t, err, store.ErrNotFound)

	// Bots have no personal namespace.
	_, err = s.GetNamespace(c, "bot")
	is(t, err, store.ErrNotFound)

	got.Email, got.DisplayName, got.PasswordHash = "a2@example.com", "Alice Two", "h2"
	got.PasswordChangedAt = ts(1)
	ok(t, s.UpdateUser(c, got))
	again, err := s.GetUser(c, "alice")
	ok(t, err)
	eq(t, "updated Email", again.Email, "a2@example.com")
	eq(t, "updated DisplayName", again.DisplayName, "Alice Two")
	eq(t, "updated PasswordHash", again.PasswordHash, "h2")
	sameTime(t, "PasswordChangedAt", again.PasswordChangedAt, stored(ts(1)))
	sameTime(t, "CreatedAt kept", again.CreatedAt, got.CreatedAt)
	is(t, s.UpdateUser(c, store.User{Username: "nobody"}), store.ErrNotFound)

	list, err := s.ListUsers(c, store.ListOptions{})
	ok(t, err)
	sameNames(t, "ListUsers", names(list, func(u store.User) string { return u.Username }), []string{"alice", "bot"})

	ok(t, s.DeleteUser(c, "bot"))
	is(t, s.DeleteUser(c, "bot"), store.ErrNotFound)
	_, err = s.GetUser(c, "bot")
	is(t, err, store.ErrNotFound)

	// A bot that becomes a person gets a personal namespace.
	ok(t, s.CreateUser(c, store.User{Username: "svc", Bot: true, Enabled: true}))
	ok(t, s.UpdateUser(c, store.User{Username: "svc", Enabled: true}))
	ns, err := s.GetNamespace(c, "svc")
	ok(t, err)
	eq(t, "Owner", ns.Owner, "svc")
}

func testUserTimes(t *testing.T, s store.Store) {
	c := ctx(t)
	u := store.User{Username: "tim", Enabled: true, CreatedAt: ts(1), UpdatedAt: ts(2), PasswordChangedAt: ts(3)}
	ok(t, s.CreateUser(c, u))
	got, err := s.GetUser(c, "tim")
	ok(t, err)
	sameTime(t, "CreatedAt", got.CreatedAt, stored(ts(1)))
	sameTime(t, "UpdatedAt", got.UpdatedAt, stored(ts(2)))
	sameTime(t, "PasswordChangedAt", got.PasswordChangedAt, stored(ts(3)))
	if got.CreatedAt.Nanosecond()%1000 != 0 {
		t.Fatalf("CreatedAt %v not truncated to microseconds", got.CreatedAt)
	}
	// Zero times stay zero.
	got.PasswordChangedAt = time.Time{}
	ok(t, s.UpdateUser(c, got))
	got, err = s.GetUser(c, "tim")
	ok(t, err)
	eq(t, "PasswordChangedAt reset to zero", got.PasswordChangedAt.IsZero(), true)
}

func testPersonalNamespace(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	ns, err := s.GetNamespace(c, "alice")
	ok(t, err)
	eq(t, "Owner", ns.Owner, "alice")
	eq(t, "Team", ns.Team, "")
	eq(t, "Visibility", ns.Visibility, rbac.Private)
	eq(t, "Kind", ns.Kind(), rbac.KindPersonal)

	// A user whose name is a taken namespace cannot be created; nothing is left behind.
	team(t, s, "devs", "alice")
	namespace(t, s, "shared", "devs")
	is(t, s.CreateUser(c, store.User{Username: "shared", Enabled: true}), store.ErrConflict)
	_, err = s.GetUser(c, "shared")
	is(t, err, store.ErrNotFound)
	// A bot may have that name: it has no namespace.
	ok(t, s.CreateUser(c, store.User{Username: "shared", Bot: true, Enabled: true}))

	// A team namespace cannot take a user's name.
	is(t, s.CreateNamespace(c, store.Namespace{Name: "alice", Team: "devs", Visibility: rbac.Public}), store.ErrConflict)
	// A personal namespace cannot be given to a team, nor deleted on its own.
	is(t, s.UpdateNamespace(c, store.Namespace{Name: "alice", Team: "devs", Visibility: rbac.Public}), store.ErrConflict)
	is(t, s.DeleteNamespace(c, "alice"), store.ErrConflict)
	ok(t, s.UpdateNamespace(c, store.Namespace{Name: "alice", Visibility: rbac.Public, Description: "mine"}))
	ns, err = s.GetNamespace(c, "alice")
	ok(t, err)
	eq(t, "Visibility", ns.Visibility, rbac.Public)
	eq(t, "Owner kept", ns.Owner, "alice")

	// DeleteUser conflicts while the personal namespace holds repositories.
	user(t, s, "bob", false)
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleOwner}))
	ok(t, s.PutTag(c, store.Tag{Repository: "bob/app", Name: "v1", Digest: "sha256:1"}))
	is(t, s.DeleteUser(c, "bob"), store.ErrConflict)
	ok(t, s.DeleteRepository(c, "bob/app"))
	ok(t, s.DeleteUser(c, "bob"))
	_, err = s.GetNamespace(c, "bob")
	is(t, err, store.ErrNotFound)
}

func testLastAdmin(t *testing.T, s store.Store) {
	c := ctx(t)
	// Without any admin, ordinary updates are fine.
	user(t, s, "plain", false)
	ok(t, s.UpdateUser(c, store.User{Username: "plain", Enabled: false}))

	user(t, s, "root", true)
	user(t, s, "root2", true)
	root, err := s.GetUser(c, "root")
	ok(t, err)

	// A disabled admin does not count.
	ok(t, s.CreateUser(c, store.User{Username: "ghost", Admin: true, Enabled: false}))

	demote := root
	demote.Admin = false
	ok(t, s.UpdateUser(c, demote)) // root2 remains
	r2, err := s.GetUser(c, "root2")
	ok(t, err)
	d2 := r2
	d2.Admin = false
	is(t, s.UpdateUser(c, d2), store.ErrLastAdmin)
	d2 = r2
	d2.Enabled = false
	is(t, s.UpdateUser(c, d2), store.ErrLastAdmin)
	is(t, s.DeleteUser(c, "root2"), store.ErrLastAdmin)
	// Other changes to the last admin are fine.
	d2 = r2
	d2.DisplayName = "Root"
	ok(t, s.UpdateUser(c, d2))
	// Non-admins and disabled admins can go.
	ok(t, s.DeleteUser(c, "ghost"))
	ok(t, s.DeleteUser(c, "root"))
	got, err := s.GetUser(c, "root2")
	ok(t, err)
	eq(t, "root2 still admin", got.Admin && got.Enabled, true)

	// With a second enabled admin, the first can be removed.
	user(t, s, "root3", true)
	ok(t, s.DeleteUser(c, "root2"))
}

func testTeamLifecycle(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	ok(t, s.CreateTeam(c, store.Team{Name: "devs", Description: "Developers", CreatedAt: ts(1)}, "alice"))
	is(t, s.CreateTeam(c, store.Team{Name: "devs"}, "alice"), store.ErrConflict)
	is(t, s.CreateTeam(c, store.Team{Name: "ops"}, "nobody"), store.ErrNotFound)
	_, err := s.GetTeam(c, "ops")
	is(t, err, store.ErrNotFound) // rolled back

	tm, err := s.GetTeam(c, "devs")
	ok(t, err)
	eq(t, "Description", tm.Description, "Developers")
	sameTime(t, "CreatedAt", tm.CreatedAt, stored(ts(1)))
	m, err := s.GetMember(c, "devs", "alice")
	ok(t, err)
	eq(t, "first member role", m.Role, rbac.RoleOwner)

	tm.Description = "Dev team"
	ok(t, s.UpdateTeam(c, tm))
	tm, err = s.GetTeam(c, "devs")
	ok(t, err)
	eq(t, "updated Description", tm.Description, "Dev team")
	is(t, s.UpdateTeam(c, store.Team{Name: "ops"}), store.ErrNotFound)

	namespace(t, s, "devs", "devs")
	is(t, s.DeleteTeam(c, "devs"), store.ErrConflict)
	ok(t, s.DeleteNamespace(c, "devs"))
	ok(t, s.DeleteTeam(c, "devs"))
	is(t, s.DeleteTeam(c, "devs"), store.ErrNotFound)
	_, err = s.GetTeam(c, "devs")
	is(t, err, store.ErrNotFound)
	_, err = s.GetMember(c, "devs", "alice")
	is(t, err, store.ErrNotFound)
}

func testMembers(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, u := range []string{"carol", "alice", "bob", "dave"} {
		user(t, s, u, false)
	}
	team(t, s, "devs", "carol")
	team(t, s, "ops", "alice")
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "alice", Role: rbac.RoleViewer}))
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleContributor}))
	is(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleViewer}), store.ErrConflict)
	is(t, s.AddMember(c, store.Member{Team: "nope", Username: "bob", Role: rbac.RoleViewer}), store.ErrNotFound)
	is(t, s.AddMember(c, store.Member{Team: "devs", Username: "nobody", Role: rbac.RoleViewer}), store.ErrNotFound)

	list, err := s.ListMembers(c, "devs", store.ListOptions{})
	ok(t, err)
	sameNames(t, "ListMembers", names(list, func(m store.Member) string { return m.Username + ":" + string(m.Role) }),
		[]string{"alice:viewer", "bob:contributor", "carol:owner"})
	list, err = s.ListMembers(c, "devs", store.ListOptions{After: "alice", Limit: 1})
	ok(t, err)
	sameNames(t, "ListMembers page", names(list, func(m store.Member) string { return m.Username }), []string{"bob"})
	list, err = s.ListMembers(c, "devs", store.ListOptions{Query: "AR"})
	ok(t, err)
	sameNames(t, "ListMembers query", names(list, func(m store.Member) string { return m.Username }), []string{"carol"})
	_, err = s.ListMembers(c, "nope", store.ListOptions{})
	is(t, err, store.ErrNotFound)

	mine, err := s.ListUserTeams(c, "alice")
	ok(t, err)
	sameNames(t, "ListUserTeams", names(mine, func(m store.Member) string { return m.Team + ":" + string(m.Role) }),
		[]string{"devs:viewer", "ops:owner"})
	none, err := s.ListUserTeams(c, "dave")
	ok(t, err)
	eq(t, "teams of dave", len(none), 0)
	_, err = s.ListUserTeams(c, "nobody")
	is(t, err, store.ErrNotFound)

	ok(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleOwner}))
	m, err := s.GetMember(c, "devs", "bob")
	ok(t, err)
	eq(t, "updated role", m.Role, rbac.RoleOwner)
	is(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "dave", Role: rbac.RoleOwner}), store.ErrNotFound)
	_, err = s.GetMember(c, "devs", "dave")
	is(t, err, store.ErrNotFound)

	ok(t, s.RemoveMember(c, "devs", "alice"))
	is(t, s.RemoveMember(c, "devs", "alice"), store.ErrNotFound)
}

func testLastOwner(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "bob", false)
	team(t, s, "devs", "alice")
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleViewer}))

	is(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "alice", Role: rbac.RoleContributor}), store.ErrLastOwner)
	is(t, s.RemoveMember(c, "devs", "alice"), store.ErrLastOwner)
	is(t, s.DeleteUser(c, "alice"), store.ErrLastOwner)
	// Non-owners can go.
	ok(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleContributor}))

	// With a second owner the first may step down, leave, or be deleted.
	ok(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleOwner}))
	ok(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "alice", Role: rbac.RoleViewer}))
	is(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleViewer}), store.ErrLastOwner)
	ok(t, s.UpdateMember(c, store.Member{Team: "devs", Username: "alice", Role: rbac.RoleOwner}))
	ok(t, s.RemoveMember(c, "devs", "bob"))
	is(t, s.RemoveMember(c, "devs", "alice"), store.ErrLastOwner)
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleOwner}))
	ok(t, s.DeleteUser(c, "alice"))
	list, err := s.ListMembers(c, "devs", store.ListOptions{})
	ok(t, err)
	sameNames(t, "members left", names(list, func(m store.Member) string { return m.Username }), []string{"bob"})
}

func testNamespaceLifecycle(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	team(t, s, "devs", "alice")
	team(t, s, "ops", "alice")
	ok(t, s.CreateNamespace(c, store.Namespace{Name: "web", Team: "devs", Visibility: rbac.Protected,
		Description: "Web apps", CreatedAt: ts(4)}))
	is(t, s.CreateNamespace(c, store.Namespace{Name: "web", Team: "ops", Visibility: rbac.Public}), store.ErrConflict)
	is(t, s.CreateNamespace(c, store.Namespace{Name: "db", Team: "nope", Visibility: rbac.Public}), store.ErrNotFound)
	_, err := s.GetNamespace(c, "db")
	is(t, err, store.ErrNotFound)

	ns, err := s.GetNamespace(c, "web")
	ok(t, err)
	eq(t, "Team", ns.Team, "devs")
	eq(t, "Owner", ns.Owner, "")
	eq(t, "Kind", ns.Kind(), rbac.KindTeam)
	eq(t, "Visibility", ns.Visibility, rbac.Protected)
	eq(t, "Description", ns.Description, "Web apps")
	sameTime(t, "CreatedAt", ns.CreatedAt, stored(ts(4)))

	ok(t, s.UpdateNamespace(c, store.Namespace{Name: "web", Team: "ops", Visibility: rbac.Public, Description: "d"}))
	ns, err = s.GetNamespace(c, "web")
	ok(t, err)
	eq(t, "moved Team", ns.Team, "ops")
	eq(t, "Visibility", ns.Visibility, rbac.Public)
	eq(t, "Description", ns.Description, "d")
	is(t, s.UpdateNamespace(c, store.Namespace{Name: "web", Team: "nope", Visibility: rbac.Public}), store.ErrNotFound)
	is(t, s.UpdateNamespace(c, store.Namespace{Name: "nope", Team: "ops", Visibility: rbac.Public}), store.ErrNotFound)

	list, err := s.ListNamespaces(c, store.ListOptions{})
	ok(t, err)
	sameNames(t, "ListNamespaces", names(list, func(n store.Namespace) string { return n.Name }), []string{"alice", "web"})

	ok(t, s.PutTag(c, store.Tag{Repository: "web/site", Name: "latest", Digest: "sha256:a"}))
	is(t, s.DeleteNamespace(c, "web"), store.ErrConflict)
	ok(t, s.DeleteRepository(c, "web/site"))
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "alice", Role: rbac.RoleViewer}))
	ok(t, s.DeleteNamespace(c, "web"))
	is(t, s.DeleteNamespace(c, "web"), store.ErrNotFound)
	// Its grants went with it: a namespace of the same name starts clean.
	namespace(t, s, "web", "devs")
	perms, err := s.ListPermissions(c, "web")
	ok(t, err)
	eq(t, "grants of a recreated namespace", len(perms), 0)
}

func testPermissions(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "bob", false)
	team(t, s, "devs", "alice")
	team(t, s, "qa", "alice")
	namespace(t, s, "web", "devs")
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$ci", Enabled: true}))

	grants := []store.Permission{
		{Namespace: "web", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleContributor},
		{Namespace: "web", Kind: rbac.TeamKind, Name: "qa", Role: rbac.RoleViewer, CreatedAt: ts(9)},
		{Namespace: "web", Kind: rbac.UserKind, Name: "alice", Role: rbac.RoleViewer},
		{Namespace: "web", Kind: rbac.RobotKind, Name: "robot$ci", Role: rbac.RoleContributor},
	}
	for _, p := range grants {
		ok(t, s.CreatePermission(c, p))
	}
	is(t, s.CreatePermission(c, grants[0]), store.ErrConflict)
	is(t, s.CreatePermission(c, store.Permission{Namespace: "nope", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleViewer}), store.ErrNotFound)
	is(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "nobody", Role: rbac.RoleViewer}), store.ErrNotFound)
	is(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.TeamKind, Name: "nope", Role: rbac.RoleViewer}), store.ErrNotFound)
	is(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.RobotKind, Name: "robot$nope", Role: rbac.RoleViewer}), store.ErrNotFound)

	p, err := s.GetPermission(c, "web", rbac.TeamKind, "qa")
	ok(t, err)
	eq(t, "Role", p.Role, rbac.RoleViewer)
	eq(t, "Kind", p.Kind, rbac.TeamKind)
	sameTime(t, "CreatedAt", p.CreatedAt, stored(ts(9)))
	_, err = s.GetPermission(c, "web", rbac.TeamKind, "devs")
	is(t, err, store.ErrNotFound)

	list, err := s.ListPermissions(c, "web")
	ok(t, err)
	sameNames(t, "ListPermissions", names(list, func(p store.Permission) string { return string(p.Kind) + "/" + p.Name }),
		[]string{"robot/robot$ci", "team/qa", "user/alice", "user/bob"})
	_, err = s.ListPermissions(c, "nope")
	is(t, err, store.ErrNotFound)

	ok(t, s.UpdatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleOwner}))
	p, err = s.GetPermission(c, "web", rbac.UserKind, "bob")
	ok(t, err)
	eq(t, "updated Role", p.Role, rbac.RoleOwner)
	is(t, s.UpdatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "carol", Role: rbac.RoleOwner}), store.ErrNotFound)

	ok(t, s.DeletePermission(c, "web", rbac.UserKind, "bob"))
	is(t, s.DeletePermission(c, "web", rbac.UserKind, "bob"), store.ErrNotFound)
	// A robot grant made here is part of the robot's access.
	r, err := s.GetRobot(c, "robot$ci")
	ok(t, err)
	if len(r.Access) != 1 || r.Access[0] != (store.Access{Namespace: "web", Role: rbac.RoleContributor}) {
		t.Fatalf("robot access = %v", r.Access)
	}
}

func testRolesOn(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
		user(t, s, u, false)
	}
	team(t, s, "devs", "alice")
	team(t, s, "qa", "carol")
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleViewer}))
	ok(t, s.AddMember(c, store.Member{Team: "qa", Username: "bob", Role: rbac.RoleViewer}))
	ok(t, s.AddMember(c, store.Member{Team: "qa", Username: "dave", Role: rbac.RoleViewer}))
	namespace(t, s, "web", "devs")
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleContributor}))
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.TeamKind, Name: "qa", Role: rbac.RoleViewer}))
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "alice", Kind: rbac.UserKind, Name: "erin", Role: rbac.RoleViewer}))
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$ci", Enabled: true,
		Access: []store.Access{{Namespace: "web", Role: rbac.RoleContributor}}}))

	cases := []struct {
		ns   string
		kind rbac.SubjectKind
		name string
		want []rbac.Role
	}{
		{"web", rbac.UserKind, "alice", []rbac.Role{rbac.RoleOwner}},                      // owning team owner
		{"web", rbac.UserKind, "bob", []rbac.Role{rbac.RoleViewer, rbac.RoleContributor}}, // member + grant + team grant
		{"web", rbac.UserKind, "carol", []rbac.Role{rbac.RoleViewer}},                     // via team qa (owner of qa, not of web)
		{"web", rbac.UserKind, "dave", []rbac.Role{rbac.RoleViewer}},                      // via team qa
		{"web", rbac.UserKind, "erin", []rbac.Role{}},                                     // nothing
		{"web", rbac.RobotKind, "robot$ci", []rbac.Role{rbac.RoleContributor}},            // robot grant
		{"web", rbac.RobotKind, "robot$other", []rbac.Role{}},                             // unknown robot
		{"web", rbac.UserKind, "robot$ci", []rbac.Role{}},                                 // kinds do not mix
		{"web", rbac.TeamKind, "devs", []rbac.Role{rbac.RoleOwner}},                       // owning team
		{"web", rbac.TeamKind, "qa", []rbac.Role{rbac.RoleViewer}},                        // team grant
		{"alice", rbac.UserKind, "alice", []rbac.Role{rbac.RoleOwner}},                    // personal namespace
		{"alice", rbac.UserKind, "erin", []rbac.Role{rbac.RoleViewer}},                    // grant on personal
		{"alice", rbac.UserKind, "bob", []rbac.Role{}},                                    // others
		{"bob", rbac.UserKind, "alice", []rbac.Role{}},                                    // someone else's
		{"alice", rbac.Anonymous, "", []rbac.Role{}},                                      // anonymous
		{"web", rbac.UserKind, "nobody", []rbac.Role{}},                                   // unknown user
		{"alice", rbac.RobotKind, "robot$ci", []rbac.Role{}},                              // robot elsewhere
		{"web", rbac.UserKind, "", []rbac.Role{}},                                         // empty name
		{"bob", rbac.UserKind, "bob", []rbac.Role{rbac.RoleOwner}},                        // own
		{"carol", rbac.UserKind, "carol", []rbac.Role{rbac.RoleOwner}},                    // own
		{"web", rbac.TeamKind, "nope", []rbac.Role{}},                                     // unknown team
		{"dave", rbac.UserKind, "Dave", []rbac.Role{}},                                    // case matters
		{"erin", rbac.UserKind, "erin", []rbac.Role{rbac.RoleOwner}},                      // own
		{"web", rbac.RobotKind, "robot$CI", []rbac.Role{}},                                // case matters
		{"alice", rbac.TeamKind, "devs", []rbac.Role{}},                                   // team on personal
		{"dave", rbac.UserKind, "bob", []rbac.Role{}},                                     // other personal
		{"web", rbac.UserKind, "dave", []rbac.Role{rbac.RoleViewer}},                      // repeat (stable)
		{"alice", rbac.UserKind, "carol", []rbac.Role{}},                                  // no grant
		{"web", rbac.RobotKind, "", []rbac.Role{}},                                        // empty robot
		{"carol", rbac.UserKind, "dave", []rbac.Role{}},                                   // no grant
	}
	for _, tc := range cases {
		got, err := s.RolesOn(c, tc.ns, tc.kind, tc.name)
		ok(t, err)
		if !slices.Equal(got, tc.want) {
			t.Errorf("RolesOn(%q, %s, %q) = %v, want %v", tc.ns, tc.kind, tc.name, got, tc.want)
		}
	}
	_, err := s.RolesOn(c, "nope", rbac.UserKind, "alice")
	is(t, err, store.ErrNotFound)

	// RolesByNamespace agrees with RolesOn on every namespace, for every
	// subject of the cases.
	namespaces := []string{"web", "alice", "bob", "carol", "dave", "erin"}
	for _, tc := range cases {
		want := map[string]rbac.Role{}
		for _, ns := range namespaces {
			roles, err := s.RolesOn(c, ns, tc.kind, tc.name)
			ok(t, err)
			if r := rbac.Highest(roles...); r != rbac.RoleNone {
				want[ns] = r
			}
		}
		got, err := s.RolesByNamespace(c, tc.kind, tc.name)
		ok(t, err)
		if !maps.Equal(got, want) {
			t.Errorf("RolesByNamespace(%s, %q) = %v, want %v", tc.kind, tc.name, got, want)
		}
	}

	// Changes show at once: bob leaves qa and loses nothing else.
	ok(t, s.RemoveMember(c, "qa", "dave"))
	got, err := s.RolesOn(c, "web", rbac.UserKind, "dave")
	ok(t, err)
	eq(t, "dave's roles after leaving qa", len(got), 0)
}

func testRobots(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	team(t, s, "devs", "alice")
	namespace(t, s, "web", "devs")
	namespace(t, s, "api", "devs")
	r := store.Robot{
		Name: "robot$ci", Description: "CI", Team: "devs", SecretHash: "sec1", Enabled: true,
		ExpiresAt: ts(30), CreatedBy: "alice", CreatedAt: ts(1),
		Access: []store.Access{{Namespace: "web", Role: rbac.RoleContributor}, {Namespace: "api", Role: rbac.RoleViewer}},
	}
	ok(t, s.CreateRobot(c, r))
	is(t, s.CreateRobot(c, r), store.ErrConflict)
	is(t, s.CreateRobot(c, store.Robot{Name: "robot$x", Access: []store.Access{{Namespace: "nope", Role: rbac.RoleViewer}}}), store.ErrNotFound)
	_, err := s.GetRobot(c, "robot$x")
	is(t, err, store.ErrNotFound) // rolled back
	is(t, s.CreateRobot(c, store.Robot{Name: "robot$y", Team: "nope"}), store.ErrNotFound)

	got, err := s.GetRobot(c, "robot$ci")
	ok(t, err)
	eq(t, "Description", got.Description, "CI")
	eq(t, "Team", got.Team, "devs")
	eq(t, "SecretHash", got.SecretHash, "sec1")
	eq(t, "Enabled", got.Enabled, true)
	eq(t, "CreatedBy", got.CreatedBy, "alice")
	sameTime(t, "ExpiresAt", got.ExpiresAt, stored(ts(30)))
	sameTime(t, "CreatedAt", got.CreatedAt, stored(ts(1)))
	if got.SecretChangedAt.IsZero() {
		t.Fatal("SecretChangedAt not set")
	}
	want := []store.Access{{Namespace: "api", Role: rbac.RoleViewer}, {Namespace: "web", Role: rbac.RoleContributor}}
	if !slices.Equal(got.Access, want) {
		t.Fatalf("Access = %v, want %v (sorted by namespace)", got.Access, want)
	}
	perms, err := s.ListPermissions(c, "web")
	ok(t, err)
	sameNames(t, "robot grant rows", names(perms, func(p store.Permission) string { return string(p.Kind) + "/" + p.Name + ":" + string(p.Role) }),
		[]string{"robot/robot$ci:contributor"})

	byHash, err := s.GetRobotBySecretHash(c, "sec1")
	ok(t, err)
	eq(t, "by hash", byHash.Name, "robot$ci")
	eq(t, "by hash access", len(byHash.Access), 2)
	_, err = s.GetRobotBySecretHash(c, "nope")
	is(t, err, store.ErrNotFound)
	_, err = s.GetRobotBySecretHash(c, "")
	is(t, err, store.ErrNotFound)

	ok(t, s.SetRobotSecret(c, "robot$ci", "sec2", ts(40)))
	_, err = s.GetRobotBySecretHash(c, "sec1")
	is(t, err, store.ErrNotFound)
	got, err = s.GetRobotBySecretHash(c, "sec2")
	ok(t, err)
	sameTime(t, "SecretChangedAt", got.SecretChangedAt, stored(ts(40)))
	is(t, s.SetRobotSecret(c, "robot$nope", "x", ts(1)), store.ErrNotFound)

	// UpdateRobot replaces Description, Enabled, ExpiresAt and Access.
	ok(t, s.UpdateRobot(c, store.Robot{Name: "robot$ci", Description: "CI 2", Enabled: false,
		Access: []store.Access{{Namespace: "web", Role: rbac.RoleOwner}}}))
	got, err = s.GetRobot(c, "robot$ci")
	ok(t, err)
	eq(t, "Description", got.Description, "CI 2")
	eq(t, "Enabled", got.Enabled, false)
	eq(t, "ExpiresAt cleared", got.ExpiresAt.IsZero(), true)
	eq(t, "Team kept", got.Team, "devs")
	eq(t, "CreatedBy kept", got.CreatedBy, "alice")
	if !slices.Equal(got.Access, []store.Access{{Namespace: "web", Role: rbac.RoleOwner}}) {
		t.Fatalf("Access = %v", got.Access)
	}
	perms, err = s.ListPermissions(c, "api")
	ok(t, err)
	eq(t, "api grants after update", len(perms), 0)
	is(t, s.UpdateRobot(c, store.Robot{Name: "robot$ci", Access: []store.Access{{Namespace: "nope", Role: rbac.RoleViewer}}}), store.ErrNotFound)
	got, err = s.GetRobot(c, "robot$ci")
	ok(t, err)
	eq(t, "Access unchanged after failed update", len(got.Access), 1)
	is(t, s.UpdateRobot(c, store.Robot{Name: "robot$nope"}), store.ErrNotFound)

	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$a", Enabled: true}))
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$z", Enabled: true, Access: []store.Access{{Namespace: "api", Role: rbac.RoleViewer}}}))
	list, err := s.ListRobots(c, store.ListOptions{})
	ok(t, err)
	sameNames(t, "ListRobots", names(list, func(r store.Robot) string { return fmt.Sprintf("%s:%d", r.Name, len(r.Access)) }),
		[]string{"robot$a:0", "robot$ci:1", "robot$z:1"})
	if list[1].Access[0] != (store.Access{Namespace: "web", Role: rbac.RoleOwner}) || list[2].Access[0].Namespace != "api" {
		t.Fatalf("ListRobots access = %v / %v", list[1].Access, list[2].Access)
	}
	list, err = s.ListRobots(c, store.ListOptions{After: "robot$a", Limit: 1})
	ok(t, err)
	sameNames(t, "ListRobots page", names(list, func(r store.Robot) string { return r.Name }), []string{"robot$ci"})
	eq(t, "paged robot access", len(list[0].Access), 1)

	ok(t, s.DeleteRobot(c, "robot$ci"))
	is(t, s.DeleteRobot(c, "robot$ci"), store.ErrNotFound)
	_, err = s.GetRobot(c, "robot$ci")
	is(t, err, store.ErrNotFound)
	perms, err = s.ListPermissions(c, "web")
	ok(t, err)
	eq(t, "grants after robot delete", len(perms), 0)
	roles, err := s.RolesOn(c, "web", rbac.RobotKind, "robot$ci")
	ok(t, err)
	eq(t, "roles of deleted robot", len(roles), 0)
}

func testTokens(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "bob", false)
	tk := store.Token{ID: "t1", Username: "alice", Name: "laptop", Hash: "h1", ExpiresAt: ts(50), CreatedAt: ts(2)}
	ok(t, s.CreateToken(c, tk))
	ok(t, s.CreateToken(c, store.Token{ID: "t2", Username: "alice", Name: "ci", Hash: "h2"}))
	ok(t, s.CreateToken(c, store.Token{ID: "t3", Username: "bob", Name: "laptop", Hash: "h3"}))
	is(t, s.CreateToken(c, store.Token{ID: "t1", Username: "alice", Name: "other", Hash: "hx"}), store.ErrConflict)
	is(t, s.CreateToken(c, store.Token{ID: "t9", Username: "alice", Name: "other", Hash: "h1"}), store.ErrConflict)
	is(t, s.CreateToken(c, store.Token{ID: "t9", Username: "alice", Name: "laptop", Hash: "h9"}), store.ErrConflict)
	is(t, s.CreateToken(c, store.Token{ID: "t9", Username: "nobody", Name: "x", Hash: "h9"}), store.ErrNotFound)

	got, err := s.GetTokenByHash(c, "h1")
	ok(t, err)
	eq(t, "ID", got.ID, "t1")
	eq(t, "Username", got.Username, "alice")
	eq(t, "Name", got.Name, "laptop")
	sameTime(t, "ExpiresAt", got.ExpiresAt, stored(ts(50)))
	sameTime(t, "CreatedAt", got.CreatedAt, stored(ts(2)))
	eq(t, "LastUsedAt zero", got.LastUsedAt.IsZero(), true)
	_, err = s.GetTokenByHash(c, "nope")
	is(t, err, store.ErrNotFound)
	_, err = s.GetTokenByHash(c, "")
	is(t, err, store.ErrNotFound)

	ok(t, s.TouchToken(c, "t1", ts(7)))
	got, err = s.GetTokenByHash(c, "h1")
	ok(t, err)
	sameTime(t, "LastUsedAt", got.LastUsedAt, stored(ts(7)))
	is(t, s.TouchToken(c, "nope", ts(7)), store.ErrNotFound)

	list, err := s.ListTokens(c, "alice")
	ok(t, err)
	sameNames(t, "ListTokens", names(list, func(t store.Token) string { return t.Name }), []string{"ci", "laptop"})
	_, err = s.ListTokens(c, "nobody")
	is(t, err, store.ErrNotFound)

	is(t, s.DeleteToken(c, "bob", "t1"), store.ErrNotFound) // not bob's
	ok(t, s.DeleteToken(c, "alice", "t1"))
	is(t, s.DeleteToken(c, "alice", "t1"), store.ErrNotFound)
	_, err = s.GetTokenByHash(c, "h1")
	is(t, err, store.ErrNotFound)
}

func testSettings(t *testing.T, s store.Store) {
	c := ctx(t)
	got, err := s.GetSettings(c)
	ok(t, err)
	got.UpdatedAt = time.Time{}
	eq(t, "defaults", got, store.DefaultSettings())

	want := store.Settings{
		PushPolicy: rbac.AdminOnly, AnonymousPull: false, DeleteEnabled: false, ContributorsMayDelete: true,
		TeamCreation: "admins", NamespaceCreation: "admins", TokenLifetime: 15 * time.Minute, UpdatedAt: ts(5),
	}
	ok(t, s.UpdateSettings(c, want))
	got, err = s.GetSettings(c)
	ok(t, err)
	sameTime(t, "UpdatedAt", got.UpdatedAt, stored(ts(5)))
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	eq(t, "settings", got, want)

	// Token lifetimes are kept in whole seconds.
	want.TokenLifetime = 90*time.Second + 400*time.Millisecond
	ok(t, s.UpdateSettings(c, want))
	got, err = s.GetSettings(c)
	ok(t, err)
	eq(t, "TokenLifetime", got.TokenLifetime, 90*time.Second)
	if got.UpdatedAt.IsZero() {
		t.Fatal("UpdatedAt not set")
	}
}

func testRepositoriesAndTags(t *testing.T, s store.Store) {
	c := ctx(t)
	tag := store.Tag{Repository: "devs/app", Name: "v1", Digest: "sha256:1", MediaType: "application/vnd.oci.image.manifest.v1+json",
		Size: 1234, PushedBy: "alice", PushedAt: ts(10), LastPulledAt: ts(11), PullCount: 3}
	ok(t, s.PutTag(c, tag))
	ok(t, s.PutTag(c, store.Tag{Repository: "devs/app", Name: "latest", Digest: "sha256:1"}))
	ok(t, s.PutTag(c, store.Tag{Repository: "busybox", Name: "latest", Digest: "sha256:b"}))
	ok(t, s.PutTag(c, store.Tag{Repository: "devs/tools/lint", Name: "v1", Digest: "sha256:l"}))

	r, err := s.GetRepository(c, "devs/app")
	ok(t, err)
	eq(t, "Namespace", r.Namespace, "devs")
	eq(t, "TagCount", r.TagCount, 2)
	if r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() {
		t.Fatalf("repository times not set: %+v", r)
	}
	r, err = s.GetRepository(c, "busybox")
	ok(t, err)
	eq(t, "global Namespace", r.Namespace, "")
	r, err = s.GetRepository(c, "devs/tools/lint")
	ok(t, err)
	eq(t, "nested Namespace", r.Namespace, "devs")
	_, err = s.GetRepository(c, "nope")
	is(t, err, store.ErrNotFound)

	got, err := s.GetTag(c, "devs/app", "v1")
	ok(t, err)
	eq(t, "Digest", got.Digest, tag.Digest)
	eq(t, "MediaType", got.MediaType, tag.MediaType)
	eq(t, "Size", got.Size, tag.Size)
	eq(t, "PushedBy", got.PushedBy, "alice")
	eq(t, "PullCount", got.PullCount, int64(3))
	sameTime(t, "PushedAt", got.PushedAt, stored(ts(10)))
	sameTime(t, "LastPulledAt", got.LastPulledAt, stored(ts(11)))
	_, err = s.GetTag(c, "devs/app", "nope")
	is(t, err, store.ErrNotFound)
	latest, err := s.GetTag(c, "devs/app", "latest")
	ok(t, err)
	if latest.PushedAt.IsZero() {
		t.Fatal("PushedAt defaults to now")
	}

	// Upsert: same tag again moves it, the count stays.
	tag.Digest, tag.Size = "sha256:2", 99
	ok(t, s.PutTag(c, tag))
	got, err = s.GetTag(c, "devs/app", "v1")
	ok(t, err)
	eq(t, "moved Digest", got.Digest, "sha256:2")
	eq(t, "moved Size", got.Size, int64(99))
	r, err = s.GetRepository(c, "devs/app")
	ok(t, err)
	eq(t, "TagCount after upsert", r.TagCount, 2)

	tags, err := s.ListTags(c, "devs/app", store.ListOptions{})
	ok(t, err)
	sameNames(t, "ListTags", names(tags, func(t store.Tag) string { return t.Name }), []string{"latest", "v1"})
	tags, err = s.ListTags(c, "devs/app", store.ListOptions{After: "latest"})
	ok(t, err)
	sameNames(t, "ListTags after", names(tags, func(t store.Tag) string { return t.Name }), []string{"v1"})
	tags, err = s.ListTags(c, "devs/app", store.ListOptions{Query: "V", Limit: 5})
	ok(t, err)
	sameNames(t, "ListTags query", names(tags, func(t store.Tag) string { return t.Name }), []string{"v1"})
	_, err = s.ListTags(c, "nope", store.ListOptions{})
	is(t, err, store.ErrNotFound)

	ok(t, s.DeleteTag(c, "devs/app", "latest"))
	is(t, s.DeleteTag(c, "devs/app", "latest"), store.ErrNotFound)
	r, err = s.GetRepository(c, "devs/app")
	ok(t, err)
	eq(t, "TagCount after delete", r.TagCount, 1)

	r.Description, r.PullCount, r.LastPulledAt = "The app", 42, ts(20)
	ok(t, s.UpdateRepository(c, r))
	r2, err := s.GetRepository(c, "devs/app")
	ok(t, err)
	eq(t, "Description", r2.Description, "The app")
	eq(t, "PullCount", r2.PullCount, int64(42))
	sameTime(t, "LastPulledAt", r2.LastPulledAt, stored(ts(20)))
	sameTime(t, "CreatedAt kept", r2.CreatedAt, r.CreatedAt)
	eq(t, "TagCount kept", r2.TagCount, 1)
	is(t, s.UpdateRepository(c, store.Repository{Name: "nope"}), store.ErrNotFound)

	ok(t, s.DeleteRepository(c, "devs/app"))
	is(t, s.DeleteRepository(c, "devs/app"), store.ErrNotFound)
	_, err = s.GetTag(c, "devs/app", "v1")
	is(t, err, store.ErrNotFound)
	// Pushing again starts from scratch.
	ok(t, s.PutTag(c, store.Tag{Repository: "devs/app", Name: "v2"}))
	r, err = s.GetRepository(c, "devs/app")
	ok(t, err)
	eq(t, "TagCount of a new repository", r.TagCount, 1)
	eq(t, "Description of a new repository", r.Description, "")
}

func testListRepositoriesFilter(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, r := range []string{"busybox", "alpine", "devs/app", "devs/web", "ops/db", "devsx/app"} {
		ok(t, s.PutTag(c, store.Tag{Repository: r, Name: "latest"}))
	}
	list := func(f store.RepositoryFilter) []string {
		t.Helper()
		rs, err := s.ListRepositories(c, f)
		ok(t, err)
		return names(rs, func(r store.Repository) string { return r.Name })
	}
	sameNames(t, "all", list(store.RepositoryFilter{}),
		[]string{"alpine", "busybox", "devs/app", "devs/web", "devsx/app", "ops/db"})
	sameNames(t, "Namespace", list(store.RepositoryFilter{Namespace: "devs"}), []string{"devs/app", "devs/web"})
	sameNames(t, "Namespaces", list(store.RepositoryFilter{Namespaces: []string{"ops", "devsx"}}), []string{"devsx/app", "ops/db"})
	sameNames(t, "global", list(store.RepositoryFilter{Namespaces: []string{""}}), []string{"alpine", "busybox"})
	sameNames(t, "empty set", list(store.RepositoryFilter{Namespaces: []string{}}), []string{})
	sameNames(t, "both", list(store.RepositoryFilter{Namespace: "devs", Namespaces: []string{"ops"}}), []string{})
	sameNames(t, "query", list(store.RepositoryFilter{ListOptions: store.ListOptions{Query: "APP"}}), []string{"devs/app", "devsx/app"})
	sameNames(t, "page", list(store.RepositoryFilter{ListOptions: store.ListOptions{After: "busybox", Limit: 2}}), []string{"devs/app", "devs/web"})
	sameNames(t, "page in namespaces", list(store.RepositoryFilter{Namespaces: []string{"", "devs"},
		ListOptions: store.ListOptions{After: "busybox", Limit: 1, Query: "a"}}), []string{"devs/app"})
}

// testPaging pages every named list the same way.
func testPaging(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "owner", false)
	all := []string{"Alpha", "beta", "delta", "Gamma", "zeta"}
	for _, n := range all {
		user(t, s, "u-"+n, false)
		team(t, s, "t-"+n, "owner")
		ok(t, s.CreateRobot(c, store.Robot{Name: "robot$" + n, Enabled: true}))
		ok(t, s.PutTag(c, store.Tag{Repository: "r/" + n, Name: "tag-" + n}))
	}
	// prefixed pages a list whose names all start with prefix as if the
	// prefix were not there.
	prefixed := func(prefix string, list func(store.ListOptions) ([]string, error)) func(store.ListOptions) ([]string, error) {
		return func(o store.ListOptions) ([]string, error) {
			if o.Query == "" {
				o.Query = prefix
			}
			if o.After != "" {
				o.After = prefix + o.After
			}
			got, err := list(o)
			for i, n := range got {
				got[i] = strings.TrimPrefix(n, prefix)
			}
			return got, err
		}
	}
	listers := map[string]func(store.ListOptions) ([]string, error){
		"users": prefixed("u-", func(o store.ListOptions) ([]string, error) {
			r, err := s.ListUsers(c, o)
			return names(r, func(u store.User) string { return u.Username }), err
		}),
		"teams": prefixed("t-", func(o store.ListOptions) ([]string, error) {
			r, err := s.ListTeams(c, o)
			return names(r, func(t store.Team) string { return t.Name }), err
		}),
		"namespaces": prefixed("u-", func(o store.ListOptions) ([]string, error) {
			r, err := s.ListNamespaces(c, o)
			return names(r, func(n store.Namespace) string { return n.Name }), err
		}),
		"robots": prefixed("robot$", func(o store.ListOptions) ([]string, error) {
			r, err := s.ListRobots(c, o)
			return names(r, func(r store.Robot) string { return r.Name }), err
		}),
		"repositories": prefixed("r/", func(o store.ListOptions) ([]string, error) {
			r, err := s.ListRepositories(c, store.RepositoryFilter{ListOptions: o})
			return names(r, func(r store.Repository) string { return r.Name }), err
		}),
	}
	for what, list := range listers {
		t.Run(what, func(t *testing.T) {
			// Byte order: upper case first.
			got, err := list(store.ListOptions{})
			ok(t, err)
			sameNames(t, "all", got, []string{"Alpha", "Gamma", "beta", "delta", "zeta"})
			var paged []string
			after := ""
			for range 10 {
				page, err := list(store.ListOptions{After: after, Limit: 2})
				ok(t, err)
				if len(page) > 2 {
					t.Fatalf("page of %d items with Limit 2", len(page))
				}
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				after = page[len(page)-1]
			}
			sameNames(t, "paged", paged, got)
			got, err = list(store.ListOptions{Query: "ETA"})
			ok(t, err)
			sameNames(t, "query", got, []string{"beta", "zeta"})
			got, err = list(store.ListOptions{Query: "a", After: "beta", Limit: 2})
			ok(t, err)
			sameNames(t, "query page", got, []string{"delta", "zeta"})
			got, err = list(store.ListOptions{Limit: -3})
			ok(t, err)
			eq(t, "items with Limit -3", len(got), 1)
		})
	}
}

func testQueryEscaping(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, n := range []string{"a%b", "axb", "a_b", `a\b`, "o'brien"} {
		ok(t, s.CreateUser(c, store.User{Username: n, Enabled: true, Bot: true}))
	}
	q := func(query string) []string {
		t.Helper()
		us, err := s.ListUsers(c, store.ListOptions{Query: query})
		ok(t, err)
		return names(us, func(u store.User) string { return u.Username })
	}
	sameNames(t, "%", q("%"), []string{"a%b"})
	sameNames(t, "a%b", q("a%b"), []string{"a%b"})
	sameNames(t, "_", q("_"), []string{"a_b"})
	sameNames(t, `\`, q(`\`), []string{`a\b`})
	sameNames(t, "'", q("'"), []string{"o'brien"})
	sameNames(t, "injection", q("'; DROP TABLE users; --"), []string{})
	us, err := s.ListUsers(c, store.ListOptions{After: "'; DROP TABLE users; --"})
	ok(t, err)
	eq(t, "users after injection attempts", len(us), 5)
	_, err = s.GetUser(c, "x' OR '1'='1")
	is(t, err, store.ErrNotFound)
	n, err := s.CountUsers(c)
	ok(t, err)
	eq(t, "users", n, 5)
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "bob", false)
	team(t, s, "devs", "alice")
	ok(t, s.AddMember(c, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleContributor}))
	namespace(t, s, "web", "devs")
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleOwner}))
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "bob", Kind: rbac.UserKind, Name: "alice", Role: rbac.RoleViewer}))
	ok(t, s.CreateToken(c, store.Token{ID: "t1", Username: "bob", Name: "x", Hash: "h"}))
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$b", CreatedBy: "bob", Enabled: true,
		Access: []store.Access{{Namespace: "bob", Role: rbac.RoleViewer}, {Namespace: "web", Role: rbac.RoleViewer}}}))

	ok(t, s.DeleteUser(c, "bob"))
	_, err := s.GetMember(c, "devs", "bob")
	is(t, err, store.ErrNotFound)
	_, err = s.GetPermission(c, "web", rbac.UserKind, "bob")
	is(t, err, store.ErrNotFound)
	_, err = s.GetTokenByHash(c, "h")
	is(t, err, store.ErrNotFound)
	_, err = s.GetNamespace(c, "bob")
	is(t, err, store.ErrNotFound)
	r, err := s.GetRobot(c, "robot$b")
	ok(t, err)
	if !slices.Equal(r.Access, []store.Access{{Namespace: "web", Role: rbac.RoleViewer}}) {
		t.Fatalf("robot access after its namespace went = %v", r.Access)
	}
	// A new user of the same name starts clean.
	user(t, s, "bob", false)
	roles, err := s.RolesOn(c, "web", rbac.UserKind, "bob")
	ok(t, err)
	eq(t, "roles of a new bob", len(roles), 0)
	toks, err := s.ListTokens(c, "bob")
	ok(t, err)
	eq(t, "tokens of a new bob", len(toks), 0)
	perms, err := s.ListPermissions(c, "bob")
	ok(t, err)
	eq(t, "grants on a new bob's namespace", len(perms), 0)
}

func testDeleteTeamCascades(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "bob", false)
	team(t, s, "devs", "alice")
	team(t, s, "qa", "alice")
	ok(t, s.AddMember(c, store.Member{Team: "qa", Username: "bob", Role: rbac.RoleViewer}))
	namespace(t, s, "web", "devs")
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.TeamKind, Name: "qa", Role: rbac.RoleContributor}))
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$qa", Team: "qa", Enabled: true}))

	ok(t, s.DeleteTeam(c, "qa"))
	_, err := s.GetPermission(c, "web", rbac.TeamKind, "qa")
	is(t, err, store.ErrNotFound)
	teams, err := s.ListUserTeams(c, "bob")
	ok(t, err)
	eq(t, "bob's teams", len(teams), 0)
	roles, err := s.RolesOn(c, "web", rbac.UserKind, "bob")
	ok(t, err)
	eq(t, "bob's roles", len(roles), 0)
	r, err := s.GetRobot(c, "robot$qa")
	ok(t, err)
	eq(t, "robot of a deleted team becomes a system robot", r.Team, "")
	// A team of the same name starts clean.
	team(t, s, "qa", "alice")
	members, err := s.ListMembers(c, "qa", store.ListOptions{})
	ok(t, err)
	eq(t, "members of a new qa", len(members), 1)
}

func testAudit(t *testing.T, s store.Store) {
	c := ctx(t)
	events := []store.AuditEvent{
		{Time: ts(1), Actor: "alice", Source: "10.0.0.1", Action: "team.create", Object: "team/devs", Outcome: "success"},
		{Time: ts(2), Actor: "bob", Action: "token.issue", Object: "repository/devs/app", Outcome: "denied", Detail: `{"scope":"x"}`},
		{Time: ts(3), Actor: "alice", Action: "member.delete", Object: "team/devs/member/bob", Outcome: "success"},
		{Time: ts(4), Actor: "alice", Action: "team.create", Object: "team/ops", Outcome: "error"},
		{Time: ts(5), Actor: "anonymous", Action: "token.issue", Object: "team%/x", Outcome: "denied"},
	}
	for _, e := range events {
		ok(t, s.AppendAudit(c, e))
	}
	ok(t, s.AppendAudit(c, store.AuditEvent{Actor: "now", Action: "x"}))

	all, err := s.ListAudit(c, store.AuditFilter{})
	ok(t, err)
	eq(t, "events", len(all), 6)
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("events not newest first: %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	eq(t, "newest", all[0].Actor, "now")
	if all[0].Time.IsZero() || all[0].ID == 0 {
		t.Fatalf("AppendAudit did not assign Time/ID: %+v", all[0])
	}
	e := all[len(all)-1]
	eq(t, "oldest", e.Action, "team.create")
	eq(t, "Source", e.Source, "10.0.0.1")
	eq(t, "Outcome", e.Outcome, "success")
	sameTime(t, "Time", e.Time, stored(ts(1)))
	eq(t, "Detail", all[len(all)-2].Detail, `{"scope":"x"}`)

	ids := func(f store.AuditFilter) []string {
		t.Helper()
		es, err := s.ListAudit(c, f)
		ok(t, err)
		return names(es, func(e store.AuditEvent) string { return e.Object })
	}
	sameNames(t, "Actor", ids(store.AuditFilter{Actor: "alice"}), []string{"team/ops", "team/devs/member/bob", "team/devs"})
	sameNames(t, "Action", ids(store.AuditFilter{Action: "token.issue"}), []string{"team%/x", "repository/devs/app"})
	sameNames(t, "Object prefix", ids(store.AuditFilter{Object: "team/devs"}), []string{"team/devs/member/bob", "team/devs"})
	sameNames(t, "Object prefix is literal", ids(store.AuditFilter{Object: "team%"}), []string{"team%/x"})
	sameNames(t, "Object prefix is case sensitive", ids(store.AuditFilter{Object: "TEAM/"}), []string{})
	sameNames(t, "Since/Until", ids(store.AuditFilter{Since: ts(2), Until: ts(4)}), []string{"team/devs/member/bob", "repository/devs/app"})
	sameNames(t, "combined", ids(store.AuditFilter{Actor: "alice", Action: "team.create", Since: ts(2)}), []string{"team/ops"})

	// Paging by BeforeID.
	var paged []int64
	before := int64(0)
	for range 10 {
		page, err := s.ListAudit(c, store.AuditFilter{BeforeID: before, Limit: 4})
		ok(t, err)
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			paged = append(paged, e.ID)
		}
		before = page[len(page)-1].ID
	}
	if !slices.Equal(paged, names2ids(all)) {
		t.Fatalf("paged IDs %v, want %v", paged, names2ids(all))
	}
}

func names2ids(es []store.AuditEvent) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func testAuditLimits(t *testing.T, s store.Store) {
	c := ctx(t)
	for i := range 1005 {
		ok(t, s.AppendAudit(c, store.AuditEvent{Actor: "a", Action: "x", Object: fmt.Sprintf("o/%d", i)}))
	}
	for _, tc := range []struct{ limit, want int }{{0, 100}, {1, 1}, {-1, 1}, {250, 250}, {1000, 1000}, {5000, 1000}} {
		es, err := s.ListAudit(c, store.AuditFilter{Limit: tc.limit})
		ok(t, err)
		eq(t, fmt.Sprintf("events with Limit %d", tc.limit), len(es), tc.want)
	}
	us, err := s.ListUsers(c, store.ListOptions{Limit: 5000})
	ok(t, err)
	eq(t, "users", len(us), 0)
}

func testConcurrentWriters(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	const n = 20
	ok(t, errors.Join(concurrently(n, func(i int) error {
		name := fmt.Sprintf("team-%02d", i)
		createErr := s.CreateTeam(c, store.Team{Name: name}, "alice")
		auditErr := s.AppendAudit(c, store.AuditEvent{Actor: "alice", Action: "team.create", Object: "team/" + name})
		_, listErr := s.ListTeams(c, store.ListOptions{})
		return errors.Join(createErr, auditErr, listErr)
	})...))
	teams, err := s.ListTeams(c, store.ListOptions{})
	ok(t, err)
	eq(t, "teams", len(teams), n)
	members, err := s.ListUserTeams(c, "alice")
	ok(t, err)
	eq(t, "alice's teams", len(members), n)

	// Racing on one name: exactly one wins, the rest conflict.
	errs := concurrently(n, func(int) error {
		return s.CreateNamespace(c, store.Namespace{Name: "contested", Team: "team-00", Visibility: rbac.Public})
	})
	conflicts := countIs(t, errs, store.ErrConflict)
	eq(t, "winners", n-conflicts, 1)
}

func testConcurrentLastAdmin(t *testing.T, s store.Store) {
	c := ctx(t)
	const n = 6
	for i := range n {
		user(t, s, fmt.Sprintf("admin%d", i), true)
	}
	errs := concurrently(n, func(i int) error {
		name := fmt.Sprintf("admin%d", i)
		if i%2 == 0 {
			return s.DeleteUser(c, name)
		}
		return s.UpdateUser(c, store.User{Username: name, Enabled: true})
	})
	eq(t, "ErrLastAdmin results", countIs(t, errs, store.ErrLastAdmin), 1)
	users, err := s.ListUsers(c, store.ListOptions{})
	ok(t, err)
	admins := 0
	for _, u := range users {
		if u.Admin && u.Enabled {
			admins++
		}
	}
	eq(t, "enabled admins left", admins, 1)
}

func testConcurrentLastOwner(t *testing.T, s store.Store) {
	c := ctx(t)
	const n = 6
	user(t, s, "u0", false)
	team(t, s, "devs", "u0")
	for i := 1; i < n; i++ {
		name := fmt.Sprintf("u%d", i)
		user(t, s, name, false)
		ok(t, s.AddMember(c, store.Member{Team: "devs", Username: name, Role: rbac.RoleOwner}))
	}
	errs := concurrently(n, func(i int) error {
		name := fmt.Sprintf("u%d", i)
		switch i % 3 {
		case 0:
			return s.RemoveMember(c, "devs", name)
		case 1:
			return s.UpdateMember(c, store.Member{Team: "devs", Username: name, Role: rbac.RoleViewer})
		default:
			return s.DeleteUser(c, name)
		}
	})
	eq(t, "ErrLastOwner results", countIs(t, errs, store.ErrLastOwner), 1)
	members, err := s.ListMembers(c, "devs", store.ListOptions{})
	ok(t, err)
	owners := 0
	for _, m := range members {
		if m.Role == rbac.RoleOwner {
			owners++
		}
	}
	eq(t, "owners left", owners, 1)
}
