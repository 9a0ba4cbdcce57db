package service_test

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestPermissionRules: grants are seen and managed by the namespace's
// owners and admins only (everyone else gets not found); grantees are
// checked; changes and refusals are audited.
func TestPermissionRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice, bob := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)
	if _, err := svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateNamespace(ctx, alice, service.NewNamespace{Name: "app", Team: "devs"}); err != nil {
		t.Fatal(err)
	}

	_, err := svc.PermissionsOf(ctx, robot, "app")
	wantCode(t, "robot lists grants", err, apiv1.CodeForbidden, "")
	_, err = svc.PermissionsOf(ctx, bob, "app")
	wantCode(t, "stranger lists grants", err, apiv1.CodeNotFound, "")
	_, err = svc.CreatePermission(ctx, bob, "app", service.NewPermission{Kind: "user", Name: "bob", Role: "owner"})
	wantCode(t, "stranger grants himself", err, apiv1.CodeNotFound, "")
	_, err = svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "group", Name: "bob", Role: "viewer"})
	wantCode(t, "unknown kind", err, apiv1.CodeInvalidArgument, "kind")
	_, err = svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "user", Name: "Bad Name", Role: "viewer"})
	wantCode(t, "invalid name", err, apiv1.CodeInvalidArgument, "name")
	_, err = svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "user", Name: "bob", Role: "god"})
	wantCode(t, "unknown role", err, apiv1.CodeInvalidArgument, "role")
	_, err = svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "user", Name: "carol", Role: "viewer"})
	wantCode(t, "missing grantee", err, apiv1.CodeNotFound, "name")

	p, err := svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "user", Name: "bob", Role: "viewer"})
	if err != nil || p.Namespace != "app" || p.Kind != rbac.UserKind || p.Name != "bob" || p.Role != rbac.RoleViewer {
		t.Fatalf("owner grants: %+v, %v", p, err)
	}
	_, err = svc.CreatePermission(ctx, alice, "app", service.NewPermission{Kind: "user", Name: "bob", Role: "contributor"})
	wantCode(t, "same grant again", err, apiv1.CodeConflict, "")
	if _, err := svc.CreatePermission(ctx, root, "app", service.NewPermission{Kind: "team", Name: "devs", Role: "contributor"}); err != nil {
		t.Fatal(err)
	}

	// A grantee who is only a viewer still sees nothing of the grants.
	_, err = svc.Permission(ctx, bob, "app", "user", "bob")
	wantCode(t, "reader reads his grant", err, apiv1.CodeNotFound, "")
	_, err = svc.UpdatePermission(ctx, bob, "app", "user", "bob", "owner")
	wantCode(t, "reader escalates", err, apiv1.CodeNotFound, "")
	_, err = svc.Permission(ctx, alice, "app", "group", "bob")
	wantCode(t, "invalid kind in path", err, apiv1.CodeNotFound, "")
	_, err = svc.Permission(ctx, alice, "app", "user", "root")
	wantCode(t, "no such grant", err, apiv1.CodeNotFound, "")

	n, err := svc.PermissionsOf(ctx, alice, "app")
	if err != nil {
		t.Fatal(err)
	}
	all, err := svc.Permissions(ctx, n)
	if err != nil || len(all) != 2 || service.PermissionKey(all[0]) != "team/devs" || service.PermissionKey(all[1]) != "user/bob" {
		t.Fatalf("list: %+v, %v", all, err)
	}

	_, err = svc.UpdatePermission(ctx, alice, "app", "user", "bob", "god")
	wantCode(t, "update to unknown role", err, apiv1.CodeInvalidArgument, "role")
	p, err = svc.UpdatePermission(ctx, alice, "app", "user", "bob", "contributor")
	if err != nil || p.Role != rbac.RoleContributor {
		t.Fatalf("owner updates: %+v, %v", p, err)
	}
	if err := svc.DeletePermission(ctx, alice, "app", "user", "bob"); err != nil {
		t.Fatal(err)
	}
	err = svc.DeletePermission(ctx, alice, "app", "user", "bob")
	wantCode(t, "delete twice", err, apiv1.CodeNotFound, "")

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Source == "192.0.2.1" && len(e.Action) > 11 && e.Action[:11] == "permission." {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	want := map[string]int{
		"permission.create denied": 1, "permission.create success": 2, "permission.create error": 1,
		"permission.update denied": 1, "permission.update success": 1,
		"permission.delete denied": 1, "permission.delete success": 1,
	}
	if len(outcomes) != len(want) {
		t.Errorf("audit: %v, want %v", outcomes, want)
	}
	for key, n := range want {
		if outcomes[key] != n {
			t.Errorf("audit %q: %d, want %d (all: %v)", key, outcomes[key], n, outcomes)
		}
	}
}
