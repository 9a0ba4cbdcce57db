package tokenserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// RefreshPrefix starts every refresh token. The API's bearer authentication
// accepts only dmt_ and dmr_ secrets, so a refresh token is useless there.
const RefreshPrefix = "dmrt_"

// DefaultRefreshLifetime is how long a refresh token lives unless
// EndpointDeps says otherwise.
const DefaultRefreshLifetime = 30 * 24 * time.Hour

// RefreshToken is the stored form of a refresh token: only the hash of the
// secret is kept; it is bound to one subject and one service. It is
// store.RefreshToken itself, so the SQL stores implement RefreshStore as
// they are. CredentialAt is the version of the credential the subject
// logged in with: the later of the user's PasswordChangedAt (the robot's
// SecretChangedAt) and its CreatedAt, to the microsecond. A later version in
// the store (password changed, secret rotated, subject re-created) kills
// the token.
type RefreshToken = store.RefreshToken

// RefreshStore keeps refresh tokens. Implementations must be safe for
// concurrent use and return errors wrapping store.ErrNotFound for missing
// rows and store.ErrUnavailable (or any other error) when the database fails.
type RefreshStore interface {
	// CreateRefreshToken stores t (ID and Hash are unique; a duplicate is
	// an error wrapping store.ErrConflict).
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshTokenByHash returns the token whose Hash equals hash, expired
	// or not (the caller checks ExpiresAt); store.ErrNotFound if none.
	GetRefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// DeleteRefreshTokens deletes every token of one subject (subjectKind
	// "user" or "robot", subject the username or robot$name); deleting none
	// is not an error. Called to revoke, e.g. on logout, disable or delete.
	DeleteRefreshTokens(ctx context.Context, subjectKind, subject string) error
	// TouchRefreshToken records a use of token id at at from source.
	TouchRefreshToken(ctx context.Context, id string, at time.Time, source string) error
}

// NewRefreshSecret returns a new refresh token secret (dmrt_ + 64 hex
// digits, 256 random bits) and its hash.
func NewRefreshSecret() (secret, hash string) { return authn.NewSecret(RefreshPrefix) }

// HashRefreshToken is the hex SHA-256 of a refresh token secret. A fast hash
// is enough for 256 random bits and allows lookup by hash.
func HashRefreshToken(secret string) string { return authn.HashSecret(secret) }

// wellFormedRefresh reports whether s looks like NewRefreshSecret's output,
// so garbage never reaches the store.
func wellFormedRefresh(s string) bool { return authn.WellFormedSecret(s, RefreshPrefix) }

// credentialVersion is what CredentialAt records and refresh compares:
// changed is PasswordChangedAt / SecretChangedAt. Full resolution — the
// microseconds both SQL stores keep — so a rotation in the same second as
// the login is a new credential (whole seconds let it survive).
func credentialVersion(changed, created time.Time) time.Time {
	v := changed
	if created.After(v) {
		v = created
	}
	return v.Truncate(time.Microsecond).UTC()
}

// MemoryRefreshStore is an in-memory RefreshStore for tests and
// single-process development.
type MemoryRefreshStore struct {
	mu     sync.Mutex
	byHash map[string]RefreshToken
}

var _ RefreshStore = (*MemoryRefreshStore)(nil)

// NewMemoryRefreshStore returns an empty store.
func NewMemoryRefreshStore() *MemoryRefreshStore {
	return &MemoryRefreshStore{byHash: map[string]RefreshToken{}}
}

// CreateRefreshToken implements RefreshStore.
func (s *MemoryRefreshStore) CreateRefreshToken(_ context.Context, t RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.byHash[t.Hash]; dup {
		return fmt.Errorf("refresh token: %w", store.ErrConflict)
	}
	for _, o := range s.byHash {
		if o.ID == t.ID {
			return fmt.Errorf("refresh token %s: %w", t.ID, store.ErrConflict)
		}
	}
	s.byHash[t.Hash] = t
	return nil
}

// GetRefreshTokenByHash implements RefreshStore.
func (s *MemoryRefreshStore) GetRefreshTokenByHash(_ context.Context, hash string) (RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byHash[hash]
	if !ok {
		return RefreshToken{}, fmt.Errorf("refresh token: %w", store.ErrNotFound)
	}
	return t, nil
}

// DeleteRefreshTokens implements RefreshStore.
func (s *MemoryRefreshStore) DeleteRefreshTokens(_ context.Context, subjectKind, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.byHash {
		if t.SubjectKind == subjectKind && t.Subject == subject {
			delete(s.byHash, h)
		}
	}
	return nil
}

// TouchRefreshToken implements RefreshStore.
func (s *MemoryRefreshStore) TouchRefreshToken(_ context.Context, id string, at time.Time, source string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.byHash {
		if t.ID == id {
			t.LastUsedAt, t.Source = at, source
			s.byHash[h] = t
		}
	}
	return nil
}

// Len is the number of stored tokens (for tests).
func (s *MemoryRefreshStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byHash)
}

// kindOf maps a stored SubjectKind back to rbac's.
func kindOf(k string) rbac.SubjectKind { return rbac.SubjectKind(k) }
