package service

import (
	"context"
	"fmt"
	"sort"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// PermissionsOf resolves a namespace whose grants a is about to see or
// manage. Grants are managed, and seen, by the namespace's owners and
// admins only; everyone else gets not found — an owner of another team
// learns nothing, not even that the namespace exists.
func (s *Service) PermissionsOf(ctx context.Context, a Actor, namespace string) (store.Namespace, error) {
	if err := UsersOnly(a); err != nil {
		return store.Namespace{}, err
	}
	n, role, err := s.Namespace(ctx, a, namespace)
	if err != nil {
		return n, err
	}
	if !rbac.CanManageNamespace(a.subject(), role) {
		return n, NotFound("namespace %q not found", namespace)
	}
	return n, nil
}

// Permissions lists the grants on n, as PermissionsOf returned it, sorted
// by kind then name.
func (s *Service) Permissions(ctx context.Context, n store.Namespace) ([]store.Permission, error) {
	all, err := s.st.ListPermissions(ctx, n.Name)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return PermissionKey(all[i]) < PermissionKey(all[j]) })
	return all, nil
}

// PermissionKey is the order (and page key) of grants: kind/name.
func PermissionKey(p store.Permission) string { return string(p.Kind) + "/" + p.Name }

// Grantee validates a permission's kind and name (robot names normalized
// to robot$…); it does not check existence.
func Grantee(kindField, kind, nameField, name string) (rbac.SubjectKind, string, error) {
	switch k := rbac.SubjectKind(kind); k {
	case rbac.UserKind, rbac.TeamKind:
		if !rbac.ValidComponent(name) {
			return k, name, Invalid(nameField, "%s name %q is not valid", kind, name)
		}
		return k, name, nil
	case rbac.RobotKind:
		full, _, ok := RobotName(name)
		if !ok {
			return k, name, Invalid(nameField, "robot name %q is not valid", name)
		}
		return k, full, nil
	}
	return "", name, Invalid(kindField, "kind %q is not one of user, team, robot", kind)
}

// granteeExists checks that the grantee exists; a missing one is an error
// of the field name.
func (s *Service) granteeExists(ctx context.Context, kind rbac.SubjectKind, name string) error {
	var err error
	switch kind {
	case rbac.UserKind:
		_, err = s.st.GetUser(ctx, name)
	case rbac.TeamKind:
		_, err = s.st.GetTeam(ctx, name)
	case rbac.RobotKind:
		_, err = s.st.GetRobot(ctx, name)
	}
	if err != nil {
		e := AsError(StoreError(err, string(kind)+" \""+name+"\"", ""))
		if e.Code == apiv1.CodeNotFound {
			e.Field = "name"
		}
		return e
	}
	return nil
}

// NewPermission is what CreatePermission needs.
type NewPermission struct {
	Kind, Name, Role string
}

// CreatePermission grants a role on namespace to a user, team or robot, as
// a: owners of the namespace and admins.
func (s *Service) CreatePermission(ctx context.Context, a Actor, namespace string, in NewPermission) (store.Permission, error) {
	obj := "namespace/" + namespace + "/permission/" + Truncate(in.Kind, 8) + "/" + Truncate(in.Name, 72)
	n, err := s.PermissionsOf(ctx, a, namespace)
	if err != nil {
		return store.Permission{}, s.deniedLookup(ctx, a, "permission.create", obj, err)
	}
	kind, name, err := Grantee("kind", in.Kind, "name", in.Name)
	if err != nil {
		return store.Permission{}, err
	}
	role, err := CheckRole("role", in.Role)
	if err != nil {
		return store.Permission{}, err
	}
	if err := s.granteeExists(ctx, kind, name); err != nil {
		return store.Permission{}, err
	}
	obj = "namespace/" + n.Name + "/permission/" + string(kind) + "/" + name
	p := store.Permission{Namespace: n.Name, Kind: kind, Name: name, Role: role, CreatedAt: s.now().UTC()}
	if err := s.st.CreatePermission(ctx, p); err != nil {
		return store.Permission{}, s.failed(ctx, a, "permission.create", obj, StoreError(err, string(kind)+" \""+name+"\"",
			string(kind)+" \""+name+"\" already has a grant on namespace \""+n.Name+"\"; change its role instead"))
	}
	s.done(ctx, a, "permission.create", obj, fmt.Sprintf("role=%s", role))
	got, err := s.st.GetPermission(ctx, n.Name, kind, name)
	if err != nil {
		got = p
	}
	return got, nil
}

// Permission loads the grant of kind/name on namespace, under
// PermissionsOf's rule; an invalid kind or name is not found.
func (s *Service) Permission(ctx context.Context, a Actor, namespace, kind, name string) (store.Permission, error) {
	n, err := s.PermissionsOf(ctx, a, namespace)
	if err != nil {
		return store.Permission{}, err
	}
	k, full, err := Grantee("kind", kind, "name", name)
	if err != nil {
		return store.Permission{}, NotFound("permission not found")
	}
	p, err := s.st.GetPermission(ctx, n.Name, k, full)
	if err != nil {
		return p, StoreError(err, "permission of "+string(k)+" \""+full+"\" on namespace \""+n.Name+"\"", "")
	}
	return p, nil
}

func permissionObject(namespace, kind, name string) string {
	return "namespace/" + namespace + "/permission/" + kind + "/" + name
}

// UpdatePermission changes the role of a grant, as a: owners of the
// namespace and admins.
func (s *Service) UpdatePermission(ctx context.Context, a Actor, namespace, kind, name, role string) (store.Permission, error) {
	obj := permissionObject(namespace, kind, name)
	p, err := s.Permission(ctx, a, namespace, kind, name)
	if err != nil {
		return store.Permission{}, s.deniedLookup(ctx, a, "permission.update", obj, err)
	}
	newRole, err := CheckRole("role", role)
	if err != nil {
		return store.Permission{}, err
	}
	p.Role = newRole
	if err := s.st.UpdatePermission(ctx, p); err != nil {
		return store.Permission{}, s.failed(ctx, a, "permission.update", obj, StoreError(err, "permission", ""))
	}
	s.done(ctx, a, "permission.update", obj, fmt.Sprintf("role=%s", newRole))
	got, err := s.st.GetPermission(ctx, p.Namespace, p.Kind, p.Name)
	if err != nil {
		got = p
	}
	return got, nil
}

// DeletePermission revokes a grant, as a: owners of the namespace and
// admins.
func (s *Service) DeletePermission(ctx context.Context, a Actor, namespace, kind, name string) error {
	obj := permissionObject(namespace, kind, name)
	p, err := s.Permission(ctx, a, namespace, kind, name)
	if err != nil {
		return s.deniedLookup(ctx, a, "permission.delete", obj, err)
	}
	if err := s.st.DeletePermission(ctx, p.Namespace, p.Kind, p.Name); err != nil {
		return s.failed(ctx, a, "permission.delete", obj, StoreError(err, "permission", ""))
	}
	s.done(ctx, a, "permission.delete", obj, "")
	return nil
}
