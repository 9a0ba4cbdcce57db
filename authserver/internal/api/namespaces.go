package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listNamespaces(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	keep := a.svc.NamespaceFilter(r.Context(), c.actor())
	page, err := service.Paginate(r.Context(), opt, a.st.ListNamespaces, func(n store.Namespace) string { return n.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, page, toNamespace)
	return nil
}

func (a *API) createNamespace(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateNamespace
	if err := decode(r, &req); err != nil {
		return err
	}
	n, err := a.svc.CreateNamespace(r.Context(), c.actor(), service.NewNamespace{
		Name: req.Name, Team: req.Team, Visibility: req.Visibility, Description: req.Description})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/namespaces/"+n.Name)
	writeJSON(w, http.StatusCreated, toNamespace(n))
	return nil
}

func (a *API) getNamespace(w http.ResponseWriter, r *http.Request, c *caller) error {
	n, _, err := a.namespaceFor(r.Context(), c, r.PathValue("namespace"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toNamespace(n))
	return nil
}

func (a *API) updateNamespace(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateNamespace
	if err := decode(r, &req); err != nil {
		return err
	}
	n, err := a.svc.UpdateNamespace(r.Context(), c.actor(), r.PathValue("namespace"), service.NamespaceChange{
		Team: req.Team, Visibility: req.Visibility, Description: req.Description})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toNamespace(n))
	return nil
}

func (a *API) deleteNamespace(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteNamespace(r.Context(), c.actor(), r.PathValue("namespace")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
