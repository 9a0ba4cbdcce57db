package api

import (
	"context"
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// membersOf resolves the team of a members route (see service.MembersOf).
func (a *API) membersOf(r *http.Request, c *caller) (store.Team, rbac.Role, error) {
	return a.svc.MembersOf(r.Context(), c.actor(), r.PathValue("team"))
}

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
	page, err := service.Paginate(r.Context(), opt, fetch, func(m store.Member) string { return m.Username }, nil)
	if err != nil {
		return err
	}
	writePage(w, page, toMember)
	return nil
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.AddMember
	if err := decode(r, &req); err != nil {
		return err
	}
	m, err := a.svc.AddMember(r.Context(), c.actor(), r.PathValue("team"), req.Username, req.Role)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/teams/"+m.Team+"/members/"+m.Username)
	writeJSON(w, http.StatusCreated, toMember(m))
	return nil
}

func (a *API) getMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	m, _, err := a.svc.Member(r.Context(), c.actor(), r.PathValue("team"), r.PathValue("username"))
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
	m, err := a.svc.UpdateMember(r.Context(), c.actor(), r.PathValue("team"), r.PathValue("username"), req.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMember(m))
	return nil
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.RemoveMember(r.Context(), c.actor(), r.PathValue("team"), r.PathValue("username")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
