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
