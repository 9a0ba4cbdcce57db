package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const userCols = `username, email, display_name, password_hash, admin, enabled, bot,
	password_changed_at, created_at, updated_at`

func scanUser(scan func(...any) error) (store.User, error) {
	var u store.User
	err := scan(&u.Username, &u.Email, &u.DisplayName, &u.PasswordHash, &u.Admin, &u.Enabled, &u.Bot,
		tsScan(&u.PasswordChangedAt), tsScan(&u.CreatedAt), tsScan(&u.UpdatedAt))
	return u, err
}

func getUser(t *dbtx, username string) (store.User, error) {
	var u store.User
	err := t.get(`SELECT `+userCols+` FROM users WHERE username = ?`, []any{username},
		&u.Username, &u.Email, &u.DisplayName, &u.PasswordHash, &u.Admin, &u.Enabled, &u.Bot,
		tsScan(&u.PasswordChangedAt), tsScan(&u.CreatedAt), tsScan(&u.UpdatedAt))
	if errors.Is(err, ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("user %q: %w", username, err)
	}
	return u, nil
}

// CountUsers counts all users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.readOne(ctx, func(t *dbtx) error {
		return t.get(`SELECT count(*) FROM users`, nil, &n)
	})
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateUser creates the user and, unless it is a bot, its personal namespace.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	now := s.now()
	u.CreatedAt = orNow(u.CreatedAt, now)
	u.UpdatedAt = orNow(u.UpdatedAt, u.CreatedAt)
	return s.write(ctx, func(t *dbtx) error {
		taken, err := t.exists(`SELECT 1 FROM users WHERE username = ?`, u.Username)
		if err != nil {
			return fmt.Errorf("user %q: %w", u.Username, err)
		}
		if taken {
			return fmt.Errorf("user %q: %w", u.Username, store.ErrConflict)
		}
		if _, err := t.exec(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.Username, u.Email, u.DisplayName, u.PasswordHash, u.Admin, u.Enabled, u.Bot,
			ts(u.PasswordChangedAt), ts(u.CreatedAt), ts(u.UpdatedAt)); err != nil {
			return fmt.Errorf("user %q: %w", u.Username, err)
		}
		if !u.Bot {
			return createPersonalNamespace(t, u.Username, u.CreatedAt)
		}
		return nil
	})
}

func createPersonalNamespace(t *dbtx, username string, at time.Time) error {
	taken, err := t.exists(`SELECT 1 FROM namespaces WHERE name = ?`, username)
	if err != nil {
		return fmt.Errorf("namespace %q: %w", username, err)
	}
	if taken {
		return fmt.Errorf("namespace %q: %w", username, store.ErrConflict)
	}
	if _, err := t.exec(`INSERT INTO namespaces (name, team, owner, visibility, description, created_at, updated_at)
		VALUES (?, NULL, ?, ?, '', ?, ?)`, username, username, string(rbac.Private), ts(at), ts(at)); err != nil {
		return fmt.Errorf("namespace %q: %w", username, err)
	}
	return nil
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	var u store.User
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		u, err = getUser(t, username)
		return err
	})
	return u, err
}

// ListUsers pages users by username.
func (s *Store) ListUsers(ctx context.Context, opt store.ListOptions) ([]store.User, error) {
	var f filter
	f.page("username", opt)
	out := []store.User{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+userCols+` FROM users`+f.where()+` ORDER BY username LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				u, err := scanUser(scan)
				out = append(out, u)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// checkOtherAdmin fails with ErrLastAdmin unless an enabled admin other than
// username exists. Callers hold the "users" lock.
func checkOtherAdmin(t *dbtx, username string) error {
	other, err := t.exists(`SELECT 1 FROM users WHERE admin = TRUE AND enabled = TRUE AND username <> ?`, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	if !other {
		return fmt.Errorf("user %q: %w", username, store.ErrLastAdmin)
	}
	return nil
}

// UpdateUser replaces all fields but Username and CreatedAt. A bot that
// becomes a person gets its personal namespace.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	u.UpdatedAt = orNow(u.UpdatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("users"); err != nil {
			return err
		}
		cur, err := getUser(t, u.Username)
		if err != nil {
			return err
		}
		if cur.Admin && cur.Enabled && !(u.Admin && u.Enabled) {
			if err := checkOtherAdmin(t, u.Username); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE users SET email = ?, display_name = ?, password_hash = ?, admin = ?, enabled = ?,
			bot = ?, password_changed_at = ?, updated_at = ? WHERE username = ?`,
			u.Email, u.DisplayName, u.PasswordHash, u.Admin, u.Enabled, u.Bot,
			ts(u.PasswordChangedAt), ts(u.UpdatedAt), u.Username); err != nil {
			return fmt.Errorf("user %q: %w", u.Username, err)
		}
		if revokesUserRefresh(cur, u) {
			if err := revokeRefreshTokens(t, "user_name", u.Username); err != nil {
				return err
			}
			if err := revokeWebSessions(t, u.Username); err != nil {
				return err
			}
		}
		if cur.Bot && !u.Bot {
			has, err := t.exists(`SELECT 1 FROM namespaces WHERE owner = ?`, u.Username)
			if err != nil {
				return fmt.Errorf("user %q: %w", u.Username, err)
			}
			if !has {
				return createPersonalNamespace(t, u.Username, u.UpdatedAt)
			}
		}
		return nil
	})
}

// DeleteUser removes the user with their memberships, grants, tokens and
// personal namespace.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("users"); err != nil {
			return err
		}
		cur, err := getUser(t, username)
		if err != nil {
			return err
		}
		if cur.Admin && cur.Enabled {
			if err := checkOtherAdmin(t, username); err != nil {
				return err
			}
		}
		var owned []string
		if err := t.query(`SELECT team FROM members WHERE username = ? AND role = ? ORDER BY team`,
			[]any{username, string(rbac.RoleOwner)}, func(scan func(...any) error) error {
				var team string
				err := scan(&team)
				owned = append(owned, team)
				return err
			}); err != nil {
			return fmt.Errorf("user %q: %w", username, err)
		}
		sort.Strings(owned)
		for _, team := range owned {
			if err := t.lock("team:" + team); err != nil {
				return err
			}
			if err := checkOtherOwner(t, team, username); err != nil {
				return err
			}
		}
		var ns string
		err = t.get(`SELECT name FROM namespaces WHERE owner = ?`, []any{username}, &ns)
		switch {
		case errors.Is(err, ErrNoRows):
		case err != nil:
			return fmt.Errorf("user %q: %w", username, err)
		default:
			if err := checkNoRepositories(t, ns); err != nil {
				return err
			}
			if _, err := t.exec(`DELETE FROM namespaces WHERE name = ?`, ns); err != nil {
				return fmt.Errorf("namespace %q: %w", ns, err)
			}
		}
		if _, err := t.exec(`DELETE FROM users WHERE username = ?`, username); err != nil {
			return fmt.Errorf("user %q: %w", username, err)
		}
		return nil
	})
}
