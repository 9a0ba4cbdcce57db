package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func TestRobots(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false)
	bob := h.user("bob", false)
	carl := h.user("carl", false)
	h.team("team-a", "alice", map[string]rbac.Role{"carl": rbac.RoleContributor})
	h.team("team-b", "bob", nil)
	h.namespace("a-app", "team-a", rbac.Private)
	h.namespace("b-app", "team-b", rbac.Private)
	h.namespace("b-pub", "team-b", rbac.Public)

	acc := func(ns, role string) []apiv1.RobotAccess { return []apiv1.RobotAccess{{Namespace: ns, Role: role}} }
	h.run(t, []call{
		// Security item 26: rights on B for a robot of A are refused.
		{"rights on B", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("b-app", "contributor")}, 403, "access"},
		{"rights on public B", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("b-pub", "viewer")}, 403, "access"},
		{"rights on missing", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("nowhere", "viewer")}, 403, "access"},
		{"rights on personal", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("alice", "viewer")}, 403, "access"},
		{"robot of B", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-b", Access: acc("b-app", "viewer")}, 403, "team"},
		{"system robot", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Access: acc("a-app", "viewer")}, 403, "team"},
		{"contributor", carl, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("a-app", "viewer")}, 403, "team"},
		{"bad name", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "CI!", Team: "team-a"}, 400, "name"},
		{"bad role", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a", Access: acc("a-app", "admin")}, 400, "access"},
		{"owner creates", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "robot$ci", Team: "team-a", Access: acc("a-app", "contributor")}, 201, ""},
		{"duplicate", alice, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "ci", Team: "team-a"}, 409, ""},
		{"bob creates his", bob, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "deploy", Team: "team-b", Access: acc("b-app", "viewer")}, 201, ""},
		// Security item 25: robots of B answer 404 to A's owner.
		{"get B's robot", alice, "GET", "/api/v1/robots/robot$deploy", nil, 404, ""},
		{"patch B's robot", alice, "PATCH", "/api/v1/robots/deploy", apiv1.UpdateRobot{Enabled: ptr(false)}, 404, ""},
		{"rotate B's robot", alice, "POST", "/api/v1/robots/deploy/secret", nil, 404, ""},
		{"delete B's robot", alice, "DELETE", "/api/v1/robots/deploy", nil, 404, ""},
		{"contributor cannot see", carl, "GET", "/api/v1/robots/ci", nil, 404, ""},
		{"widen to B", alice, "PATCH", "/api/v1/robots/ci", apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{{Namespace: "b-app", Role: "owner"}}}, 403, "access"},
		{"owner updates", alice, "PATCH", "/api/v1/robots/ci", apiv1.UpdateRobot{Description: ptr("CI")}, 200, ""},
		{"both expiry fields", alice, "PATCH", "/api/v1/robots/ci", `{"clear_expiry":true,"expires_at":"2999-01-01T00:00:00Z"}`, 400, "clear_expiry"},
		{"admin system robot", h.admin, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "sync", Access: acc("b-app", "viewer")}, 201, ""},
		{"owner cannot see system robot", alice, "GET", "/api/v1/robots/sync", nil, 404, ""},
	})
	rb, err := h.st.GetRobot(context.Background(), "robot$deploy")
	if err != nil || !rb.Enabled {
		t.Fatalf("B's robot after attacks: %+v %v", rb, err)
	}
	var page apiv1.Page[apiv1.Robot]
	h.do(alice, "GET", "/api/v1/robots", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "robot$ci" || page.Items[0].Secret != "" {
		t.Fatalf("alice's robots: %+v", page.Items)
	}

	// The secret works as a Bearer credential, once rotated the old one dies.
	r := h.do(alice, "POST", "/api/v1/robots/ci/secret", nil)
	expect(t, r, http.StatusOK, "")
	var rot apiv1.Robot
	r.decode(t, &rot)
	if rot.Secret == "" {
		t.Fatal("no secret after rotation")
	}
	robot := cred{bearer: rot.Secret}
	var me apiv1.Me
	h.do(robot, "GET", "/api/v1/me", nil).decode(t, &me)
	if me.Kind != "robot" || me.Name != "robot$ci" || len(me.Namespaces) != 1 || me.Namespaces[0].Role != "contributor" {
		t.Fatalf("robot /me: %+v", me)
	}
	// Robots manage nothing.
	expect(t, h.do(robot, "GET", "/api/v1/teams", nil), http.StatusForbidden, "")
	expect(t, h.do(robot, "POST", "/api/v1/robots", apiv1.CreateRobot{Name: "x", Team: "team-a"}), http.StatusForbidden, "")
	expect(t, h.do(robot, "GET", "/api/v1/users/alice/tokens", nil), http.StatusForbidden, "")
}
