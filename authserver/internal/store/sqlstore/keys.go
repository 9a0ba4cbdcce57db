package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

var _ store.TokenStore = (*Store)(nil)

const keyCols = `kid, alg, private_pem, cert_pem, created_at, retired_at`

func scanKey(scan func(...any) error) (store.SigningKey, error) {
	var k store.SigningKey
	err := scan(&k.KID, &k.Alg, &k.PrivatePEM, &k.CertPEM, tsScan(&k.CreatedAt), tsScan(&k.RetiredAt))
	return k, err
}

// ListKeys returns every signing key, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]store.SigningKey, error) {
	out := []store.SigningKey{}
	err := s.readOne(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+keyCols+` FROM signing_keys ORDER BY created_at, kid`, nil,
			func(scan func(...any) error) error {
				k, err := scanKey(scan)
				out = append(out, k)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	return out, nil
}

// AddKey stores a new signing key. The private key PEM is stored as given:
// the database is the trust root (see store.SigningKey).
func (s *Store) AddKey(ctx context.Context, k store.SigningKey) error {
	if k.KID == "" || k.Alg == "" || len(k.PrivatePEM) == 0 || len(k.CertPEM) == 0 {
		return fmt.Errorf("signing key %q: kid, alg, private key and certificate are required", k.KID)
	}
	k.CreatedAt = orNow(k.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`INSERT INTO signing_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
			k.KID, k.Alg, k.PrivatePEM, k.CertPEM, ts(k.CreatedAt), ts(k.RetiredAt)); err != nil {
			return fmt.Errorf("signing key %q: %w", k.KID, err)
		}
		return nil
	})
}

// RetireKey sets the retirement time of an active key; a retired key keeps
// its first one.
func (s *Store) RetireKey(ctx context.Context, kid string, at time.Time) error {
	at = orNow(at, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := mustExist(t, "signing key", `SELECT 1 FROM signing_keys WHERE kid = ?`, kid); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL`,
			ts(at), kid); err != nil {
			return fmt.Errorf("signing key %q: %w", kid, err)
		}
		return nil
	})
}

// DeleteKey forgets a signing key.
func (s *Store) DeleteKey(ctx context.Context, kid string) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("signing key %q", kid), `DELETE FROM signing_keys WHERE kid = ?`, kid)
	})
}

const refreshCols = `id, hash, subject_kind, subject, service, credential_at, created_at, expires_at, client_id, source, last_used_at`

func scanRefreshToken(scan func(...any) error) (store.RefreshToken, error) {
	var rt store.RefreshToken
	err := scan(&rt.ID, &rt.Hash, &rt.SubjectKind, &rt.Subject, &rt.Service,
		tsScan(&rt.CredentialAt), tsScan(&rt.CreatedAt), tsScan(&rt.ExpiresAt),
		&rt.ClientID, &rt.Source, tsScan(&rt.LastUsedAt))
	return rt, err
}

// CreateRefreshToken stores a refresh token of an existing user or robot.
// The subject is also written to a typed column (user_name or robot_name)
// whose foreign key deletes the token with its subject.
func (s *Store) CreateRefreshToken(ctx context.Context, rt store.RefreshToken) error {
	if rt.ID == "" || rt.Hash == "" || rt.Subject == "" || rt.Service == "" || rt.ExpiresAt.IsZero() {
		return fmt.Errorf("refresh token %q: id, hash, subject, service and expiry are required", rt.ID)
	}
	var col, q string
	switch rbac.SubjectKind(rt.SubjectKind) {
	case rbac.UserKind:
		col, q = "user_name", `SELECT 1 FROM users WHERE username = ?`
	case rbac.RobotKind:
		col, q = "robot_name", `SELECT 1 FROM robots WHERE name = ?`
	default:
		return fmt.Errorf("refresh token %q: subject kind %q is neither user nor robot", rt.ID, rt.SubjectKind)
	}
	rt.CreatedAt = orNow(rt.CreatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if err := mustExist(t, rt.SubjectKind, q, rt.Subject); err != nil {
			return fmt.Errorf("refresh token %q: %w", rt.ID, err)
		}
		if _, err := t.exec(`INSERT INTO refresh_tokens (`+refreshCols+`, `+col+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rt.ID, rt.Hash, rt.SubjectKind, rt.Subject, rt.Service,
			ts(rt.CredentialAt), ts(rt.CreatedAt), ts(rt.ExpiresAt),
			rt.ClientID, rt.Source, ts(rt.LastUsedAt), rt.Subject); err != nil {
			return fmt.Errorf("refresh token %q: %w", rt.ID, err)
		}
		return nil
	})
}

