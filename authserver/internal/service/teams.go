package service

import (
	"context"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// NewTeam is what CreateTeam needs: Owner, when set, is the first owner an
// admin chose (others may only name themselves).
type NewTeam struct {
	Name, Description, Owner string
}

// CreateTeam creates a team as a, who becomes its first owner unless an
// admin names another. The site's team creation rule applies.
func (s *Service) CreateTeam(ctx context.Context, a Actor, in NewTeam) (store.Team, error) {
	if err := UsersOnly(a); err != nil {
		return store.Team{}, err
	}
	obj := "team/" + Truncate(in.Name, 64)
	if !a.subject().IsAdmin() {
		set, err := s.st.GetSettings(ctx)
		if err != nil {
			return store.Team{}, err
		}
		if !rbac.MayCreateTeam(a.subject(), set.TeamCreation) {
			return store.Team{}, s.deny(ctx, a, "team.create", obj, Forbidden("only admins create teams on this site"))
		}
		if !rbac.MayNameTeamOwner(a.subject(), in.Owner) {
			return store.Team{}, s.deny(ctx, a, "team.create", obj, Invalid("owner", "only admins may name another owner"))
		}
	}
	if err := CheckName("name", in.Name); err != nil {
		return store.Team{}, err
	}
	if err := CheckText("description", in.Description, MaxDescription); err != nil {
		return store.Team{}, err
	}
	owner := a.subject().Name
	if in.Owner != "" {
		owner = in.Owner
		if _, err := s.st.GetUser(ctx, owner); err != nil {
			e := AsError(StoreError(err, "user \""+owner+"\"", ""))
			e.Field = "owner"
			return store.Team{}, e
		}
	}
	now := s.now().UTC()
	t := store.Team{Name: in.Name, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateTeam(ctx, t, owner); err != nil {
		return store.Team{}, s.failed(ctx, a, "team.create", obj, StoreError(err, "team \""+in.Name+"\"",
			"a team named \""+in.Name+"\" already exists"))
	}
	s.done(ctx, a, "team.create", obj, fmt.Sprintf("owner=%s", owner))
	got, err := s.st.GetTeam(ctx, t.Name)
	if err != nil {
		got = t
	}
	return got, nil
}

// Team loads a team (teams are visible to every signed-in user) and a's
// role in it.
func (s *Service) Team(ctx context.Context, a Actor, name string) (store.Team, rbac.Role, error) {
	if err := UsersOnly(a); err != nil {
		return store.Team{}, "", err
	}
	if err := PathName("team", name); err != nil {
		return store.Team{}, "", err
	}
	t, err := s.st.GetTeam(ctx, name)
	if err != nil {
		return t, "", StoreError(err, "team \""+name+"\"", "")
	}
	role, err := s.TeamRole(ctx, name, a.subject().Name)
	if err != nil {
		return t, "", err
	}
	return t, role, nil
}

// UpdateTeam changes a team's description (nil keeps it) as a: owners of
// the team and admins.
func (s *Service) UpdateTeam(ctx context.Context, a Actor, name string, description *string) (store.Team, error) {
	t, role, err := s.Team(ctx, a, name)
	if err != nil {
		return store.Team{}, err
	}
	obj := "team/" + t.Name
	if !rbac.CanManageTeam(a.subject(), role) {
		return store.Team{}, s.deny(ctx, a, "team.update", obj, Forbidden("only owners of team %q and admins may change it", t.Name))
	}
	if description != nil {
		if err := CheckText("description", *description, MaxDescription); err != nil {
			return store.Team{}, err
		}
		t.Description = *description
	}
	t.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateTeam(ctx, t); err != nil {
		return store.Team{}, s.failed(ctx, a, "team.update", obj, StoreError(err, "team \""+t.Name+"\"", ""))
	}
	s.done(ctx, a, "team.update", obj, "")
	got, err := s.st.GetTeam(ctx, t.Name)
	if err != nil {
		got = t
	}
	return got, nil
}

// DeleteTeam deletes a team as a: owners of the team and admins; never a
// protected team (the admins' team, which owns what registry pushes
// create): the store refuses it with store.ErrProtected.
func (s *Service) DeleteTeam(ctx context.Context, a Actor, name string) error {
	t, role, err := s.Team(ctx, a, name)
	if err != nil {
		return err
	}
	obj := "team/" + t.Name
	if !rbac.CanManageTeam(a.subject(), role) {
		return s.deny(ctx, a, "team.delete", obj, Forbidden("only owners of team %q and admins may delete it", t.Name))
	}
	if err := s.st.DeleteTeam(ctx, t.Name); err != nil {
		return s.failed(ctx, a, "team.delete", obj, StoreError(err, "team \""+t.Name+"\"",
			"team \""+t.Name+"\" still owns namespaces; delete them or move them to another team first"))
	}
	s.done(ctx, a, "team.delete", obj, "")
	return nil
}
