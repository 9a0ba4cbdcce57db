package api

import (
	"net/http"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

const (
	minTokenLifetime = 60
	maxTokenLifetime = 86400
)

func (a *API) getSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	s, err := a.st.GetSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSettings(s))
	return nil
}

func (a *API) updateSettings(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateSettings
	if err := decode(r, &req); err != nil {
		return err
	}
	if !c.isAdmin() {
		return a.deny(r, c, "settings.update", "settings", forbidden("only admins change the settings"))
	}
	s, err := a.st.GetSettings(r.Context())
	if err != nil {
		return err
	}
	var changes []string
	if req.PushPolicy != nil {
		p := rbac.PushPolicy(*req.PushPolicy)
		if !p.Valid() {
			return invalid("push_policy", "push_policy %q is not one of allow-teams, allow-personal, admin-only", *req.PushPolicy)
		}
		s.PushPolicy = p
		changes = append(changes, "push_policy="+string(p))
	}
	if req.AnonymousPull != nil {
		s.AnonymousPull = *req.AnonymousPull
		changes = append(changes, detailf("anonymous_pull=%t", s.AnonymousPull))
	}
	if req.DeleteEnabled != nil {
		s.DeleteEnabled = *req.DeleteEnabled
		changes = append(changes, detailf("delete_enabled=%t", s.DeleteEnabled))
	}
	if req.ContributorsMayDelete != nil {
		s.ContributorsMayDelete = *req.ContributorsMayDelete
		changes = append(changes, detailf("contributors_may_delete=%t", s.ContributorsMayDelete))
	}
	if req.TeamCreation != nil {
		v := rbac.TeamCreation(*req.TeamCreation)
		if !v.Valid() {
			return invalid("team_creation", "team_creation %q is not one of everyone, admins", v)
		}
		s.TeamCreation = v
		changes = append(changes, "team_creation="+string(v))
	}
	if req.NamespaceCreation != nil {
		v := rbac.NamespaceCreation(*req.NamespaceCreation)
		if !v.Valid() {
			return invalid("namespace_creation", "namespace_creation %q is not one of team-owners, admins", v)
		}
		s.NamespaceCreation = v
		changes = append(changes, "namespace_creation="+string(v))
	}
	if req.TokenLifetimeSeconds != nil {
		v := *req.TokenLifetimeSeconds
		if v < minTokenLifetime || v > maxTokenLifetime {
			return invalid("token_lifetime_seconds", "token_lifetime_seconds must be between %d and %d", minTokenLifetime, maxTokenLifetime)
		}
		s.TokenLifetime = time.Duration(v) * time.Second
		changes = append(changes, detailf("token_lifetime_seconds=%d", v))
	}
	s.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateSettings(r.Context(), s); err != nil {
		return a.failed(r, c, "settings.update", "settings", err)
	}
	a.done(r, c, "settings.update", "settings", joinWords(changes))
	got, err := a.st.GetSettings(r.Context())
	if err != nil {
		got = s
	}
	writeJSON(w, http.StatusOK, toSettings(got))
	return nil
}
