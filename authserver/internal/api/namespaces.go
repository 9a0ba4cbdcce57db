package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listNamespaces(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	var roles map[string]rbac.Role // read once, when first needed
	keep := func(n store.Namespace) (bool, error) {
		if canSeeNamespace(c, n, rbac.RoleNone) {
			return true, nil
		}
		if roles == nil {
			var err error
			if roles, err = a.allRoles(r.Context(), c); err != nil {
				return false, err
			}
		}
		return canSeeNamespace(c, n, roles[n.Name]), nil
	}
	items, next, err := paginate(r.Context(), opt, a.st.ListNamespaces, func(n store.Namespace) string { return n.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toNamespace), next)
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
	obj := "namespace/" + r.PathValue("namespace")
	n, role, err := a.namespaceFor(r.Context(), c, r.PathValue("namespace"))
	if err != nil {
		return a.deniedLookup(r, c, "namespace.update", obj, err)
	}
	if !canManageNamespace(c, role) {
		return a.deny(r, c, "namespace.update", obj, forbidden("only owners of namespace %q and admins may change it", n.Name))
	}
	var changes []string
	if req.Team != nil && *req.Team != n.Team {
		if !c.isAdmin() {
			return a.deny(r, c, "namespace.update", obj, &Error{Status: http.StatusForbidden, Code: codeForbidden,
				Message: "only admins move a namespace to another team", Field: "team"})
		}
		if n.Owner != "" {
			return invalid("team", "a personal namespace cannot move to a team")
		}
		if _, err := a.st.GetTeam(r.Context(), *req.Team); err != nil {
			e := toError(storeErr(err, "team \""+*req.Team+"\"", ""))
			e.Field = "team"
			return e
		}
		changes = append(changes, "team="+*req.Team, "revoked-access-of-robots-of="+n.Team)
		n.Team = *req.Team
	}
	if req.Visibility != nil {
		v, err := service.CheckVisibility("visibility", *req.Visibility)
		if err != nil {
			return err
		}
		n.Visibility = v
		changes = append(changes, "visibility="+string(v))
	}
	if req.Description != nil {
		if err := service.CheckText("description", *req.Description, service.MaxDescription); err != nil {
			return err
		}
		n.Description = *req.Description
		changes = append(changes, "description")
	}
	n.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateNamespace(r.Context(), n); err != nil {
		return a.failed(r, c, "namespace.update", obj, storeErr(err, "namespace \""+n.Name+"\"", ""))
	}
	a.done(r, c, "namespace.update", obj, service.JoinWords(changes))
	got, err := a.st.GetNamespace(r.Context(), n.Name)
	if err != nil {
		got = n
	}
	writeJSON(w, http.StatusOK, toNamespace(got))
	return nil
}

func (a *API) deleteNamespace(w http.ResponseWriter, r *http.Request, c *caller) error {
	obj := "namespace/" + r.PathValue("namespace")
	n, role, err := a.namespaceFor(r.Context(), c, r.PathValue("namespace"))
	if err != nil {
		return a.deniedLookup(r, c, "namespace.delete", obj, err)
	}
	if !canManageNamespace(c, role) {
		return a.deny(r, c, "namespace.delete", obj, forbidden("only owners of namespace %q and admins may delete it", n.Name))
	}
	if err := a.st.DeleteNamespace(r.Context(), n.Name); err != nil {
		return a.failed(r, c, "namespace.delete", obj, storeErr(err, "namespace \""+n.Name+"\"",
			"namespace \""+n.Name+"\" still holds repositories; delete them first"))
	}
	a.done(r, c, "namespace.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
