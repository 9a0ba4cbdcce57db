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
