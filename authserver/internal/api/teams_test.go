package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func TestTeamsAndMembers(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false) // owner of A
	bob := h.user("bob", false)     // owner of B
	carl := h.user("carl", false)   // viewer in A
	h.user("dan", false)
	h.team("team-a", "alice", map[string]rbac.Role{"carl": rbac.RoleViewer})
	h.team("team-b", "bob", nil)

	h.run(t, []call{
		{"anyone lists teams", carl, "GET", "/api/v1/teams", nil, 200, ""},
		{"anyone gets a team", alice, "GET", "/api/v1/teams/team-b", nil, 200, ""},
		{"missing team", alice, "GET", "/api/v1/teams/nope", nil, 404, ""},
		{"create team", alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "team-c"}, 201, ""},
		{"create duplicate", alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "team-c"}, 409, ""},
		{"create bad name", alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "Team_C!"}, 400, "name"},
		{"create reserved", alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "admin"}, 400, "name"},
		{"non-admin names owner", alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "team-d", Owner: "bob"}, 400, "owner"},
		{"admin names owner", h.admin, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "team-e", Owner: "bob"}, 201, ""},
		{"owner patches", alice, "PATCH", "/api/v1/teams/team-a", apiv1.UpdateTeam{Description: ptr("A team")}, 200, ""},
		{"viewer cannot patch", carl, "PATCH", "/api/v1/teams/team-a", apiv1.UpdateTeam{Description: ptr("x")}, 403, ""},
		{"other owner cannot patch", alice, "PATCH", "/api/v1/teams/team-b", apiv1.UpdateTeam{Description: ptr("x")}, 403, ""},
		{"other owner cannot delete", alice, "DELETE", "/api/v1/teams/team-b", nil, 403, ""},
		// Security item 25: members of B are invisible to A's owner.
		{"members of B hidden", alice, "GET", "/api/v1/teams/team-b/members", nil, 404, ""},
		{"member of B hidden", alice, "GET", "/api/v1/teams/team-b/members/bob", nil, 404, ""},
		{"add to B", alice, "POST", "/api/v1/teams/team-b/members", apiv1.AddMember{Username: "alice", Role: "owner"}, 404, ""},
		{"patch in B", alice, "PATCH", "/api/v1/teams/team-b/members/bob", apiv1.UpdateMember{Role: "viewer"}, 404, ""},
		{"remove from B", alice, "DELETE", "/api/v1/teams/team-b/members/bob", nil, 404, ""},
		{"viewer lists own team", carl, "GET", "/api/v1/teams/team-a/members", nil, 200, ""},
		{"viewer cannot add", carl, "POST", "/api/v1/teams/team-a/members", apiv1.AddMember{Username: "dan", Role: "viewer"}, 403, ""},
		{"viewer cannot promote self", carl, "PATCH", "/api/v1/teams/team-a/members/carl", apiv1.UpdateMember{Role: "owner"}, 403, ""},
		{"owner adds", alice, "POST", "/api/v1/teams/team-a/members", apiv1.AddMember{Username: "dan", Role: "contributor"}, 201, ""},
		{"add twice", alice, "POST", "/api/v1/teams/team-a/members", apiv1.AddMember{Username: "dan", Role: "viewer"}, 409, ""},
		{"add unknown user", alice, "POST", "/api/v1/teams/team-a/members", apiv1.AddMember{Username: "ghost", Role: "viewer"}, 404, "username"},
		{"add bad role", alice, "POST", "/api/v1/teams/team-a/members", apiv1.AddMember{Username: "bob", Role: "god"}, 400, "role"},
		{"add extra field", alice, "POST", "/api/v1/teams/team-a/members", `{"username":"bob","role":"viewer","admin":true}`, 400, "admin"},
		{"last owner demote", alice, "PATCH", "/api/v1/teams/team-a/members/alice", apiv1.UpdateMember{Role: "viewer"}, 409, ""},
		{"last owner remove", alice, "DELETE", "/api/v1/teams/team-a/members/alice", nil, 409, ""},
		{"member leaves", carl, "DELETE", "/api/v1/teams/team-a/members/carl", nil, 204, ""},
		{"admin sees B members", h.admin, "GET", "/api/v1/teams/team-b/members", nil, 200, ""},
	})
	// B unchanged.
	ms, err := h.st.ListMembers(context.Background(), "team-b", store.ListOptions{Limit: 10})
	if err != nil || len(ms) != 1 || ms[0].Username != "bob" || ms[0].Role != rbac.RoleOwner {
		t.Fatalf("team-b members after attacks: %+v %v", ms, err)
	}
	_ = bob
	// The creator became owner of the team they created.
	if m, err := h.st.GetMember(context.Background(), "team-c", "alice"); err != nil || m.Role != rbac.RoleOwner {
		t.Fatalf("creator membership: %+v %v", m, err)
	}
	// Team creation restricted to admins.
	expect(t, h.do(h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{TeamCreation: ptr("admins")}), 200, "")
	expect(t, h.do(alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: "team-f"}), http.StatusForbidden, "")
	var me apiv1.Me
	h.do(alice, "GET", "/api/v1/me", nil).decode(t, &me)
	if me.CanCreateTeams {
		t.Fatal("can_create_teams true with team_creation=admins")
	}
}
