package storetest

import (
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testRobotAccessFollowsMove (issue 8.7, security 42): a team's robot
// reaches only what its team owns. Moving a namespace to another team
// revokes the old team's robots' access to it in the same transaction;
// other grants on the namespace (users, teams, robots of other teams) stay.
func testRobotAccessFollowsMove(t *testing.T, s store.Store) {
	c := ctx(t)
	user(t, s, "alice", false)
	user(t, s, "olga", false)
	team(t, s, "devs", "alice")
	team(t, s, "ops", "olga")
	namespace(t, s, "web", "devs")
	namespace(t, s, "other", "devs")
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$ci", Team: "devs", Enabled: true,
		Access: []store.Access{{Namespace: "web", Role: rbac.RoleContributor}, {Namespace: "other", Role: rbac.RoleViewer}}}))
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$opsbot", Team: "ops", Enabled: true,
		Access: []store.Access{{Namespace: "web", Role: rbac.RoleViewer}}}))
	ok(t, s.CreatePermission(c, store.Permission{Namespace: "web", Kind: rbac.UserKind, Name: "alice", Role: rbac.RoleViewer}))

	n, err := s.GetNamespace(c, "web")
	ok(t, err)
	n.Team = "ops"
	ok(t, s.UpdateNamespace(c, n))

	roles, err := s.RolesOn(c, "web", rbac.RobotKind, "robot$ci")
	ok(t, err)
	if len(roles) != 0 {
		t.Errorf("devs' robot keeps %v on web, now owned by ops", roles)
	}
	rb, err := s.GetRobot(c, "robot$ci")
	ok(t, err)
	if len(rb.Access) != 1 || rb.Access[0].Namespace != "other" {
		t.Errorf("devs' robot's access after the move: %+v, want only other", rb.Access)
	}
	roles, err = s.RolesOn(c, "web", rbac.RobotKind, "robot$opsbot")
	ok(t, err)
	if len(roles) != 1 {
		t.Errorf("ops' robot lost its access: %v", roles)
	}
	roles, err = s.RolesOn(c, "web", rbac.UserKind, "alice")
	ok(t, err)
	if len(roles) != 1 || roles[0] != rbac.RoleViewer {
		t.Errorf("alice's own grant after the move: %v", roles)
	}
}

// testFutureEventTimesClamped (issue 8.3, security 39): an event dated far
// in the future is applied at the store's clock, so it cannot order itself
// after every real change: a re-push after a delete dated 2099 is recorded.
func testFutureEventTimesClamped(t *testing.T, s store.Store) {
	rs, isRS := s.(store.RegistryStore)
	if !isRS {
		t.Fatalf("%T does not implement store.RegistryStore", s)
	}
	c := ctx(t)
	now := time.Now().UTC()
	const repo, dg = "future/app", "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	ev := func(id, action string, at time.Time) store.RegistryEvent {
		return store.RegistryEvent{ID: id, Action: action, Repository: repo, Tag: "v1", Digest: dg,
			MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 1, Timestamp: at}
	}
	for _, e := range []store.RegistryEvent{
		ev("f1", store.ActionPush, now.Add(-time.Minute)),
		ev("f2", store.ActionDelete, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)),
		ev("f3", store.ActionPush, time.Now().UTC().Add(time.Second)),
	} {
		_, err := rs.ApplyEvent(c, e, "")
		ok(t, err)
	}
	if _, err := s.GetTag(c, repo, "v1"); err != nil {
		t.Fatalf("a re-push after a delete dated 2099 is not recorded: %v", err)
	}
}

// testOwnerTeamIsProtected (issue 8.5, security 40): namespaces that pushes
// create go to the protected team only — a team that merely carries the
// owner's name (re-created by someone after the real one went) gets none —
// and the protected team cannot be deleted.
func testOwnerTeamIsProtected(t *testing.T, s store.Store) {
	rs, isRS := s.(store.RegistryStore)
	if !isRS {
		t.Fatalf("%T does not implement store.RegistryStore", s)
	}
	c := ctx(t)
	user(t, s, "mallory", false)
	team(t, s, "admins", "mallory") // carries the name, not the flag
	const dg = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	_, err := rs.ApplyEvent(c, store.RegistryEvent{ID: "o1", Action: store.ActionPush, Repository: "fresh/app", Tag: "v1",
		Digest: dg, MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 1, Timestamp: time.Now()}, "admins")
	ok(t, err)
	if n, err := s.GetNamespace(c, "fresh"); err == nil {
		t.Errorf("an unprotected team named admins got the new namespace: %+v", n)
	}

	user(t, s, "root", true)
	ok(t, s.CreateTeam(c, store.Team{Name: "guards", Protected: true}, "root"))
	is(t, s.DeleteTeam(c, "guards"), store.ErrProtected)
	_, err = s.GetTeam(c, "guards")
	ok(t, err)
}
