package rbac

import "time"

// rank orders roles; RoleNone and unknown roles rank 0.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleContributor:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes min. It is false whenever min is not a
// valid role (RoleNone included), so a check against a missing or mistyped
// requirement fails closed.
func (r Role) AtLeast(min Role) bool { return min.rank() > 0 && r.rank() >= min.rank() }

// Highest returns the highest of the given roles, RoleNone for none.
func Highest(roles ...Role) Role {
	best := RoleNone
	for _, r := range roles {
		if r.rank() > best.rank() {
			best = r
		}
	}
	return best
}

// Valid reports whether v is one of Visibilities.
func (v Visibility) Valid() bool { return v == Public || v == Protected || v == Private }

// Valid reports whether p is one of PushPolicies.
func (p PushPolicy) Valid() bool { return p == AllowTeams || p == AllowPersonal || p == AdminOnly }

// Valid reports whether t is one of TeamCreations.
func (t TeamCreation) Valid() bool { return t == TeamCreationEveryone || t == TeamCreationAdmins }

// Valid reports whether n is one of NamespaceCreations.
func (n NamespaceCreation) Valid() bool {
	return n == NamespaceCreationTeamOwners || n == NamespaceCreationAdmins
}

// Active reports whether the subject may be granted anything at all at now:
// anonymous callers are "active" (they get only what is public); users and
// robots must be enabled, and robots unexpired.
func (s Subject) Active(now time.Time) bool {
	switch s.Kind {
	case Anonymous:
		return true
	case UserKind:
		return s.Enabled
	case RobotKind:
		return s.Enabled && (s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt))
	}
	return false
}

// Decide returns the registry actions (a subset of pull, push, delete, in that
// order) that subject may perform on repositories in target under policy.
// Deny by default: anything not explicitly allowed is absent.
func Decide(now time.Time, s Subject, t Target, p Policy) []Action {
	if !s.Active(now) {
		return nil
	}
	var pull, push, del bool
	switch {
	case s.Kind == UserKind && s.Admin:
		pull, push, del = true, true, p.DeleteEnabled
	case t.Kind == KindGlobal:
		// Admins push; everyone signed in pulls.
		pull = s.Kind != Anonymous
	case t.Kind != KindPersonal && t.Kind != KindTeam:
		// An unknown kind of namespace grants nothing (deny by default).
	default:
		role := RoleNone
		if t.Exists && s.Kind != Anonymous {
			role = t.Role
		}
		pull = role.AtLeast(RoleViewer) || visiblePull(s, t, p)
		if role.AtLeast(RoleContributor) {
			push = mayPush(s, t, p)
			del = p.DeleteEnabled && (role.AtLeast(RoleOwner) || p.ContributorsMayDelete)
		}
	}
	var out []Action
	if pull {
		out = append(out, Pull)
	}
	if push {
		out = append(out, Push)
	}
	if del {
		out = append(out, Delete)
	}
	return out
}

// visiblePull says whether the namespace's visibility alone lets s pull.
func visiblePull(s Subject, t Target, p Policy) bool {
	if !t.Exists {
		return false
	}
	switch t.Visibility {
	case Public:
		return s.Kind != Anonymous || p.AnonymousPull
	case Protected:
		// Signed-in users only; robots hold just their explicit grants.
		return s.Kind == UserKind
	}
	return false
}

// mayPush applies the push policy to a subject that holds at least the
// contributor role.
func mayPush(s Subject, t Target, p Policy) bool {
	switch p.PushPolicy {
	case AllowTeams:
		return true
	case AllowPersonal:
		return s.Kind == UserKind && t.Kind == KindPersonal && t.Namespace == s.Name
	}
	return false
}
