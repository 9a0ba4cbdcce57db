package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// NewNamespace is what CreateNamespace needs; an empty Visibility means
// private.
type NewNamespace struct {
	Name, Team, Visibility, Description string
}

// CreateNamespace creates a namespace owned by a team as a. The site's
// namespace creation rule applies: admins always, else owners of the team
// when the rule lets them.
func (s *Service) CreateNamespace(ctx context.Context, a Actor, in NewNamespace) (store.Namespace, error) {
	if err := UsersOnly(a); err != nil {
		return store.Namespace{}, err
	}
	obj := "namespace/" + Truncate(in.Name, 64)
	if err := CheckName("name", in.Name); err != nil {
		return store.Namespace{}, err
	}
	if in.Team == "" {
		return store.Namespace{}, Invalid("team", "team is required: a namespace belongs to a team")
	}
	if !rbac.ValidComponent(in.Team) {
		return store.Namespace{}, Invalid("team", "team %q is not valid", in.Team)
	}
	vis := rbac.Private
	if in.Visibility != "" {
		v, err := CheckVisibility("visibility", in.Visibility)
		if err != nil {
			return store.Namespace{}, err
		}
		vis = v
	}
	if err := CheckText("description", in.Description, MaxDescription); err != nil {
		return store.Namespace{}, err
	}
	if _, err := s.st.GetTeam(ctx, in.Team); err != nil {
		e := AsError(StoreError(err, "team \""+in.Team+"\"", ""))
		e.Field = "team"
		return store.Namespace{}, e
	}
	if !a.subject().IsAdmin() {
		set, err := s.st.GetSettings(ctx)
		if err != nil {
			return store.Namespace{}, err
		}
		// Asked first as if the caller owned the team: a rule that lets no
		// owner create namespaces gets its own answer.
		if !rbac.MayCreateNamespace(a.subject(), set.NamespaceCreation, rbac.RoleOwner) {
			return store.Namespace{}, s.deny(ctx, a, "namespace.create", obj, Forbidden("only admins create namespaces on this site"))
		}
		role, err := s.TeamRole(ctx, in.Team, a.subject().Name)
		if err != nil {
			return store.Namespace{}, err
		}
		if !rbac.MayCreateNamespace(a.subject(), set.NamespaceCreation, role) {
			return store.Namespace{}, s.deny(ctx, a, "namespace.create", obj, Forbidden("only owners of team %q and admins create its namespaces", in.Team))
		}
	}
	now := s.now().UTC()
	n := store.Namespace{Name: in.Name, Team: in.Team, Visibility: vis, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateNamespace(ctx, n); err != nil {
		return store.Namespace{}, s.failed(ctx, a, "namespace.create", obj, StoreError(err, "team \""+in.Team+"\"",
			"a namespace (or user) named \""+in.Name+"\" already exists"))
	}
	s.done(ctx, a, "namespace.create", obj, fmt.Sprintf("team=%s visibility=%s", n.Team, n.Visibility))
	got, err := s.st.GetNamespace(ctx, n.Name)
	if err != nil {
		got = n
	}
	return got, nil
}

// TeamRole is a user's role in a team (RoleNone when not a member).
func (s *Service) TeamRole(ctx context.Context, team, username string) (rbac.Role, error) {
	m, err := s.st.GetMember(ctx, team, username)
	if errors.Is(err, store.ErrNotFound) {
		return rbac.RoleNone, nil
	}
	if err != nil {
		return rbac.RoleNone, err
	}
	return m.Role, nil
}

// RoleOn is a's effective role on namespace ns (RoleNone for none).
func (s *Service) RoleOn(ctx context.Context, a Actor, ns string) (rbac.Role, error) {
	name := a.subject().Name
	if name == "" {
		return rbac.RoleNone, nil
	}
	roles, err := s.st.RolesOn(ctx, ns, a.subject().Kind, name)
	if err != nil {
		return rbac.RoleNone, err
	}
	return rbac.Highest(roles...), nil
}

// Namespace loads a namespace a may see, and a's role on it; one a may not
// see is reported exactly like a missing one.
func (s *Service) Namespace(ctx context.Context, a Actor, name string) (store.Namespace, rbac.Role, error) {
	if err := PathName("namespace", name); err != nil {
		return store.Namespace{}, "", err
	}
	ns, err := s.st.GetNamespace(ctx, name)
	if err != nil {
		return ns, "", StoreError(err, "namespace \""+name+"\"", "")
	}
	role, err := s.RoleOn(ctx, a, name)
	if err != nil {
		return ns, "", err
	}
	if !rbac.CanSeeNamespace(a.subject(), ns.Visibility, role) {
		return ns, "", NotFound("namespace %q not found", name)
	}
	return ns, role, nil
}

// NamespaceChange is what UpdateNamespace changes; nil fields stay.
type NamespaceChange struct {
	Team, Visibility, Description *string
}

// UpdateNamespace changes a namespace as a: its owners and admins; moving
// it to another team is for admins (the store revokes the old team's
// robots' access to it).
func (s *Service) UpdateNamespace(ctx context.Context, a Actor, name string, in NamespaceChange) (store.Namespace, error) {
	obj := "namespace/" + name
	n, role, err := s.Namespace(ctx, a, name)
	if err != nil {
		return store.Namespace{}, s.deniedLookup(ctx, a, "namespace.update", obj, err)
	}
	if !rbac.CanManageNamespace(a.subject(), role) {
		return store.Namespace{}, s.deny(ctx, a, "namespace.update", obj, Forbidden("only owners of namespace %q and admins may change it", n.Name))
	}
	var changes []string
	if in.Team != nil && *in.Team != n.Team {
		if !rbac.MayMoveNamespace(a.subject()) {
			e := Forbidden("only admins move a namespace to another team")
			e.Field = "team"
			return store.Namespace{}, s.deny(ctx, a, "namespace.update", obj, e)
		}
		if n.Owner != "" {
			return store.Namespace{}, Invalid("team", "a personal namespace cannot move to a team")
		}
		if _, err := s.st.GetTeam(ctx, *in.Team); err != nil {
			e := AsError(StoreError(err, "team \""+*in.Team+"\"", ""))
			e.Field = "team"
			return store.Namespace{}, e
		}
		changes = append(changes, "team="+*in.Team, "revoked-access-of-robots-of="+n.Team)
		n.Team = *in.Team
	}
	if in.Visibility != nil {
		v, err := CheckVisibility("visibility", *in.Visibility)
		if err != nil {
			return store.Namespace{}, err
		}
		n.Visibility = v
		changes = append(changes, "visibility="+string(v))
	}
	if in.Description != nil {
		if err := CheckText("description", *in.Description, MaxDescription); err != nil {
			return store.Namespace{}, err
		}
		n.Description = *in.Description
		changes = append(changes, "description")
	}
	n.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateNamespace(ctx, n); err != nil {
		return store.Namespace{}, s.failed(ctx, a, "namespace.update", obj, StoreError(err, "namespace \""+n.Name+"\"", ""))
	}
	s.done(ctx, a, "namespace.update", obj, JoinWords(changes))
	got, err := s.st.GetNamespace(ctx, n.Name)
	if err != nil {
		got = n
	}
	return got, nil
}

// DeleteNamespace deletes an empty namespace as a: its owners and admins.
func (s *Service) DeleteNamespace(ctx context.Context, a Actor, name string) error {
	obj := "namespace/" + name
	n, role, err := s.Namespace(ctx, a, name)
	if err != nil {
		return s.deniedLookup(ctx, a, "namespace.delete", obj, err)
	}
	if !rbac.CanManageNamespace(a.subject(), role) {
		return s.deny(ctx, a, "namespace.delete", obj, Forbidden("only owners of namespace %q and admins may delete it", n.Name))
	}
	if err := s.st.DeleteNamespace(ctx, n.Name); err != nil {
		return s.failed(ctx, a, "namespace.delete", obj, StoreError(err, "namespace \""+n.Name+"\"",
			"namespace \""+n.Name+"\" still holds repositories; delete them first"))
	}
	s.done(ctx, a, "namespace.delete", obj, "")
	return nil
}

// NamespaceFilter returns the filter of the namespaces a may see (the
// list shows only those). Public namespaces, and everything for an admin,
// are decided without a read; a's roles on every namespace are read once,
// at the first namespace that needs them.
func (s *Service) NamespaceFilter(ctx context.Context, a Actor) func(store.Namespace) (bool, error) {
	var roles map[string]rbac.Role
	return func(n store.Namespace) (bool, error) {
		if rbac.CanSeeNamespace(a.subject(), n.Visibility, rbac.RoleNone) {
			return true, nil
		}
		if roles == nil {
			var err error
			if roles, err = s.AllRoles(ctx, a); err != nil {
				return false, err
			}
		}
		return rbac.CanSeeNamespace(a.subject(), n.Visibility, roles[n.Name]), nil
	}
}
