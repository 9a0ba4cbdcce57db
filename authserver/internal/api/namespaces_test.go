package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func TestNamespacesAndPermissions(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false) // owner of A
	bob := h.user("bob", false)     // owner of B
	carl := h.user("carl", false)   // contributor in A
	h.team("team-a", "alice", map[string]rbac.Role{"carl": rbac.RoleContributor})
	h.team("team-b", "bob", nil)
	h.namespace("b-private", "team-b", rbac.Private)
	h.namespace("b-public", "team-b", rbac.Public)
	h.namespace("b-protected", "team-b", rbac.Protected)

	h.run(t, []call{
		{"owner creates", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-app", Team: "team-a"}, 201, ""},
		{"duplicate", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-app", Team: "team-a"}, 409, ""},
		{"taken by a user", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "bob", Team: "team-a"}, 409, ""},
		{"contributor cannot create", carl, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-two", Team: "team-a"}, 403, ""},
		{"not owner of B", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "b-two", Team: "team-b"}, 403, ""},
		{"missing team", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "x-two", Team: "ghost"}, 404, "team"},
		{"no team", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "x-two"}, 400, "team"},
		{"bad visibility", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-two", Team: "team-a", Visibility: "secret"}, 400, "visibility"},
		{"bad name", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "A/B", Team: "team-a"}, 400, "name"},
		{"reserved name", alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "_catalog", Team: "team-a"}, 400, "name"},
		{"private of B hidden", alice, "GET", "/api/v1/namespaces/b-private", nil, 404, ""},
		{"public of B visible", alice, "GET", "/api/v1/namespaces/b-public", nil, 200, ""},
		{"protected of B visible", alice, "GET", "/api/v1/namespaces/b-protected", nil, 200, ""},
		{"personal of B hidden", alice, "GET", "/api/v1/namespaces/bob", nil, 404, ""},
		{"own personal visible", alice, "GET", "/api/v1/namespaces/alice", nil, 200, ""},
		{"patch private of B", alice, "PATCH", "/api/v1/namespaces/b-private", apiv1.UpdateNamespace{Visibility: ptr("public")}, 404, ""},
		{"patch public of B", alice, "PATCH", "/api/v1/namespaces/b-public", apiv1.UpdateNamespace{Visibility: ptr("private")}, 403, ""},
		{"delete public of B", alice, "DELETE", "/api/v1/namespaces/b-public", nil, 403, ""},
		{"owner patches", alice, "PATCH", "/api/v1/namespaces/a-app", apiv1.UpdateNamespace{Visibility: ptr("protected"), Description: ptr("app")}, 200, ""},
		{"owner cannot move", alice, "PATCH", "/api/v1/namespaces/a-app", apiv1.UpdateNamespace{Team: ptr("team-b")}, 403, "team"},
		{"contributor cannot patch", carl, "PATCH", "/api/v1/namespaces/a-app", apiv1.UpdateNamespace{Description: ptr("x")}, 403, ""},
		{"same team is no move", alice, "PATCH", "/api/v1/namespaces/a-app", apiv1.UpdateNamespace{Team: ptr("team-a")}, 200, ""},
		// Permissions: only owners and admins; everyone else 404.
		{"grant on B", alice, "POST", "/api/v1/namespaces/b-public/permissions", apiv1.CreatePermission{Kind: "user", Name: "alice", Role: "owner"}, 404, ""},
		{"grant on hidden B", alice, "POST", "/api/v1/namespaces/b-private/permissions", apiv1.CreatePermission{Kind: "user", Name: "alice", Role: "owner"}, 404, ""},
		{"list grants of B", alice, "GET", "/api/v1/namespaces/b-public/permissions", nil, 404, ""},
		{"contributor lists grants", carl, "GET", "/api/v1/namespaces/a-app/permissions", nil, 404, ""},
		{"grant to missing user", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "user", Name: "ghost", Role: "viewer"}, 404, "name"},
		{"grant bad kind", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "group", Name: "bob", Role: "viewer"}, 400, "kind"},
		{"grant bad role", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "admin"}, 400, "role"},
		{"grant user", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "viewer"}, 201, ""},
		{"grant twice", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "owner"}, 409, ""},
		{"grant team", alice, "POST", "/api/v1/namespaces/a-app/permissions", apiv1.CreatePermission{Kind: "team", Name: "team-b", Role: "viewer"}, 201, ""},
		{"get grant", alice, "GET", "/api/v1/namespaces/a-app/permissions/user/bob", nil, 200, ""},
		{"grantee cannot escalate", bob, "PATCH", "/api/v1/namespaces/a-app/permissions/user/bob", apiv1.UpdatePermission{Role: "owner"}, 404, ""},
		{"owner updates grant", alice, "PATCH", "/api/v1/namespaces/a-app/permissions/user/bob", apiv1.UpdatePermission{Role: "contributor"}, 200, ""},
		{"owner revokes grant", alice, "DELETE", "/api/v1/namespaces/a-app/permissions/team/team-b", nil, 204, ""},
		{"revoked grant gone", alice, "GET", "/api/v1/namespaces/a-app/permissions/team/team-b", nil, 404, ""},
		{"admin moves", h.admin, "PATCH", "/api/v1/namespaces/a-app", apiv1.UpdateNamespace{Team: ptr("team-b")}, 200, ""},
		{"admin sees private", h.admin, "GET", "/api/v1/namespaces/b-private", nil, 200, ""},
	})
	// The private namespace of B is unchanged and has no grant from alice.
	n, err := h.st.GetNamespace(context.Background(), "b-private")
	if err != nil || n.Visibility != rbac.Private {
		t.Fatalf("b-private after attacks: %+v %v", n, err)
	}
	if ps, _ := h.st.ListPermissions(context.Background(), "b-private"); len(ps) != 0 {
		t.Fatalf("grants on b-private: %+v", ps)
	}
	// Lists show only what the caller may see.
	var page apiv1.Page[apiv1.Namespace]
	h.do(alice, "GET", "/api/v1/namespaces?page_size=200", nil).decode(t, &page)
	seen := map[string]bool{}
	for _, n := range page.Items {
		seen[n.Name] = true
	}
	if seen["b-private"] || seen["bob"] || !seen["b-public"] || !seen["alice"] {
		t.Fatalf("alice's namespace list: %v", seen)
	}
	// Namespace creation restricted to admins.
	expect(t, h.do(h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{NamespaceCreation: ptr("admins")}), 200, "")
	expect(t, h.do(alice, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-three", Team: "team-a"}), http.StatusForbidden, "")
	expect(t, h.do(h.admin, "POST", "/api/v1/namespaces", apiv1.CreateNamespace{Name: "a-three", Team: "team-a"}), http.StatusCreated, "")
}
