package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const robotCols = `name, description, coalesce(team, ''), secret_hash, enabled, expires_at, created_by,
	created_at, updated_at, secret_changed_at`

func scanRobot(scan func(...any) error) (store.Robot, error) {
	var r store.Robot
	err := scan(&r.Name, &r.Description, &r.Team, &r.SecretHash, &r.Enabled, tsScan(&r.ExpiresAt), &r.CreatedBy,
		tsScan(&r.CreatedAt), tsScan(&r.UpdatedAt), tsScan(&r.SecretChangedAt))
	r.Access = []store.Access{}
	return r, err
}

// robotWithAccess selects a robot (by a condition on r) with one row per
// namespace it has access to, or a single row with an empty namespace.
const robotWithAccess = `SELECT r.name, r.description, coalesce(r.team, ''), r.secret_hash, r.enabled,
	r.expires_at, r.created_by, r.created_at, r.updated_at, r.secret_changed_at,
	coalesce(p.namespace, ''), coalesce(p.role, '')
	FROM robots r LEFT JOIN permissions p ON p.kind = 'robot' AND p.robot_name = r.name
	WHERE `

// getRobotWhere returns the robot matching cond (on r, with one argument)
// and its access, in one statement; ErrNoRows when there is none. Should
// cond match several robots, the first one's rows are kept.
func getRobotWhere(t *dbtx, cond string, arg any) (store.Robot, error) {
	var r store.Robot
	found := false
	err := t.query(robotWithAccess+cond+` ORDER BY r.name, p.namespace`, []any{arg},
		func(scan func(...any) error) error {
			var row store.Robot
			var a store.Access
			var role string
			if err := scan(&row.Name, &row.Description, &row.Team, &row.SecretHash, &row.Enabled,
				tsScan(&row.ExpiresAt), &row.CreatedBy, tsScan(&row.CreatedAt), tsScan(&row.UpdatedAt),
				tsScan(&row.SecretChangedAt), &a.Namespace, &role); err != nil {
				return err
			}
			if !found {
				r, found = row, true
				r.Access = []store.Access{}
			}
			if row.Name == r.Name && a.Namespace != "" {
				a.Role = rbac.Role(role)
				r.Access = append(r.Access, a)
			}
			return nil
		})
	if err == nil && !found {
		err = ErrNoRows
	}
	return r, err
}

// writeAccess replaces the robot's permission rows with access, keeping the
// creation time of grants that stay.
func writeAccess(t *dbtx, robot string, access []store.Access, now time.Time) error {
	created := map[string]time.Time{}
	if err := t.query(`SELECT namespace, created_at FROM permissions WHERE kind = 'robot' AND name = ?`,
		[]any{robot}, func(scan func(...any) error) error {
			var ns string
			var at time.Time
			err := scan(&ns, tsScan(&at))
			created[ns] = at
			return err
		}); err != nil {
		return fmt.Errorf("robot %q: %w", robot, err)
	}
	if _, err := t.exec(`DELETE FROM permissions WHERE kind = 'robot' AND name = ?`, robot); err != nil {
		return fmt.Errorf("robot %q: %w", robot, err)
	}
	for _, a := range access {
		if err := namespaceExists(t, a.Namespace); err != nil {
			return fmt.Errorf("robot %q: %w", robot, err)
		}
		at, ok := created[a.Namespace]
		if !ok || at.IsZero() {
			at = now
		}
		if err := insertPermission(t, store.Permission{
			Namespace: a.Namespace, Kind: rbac.RobotKind, Name: robot, Role: a.Role, CreatedAt: at,
		}, "robot_name"); err != nil {
			return err
		}
	}
	return nil
}

