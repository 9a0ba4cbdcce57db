package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Sessions are a user's refresh tokens (what docker login keeps). Who may
// see and end them is who may manage the user's application tokens: the
// user, and admins for anyone (service.TokenOwner).

func toSession(rt store.RefreshToken) apiv1.Session {
	s := apiv1.Session{ID: rt.ID, Username: rt.Subject, ClientID: rt.ClientID, Service: rt.Service,
		Source: rt.Source, CreatedAt: rt.CreatedAt, ExpiresAt: rt.ExpiresAt}
	if !rt.LastUsedAt.IsZero() {
		t := rt.LastUsedAt
		s.LastUsedAt = &t
	}
	return s
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request, c *caller) error {
	all, err := a.svc.Sessions(r.Context(), c.actor(), r.PathValue("username"))
	if err != nil {
		return err
	}
	writePage(w, service.Page[store.RefreshToken]{Items: all}, toSession)
	return nil
}

func (a *API) deleteSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteSession(r.Context(), c.actor(), r.PathValue("username"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteSessions(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteSessions(r.Context(), c.actor(), r.PathValue("username")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
