package api

import (
	"context"
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// membersOf resolves the team of a members route. Members are visible to
// the team's members and admins; to anyone else the list and every
// membership answer 404, so owners of another team learn nothing.
func (a *API) membersOf(r *http.Request, c *caller) (store.Team, rbac.Role, error) {
	t, role, err := a.teamFor(r, c)
	if err != nil {
		return t, role, err
	}
	if !rbac.CanSeeTeamMembers(c.p.Subject, role) {
		return t, role, notFound("team %q has no members you may see", t.Name)
	}
	return t, role, nil
}

func mayManageMembers(c *caller, role rbac.Role) bool { return rbac.CanManageTeam(c.p.Subject, role) }

func (a *API) listMembers(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, _, err := a.membersOf(r, c)
	if err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	fetch := func(ctx context.Context, o store.ListOptions) ([]store.Member, error) {
		return a.st.ListMembers(ctx, t.Name, o)
	}
	items, next, err := paginate(r.Context(), opt, fetch, func(m store.Member) string { return m.Username }, nil)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toMember), next)
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.AddMember
	if err := decode(r, &req); err != nil {
		return err
	}
	t, role, err := a.membersOf(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "member.create", "team/"+r.PathValue("team")+"/member/"+truncate(req.Username, 64), err)
	}
	obj := "team/" + t.Name + "/member/" + truncate(req.Username, 64)
	if !mayManageMembers(c, role) {
		return a.deny(r, c, "member.create", obj, forbidden("only owners of team %q and admins manage its members", t.Name))
	}
	if !rbac.ValidComponent(req.Username) {
		return invalid("username", "username %q is not valid", req.Username)
	}
	newRole, err := service.CheckRole("role", req.Role)
	if err != nil {
		return err
	}
	if _, err := a.st.GetUser(r.Context(), req.Username); err != nil {
		e := toError(storeErr(err, "user \""+req.Username+"\"", ""))
		e.Field = "username"
		return e
	}
	m := store.Member{Team: t.Name, Username: req.Username, Role: newRole, CreatedAt: a.now().UTC()}
	if err := a.st.AddMember(r.Context(), m); err != nil {
		return a.failed(r, c, "member.create", obj, storeErr(err, "user \""+req.Username+"\"",
			"user \""+req.Username+"\" is already a member of team \""+t.Name+"\""))
	}
	a.done(r, c, "member.create", obj, detailf("role=%s", newRole))
	got, err := a.st.GetMember(r.Context(), t.Name, req.Username)
	if err != nil {
		got = m
	}
	w.Header().Set("Location", "/api/v1/teams/"+t.Name+"/members/"+m.Username)
	writeJSON(w, http.StatusCreated, toMember(got))
	return nil
}

// memberFor loads the membership in the path, under the visibility rule of
// membersOf.
func (a *API) memberFor(r *http.Request, c *caller) (store.Member, rbac.Role, error) {
	t, role, err := a.membersOf(r, c)
	if err != nil {
		return store.Member{}, role, err
	}
	name := r.PathValue("username")
	if err := service.PathName("member", name); err != nil {
		return store.Member{}, role, err
	}
	m, err := a.st.GetMember(r.Context(), t.Name, name)
	if err != nil {
		return m, role, storeErr(err, "member \""+name+"\" of team \""+t.Name+"\"", "")
	}
	return m, role, nil
}

func (a *API) getMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, _, err := a.memberFor(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMember(m))
	return nil
}

func (a *API) updateMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateMember
	if err := decode(r, &req); err != nil {
		return err
	}
	obj := "team/" + r.PathValue("team") + "/member/" + r.PathValue("username")
	m, role, err := a.memberFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "member.update", obj, err)
	}
	if !mayManageMembers(c, role) {
		return a.deny(r, c, "member.update", obj, forbidden("only owners of team %q and admins manage its members", m.Team))
	}
	newRole, err := service.CheckRole("role", req.Role)
	if err != nil {
		return err
	}
	m.Role = newRole
	if err := a.st.UpdateMember(r.Context(), m); err != nil {
		return a.failed(r, c, "member.update", obj, storeErr(err, "member \""+m.Username+"\"", ""))
	}
	a.done(r, c, "member.update", obj, detailf("role=%s", newRole))
	got, err := a.st.GetMember(r.Context(), m.Team, m.Username)
	if err != nil {
		got = m
	}
	writeJSON(w, http.StatusOK, toMember(got))
	return nil
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	obj := "team/" + r.PathValue("team") + "/member/" + r.PathValue("username")
	m, role, err := a.memberFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "member.delete", obj, err)
	}
	// Members may leave a team themselves.
	if !rbac.MayRemoveMember(c.p.Subject, role, m.Username) {
		return a.deny(r, c, "member.delete", obj, forbidden("only owners of team %q and admins manage its members", m.Team))
	}
	if err := a.st.RemoveMember(r.Context(), m.Team, m.Username); err != nil {
		return a.failed(r, c, "member.delete", obj, storeErr(err, "member \""+m.Username+"\"", ""))
	}
	a.done(r, c, "member.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