// GetRefreshTokenByHash finds a refresh token by the hash of its secret,
// expired or not.
func (s *Store) GetRefreshTokenByHash(ctx context.Context, hash string) (store.RefreshToken, error) {
	var rt store.RefreshToken
	if hash == "" {
		return rt, fmt.Errorf("refresh token by hash: %w", store.ErrNotFound)
	}
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		rt, err = scanRefreshToken(func(dest ...any) error {
			return t.get(`SELECT `+refreshCols+` FROM refresh_tokens WHERE hash = ?`, []any{hash}, dest...)
		})
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return rt, fmt.Errorf("refresh token by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return rt, fmt.Errorf("refresh token by hash: %w", err)
	}
	return rt, nil
}

// DeleteRefreshTokens deletes every refresh token of one subject.
func (s *Store) DeleteRefreshTokens(ctx context.Context, subjectKind, subject string) error {
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`DELETE FROM refresh_tokens WHERE subject_kind = ? AND subject = ?`,
			subjectKind, subject); err != nil {
			return fmt.Errorf("refresh tokens of %s %q: %w", subjectKind, subject, err)
		}
		return nil
	})
}

// ListRefreshTokens lists one subject's refresh tokens, newest first.
func (s *Store) ListRefreshTokens(ctx context.Context, subjectKind, subject string) ([]store.RefreshToken, error) {
	var out []store.RefreshToken
	err := s.read(ctx, func(t *dbtx) error {
		out = nil
		return t.query(`SELECT `+refreshCols+` FROM refresh_tokens WHERE subject_kind = ? AND subject = ?
			ORDER BY created_at DESC, id`, []any{subjectKind, subject}, func(scan func(...any) error) error {
			rt, err := scanRefreshToken(scan)
			out = append(out, rt)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("refresh tokens of %s %q: %w", subjectKind, subject, err)
	}
	return out, nil
}

// DeleteRefreshToken deletes one refresh token of one subject.
func (s *Store) DeleteRefreshToken(ctx context.Context, subjectKind, subject, id string) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("session %q", id),
			`DELETE FROM refresh_tokens WHERE id = ? AND subject_kind = ? AND subject = ?`, id, subjectKind, subject)
	})
}

// TouchRefreshToken records a use of a refresh token.
func (s *Store) TouchRefreshToken(ctx context.Context, id string, at time.Time, source string) error {
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`UPDATE refresh_tokens SET last_used_at = ?, source = ? WHERE id = ?`, ts(at), source, id); err != nil {
			return fmt.Errorf("refresh token %q: %w", id, err)
		}
		return nil
	})
}

// revokesUserRefresh: the changes of a user that end its refresh tokens for
// good (security 41) — disabling, a new password, losing admin. Re-enabling
// later revives nothing: the rows are gone.
func revokesUserRefresh(cur, next store.User) bool {
	return !next.Enabled || next.PasswordHash != cur.PasswordHash || (cur.Admin && !next.Admin)
}

// revokeRefreshTokens deletes, inside t, every refresh token whose column
// (user_name or robot_name) is name: the one place the store ends sessions
// when a credential changes, whichever entry point changed it.
func revokeRefreshTokens(t *dbtx, column, name string) error {
	if _, err := t.exec(`DELETE FROM refresh_tokens WHERE `+column+` = ?`, name); err != nil {
		return fmt.Errorf("revoke refresh tokens of %q: %w", name, err)
	}
	return nil
}

// DeleteExpiredRefreshTokens deletes the refresh tokens that expired before
// before.
func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(t *dbtx) (err error) {
		n, err = t.exec(`DELETE FROM refresh_tokens WHERE expires_at < ?`, ts(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	return int(n), nil
}
