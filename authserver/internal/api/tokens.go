package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	all, err := a.svc.Tokens(r.Context(), c.actor(), r.PathValue("username"), opt.Query)
	if err != nil {
		return err
	}
	opt.Query = ""
	page := service.PageSlice(all, opt, func(t store.Token) string { return t.ID })
	writePage(w, page, toToken)
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateToken
	if err := decode(r, &req); err != nil {
		return err
	}
	t, secret, err := a.svc.CreateToken(r.Context(), c.actor(), r.PathValue("username"),
		service.NewToken{Name: req.Name, ExpiresAt: req.ExpiresAt})
	if err != nil {
		return err
	}
	out := toToken(t)
	out.Secret = secret
	w.Header().Set("Location", "/api/v1/users/"+t.Username+"/tokens/"+t.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) getToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	t, err := a.svc.Token(r.Context(), c.actor(), r.PathValue("username"), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toToken(t))
	return nil
}

func (a *API) deleteToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteToken(r.Context(), c.actor(), r.PathValue("username"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
