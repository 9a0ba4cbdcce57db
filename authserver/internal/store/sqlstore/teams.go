package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const teamCols = `name, description, created_at, updated_at`

func scanTeam(scan func(...any) error) (store.Team, error) {
	var tm store.Team
	err := scan(&tm.Name, &tm.Description, tsScan(&tm.CreatedAt), tsScan(&tm.UpdatedAt))
	return tm, err
}

func getTeam(t *dbtx, name string) (store.Team, error) {
	tm, err := scanTeam(func(dest ...any) error {
		return t.get(`SELECT `+teamCols+` FROM teams WHERE name = ?`, []any{name}, dest...)
	})
	if errors.Is(err, ErrNoRows) {
		return tm, fmt.Errorf("team %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return tm, fmt.Errorf("team %q: %w", name, err)
	}
	return tm, nil
}

func mustExist(t *dbtx, kind, q, name string) error {
	ok, err := t.exists(q, name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if !ok {
		return fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}

func userExists(t *dbtx, name string) error {
	return mustExist(t, "user", `SELECT 1 FROM users WHERE username = ?`, name)
}

func teamExists(t *dbtx, name string) error {
	return mustExist(t, "team", `SELECT 1 FROM teams WHERE name = ?`, name)
}

// CreateTeam creates the team with owner as its first owner.
func (s *Store) CreateTeam(ctx context.Context, tm store.Team, owner string) error {
	now := s.now()
	tm.CreatedAt = orNow(tm.CreatedAt, now)
	tm.UpdatedAt = orNow(tm.UpdatedAt, tm.CreatedAt)
	return s.write(ctx, func(t *dbtx) error {
		taken, err := t.exists(`SELECT 1 FROM teams WHERE name = ?`, tm.Name)
		if err != nil {
			return fmt.Errorf("team %q: %w", tm.Name, err)
		}
		if taken {
			return fmt.Errorf("team %q: %w", tm.Name, store.ErrConflict)
		}
		if err := userExists(t, owner); err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO teams (`+teamCols+`, protected) VALUES (?, ?, ?, ?, ?)`,
			tm.Name, tm.Description, ts(tm.CreatedAt), ts(tm.UpdatedAt), tm.Protected); err != nil {
			return fmt.Errorf("team %q: %w", tm.Name, err)
		}
		if _, err := t.exec(`INSERT INTO members (team, username, role, created_at) VALUES (?, ?, ?, ?)`,
			tm.Name, owner, string(rbac.RoleOwner), ts(tm.CreatedAt)); err != nil {
			return fmt.Errorf("team %q member %q: %w", tm.Name, owner, err)
		}
		return nil
	})
}

// GetTeam returns one team.
func (s *Store) GetTeam(ctx context.Context, name string) (store.Team, error) {
	var tm store.Team
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		tm, err = getTeam(t, name)
		return err
	})
	return tm, err
}

// ListTeams pages teams by name.
func (s *Store) ListTeams(ctx context.Context, opt store.ListOptions) ([]store.Team, error) {
	var f filter
	f.page("name", opt)
	out := []store.Team{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+teamCols+` FROM teams`+f.where()+` ORDER BY name LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				tm, err := scanTeam(scan)
				out = append(out, tm)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return out, nil
}

// UpdateTeam replaces the description.
func (s *Store) UpdateTeam(ctx context.Context, tm store.Team) error {
	tm.UpdatedAt = orNow(tm.UpdatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("team %q", tm.Name),
			`UPDATE teams SET description = ?, updated_at = ? WHERE name = ?`,
			tm.Description, ts(tm.UpdatedAt), tm.Name)
	})
}

// DeleteTeam removes the team with its memberships and grants; its robots
// become system robots. ErrConflict while it owns namespaces.
func (s *Store) DeleteTeam(ctx context.Context, name string) error {
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("team:" + name); err != nil {
			return err
		}
		if err := teamExists(t, name); err != nil {
			return err
		}
		protected, err := t.exists(`SELECT 1 FROM teams WHERE name = ? AND protected = TRUE`, name)
		if err != nil {
			return fmt.Errorf("team %q: %w", name, err)
		}
		if protected {
			return fmt.Errorf("team %q: %w", name, store.ErrProtected)
		}
		var n int
		if err := t.get(`SELECT count(*) FROM namespaces WHERE team = ?`, []any{name}, &n); err != nil {
			return fmt.Errorf("team %q: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("team %q owns %d namespaces: %w", name, n, store.ErrConflict)
		}
		if _, err := t.exec(`DELETE FROM teams WHERE name = ?`, name); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				// A foreign key still points at the team: a namespace
				// created concurrently.
				return fmt.Errorf("team %q owns namespaces: %w", name, store.ErrConflict)
			}
			return fmt.Errorf("team %q: %w", name, err)
		}
		return nil
	})
}

