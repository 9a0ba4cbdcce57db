package rbac

// The decisions on Dockmaster's own objects (namespaces, teams) that every
// front end shares; Decide covers registry actions on repositories.

// IsAdmin reports whether s is an admin user: the flag counts only on users
// (a robot is never an admin).
func (s Subject) IsAdmin() bool { return s.Kind == UserKind && s.Admin }

// CanSeeNamespace reports whether s may see a namespace of visibility vis
// on which it has role: admins see all; anyone with a role sees it;
// signed-in users see public and protected ones; robots and anonymous
// callers see public ones.
func CanSeeNamespace(s Subject, vis Visibility, role Role) bool {
	switch {
	case s.IsAdmin(), role != RoleNone:
		return true
	case vis == Public:
		return true
	case vis == Protected:
		return s.Kind == UserKind
	}
	return false
}

// CanManageNamespace reports whether s may change a namespace (visibility,
// grants, robots) on which it has role: admins, and users who own it (by
// the owning team, a grant, or as their personal namespace).
func CanManageNamespace(s Subject, role Role) bool {
	return s.IsAdmin() || (s.Kind == UserKind && role == RoleOwner)
}

// MayCreateTeam reports whether s may create a team under rule: admins
// always, other users when rule lets everyone.
func MayCreateTeam(s Subject, rule TeamCreation) bool {
	return s.IsAdmin() || (s.Kind == UserKind && rule == TeamCreationEveryone)
}

// MayNameTeamOwner reports whether s may make owner the first owner of a
// team it creates: itself (or nobody named) always, another user only as
// an admin.
func MayNameTeamOwner(s Subject, owner string) bool {
	return s.IsAdmin() || owner == "" || owner == s.Name
}

// MayCreateNamespace reports whether s may create a namespace owned by a
// team in which it has teamRole, under rule: admins always, team owners
// when rule lets them.
func MayCreateNamespace(s Subject, rule NamespaceCreation, teamRole Role) bool {
	return s.IsAdmin() || (s.Kind == UserKind && rule == NamespaceCreationTeamOwners && teamRole == RoleOwner)
}

// CanSeeTeamMembers reports whether s may see the members of a team in
// which it has teamRole: admins and the team's members.
func CanSeeTeamMembers(s Subject, teamRole Role) bool { return s.IsAdmin() || teamRole != RoleNone }

// CanManageTeam reports whether s may change or delete a team, and manage
// its members, with teamRole in it: admins and the team's owners.
func CanManageTeam(s Subject, teamRole Role) bool { return s.IsAdmin() || teamRole == RoleOwner }

// CanManageRobot reports whether s may manage a robot of team robotTeam
// ("" for a system robot) with teamRole in that team: admins every robot,
// owners of a team that team's robots; system robots are for admins only.
func CanManageRobot(s Subject, robotTeam string, teamRole Role) bool {
	return s.IsAdmin() || (s.Kind == UserKind && robotTeam != "" && teamRole == RoleOwner)
}

// MayGrantRobotAccess reports whether s may give a robot of team robotTeam
// access to a namespace owned by nsTeam: admins anywhere, others only to
// the robot's own team's namespaces.
func MayGrantRobotAccess(s Subject, robotTeam, nsTeam string) bool {
	return s.IsAdmin() || (robotTeam != "" && nsTeam == robotTeam)
}

// CanEditRepository reports whether s may edit a repository's description
// given the actions Decide allows it there and its role on the namespace:
// the push right, or the owner role, which keeps descriptions editable even
// when the push policy is admin-only.
func CanEditRepository(s Subject, allowed []Action, role Role) bool {
	if s.IsAdmin() {
		return true
	}
	for _, a := range allowed {
		if a == Push {
			return true
		}
	}
	return s.Kind == UserKind && role == RoleOwner
}

// CanSeeUser reports whether s may see or act on the account username:
// admins any, a user their own.
func CanSeeUser(s Subject, username string) bool {
	return s.IsAdmin() || (s.Kind == UserKind && s.Name == username)
}

// CanReadAudit reports whether s may read the audit log: admins.
func CanReadAudit(s Subject) bool { return s.IsAdmin() }

// CanAdministerUsers reports whether s may create and delete users, set
// their admin and enabled flags and see their full records: admins.
func CanAdministerUsers(s Subject) bool { return s.IsAdmin() }

// MustProveOldPassword reports whether s, changing the password of the
// account username, must give that account's current password: always for
// one's own account (a stolen session or token cannot lock the owner out)
// and for anyone not an admin; an admin resetting another user need not.
func MustProveOldPassword(s Subject, username string) bool {
	return !s.IsAdmin() || (s.Kind == UserKind && s.Name == username)
}

// MayRemoveMember reports whether s, with teamRole in a team, may remove
// member from it: whoever manages the team, and members themselves (they
// may leave).
func MayRemoveMember(s Subject, teamRole Role, member string) bool {
	return CanManageTeam(s, teamRole) || member == s.Name
}

// MayMoveNamespace reports whether s may move a namespace to another team:
// admins.
func MayMoveNamespace(s Subject) bool { return s.IsAdmin() }
