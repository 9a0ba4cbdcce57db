package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const permissionCols = `namespace, kind, name, role, created_at`

func scanPermission(scan func(...any) error) (store.Permission, error) {
	var p store.Permission
	var kind, role string
	err := scan(&p.Namespace, &kind, &p.Name, &role, tsScan(&p.CreatedAt))
	p.Kind, p.Role = rbac.SubjectKind(kind), rbac.Role(role)
	return p, err
}

func permissionName(p store.Permission) string {
	return fmt.Sprintf("namespace %q permission %s %q", p.Namespace, p.Kind, p.Name)
}

// granteeExists checks the grantee of a permission and returns the column
// that references it.
func granteeExists(t *dbtx, kind rbac.SubjectKind, name string) (string, error) {
	switch kind {
	case rbac.UserKind:
		return "user_name", userExists(t, name)
	case rbac.TeamKind:
		return "team_name", teamExists(t, name)
	case rbac.RobotKind:
		return "robot_name", mustExist(t, "robot", `SELECT 1 FROM robots WHERE name = ?`, name)
	}
	return "", fmt.Errorf("grantee kind %q: %w", kind, store.ErrNotFound)
}

func insertPermission(t *dbtx, p store.Permission, col string) error {
	if _, err := t.exec(`INSERT INTO permissions (namespace, kind, name, `+col+`, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, p.Namespace, string(p.Kind), p.Name, p.Name, string(p.Role), ts(p.CreatedAt)); err != nil {
		return fmt.Errorf("%s: %w", permissionName(p), err)
	}
	return nil
}

// CreatePermission grants a role on a namespace.
func (s *Store) CreatePermission(ctx context.Context, p store.Permission) error {
	p.CreatedAt = orNow(p.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := namespaceExists(t, p.Namespace); err != nil {
			return err
		}
		col, err := granteeExists(t, p.Kind, p.Name)
		if err != nil {
			return err
		}
		return insertPermission(t, p, col)
	})
}

// GetPermission returns one grant.
func (s *Store) GetPermission(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (store.Permission, error) {
	var p store.Permission
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		p, err = scanPermission(func(dest ...any) error {
			return t.get(`SELECT `+permissionCols+` FROM permissions WHERE namespace = ? AND kind = ? AND name = ?`,
				[]any{namespace, string(kind), name}, dest...)
		})
		return err
	})
	id := store.Permission{Namespace: namespace, Kind: kind, Name: name}
	if errors.Is(err, ErrNoRows) {
		return p, fmt.Errorf("%s: %w", permissionName(id), store.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("%s: %w", permissionName(id), err)
	}
	return p, nil
}

// ListPermissions lists a namespace's grants by kind, then name.
func (s *Store) ListPermissions(ctx context.Context, namespace string) ([]store.Permission, error) {
	out := []store.Permission{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := namespaceExists(t, namespace); err != nil {
			return err
		}
		return t.query(`SELECT `+permissionCols+` FROM permissions WHERE namespace = ? ORDER BY kind, name`,
			[]any{namespace}, func(scan func(...any) error) error {
				p, err := scanPermission(scan)
				out = append(out, p)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list permissions: %w", err)
	}
	return out, nil
}

// UpdatePermission changes a grant's role.
func (s *Store) UpdatePermission(ctx context.Context, p store.Permission) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(permissionName(p),
			`UPDATE permissions SET role = ? WHERE namespace = ? AND kind = ? AND name = ?`,
			string(p.Role), p.Namespace, string(p.Kind), p.Name)
	})
}

// DeletePermission revokes a grant.
func (s *Store) DeletePermission(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) error {
	p := store.Permission{Namespace: namespace, Kind: kind, Name: name}
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(permissionName(p),
			`DELETE FROM permissions WHERE namespace = ? AND kind = ? AND name = ?`,
			namespace, string(kind), name)
	})
}

// rolesOfUser is RolesOn's one statement for a user: the namespace's row
// (team, owner, visibility), then one row per role from membership of the
// owning team, grants to the user and grants to the user's teams. One
// statement needs no transaction to see one snapshot.
const rolesOfUser = `
	SELECT 'namespace', coalesce(team, ''), coalesce(owner, ''), visibility FROM namespaces WHERE name = ?
	UNION ALL
	SELECT 'role', m.role, '', '' FROM members m JOIN namespaces n ON n.team = m.team
	WHERE n.name = ? AND m.username = ?
	UNION ALL
	SELECT 'role', role, '', '' FROM permissions WHERE namespace = ? AND kind = 'user' AND name = ?
	UNION ALL
	SELECT 'role', p.role, '', '' FROM permissions p JOIN members m ON m.team = p.name
	WHERE p.namespace = ? AND p.kind = 'team' AND m.username = ?`

// rolesOfGrantee is RolesOn's statement for a team or robot: the
// namespace's row, then the grants to it.
const rolesOfGrantee = `
	SELECT 'namespace', coalesce(team, ''), coalesce(owner, ''), visibility FROM namespaces WHERE name = ?
	UNION ALL
	SELECT 'role', role, '', '' FROM permissions WHERE namespace = ? AND kind = ? AND name = ?`

// RolesOn gathers every role that applies to the subject on the namespace,
// lowest first and without duplicates.
func (s *Store) RolesOn(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) ([]rbac.Role, error) {
	_, roles, err := s.NamespaceAccess(ctx, namespace, kind, name)
	return roles, err
}

// NamespaceAccess returns the namespace (name, team, owner and visibility
// only) and every role the subject has on it, lowest first, in one
// statement: what the token endpoint needs to decide on a repository.
// A missing namespace is ErrNotFound.
func (s *Store) NamespaceAccess(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (store.Namespace, []rbac.Role, error) {
	q, args := rolesOfGrantee, []any{namespace, namespace, string(kind), name}
	if kind == rbac.UserKind {
		q, args = rolesOfUser, []any{namespace, namespace, name, namespace, name, namespace, name}
	}
	set := map[rbac.Role]bool{}
	found := false
	ns := store.Namespace{Name: namespace}
	err := s.readOne(ctx, func(t *dbtx) error {
		return t.query(q, args, func(scan func(...any) error) error {
			var what, a, b, c string
			if err := scan(&what, &a, &b, &c); err != nil {
				return err
			}
			if what == "role" {
				set[rbac.Role(a)] = true
				return nil
			}
			found = true
			ns.Team, ns.Owner, ns.Visibility = a, b, rbac.Visibility(c)
			switch {
			case kind == rbac.UserKind && ns.Owner != "" && ns.Owner == name,
				kind == rbac.TeamKind && ns.Team != "" && ns.Team == name:
				set[rbac.RoleOwner] = true
			}
			return nil
		})
	})
	if err == nil && !found {
		err = fmt.Errorf("namespace %q: %w", namespace, store.ErrNotFound)
	}
	if err != nil {
		return store.Namespace{}, nil, fmt.Errorf("roles of %s %q on %q: %w", kind, name, namespace, err)
	}
	return ns, sortRoles(set), nil
}

// allRolesOfUser is RolesByNamespace's statement for a user: the same
// sources as rolesOfUser, for every namespace.
const allRolesOfUser = `
	SELECT name, 'owner' FROM namespaces WHERE owner = ?
	UNION ALL
	SELECT n.name, m.role FROM members m JOIN namespaces n ON n.team = m.team WHERE m.username = ?
	UNION ALL
	SELECT namespace, role FROM permissions WHERE kind = 'user' AND name = ?
	UNION ALL
	SELECT p.namespace, p.role FROM permissions p JOIN members m ON m.team = p.name
	WHERE p.kind = 'team' AND m.username = ?`

// allRolesOfTeam and allRolesOfRobot are RolesByNamespace's statements for
// a team (owner of the namespaces it owns, then its grants) and a robot.
const (
	allRolesOfTeam = `
	SELECT name, 'owner' FROM namespaces WHERE team = ?
	UNION ALL
	SELECT namespace, role FROM permissions WHERE kind = 'team' AND name = ?`
	allRolesOfRobot = `SELECT namespace, role FROM permissions WHERE kind = 'robot' AND name = ?`
)

// RolesByNamespace returns the subject's highest role on every namespace
// where it has one, in one statement.
func (s *Store) RolesByNamespace(ctx context.Context, kind rbac.SubjectKind, name string) (map[string]rbac.Role, error) {
	out := map[string]rbac.Role{}
	if name == "" {
		return out, nil
	}
	var q string
	var args []any
	switch kind {
	case rbac.UserKind:
		q, args = allRolesOfUser, []any{name, name, name, name}
	case rbac.TeamKind:
		q, args = allRolesOfTeam, []any{name, name}
	case rbac.RobotKind:
		q, args = allRolesOfRobot, []any{name}
	default:
		return out, nil
	}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(q, args, func(scan func(...any) error) error {
			var ns, role string
			if err := scan(&ns, &role); err != nil {
				return err
			}
			out[ns] = rbac.Highest(out[ns], rbac.Role(role))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("roles of %s %q: %w", kind, name, err)
	}
	return out, nil
}
