package service_test

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestRobotRules: robots are managed by their team's owners and admins
// (everyone else gets not found); system robots are for admins; a team
// robot reaches only its team's namespaces; changes are audited.
func TestRobotRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice, bob := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)
	for _, tm := range []struct {
		who      service.Actor
		team, ns string
	}{{alice, "devs", "app"}, {bob, "ops", "infra"}} {
		if _, err := svc.CreateTeam(ctx, tm.who, service.NewTeam{Name: tm.team}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateNamespace(ctx, tm.who, service.NewNamespace{Name: tm.ns, Team: tm.team}); err != nil {
			t.Fatal(err)
		}
	}

	_, _, err := svc.CreateRobot(ctx, robot, service.NewRobot{Name: "x", Team: "devs"})
	wantCode(t, "robot creates a robot", err, apiv1.CodeForbidden, "")
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "Bad Name", Team: "devs"})
	wantCode(t, "invalid name", err, apiv1.CodeInvalidArgument, "name")
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "sys"})
	wantCode(t, "user creates a system robot", err, apiv1.CodeForbidden, "team")
	_, _, err = svc.CreateRobot(ctx, bob, service.NewRobot{Name: "ci", Team: "devs"})
	wantCode(t, "non-owner creates a robot", err, apiv1.CodeForbidden, "team")
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "ci", Team: "nope"})
	wantCode(t, "missing team", err, apiv1.CodeNotFound, "team")
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "ci", Team: "devs",
		Access: []service.RobotAccess{{Namespace: "infra", Role: "viewer"}}})
	wantCode(t, "foreign namespace", err, apiv1.CodeForbidden, "access")
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "ci", Team: "devs",
		Access: []service.RobotAccess{{Namespace: "ghost", Role: "viewer"}}})
	wantCode(t, "missing namespace, as a user", err, apiv1.CodeForbidden, "access")
	_, _, err = svc.CreateRobot(ctx, root, service.NewRobot{Name: "ci", Team: "devs",
		Access: []service.RobotAccess{{Namespace: "ghost", Role: "viewer"}}})
	wantCode(t, "missing namespace, as an admin", err, apiv1.CodeNotFound, "access")

	rb, secret, err := svc.CreateRobot(ctx, alice, service.NewRobot{Name: "ci", Team: "devs",
		Access: []service.RobotAccess{{Namespace: "app", Role: "contributor"}}})
	if err != nil || rb.Name != "robot$ci" || secret == "" || !rb.Enabled || len(rb.Access) != 1 {
		t.Fatalf("owner creates a robot: %+v, %q, %v", rb, secret, err)
	}
	_, _, err = svc.CreateRobot(ctx, alice, service.NewRobot{Name: "ci", Team: "devs"})
	wantCode(t, "same robot again", err, apiv1.CodeConflict, "")
	if _, _, err := svc.CreateRobot(ctx, root, service.NewRobot{Name: "sys"}); err != nil {
		t.Fatal(err)
	}

	_, err = svc.Robot(ctx, bob, "ci")
	wantCode(t, "stranger reads", err, apiv1.CodeNotFound, "")
	_, err = svc.Robot(ctx, alice, "robot$sys")
	wantCode(t, "user reads a system robot", err, apiv1.CodeNotFound, "")
	if got, err := svc.Robot(ctx, root, "robot$ci"); err != nil || got.Team != "devs" {
		t.Fatalf("admin reads: %+v, %v", got, err)
	}
	keep, err := svc.RobotFilter(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	all, err := st.ListRobots(ctx, store.ListOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, x := range all {
		if ok, err := keep(x); err != nil {
			t.Fatal(err)
		} else if ok {
			seen = append(seen, x.Name)
		}
	}
	if len(seen) != 1 || seen[0] != "robot$ci" {
		t.Fatalf("alice sees %v", seen)
	}

	off := false
	_, err = svc.UpdateRobot(ctx, bob, "ci", service.RobotChange{Enabled: &off})
	wantCode(t, "stranger updates", err, apiv1.CodeNotFound, "")
	foreign := []service.RobotAccess{{Namespace: "infra", Role: "viewer"}}
	_, err = svc.UpdateRobot(ctx, alice, "ci", service.RobotChange{Access: &foreign})
	wantCode(t, "owner grants a foreign namespace", err, apiv1.CodeForbidden, "access")
	rb, err = svc.UpdateRobot(ctx, alice, "ci", service.RobotChange{Enabled: &off})
	if err != nil || rb.Enabled {
		t.Fatalf("owner disables: %+v, %v", rb, err)
	}
	_, s2, err := svc.RotateRobotSecret(ctx, alice, "ci")
	if err != nil || s2 == "" || s2 == secret {
		t.Fatalf("rotate: %q, %v", s2, err)
	}
	err = svc.DeleteRobot(ctx, bob, "ci")
	wantCode(t, "stranger deletes", err, apiv1.CodeNotFound, "")
	if err := svc.DeleteRobot(ctx, alice, "ci"); err != nil {
		t.Fatal(err)
	}

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if len(e.Action) > 6 && e.Action[:6] == "robot." {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	want := map[string]int{
		"robot.create denied": 4, "robot.create success": 2, "robot.create error": 1,
		"robot.update denied": 2, "robot.update success": 1, "robot.rotate success": 1,
		"robot.delete denied": 1, "robot.delete success": 1,
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
