package service_test

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestUserRules: admins create, change and delete users; users see and
// change only themselves, never admin or enabled, and prove their old
// password; changes and refusals are audited.
func TestUserRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice, bob := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)
	str := func(s string) *string { return &s }
	yes := true

	if _, err := service.UsersView(robot); err == nil {
		t.Fatal("robot lists users")
	}
	if full, err := service.UsersView(alice); err != nil || full {
		t.Fatalf("user view: %t, %v", full, err)
	}
	if full, err := service.UsersView(root); err != nil || !full {
		t.Fatalf("admin view: %t, %v", full, err)
	}

	_, err := svc.CreateUser(ctx, alice, service.NewUser{Username: "carol", Password: "long enough"})
	wantCode(t, "user creates a user", err, apiv1.CodeForbidden, "")
	_, err = svc.CreateUser(ctx, root, service.NewUser{Username: "Carol", Password: "long enough"})
	wantCode(t, "invalid username", err, apiv1.CodeInvalidArgument, "username")
	_, err = svc.CreateUser(ctx, root, service.NewUser{Username: "carol", Password: "short"})
	wantCode(t, "short password", err, apiv1.CodeInvalidArgument, "password")
	u, err := svc.CreateUser(ctx, root, service.NewUser{Username: "carol", Email: "carol@example.org", Password: "long enough"})
	if err != nil || u.Username != "carol" || !u.Enabled || u.PasswordHash == "" {
		t.Fatalf("admin creates a user: %+v, %v", u, err)
	}
	_, err = svc.CreateUser(ctx, root, service.NewUser{Username: "carol", Password: "long enough"})
	wantCode(t, "same user again", err, apiv1.CodeConflict, "")

	_, err = svc.User(ctx, bob, "carol")
	wantCode(t, "user reads another", err, apiv1.CodeNotFound, "")
	_, err = svc.User(ctx, root, "Bad Name")
	wantCode(t, "invalid name in path", err, apiv1.CodeNotFound, "")
	_, err = svc.UpdateUser(ctx, bob, "carol", service.UserChange{Email: str("x@example.org")})
	wantCode(t, "user updates another", err, apiv1.CodeNotFound, "")

	carol := actor(rbac.UserKind, "carol", false)
	_, err = svc.UpdateUser(ctx, carol, "carol", service.UserChange{Admin: &yes})
	wantCode(t, "user makes himself admin", err, apiv1.CodeInvalidArgument, "admin")
	_, err = svc.UpdateUser(ctx, carol, "carol", service.UserChange{CurrentPassword: str("long enough")})
	wantCode(t, "current password alone", err, apiv1.CodeInvalidArgument, "current_password")
	_, err = svc.UpdateUser(ctx, carol, "carol", service.UserChange{Password: str("new password"), CurrentPassword: str("wrong one!")})
	wantCode(t, "wrong current password", err, apiv1.CodeInvalidArgument, "current_password")
	u, err = svc.UpdateUser(ctx, carol, "carol", service.UserChange{Password: str("new password"), CurrentPassword: str("long enough"),
		DisplayName: str("Carol")})
	if err != nil || u.DisplayName != "Carol" {
		t.Fatalf("user changes her password: %+v, %v", u, err)
	}
	u, err = svc.UpdateUser(ctx, root, "carol", service.UserChange{Password: str("admin resets"), Admin: &yes})
	if err != nil || !u.Admin {
		t.Fatalf("admin resets and promotes: %+v, %v", u, err)
	}

	err = svc.DeleteUser(ctx, alice, "alice")
	wantCode(t, "user deletes himself", err, apiv1.CodeForbidden, "")
	if err := svc.DeleteUser(ctx, root, "carol"); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteUser(ctx, root, "carol")
	wantCode(t, "delete twice", err, apiv1.CodeNotFound, "")

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Source == "192.0.2.1" && len(e.Action) > 5 && e.Action[:5] == "user." {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	want := map[string]int{
		"user.create denied": 1, "user.create success": 1, "user.create error": 1,
		"user.update denied": 2, "user.update success": 2,
		"user.delete denied": 1, "user.delete success": 1,
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
