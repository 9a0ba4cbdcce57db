package api

import (
	"net/http"
	"sort"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// grantsOf resolves the namespace of a permissions route. Grants are
// managed, and seen, by the namespace's owners and admins only; everyone
// else gets 404 — an owner of another team learns nothing, not even that
// the namespace exists.
func (a *API) grantsOf(r *http.Request, c *caller) (store.Namespace, error) {
	name := r.PathValue("namespace")
	if err := usersOnly(c); err != nil {
		return store.Namespace{}, err
	}
	n, role, err := a.namespaceFor(r.Context(), c, name)
	if err != nil {
		return n, err
	}
	if !canManageNamespace(c, role) {
		return n, notFound("namespace %q not found", name)
	}
	return n, nil
}

// grantee validates a permission's kind and name (robot names normalized to
// robot$…); it does not check existence.
func grantee(kindField, kind, nameField, name string) (rbac.SubjectKind, string, error) {
	switch k := rbac.SubjectKind(kind); k {
	case rbac.UserKind, rbac.TeamKind:
		if !rbac.ValidComponent(name) {
			return k, name, invalid(nameField, "%s name %q is not valid", kind, name)
		}
		return k, name, nil
	case rbac.RobotKind:
		full, _, ok := service.RobotName(name)
		if !ok {
			return k, name, invalid(nameField, "robot name %q is not valid", name)
		}
		return k, full, nil
	}
	return "", name, invalid(kindField, "kind %q is not one of user, team, robot", kind)
}

func (a *API) granteeExists(r *http.Request, kind rbac.SubjectKind, name string) error {
	var err error
	switch kind {
	case rbac.UserKind:
		_, err = a.st.GetUser(r.Context(), name)
	case rbac.TeamKind:
		_, err = a.st.GetTeam(r.Context(), name)
	case rbac.RobotKind:
		_, err = a.st.GetRobot(r.Context(), name)
	}
	if err != nil {
		e := toError(storeErr(err, string(kind)+" \""+name+"\"", ""))
		if e.Status == http.StatusNotFound {
			e.Field = "name"
		}
		return e
	}
	return nil
}

func (a *API) listPermissions(w http.ResponseWriter, r *http.Request, c *caller) error {
	n, err := a.grantsOf(r, c)
	if err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	all, err := a.st.ListPermissions(r.Context(), n.Name)
	if err != nil {
		return err
	}
	key := func(p store.Permission) string { return string(p.Kind) + "/" + p.Name }
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	items, next := pageSlice(all, opt, key)
	writePage(w, mapSlice(items, toPermission), next)
	return nil
}

func (a *API) createPermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreatePermission
	if err := decode(r, &req); err != nil {
		return err
	}
	obj := "namespace/" + r.PathValue("namespace") + "/permission/" + truncate(req.Kind, 8) + "/" + truncate(req.Name, 72)
	n, err := a.grantsOf(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "permission.create", obj, err)
	}
	kind, name, err := grantee("kind", req.Kind, "name", req.Name)
	if err != nil {
		return err
	}
	role, err := service.CheckRole("role", req.Role)
	if err != nil {
		return err
	}
	if err := a.granteeExists(r, kind, name); err != nil {
		return err
	}
	obj = "namespace/" + n.Name + "/permission/" + string(kind) + "/" + name
	p := store.Permission{Namespace: n.Name, Kind: kind, Name: name, Role: role, CreatedAt: a.now().UTC()}
	if err := a.st.CreatePermission(r.Context(), p); err != nil {
		return a.failed(r, c, "permission.create", obj, storeErr(err, string(kind)+" \""+name+"\"",
			string(kind)+" \""+name+"\" already has a grant on namespace \""+n.Name+"\"; change its role instead"))
	}
	a.done(r, c, "permission.create", obj, detailf("role=%s", role))
	got, err := a.st.GetPermission(r.Context(), n.Name, kind, name)
	if err != nil {
		got = p
	}
	w.Header().Set("Location", "/api/v1/namespaces/"+n.Name+"/permissions/"+string(kind)+"/"+name)
	writeJSON(w, http.StatusCreated, toPermission(got))
	return nil
}

// permissionFor loads the grant in the path.
func (a *API) permissionFor(r *http.Request, c *caller) (store.Permission, error) {
	n, err := a.grantsOf(r, c)
	if err != nil {
		return store.Permission{}, err
	}
	kind, name, err := grantee("kind", r.PathValue("kind"), "name", r.PathValue("name"))
	if err != nil {
		return store.Permission{}, notFound("permission not found")
	}
	p, err := a.st.GetPermission(r.Context(), n.Name, kind, name)
	if err != nil {
		return p, storeErr(err, "permission of "+string(kind)+" \""+name+"\" on namespace \""+n.Name+"\"", "")
	}
	return p, nil
}

func permObject(r *http.Request) string {
	return "namespace/" + r.PathValue("namespace") + "/permission/" + r.PathValue("kind") + "/" + r.PathValue("name")
}

func (a *API) getPermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	p, err := a.permissionFor(r, c)
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
	obj := permObject(r)
	p, err := a.permissionFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "permission.update", obj, err)
	}
	role, err := service.CheckRole("role", req.Role)
	if err != nil {
		return err
	}
	p.Role = role
	if err := a.st.UpdatePermission(r.Context(), p); err != nil {
		return a.failed(r, c, "permission.update", obj, storeErr(err, "permission", ""))
	}
	a.done(r, c, "permission.update", obj, detailf("role=%s", role))
	got, err := a.st.GetPermission(r.Context(), p.Namespace, p.Kind, p.Name)
	if err != nil {
		got = p
	}
	writeJSON(w, http.StatusOK, toPermission(got))
	return nil
}

func (a *API) deletePermission(w http.ResponseWriter, r *http.Request, c *caller) error {
	obj := permObject(r)
	p, err := a.permissionFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "permission.delete", obj, err)
	}
	if err := a.st.DeletePermission(r.Context(), p.Namespace, p.Kind, p.Name); err != nil {
		return a.failed(r, c, "permission.delete", obj, storeErr(err, "permission", ""))
	}
	a.done(r, c, "permission.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
