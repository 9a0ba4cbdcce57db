package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// meNamespaces renders Me's namespaces as "name=role[actions]".
func meNamespaces(me service.Me) []string {
	var out []string
	for _, n := range me.Namespaces {
		acts := make([]string, 0, len(n.Actions))
		for _, a := range n.Actions {
			acts = append(acts, string(a))
		}
		out = append(out, fmt.Sprintf("%s=%s[%s]", n.Namespace, n.Role, strings.Join(acts, ",")))
	}
	return out
}

// TestMe: the use case behind /api/v1/me. A user sees every namespace
// where it holds a role — past the first batch of the namespace walk too —
// in name order, its teams and the site's team creation rule applied to
// it; a robot sees the namespaces of its access list, no teams, and is
// never an admin nor able to create teams.
func TestMe(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false)
	if _, err := svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateNamespace(ctx, alice, service.NewNamespace{Name: "app", Team: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateTeam(ctx, root, service.NewTeam{Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	// More namespaces than one batch of the walk; alice's grant is on the last.
	for i := range 205 {
		n := store.Namespace{Name: fmt.Sprintf("n%03d", i), Team: "ops", Visibility: rbac.Private}
		if err := st.CreateNamespace(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreatePermission(ctx, store.Permission{Namespace: "n204", Kind: rbac.UserKind, Name: "alice",
		Role: rbac.RoleContributor}); err != nil {
		t.Fatal(err)
	}

	me, err := svc.Me(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"alice=owner[pull,push,delete]", "app=owner[pull,push,delete]", "n204=contributor[pull,push]"}; !slices.Equal(meNamespaces(me), want) {
		t.Errorf("alice's namespaces = %q, want %q", meNamespaces(me), want)
	}
	if me.Admin || !me.CanCreateTeams || me.Subject.Name != "alice" || len(me.Teams) != 1 ||
		me.Teams[0].Team != "devs" || me.Teams[0].Role != rbac.RoleOwner {
		t.Errorf("alice: %+v", me)
	}

	admins := string(rbac.TeamCreationAdmins)
	if _, err := svc.UpdateSettings(ctx, root, service.SettingsChange{TeamCreation: &admins}); err != nil {
		t.Fatal(err)
	}
	if me, err = svc.Me(ctx, alice); err != nil || me.CanCreateTeams {
		t.Errorf("alice under admins-only team creation: can create teams = %v, %v", me.CanCreateTeams, err)
	}
	if me, err = svc.Me(ctx, root); err != nil || !me.Admin || !me.CanCreateTeams || me.Teams == nil {
		t.Errorf("root: %+v, %v", me, err)
	}

	rb, _, err := svc.CreateRobot(ctx, root, service.NewRobot{Name: "ci", Access: []service.RobotAccess{
		{Namespace: "n204", Role: "viewer"}, {Namespace: "app", Role: "contributor"}}})
	if err != nil {
		t.Fatal(err)
	}
	robot := actor(rbac.RobotKind, rb.Name, true) // an admin flag on a robot must not count
	robot.Principal.Robot = &rb
	if me, err = svc.Me(ctx, robot); err != nil {
		t.Fatal(err)
	}
	if want := []string{"app=contributor[pull,push]", "n204=viewer[pull]"}; !slices.Equal(meNamespaces(me), want) {
		t.Errorf("robot's namespaces = %q, want %q", meNamespaces(me), want)
	}
	if me.Admin || me.CanCreateTeams || me.Teams == nil || len(me.Teams) != 0 {
		t.Errorf("robot: %+v", me)
	}
}
