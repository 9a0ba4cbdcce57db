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
