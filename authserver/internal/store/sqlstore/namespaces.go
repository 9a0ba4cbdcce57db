package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const namespaceCols = `name, coalesce(team, ''), coalesce(owner, ''), visibility, description, created_at, updated_at`

func scanNamespace(scan func(...any) error) (store.Namespace, error) {
	var n store.Namespace
	var vis string
	err := scan(&n.Name, &n.Team, &n.Owner, &vis, &n.Description, tsScan(&n.CreatedAt), tsScan(&n.UpdatedAt))
	n.Visibility = rbac.Visibility(vis)
	return n, err
}

func getNamespace(t *dbtx, name string) (store.Namespace, error) {
	n, err := scanNamespace(func(dest ...any) error {
		return t.get(`SELECT `+namespaceCols+` FROM namespaces WHERE name = ?`, []any{name}, dest...)
	})
	if errors.Is(err, ErrNoRows) {
		return n, fmt.Errorf("namespace %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return n, fmt.Errorf("namespace %q: %w", name, err)
	}
	return n, nil
}

func namespaceExists(t *dbtx, name string) error {
	return mustExist(t, "namespace", `SELECT 1 FROM namespaces WHERE name = ?`, name)
}

func checkNoRepositories(t *dbtx, namespace string) error {
	var n int
	if err := t.get(`SELECT count(*) FROM repositories WHERE namespace = ?`, []any{namespace}, &n); err != nil {
		return fmt.Errorf("namespace %q: %w", namespace, err)
	}
	if n > 0 {
		return fmt.Errorf("namespace %q holds %d repositories: %w", namespace, n, store.ErrConflict)
	}
	return nil
}

// CreateNamespace creates a team namespace (Team set) or, with Owner set and
// Name equal to it, a user's personal namespace. An empty Visibility means
// private.
func (s *Store) CreateNamespace(ctx context.Context, n store.Namespace) error {
	now := s.now()
	n.CreatedAt = orNow(n.CreatedAt, now)
	n.UpdatedAt = orNow(n.UpdatedAt, n.CreatedAt)
	if n.Visibility == "" {
		n.Visibility = rbac.Private
	}
	return s.write(ctx, func(t *dbtx) error {
		taken, err := t.exists(`SELECT 1 FROM namespaces WHERE name = ?`, n.Name)
		if err != nil {
			return fmt.Errorf("namespace %q: %w", n.Name, err)
		}
		if taken {
			return fmt.Errorf("namespace %q: %w", n.Name, store.ErrConflict)
		}
		if n.Owner != "" {
			if n.Team != "" || n.Owner != n.Name {
				return fmt.Errorf("namespace %q: a personal namespace is named after its owner and has no team: %w",
					n.Name, store.ErrConflict)
			}
			if err := userExists(t, n.Owner); err != nil {
				return err
			}
		} else if err := teamExists(t, n.Team); err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO namespaces (name, team, owner, visibility, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.Name, nullStr(n.Team), nullStr(n.Owner), string(n.Visibility),
			n.Description, ts(n.CreatedAt), ts(n.UpdatedAt)); err != nil {
			return fmt.Errorf("namespace %q: %w", n.Name, err)
		}
		return nil
	})
}

// GetNamespace returns one namespace.
func (s *Store) GetNamespace(ctx context.Context, name string) (store.Namespace, error) {
	var n store.Namespace
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		n, err = getNamespace(t, name)
		return err
	})
	return n, err
}

// ListNamespaces pages namespaces by name.
func (s *Store) ListNamespaces(ctx context.Context, opt store.ListOptions) ([]store.Namespace, error) {
	var f filter
	f.page("name", opt)
	out := []store.Namespace{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+namespaceCols+` FROM namespaces`+f.where()+` ORDER BY name LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				n, err := scanNamespace(scan)
				out = append(out, n)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list namespaces: %w", err)
	}
	return out, nil
}

// UpdateNamespace replaces Team, Visibility and Description. An empty Team
// or Visibility keeps the current one; a personal namespace cannot be given
// to a team (ErrConflict).
func (s *Store) UpdateNamespace(ctx context.Context, n store.Namespace) error {
	n.UpdatedAt = orNow(n.UpdatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		cur, err := getNamespace(t, n.Name)
		if err != nil {
			return err
		}
		if n.Visibility == "" {
			n.Visibility = cur.Visibility
		}
		if cur.Owner != "" {
			if n.Team != "" {
				return fmt.Errorf("namespace %q is personal: %w", n.Name, store.ErrConflict)
			}
		} else {
			if n.Team == "" {
				n.Team = cur.Team
			}
			if err := teamExists(t, n.Team); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE namespaces SET team = ?, visibility = ?, description = ?, updated_at = ? WHERE name = ?`,
			nullStr(n.Team), string(n.Visibility), n.Description, ts(n.UpdatedAt), n.Name); err != nil {
			return fmt.Errorf("namespace %q: %w", n.Name, err)
		}
		if cur.Team != "" && n.Team != cur.Team {
			// A team's robots reach only what their team owns (security
			// 42): the old team's robots lose this namespace with the move.
			if _, err := t.exec(`DELETE FROM permissions WHERE namespace = ? AND kind = 'robot'
				AND name IN (SELECT name FROM robots WHERE team = ?)`, n.Name, cur.Team); err != nil {
				return fmt.Errorf("namespace %q: revoke the access of team %q's robots: %w", n.Name, cur.Team, err)
			}
		}
		return nil
	})
}

// DeleteNamespace removes a team namespace and its grants. ErrConflict while
// repositories remain in it, and for a personal namespace (it goes with its
// user).
func (s *Store) DeleteNamespace(ctx context.Context, name string) error {
	return s.write(ctx, func(t *dbtx) error {
		cur, err := getNamespace(t, name)
		if err != nil {
			return err
		}
		if cur.Owner != "" {
			return fmt.Errorf("namespace %q is personal; delete user %q instead: %w", name, cur.Owner, store.ErrConflict)
		}
		if err := checkNoRepositories(t, name); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM namespaces WHERE name = ?`, name); err != nil {
			return fmt.Errorf("namespace %q: %w", name, err)
		}
		return nil
	})
}