const memberCols = `team, username, role, created_at`

func scanMember(scan func(...any) error) (store.Member, error) {
	var m store.Member
	var role string
	err := scan(&m.Team, &m.Username, &role, tsScan(&m.CreatedAt))
	m.Role = rbac.Role(role)
	return m, err
}

func getMember(t *dbtx, team, username string) (store.Member, error) {
	m, err := scanMember(func(dest ...any) error {
		return t.get(`SELECT `+memberCols+` FROM members WHERE team = ? AND username = ?`, []any{team, username}, dest...)
	})
	if errors.Is(err, ErrNoRows) {
		return m, fmt.Errorf("team %q member %q: %w", team, username, store.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("team %q member %q: %w", team, username, err)
	}
	return m, nil
}

// checkOtherOwner fails with ErrLastOwner unless team has an owner other
// than username. Callers hold the team's lock.
func checkOtherOwner(t *dbtx, team, username string) error {
	other, err := t.exists(`SELECT 1 FROM members WHERE team = ? AND role = ? AND username <> ?`,
		team, string(rbac.RoleOwner), username)
	if err != nil {
		return fmt.Errorf("team %q: %w", team, err)
	}
	if !other {
		return fmt.Errorf("team %q member %q: %w", team, username, store.ErrLastOwner)
	}
	return nil
}

// AddMember adds a user to a team.
func (s *Store) AddMember(ctx context.Context, m store.Member) error {
	m.CreatedAt = orNow(m.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("team:" + m.Team); err != nil {
			return err
		}
		if err := teamExists(t, m.Team); err != nil {
			return err
		}
		if err := userExists(t, m.Username); err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO members (`+memberCols+`) VALUES (?, ?, ?, ?)`,
			m.Team, m.Username, string(m.Role), ts(m.CreatedAt)); err != nil {
			return fmt.Errorf("team %q member %q: %w", m.Team, m.Username, err)
		}
		return nil
	})
}

// GetMember returns one membership.
func (s *Store) GetMember(ctx context.Context, team, username string) (store.Member, error) {
	var m store.Member
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		m, err = getMember(t, team, username)
		return err
	})
	return m, err
}

// ListMembers pages a team's members by username.
func (s *Store) ListMembers(ctx context.Context, team string, opt store.ListOptions) ([]store.Member, error) {
	var f filter
	f.add("team = ?", team)
	f.page("username", opt)
	out := []store.Member{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := teamExists(t, team); err != nil {
			return err
		}
		return t.query(`SELECT `+memberCols+` FROM members`+f.where()+` ORDER BY username LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				m, err := scanMember(scan)
				out = append(out, m)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// ListUserTeams lists a user's memberships by team name.
func (s *Store) ListUserTeams(ctx context.Context, username string) ([]store.Member, error) {
	out := []store.Member{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := userExists(t, username); err != nil {
			return err
		}
		return t.query(`SELECT `+memberCols+` FROM members WHERE username = ? ORDER BY team`,
			[]any{username}, func(scan func(...any) error) error {
				m, err := scanMember(scan)
				out = append(out, m)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list teams of %q: %w", username, err)
	}
	return out, nil
}

// UpdateMember changes a member's role.
func (s *Store) UpdateMember(ctx context.Context, m store.Member) error {
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("team:" + m.Team); err != nil {
			return err
		}
		cur, err := getMember(t, m.Team, m.Username)
		if err != nil {
			return err
		}
		if cur.Role == rbac.RoleOwner && m.Role != rbac.RoleOwner {
			if err := checkOtherOwner(t, m.Team, m.Username); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE members SET role = ? WHERE team = ? AND username = ?`,
			string(m.Role), m.Team, m.Username); err != nil {
			return fmt.Errorf("team %q member %q: %w", m.Team, m.Username, err)
		}
		return nil
	})
}

// RemoveMember removes a user from a team.
func (s *Store) RemoveMember(ctx context.Context, team, username string) error {
	return s.write(ctx, func(t *dbtx) error {
		if err := t.lock("team:" + team); err != nil {
			return err
		}
		cur, err := getMember(t, team, username)
		if err != nil {
			return err
		}
		if cur.Role == rbac.RoleOwner {
			if err := checkOtherOwner(t, team, username); err != nil {
				return err
			}
		}
		if _, err := t.exec(`DELETE FROM members WHERE team = ? AND username = ?`, team, username); err != nil {
			return fmt.Errorf("team %q member %q: %w", team, username, err)
		}
		return nil
	})
}
