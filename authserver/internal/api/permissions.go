package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listPermissions(w http.ResponseWriter, r *http.Request, c *caller) error {
	n, err := a.svc.PermissionsOf(r.Context(), c.actor(), r.PathValue("namespace"))
	if err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	all, err := a.svc.Permissions(r.Context(), n)
	if err != nil {
		return err
	}
	page := service.PageSlice(all, opt, service.PermissionKey)
	writePage(w, page, toPermission)
	return nil
}

func (a *API) createPermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreatePermission
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := a.svc.CreatePermission(r.Context(), c.actor(), r.PathValue("namespace"),
		service.NewPermission{Kind: req.Kind, Name: req.Name, Role: req.Role})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/namespaces/"+p.Namespace+"/permissions/"+string(p.Kind)+"/"+p.Name)
	writeJSON(w, http.StatusCreated, toPermission(p))
	return nil
}

func (a *API) getPermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := a.svc.Permission(r.Context(), c.actor(), r.PathValue("namespace"), r.PathValue("kind"), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPermission(p))
	return nil
}

func (a *API) updatePermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdatePermission
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := a.svc.UpdatePermission(r.Context(), c.actor(), r.PathValue("namespace"), r.PathValue("kind"),
		r.PathValue("name"), req.Role)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPermission(p))
	return nil
}

func (a *API) deletePermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeletePermission(r.Context(), c.actor(), r.PathValue("namespace"), r.PathValue("kind"),
		r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
