package service

import (
	"context"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// MembersOf resolves a team whose members a is about to see or manage.
// Members are visible to the team's members and admins; to anyone else the
// list and every membership answer not found, so owners of another team
// learn nothing.
func (s *Service) MembersOf(ctx context.Context, a Actor, team string) (store.Team, rbac.Role, error) {
	t, role, err := s.Team(ctx, a, team)
	if err != nil {
		return t, role, err
	}
	if !rbac.CanSeeTeamMembers(a.subject(), role) {
		return t, role, NotFound("team %q has no members you may see", t.Name)
	}
	return t, role, nil
}

// Member loads the membership of username in team, under MembersOf's rule.
func (s *Service) Member(ctx context.Context, a Actor, team, username string) (store.Member, rbac.Role, error) {
	t, role, err := s.MembersOf(ctx, a, team)
	if err != nil {
		return store.Member{}, role, err
	}
	if err := PathName("member", username); err != nil {
		return store.Member{}, role, err
	}
	m, err := s.st.GetMember(ctx, t.Name, username)
	if err != nil {
		return m, role, StoreError(err, "member \""+username+"\" of team \""+t.Name+"\"", "")
	}
	return m, role, nil
}

// deniedLookup audits a change refused while resolving its object (not
// allowed, or not visible) and returns err.
func (s *Service) deniedLookup(ctx context.Context, a Actor, action, object string, err error) error {
	if e := AsError(err); e.Code == apiv1.CodeForbidden || e.Code == apiv1.CodeNotFound {
		s.audit(ctx, a, action, object, "denied", e.Message)
	}
	return err
}

func forbidManageMembers(team string) *Error {
	return Forbidden("only owners of team %q and admins manage its members", team)
}

// AddMember adds username to team with role, as a: owners of the team and
// admins.
func (s *Service) AddMember(ctx context.Context, a Actor, team, username, role string) (store.Member, error) {
	t, myRole, err := s.MembersOf(ctx, a, team)
	if err != nil {
		return store.Member{}, s.deniedLookup(ctx, a, "member.create", "team/"+team+"/member/"+Truncate(username, 64), err)
	}
	obj := "team/" + t.Name + "/member/" + Truncate(username, 64)
	if !rbac.CanManageTeam(a.subject(), myRole) {
		return store.Member{}, s.deny(ctx, a, "member.create", obj, forbidManageMembers(t.Name))
	}
	if !rbac.ValidComponent(username) {
		return store.Member{}, Invalid("username", "username %q is not valid", username)
	}
	newRole, err := CheckRole("role", role)
	if err != nil {
		return store.Member{}, err
	}
	if _, err := s.st.GetUser(ctx, username); err != nil {
		e := AsError(StoreError(err, "user \""+username+"\"", ""))
		e.Field = "username"
		return store.Member{}, e
	}
	m := store.Member{Team: t.Name, Username: username, Role: newRole, CreatedAt: s.now().UTC()}
	if err := s.st.AddMember(ctx, m); err != nil {
		return store.Member{}, s.failed(ctx, a, "member.create", obj, StoreError(err, "user \""+username+"\"",
			"user \""+username+"\" is already a member of team \""+t.Name+"\""))
	}
	s.done(ctx, a, "member.create", obj, fmt.Sprintf("role=%s", newRole))
	got, err := s.st.GetMember(ctx, t.Name, username)
	if err != nil {
		got = m
	}
	return got, nil
}

// UpdateMember changes the role of username in team, as a: owners of the
// team and admins (the store keeps the last owner).
func (s *Service) UpdateMember(ctx context.Context, a Actor, team, username, role string) (store.Member, error) {
	obj := "team/" + team + "/member/" + username
	m, myRole, err := s.Member(ctx, a, team, username)
	if err != nil {
		return store.Member{}, s.deniedLookup(ctx, a, "member.update", obj, err)
	}
	if !rbac.CanManageTeam(a.subject(), myRole) {
		return store.Member{}, s.deny(ctx, a, "member.update", obj, forbidManageMembers(m.Team))
	}
	newRole, err := CheckRole("role", role)
	if err != nil {
		return store.Member{}, err
	}
	m.Role = newRole
	if err := s.st.UpdateMember(ctx, m); err != nil {
		return store.Member{}, s.failed(ctx, a, "member.update", obj, StoreError(err, "member \""+m.Username+"\"", ""))
	}
	s.done(ctx, a, "member.update", obj, fmt.Sprintf("role=%s", newRole))
	got, err := s.st.GetMember(ctx, m.Team, m.Username)
	if err != nil {
		got = m
	}
	return got, nil
}

// RemoveMember removes username from team, as a: owners of the team,
// admins, and members leaving it themselves.
func (s *Service) RemoveMember(ctx context.Context, a Actor, team, username string) error {
	obj := "team/" + team + "/member/" + username
	m, myRole, err := s.Member(ctx, a, team, username)
	if err != nil {
		return s.deniedLookup(ctx, a, "member.delete", obj, err)
	}
	if !rbac.MayRemoveMember(a.subject(), myRole, m.Username) {
		return s.deny(ctx, a, "member.delete", obj, forbidManageMembers(m.Team))
	}
	if err := s.st.RemoveMember(ctx, m.Team, m.Username); err != nil {
		return s.failed(ctx, a, "member.delete", obj, StoreError(err, "member \""+m.Username+"\"", ""))
	}
	s.done(ctx, a, "member.delete", obj, "")
	return nil
}
