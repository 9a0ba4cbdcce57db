package rbac

import "testing"

func TestManageDecisions(t *testing.T) {
	admin := Subject{Kind: UserKind, Name: "root", Admin: true, Enabled: true}
	user := Subject{Kind: UserKind, Name: "alice", Enabled: true}
	robot := Subject{Kind: RobotKind, Name: "robot$ci", Admin: true, Enabled: true} // the flag counts only on users
	anon := Subject{Kind: Anonymous}

	see := []struct {
		s    Subject
		vis  Visibility
		role Role
		want bool
	}{
		{admin, Private, RoleNone, true},
		{user, Private, RoleViewer, true},
		{user, Private, RoleNone, false},
		{user, Protected, RoleNone, true},
		{user, Public, RoleNone, true},
		{robot, Protected, RoleNone, false},
		{robot, Public, RoleNone, true},
		{robot, Private, RoleContributor, true},
		{anon, Public, RoleNone, true},
		{anon, Protected, RoleNone, false},
	}
	for _, tt := range see {
		if got := CanSeeNamespace(tt.s, tt.vis, tt.role); got != tt.want {
			t.Errorf("CanSeeNamespace(%s %s, %s, %q) = %v", tt.s.Kind, tt.s.Name, tt.vis, tt.role, got)
		}
	}
	manage := []struct {
		s    Subject
		role Role
		want bool
	}{
		{admin, RoleNone, true}, {user, RoleOwner, true}, {user, RoleContributor, false},
		{robot, RoleOwner, false}, {anon, RoleOwner, false},
	}
	for _, tt := range manage {
		if got := CanManageNamespace(tt.s, tt.role); got != tt.want {
			t.Errorf("CanManageNamespace(%s, %q) = %v", tt.s.Kind, tt.role, got)
		}
	}
	if !MayCreateTeam(admin, TeamCreationAdmins) || !MayCreateTeam(user, TeamCreationEveryone) ||
		MayCreateTeam(user, TeamCreationAdmins) || MayCreateTeam(robot, TeamCreationEveryone) {
		t.Error("MayCreateTeam")
	}
	if !MayNameTeamOwner(admin, "bob") || !MayNameTeamOwner(user, "") || !MayNameTeamOwner(user, "alice") ||
		MayNameTeamOwner(user, "bob") {
		t.Error("MayNameTeamOwner")
	}
	if !MayCreateNamespace(admin, NamespaceCreationAdmins, RoleNone) ||
		!MayCreateNamespace(user, NamespaceCreationTeamOwners, RoleOwner) ||
		MayCreateNamespace(user, NamespaceCreationTeamOwners, RoleContributor) ||
		MayCreateNamespace(user, NamespaceCreationAdmins, RoleOwner) ||
		MayCreateNamespace(robot, NamespaceCreationTeamOwners, RoleOwner) {
		t.Error("MayCreateNamespace")
	}
}
