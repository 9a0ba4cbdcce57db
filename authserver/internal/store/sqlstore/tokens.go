package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const tokenCols = `id, username, name, hash, expires_at, last_used_at, created_at`

func scanToken(scan func(...any) error) (store.Token, error) {
	var tk store.Token
	err := scan(&tk.ID, &tk.Username, &tk.Name, &tk.Hash, tsScan(&tk.ExpiresAt), tsScan(&tk.LastUsedAt), tsScan(&tk.CreatedAt))
	return tk, err
}

// CreateToken stores an application token; ErrConflict for a taken ID, hash
// or (user, name).
func (s *Store) CreateToken(ctx context.Context, tk store.Token) error {
	tk.CreatedAt = orNow(tk.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := userExists(t, tk.Username); err != nil {
			return fmt.Errorf("token %q: %w", tk.Name, err)
		}
		if _, err := t.exec(`INSERT INTO tokens (`+tokenCols+`, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tk.ID, tk.Username, tk.Name, tk.Hash, ts(tk.ExpiresAt), ts(tk.LastUsedAt), ts(tk.CreatedAt), nullStr(tk.ParentID)); err != nil {
			return fmt.Errorf("user %q token %q: %w", tk.Username, tk.Name, err)
		}
		return nil
	})
}

// GetTokenByHash finds a token by the hash of its secret.
func (s *Store) GetTokenByHash(ctx context.Context, hash string) (store.Token, error) {
	var tk store.Token
	if hash == "" {
		return tk, fmt.Errorf("token by hash: %w", store.ErrNotFound)
	}
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		tk, err = scanToken(func(dest ...any) error {
			return t.get(`SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, []any{hash}, dest...)
		})
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return tk, fmt.Errorf("token by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return tk, fmt.Errorf("token by hash: %w", err)
	}
	return tk, nil
}

// ListTokens lists a user's tokens by name.
func (s *Store) ListTokens(ctx context.Context, username string) ([]store.Token, error) {
	out := []store.Token{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := userExists(t, username); err != nil {
			return err
		}
		return t.query(`SELECT `+tokenCols+` FROM tokens WHERE username = ? ORDER BY name, id`,
			[]any{username}, func(scan func(...any) error) error {
				tk, err := scanToken(scan)
				out = append(out, tk)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// TouchToken records a use of the token; a zero at means now.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	at = orNow(at, s.now())
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("token %q", id),
			`UPDATE tokens SET last_used_at = ? WHERE id = ?`, ts(at), id)
	})
}

// DeleteToken deletes token id of username.
func (s *Store) DeleteToken(ctx context.Context, username, id string) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("user %q token %q", username, id),
			`DELETE FROM tokens WHERE username = ? AND id = ?`, username, id)
	})
}
