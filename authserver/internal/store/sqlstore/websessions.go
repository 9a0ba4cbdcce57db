package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const webSessionCols = `id, user_name, csrf, source, created_at, last_seen_at, expires_at`

// CreateWebSession stores a browser session of an existing user.
func (s *Store) CreateWebSession(ctx context.Context, ws store.WebSession) error {
	if ws.ID == "" || ws.Username == "" || ws.CSRF == "" || ws.ExpiresAt.IsZero() {
		return fmt.Errorf("web session: id, user, csrf and expiry are required")
	}
	ws.CreatedAt = orNow(ws.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := mustExist(t, "user", `SELECT 1 FROM users WHERE username = ?`, ws.Username); err != nil {
			return fmt.Errorf("web session: %w", err)
		}
		if _, err := t.exec(`INSERT INTO web_sessions (`+webSessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			ws.ID, ws.Username, ws.CSRF, ws.Source, ts(ws.CreatedAt), ts(ws.LastSeenAt), ts(ws.ExpiresAt)); err != nil {
			return fmt.Errorf("web session: %w", err)
		}
		return nil
	})
}

// GetWebSession finds a browser session by the hash of its secret.
func (s *Store) GetWebSession(ctx context.Context, id string) (store.WebSession, error) {
	var ws store.WebSession
	if id == "" {
		return ws, fmt.Errorf("web session: %w", store.ErrNotFound)
	}
	err := s.readOne(ctx, func(t *dbtx) error {
		return t.get(`SELECT `+webSessionCols+` FROM web_sessions WHERE id = ?`, []any{id},
			&ws.ID, &ws.Username, &ws.CSRF, &ws.Source, tsScan(&ws.CreatedAt), tsScan(&ws.LastSeenAt), tsScan(&ws.ExpiresAt))
	})
	if errors.Is(err, ErrNoRows) {
		return ws, fmt.Errorf("web session: %w", store.ErrNotFound)
	}
	if err != nil {
		return ws, fmt.Errorf("web session: %w", err)
	}
	return ws, nil
}

// TouchWebSession records a use of a browser session.
func (s *Store) TouchWebSession(ctx context.Context, id string, at time.Time) error {
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`UPDATE web_sessions SET last_seen_at = ? WHERE id = ?`, ts(at), id); err != nil {
			return fmt.Errorf("web session: %w", err)
		}
		return nil
	})
}

// DeleteWebSession ends one browser session.
func (s *Store) DeleteWebSession(ctx context.Context, id string) error {
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`DELETE FROM web_sessions WHERE id = ?`, id); err != nil {
			return fmt.Errorf("web session: %w", err)
		}
		return nil
	})
}

// DeleteWebSessions ends every browser session of username.
func (s *Store) DeleteWebSessions(ctx context.Context, username string) error {
	return s.write(ctx, func(t *dbtx) error {
		return revokeWebSessions(t, username)
	})
}

// DeleteExpiredWebSessions deletes the browser sessions that expired
// before before.
func (s *Store) DeleteExpiredWebSessions(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(t *dbtx) (err error) {
		n, err = t.exec(`DELETE FROM web_sessions WHERE expires_at < ?`, ts(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired web sessions: %w", err)
	}
	return int(n), nil
}

// revokeWebSessions deletes, inside t, every browser session of username:
// UpdateUser calls it with revokeRefreshTokens, so a credential change ends
// both kinds of session at once.
func revokeWebSessions(t *dbtx, username string) error {
	if _, err := t.exec(`DELETE FROM web_sessions WHERE user_name = ?`, username); err != nil {
		return fmt.Errorf("revoke web sessions of %q: %w", username, err)
	}
	return nil
}
