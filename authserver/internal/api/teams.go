package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
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
	page, err := service.Paginate(r.Context(), opt, a.st.ListTeams, func(t store.Team) string { return t.Name }, nil)
	if err != nil {
		return err
	}
	writePage(w, page, toTeam)
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateTeam
	if err := decode(r, &req); err != nil {
		return err
	}
	t, err := a.svc.CreateTeam(r.Context(), c.actor(), service.NewTeam{Name: req.Name, Description: req.Description, Owner: req.Owner})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/teams/"+t.Name)
	writeJSON(w, http.StatusCreated, toTeam(t))
	return nil
}

// teamFor loads the team in the path and the caller's role in it.
func (a *API) teamFor(r *http.Request, c *caller) (store.Team, rbac.Role, error) {
	return a.svc.Team(r.Context(), c.actor(), r.PathValue("team"))
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
	t, err := a.svc.UpdateTeam(r.Context(), c.actor(), r.PathValue("team"), req.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTeam(t))
	return nil
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteTeam(r.Context(), c.actor(), r.PathValue("team")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
