package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
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
	got, err := a.svc.UpdateSettings(r.Context(), c.actor(), service.SettingsChange{
		PushPolicy: req.PushPolicy, AnonymousPull: req.AnonymousPull, DeleteEnabled: req.DeleteEnabled,
		ContributorsMayDelete: req.ContributorsMayDelete, TeamCreation: req.TeamCreation,
		NamespaceCreation: req.NamespaceCreation, TokenLifetimeSeconds: req.TokenLifetimeSeconds,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSettings(got))
	return nil
}