// CreateRobot stores the robot and its access.
func (s *Store) CreateRobot(ctx context.Context, r store.Robot) error {
	now := s.now()
	r.CreatedAt = orNow(r.CreatedAt, now)
	r.UpdatedAt = orNow(r.UpdatedAt, r.CreatedAt)
	r.SecretChangedAt = orNow(r.SecretChangedAt, r.CreatedAt)
	return s.write(ctx, func(t *dbtx) error {
		taken, err := t.exists(`SELECT 1 FROM robots WHERE name = ?`, r.Name)
		if err != nil {
			return fmt.Errorf("robot %q: %w", r.Name, err)
		}
		if taken {
			return fmt.Errorf("robot %q: %w", r.Name, store.ErrConflict)
		}
		if r.Team != "" {
			if err := teamExists(t, r.Team); err != nil {
				return fmt.Errorf("robot %q: %w", r.Name, err)
			}
		}
		if _, err := t.exec(`INSERT INTO robots (name, description, team, secret_hash, enabled, expires_at, created_by,
			created_at, updated_at, secret_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Name, r.Description, nullStr(r.Team), r.SecretHash, r.Enabled, ts(r.ExpiresAt), r.CreatedBy,
			ts(r.CreatedAt), ts(r.UpdatedAt), ts(r.SecretChangedAt)); err != nil {
			return fmt.Errorf("robot %q: %w", r.Name, err)
		}
		return writeAccess(t, r.Name, r.Access, r.CreatedAt)
	})
}

func (s *Store) getRobot(ctx context.Context, what, cond string, arg any) (store.Robot, error) {
	var r store.Robot
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		r, err = getRobotWhere(t, cond, arg)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return r, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", what, err)
	}
	return r, nil
}

// GetRobot returns one robot with its access sorted by namespace.
func (s *Store) GetRobot(ctx context.Context, name string) (store.Robot, error) {
	return s.getRobot(ctx, fmt.Sprintf("robot %q", name), "r.name = ?", name)
}

// GetRobotBySecretHash finds a robot by the hash of its secret.
func (s *Store) GetRobotBySecretHash(ctx context.Context, hash string) (store.Robot, error) {
	if hash == "" {
		return store.Robot{}, fmt.Errorf("robot by secret: %w", store.ErrNotFound)
	}
	return s.getRobot(ctx, "robot by secret", "r.secret_hash = ?", hash)
}

// ListRobots pages robots by name, each with its access.
func (s *Store) ListRobots(ctx context.Context, opt store.ListOptions) ([]store.Robot, error) {
	var f filter
	f.page("name", opt)
	out := []store.Robot{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := t.query(`SELECT `+robotCols+` FROM robots`+f.where()+` ORDER BY name LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				r, err := scanRobot(scan)
				out = append(out, r)
				return err
			}); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		index := make(map[string]int, len(out))
		for i, r := range out {
			index[r.Name] = i
		}
		return t.query(`SELECT name, namespace, role FROM permissions WHERE kind = 'robot' AND name >= ? AND name <= ?
			ORDER BY name, namespace`, []any{out[0].Name, out[len(out)-1].Name},
			func(scan func(...any) error) error {
				var name, role string
				var a store.Access
				if err := scan(&name, &a.Namespace, &role); err != nil {
					return err
				}
				a.Role = rbac.Role(role)
				if i, ok := index[name]; ok {
					out[i].Access = append(out[i].Access, a)
				}
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list robots: %w", err)
	}
	return out, nil
}

// UpdateRobot replaces Description, Enabled, ExpiresAt and Access.
func (s *Store) UpdateRobot(ctx context.Context, r store.Robot) error {
	now := s.now()
	r.UpdatedAt = orNow(r.UpdatedAt, now)
	return s.write(ctx, func(t *dbtx) error {
		if err := t.execFound(fmt.Sprintf("robot %q", r.Name),
			`UPDATE robots SET description = ?, enabled = ?, expires_at = ?, updated_at = ? WHERE name = ?`,
			r.Description, r.Enabled, ts(r.ExpiresAt), ts(r.UpdatedAt), r.Name); err != nil {
			return err
		}
		if !r.Enabled || (!r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now)) {
			if err := revokeRefreshTokens(t, "robot_name", r.Name); err != nil {
				return err
			}
		}
		return writeAccess(t, r.Name, r.Access, r.UpdatedAt)
	})
}

// SetRobotSecret replaces the secret hash; a zero at means now.
func (s *Store) SetRobotSecret(ctx context.Context, name, hash string, at time.Time) error {
	now := s.now()
	at = orNow(at, now)
	return s.write(ctx, func(t *dbtx) error {
		if err := t.execFound(fmt.Sprintf("robot %q", name),
			`UPDATE robots SET secret_hash = ?, secret_changed_at = ?, updated_at = ? WHERE name = ?`,
			hash, ts(at), ts(now), name); err != nil {
			return err
		}
		return revokeRefreshTokens(t, "robot_name", name)
	})
}

// DeleteRobot removes the robot and its grants.
func (s *Store) DeleteRobot(ctx context.Context, name string) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("robot %q", name), `DELETE FROM robots WHERE name = ?`, name)
	})
}
