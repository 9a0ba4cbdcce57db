package service_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func newService(t *testing.T) (*service.Service, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := service.BootstrapAdmin(ctx, st, "root", "", 0); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob"} {
		if err := st.CreateUser(ctx, store.User{Username: u, Enabled: true, PasswordHash: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	return service.New(service.Deps{Store: st}), st
}

func actor(kind rbac.SubjectKind, name string, admin bool) service.Actor {
	return service.Actor{Principal: authn.Principal{Subject: rbac.Subject{Kind: kind, Name: name, Admin: admin, Enabled: true}}, Source: "192.0.2.1"}
}

func wantCode(t *testing.T, what string, err error, code, field string) {
	t.Helper()
	var e *service.Error
	if !errors.As(err, &e) || e.Code != code || e.Field != field {
		t.Fatalf("%s: %v, want %s (field %q)", what, err, code, field)
	}
}

// TestCreateTeamAndNamespaceRules: the site's creation rules, decided by
// rbac, hold in the use cases whatever the front end; refusals are audited.
func TestCreateTeamAndNamespaceRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice, bob := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)

	_, err := svc.CreateTeam(ctx, robot, service.NewTeam{Name: "bots"})
	wantCode(t, "robot creates a team", err, apiv1.CodeForbidden, "")
	_, err = svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs", Owner: "bob"})
	wantCode(t, "user names another owner", err, apiv1.CodeInvalidArgument, "owner")
	if _, err := svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs"})
	wantCode(t, "same team again", err, apiv1.CodeConflict, "")

	_, err = svc.CreateNamespace(ctx, bob, service.NewNamespace{Name: "app", Team: "devs"})
	wantCode(t, "non-owner creates a namespace", err, apiv1.CodeForbidden, "")
	n, err := svc.CreateNamespace(ctx, alice, service.NewNamespace{Name: "app", Team: "devs"})
	if err != nil || n.Visibility != rbac.Private {
		t.Fatalf("owner creates a namespace: %+v, %v", n, err)
	}
	_, err = svc.CreateNamespace(ctx, alice, service.NewNamespace{Name: "other", Team: "nope"})
	wantCode(t, "missing team", err, apiv1.CodeNotFound, "team")

	admins := string(rbac.TeamCreationAdmins)
	_, err = svc.UpdateSettings(ctx, alice, service.SettingsChange{TeamCreation: &admins})
	wantCode(t, "user changes settings", err, apiv1.CodeForbidden, "")
	bad := "nobody"
	_, err = svc.UpdateSettings(ctx, root, service.SettingsChange{TeamCreation: &bad})
	wantCode(t, "unknown team_creation", err, apiv1.CodeInvalidArgument, "team_creation")
	s, err := svc.UpdateSettings(ctx, root, service.SettingsChange{TeamCreation: &admins})
	if err != nil || s.TeamCreation != rbac.TeamCreationAdmins {
		t.Fatalf("admin changes settings: %+v, %v", s, err)
	}
	_, err = svc.CreateTeam(ctx, bob, service.NewTeam{Name: "ops"})
	wantCode(t, "user creates a team under admins-only", err, apiv1.CodeForbidden, "")
	if _, err := svc.CreateTeam(ctx, root, service.NewTeam{Name: "ops", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Source == "192.0.2.1" {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	for key, want := range map[string]int{
		"team.create denied": 2, "team.create success": 2, "team.create error": 1,
		"namespace.create denied": 1, "namespace.create success": 1,
		"settings.update denied": 1, "settings.update success": 1,
	} {
		if outcomes[key] != want {
			t.Errorf("audit %q: %d, want %d (all: %v)", key, outcomes[key], want, outcomes)
		}
	}
}
