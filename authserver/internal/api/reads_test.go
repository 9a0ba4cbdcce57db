package api_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// countingStore counts the reads the tests below care about.
type countingStore struct {
	store.Store
	mu    sync.Mutex
	reads map[string]int
}

func (s *countingStore) count(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads[op]++
}

func (s *countingStore) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.reads
	s.reads = map[string]int{}
	return r
}

func (s *countingStore) GetMember(ctx context.Context, team, username string) (store.Member, error) {
	s.count("GetMember")
	return s.Store.GetMember(ctx, team, username)
}

func (s *countingStore) GetNamespace(ctx context.Context, name string) (store.Namespace, error) {
	s.count("GetNamespace")
	return s.Store.GetNamespace(ctx, name)
}

// RolesOn and NamespaceAccess both count as a read of roles.
func (s *countingStore) RolesOn(ctx context.Context, ns string, kind rbac.SubjectKind, name string) ([]rbac.Role, error) {
	s.count("roles")
	return s.Store.RolesOn(ctx, ns, kind, name)
}

func (s *countingStore) NamespaceAccess(ctx context.Context, ns string, kind rbac.SubjectKind, name string) (store.Namespace, []rbac.Role, error) {
	s.count("roles")
	return s.Store.NamespaceAccess(ctx, ns, kind, name)
}

func countingHarness(t *testing.T) (*harness, *countingStore) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	cs := &countingStore{Store: st, reads: map[string]int{}}
	return newHarnessOn(t, cs, nil), cs
}

// TestRobotListReadsEachTeamRoleOnce: listing robots reads the caller's
// role in each team once, not once per robot.
func TestRobotListReadsEachTeamRoleOnce(t *testing.T) {
	h, cs := countingHarness(t)
	alice := h.user("alice", false)
	h.user("bob", false)
	h.team("team-a", "alice", nil)
	h.team("team-b", "bob", nil)
	for _, rb := range []apiv1.CreateRobot{
		{Name: "a1", Team: "team-a"}, {Name: "a2", Team: "team-a"}, {Name: "a3", Team: "team-a"},
		{Name: "b1", Team: "team-b"}, {Name: "b2", Team: "team-b"},
	} {
		expect(t, h.do(h.admin, "POST", "/api/v1/robots", rb), 201, "")
	}
	cs.take()
	var page apiv1.Page[apiv1.Robot]
	r := h.do(alice, "GET", "/api/v1/robots", nil)
	expect(t, r, 200, "")
	r.decode(t, &page)
	var got []string
	for _, rb := range page.Items {
		got = append(got, rb.Name)
	}
	if len(got) != 3 || got[0] != "robot$a1" || got[2] != "robot$a3" {
		t.Fatalf("alice's robots: %v", got)
	}
	if n := cs.take()["GetMember"]; n != 2 {
		t.Fatalf("listing 5 robots of 2 teams read a membership %d times, want 2", n)
	}
}

// TestRepositoryUpdateReadsRolesOnce: the owner of a namespace describes
// its repositories even when only admins push, and the role that decides
// it is the one already read to decide the pull.
func TestRepositoryUpdateReadsRolesOnce(t *testing.T) {
	h, cs := countingHarness(t)
	alice := h.user("alice", false)
	carl := h.user("carl", false)
	h.team("team-a", "alice", map[string]rbac.Role{"carl": rbac.RoleContributor})
	h.namespace("a-app", "team-a", rbac.Private)
	h.tag("a-app/web", "v1")
	expect(t, h.do(h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{PushPolicy: ptr("admin-only")}), 200, "")

	cs.take()
	expect(t, h.do(alice, "PATCH", "/api/v1/repositories/a-app/web", apiv1.UpdateRepository{Description: ptr("web")}), 200, "")
	if reads := cs.take(); reads["roles"] != 1 || reads["GetNamespace"] != 0 {
		t.Fatalf("one update read the caller's roles %d times and the namespace %d more, want 1 read in all", reads["roles"], reads["GetNamespace"])
	}
	expect(t, h.do(carl, "PATCH", "/api/v1/repositories/a-app/web", apiv1.UpdateRepository{Description: ptr("x")}), 403, "")
}
