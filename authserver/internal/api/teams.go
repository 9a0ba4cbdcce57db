package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listTeams(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := usersOnly(c); err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := paginate(r.Context(), opt, a.st.ListTeams, func(t store.Team) string { return t.Name }, nil)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toTeam), next)
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateTeam
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := usersOnly(c); err != nil {
		return err
	}
	obj := "team/" + truncate(req.Name, 64)
	if !c.isAdmin() {
		s, err := a.st.GetSettings(r.Context())
		if err != nil {
			return err
		}
		if !rbac.MayCreateTeam(c.p.Subject, s.TeamCreation) {
			return a.deny(r, c, "team.create", obj, forbidden("only admins create teams on this site"))
		}
		if !rbac.MayNameTeamOwner(c.p.Subject, req.Owner) {
			return a.deny(r, c, "team.create", obj, invalid("owner", "only admins may name another owner"))
		}
	}
	if err := checkName("name", req.Name); err != nil {
		return err
	}
	if err := checkText("description", req.Description, maxDescription); err != nil {
		return err
	}
	owner := c.name()
	if req.Owner != "" {
		owner = req.Owner
		if _, err := a.st.GetUser(r.Context(), owner); err != nil {
			e := toError(storeErr(err, "user \""+owner+"\"", ""))
			e.Field = "owner"
			return e
		}
	}
	now := a.now().UTC()
	t := store.Team{Name: req.Name, Description: req.Description, CreatedAt: now, UpdatedAt: now}
	if err := a.st.CreateTeam(r.Context(), t, owner); err != nil {
		return a.failed(r, c, "team.create", obj, storeErr(err, "team \""+req.Name+"\"",
			"a team named \""+req.Name+"\" already exists"))
	}
	a.done(r, c, "team.create", obj, detailf("owner=%s", owner))
	got, err := a.st.GetTeam(r.Context(), t.Name)
	if err != nil {
		got = t
	}
	w.Header().Set("Location", "/api/v1/teams/"+t.Name)
	writeJSON(w, http.StatusCreated, toTeam(got))
	return nil
}

// teamFor loads the team in the path (teams are visible to every signed-in
// user) and the caller's role in it.
func (a *API) teamFor(r *http.Request, c *caller) (store.Team, rbac.Role, error) {
	if err := usersOnly(c); err != nil {
		return store.Team{}, "", err
	}
	name := r.PathValue("team")
	if err := pathName("team", name); err != nil {
		return store.Team{}, "", err
	}
	t, err := a.st.GetTeam(r.Context(), name)
	if err != nil {
		return t, "", storeErr(err, "team \""+name+"\"", "")
	}
	role, err := a.teamRole(r.Context(), name, c.name())
	if err != nil {
		return t, "", err
	}
	return t, role, nil
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, _, err := a.teamFor(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTeam(t))
	return nil
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateTeam
	if err := decode(r, &req); err != nil {
		return err
	}
	t, role, err := a.teamFor(r, c)
	if err != nil {
		return err
	}
	obj := "team/" + t.Name
	if !c.isAdmin() && role != rbac.RoleOwner {
		return a.deny(r, c, "team.update", obj, forbidden("only owners of team %q and admins may change it", t.Name))
	}
	if req.Description != nil {
		if err := checkText("description", *req.Description, maxDescription); err != nil {
			return err
		}
		t.Description = *req.Description
	}
	t.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateTeam(r.Context(), t); err != nil {
		return a.failed(r, c, "team.update", obj, storeErr(err, "team \""+t.Name+"\"", ""))
	}
	a.done(r, c, "team.update", obj, "")
	got, err := a.st.GetTeam(r.Context(), t.Name)
	if err != nil {
		got = t
	}
	writeJSON(w, http.StatusOK, toTeam(got))
	return nil
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, role, err := a.teamFor(r, c)
	if err != nil {
		return err
	}
	obj := "team/" + t.Name
	if !c.isAdmin() && role != rbac.RoleOwner {
		return a.deny(r, c, "team.delete", obj, forbidden("only owners of team %q and admins may delete it", t.Name))
	}
	if err := a.st.DeleteTeam(r.Context(), t.Name); err != nil {
		return a.failed(r, c, "team.delete", obj, storeErr(err, "team \""+t.Name+"\"",
			"team \""+t.Name+"\" still owns namespaces; delete them or move them to another team first"))
	}
	a.done(r, c, "team.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
