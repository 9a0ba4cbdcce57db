package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Sessions are a user's refresh tokens (what docker login keeps). Who may
// see and end them is who may manage the user's application tokens: the
// user, and admins for anyone (tokenOwner).

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
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	all, err := a.st.ListRefreshTokens(r.Context(), string(rbac.UserKind), u.Username)
	if err != nil {
		return err
	}
	now := a.now()
	items := make([]apiv1.Session, 0, len(all))
	for _, rt := range all {
		if now.Before(rt.ExpiresAt) {
			items = append(items, toSession(rt))
		}
	}
	writePage(w, items, "")
	return nil
}

func (a *API) deleteSession(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	obj := "user/" + u.Username + "/session/" + truncate(id, 64)
	if err := a.st.DeleteRefreshToken(r.Context(), string(rbac.UserKind), u.Username, id); err != nil {
		return a.failed(r, c, "session.delete", obj, storeErr(err, "session \""+truncate(id, 64)+"\"", ""))
	}
	a.done(r, c, "session.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) deleteSessions(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username + "/session/*"
	if err := a.st.DeleteRefreshTokens(r.Context(), string(rbac.UserKind), u.Username); err != nil {
		return a.failed(r, c, "session.delete", obj, storeErr(err, "user \""+u.Username+"\"", ""))
	}
	a.done(r, c, "session.delete", obj, "all")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
