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

func TestTeamRobotRepositoryUserDecisions(t *testing.T) {
	admin := Subject{Kind: UserKind, Name: "root", Admin: true, Enabled: true}
	user := Subject{Kind: UserKind, Name: "alice", Enabled: true}
	robot := Subject{Kind: RobotKind, Name: "robot$ci", Enabled: true}
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"admin sees members", CanSeeTeamMembers(admin, RoleNone), true},
		{"member sees members", CanSeeTeamMembers(user, RoleViewer), true},
		{"stranger sees no members", CanSeeTeamMembers(user, RoleNone), false},
		{"owner manages team", CanManageTeam(user, RoleOwner), true},
		{"contributor does not", CanManageTeam(user, RoleContributor), false},
		{"admin manages team", CanManageTeam(admin, RoleNone), true},
		{"admin manages system robot", CanManageRobot(admin, "", RoleNone), true},
		{"owner manages team robot", CanManageRobot(user, "devs", RoleOwner), true},
		{"owner does not manage system robot", CanManageRobot(user, "", RoleOwner), false},
		{"robot manages no robot", CanManageRobot(robot, "devs", RoleOwner), false},
		{"admin grants anywhere", MayGrantRobotAccess(admin, "", "ops"), true},
		{"own team's namespace", MayGrantRobotAccess(user, "devs", "devs"), true},
		{"other team's namespace", MayGrantRobotAccess(user, "devs", "ops"), false},
		{"system robot by non-admin", MayGrantRobotAccess(user, "", ""), false},
		{"push edits", CanEditRepository(user, []Action{Pull, Push}, RoleContributor), true},
		{"owner edits without push", CanEditRepository(user, []Action{Pull}, RoleOwner), true},
		{"viewer does not edit", CanEditRepository(user, []Action{Pull}, RoleViewer), false},
		{"robot owner role without push", CanEditRepository(robot, []Action{Pull}, RoleOwner), false},
		{"self", CanSeeUser(user, "alice"), true},
		{"other user", CanSeeUser(user, "bob"), false},
		{"robot named like a user", CanSeeUser(Subject{Kind: RobotKind, Name: "alice"}, "alice"), false},
		{"member leaves", MayRemoveMember(user, RoleViewer, "alice"), true},
		{"member removes another", MayRemoveMember(user, RoleViewer, "bob"), false},
		{"owner removes another", MayRemoveMember(user, RoleOwner, "bob"), true},
		{"admin moves a namespace", MayMoveNamespace(admin), true},
		{"owner does not move a namespace", MayMoveNamespace(user), false},
		{"admin reads audit", CanReadAudit(admin), true},
		{"user reads no audit", CanReadAudit(user), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestUserAdministration(t *testing.T) {
	admin := Subject{Kind: UserKind, Name: "root", Admin: true, Enabled: true}
	user := Subject{Kind: UserKind, Name: "alice", Enabled: true}
	if !CanAdministerUsers(admin) || CanAdministerUsers(user) || CanAdministerUsers(Subject{Kind: RobotKind, Admin: true}) {
		t.Error("CanAdministerUsers")
	}
	if !MustProveOldPassword(user, "alice") || !MustProveOldPassword(admin, "root") || MustProveOldPassword(admin, "alice") {
		t.Error("MustProveOldPassword")
	}
}
