package store

import (
	"context"
	"fmt"
	"time"
)

// SigningKey is a token-signing key as stored. It mirrors token.StoredKey
// field for field (main adapts between them; store does not import token).
// PrivatePEM is a PKCS#8 "PRIVATE KEY" block kept exactly as given: the
// database is the token service's trust root, so whoever can write it can
// mint tokens anyway, and encrypting the key with a secret kept next to the
// database would add nothing. A zero RetiredAt means the key is active.
type SigningKey struct {
	KID        string
	Alg        string
	PrivatePEM []byte
	CertPEM    []byte
	CreatedAt  time.Time
	RetiredAt  time.Time
}

// String never prints the private key.
func (k SigningKey) String() string {
	return fmt.Sprintf("SigningKey{KID:%s Alg:%s CreatedAt:%s RetiredAt:%s PrivatePEM:[redacted]}",
		k.KID, k.Alg, k.CreatedAt.Format(time.RFC3339), k.RetiredAt.Format(time.RFC3339))
}

// GoString never prints the private key either (%#v).
func (k SigningKey) GoString() string { return k.String() }

// RefreshToken is a stored refresh token: only the hash of its secret is
// kept. It is bound to one subject (a user or a robot, and it is deleted with
// that subject) and one service.
type RefreshToken struct {
	ID   string
	Hash string
	// SubjectKind is "user" or "robot" (rbac.UserKind, rbac.RobotKind).
	SubjectKind string
	// Subject is the username or the robot's name (robot$x).
	Subject string
	// Service is the registry service (JWT aud) the token is bound to.
	Service string
	// CredentialAt is the version of the credential the subject logged in
	// with; the token package compares it with the subject's current one.
	CredentialAt time.Time
	CreatedAt    time.Time
	ExpiresAt    time.Time
	// ClientID is the client that asked for it (OAuth2 client_id, e.g.
	// "docker"), Source the address it came from, LastUsedAt when it was
	// last redeemed (zero: never): what a session listing shows.
	ClientID   string
	Source     string
	LastUsedAt time.Time
}

// String never prints the hash.
func (t RefreshToken) String() string {
	return fmt.Sprintf("RefreshToken{ID:%s %s:%s Service:%s ExpiresAt:%s}",
		t.ID, t.SubjectKind, t.Subject, t.Service, t.ExpiresAt.Format(time.RFC3339))
}

// GoString never prints the hash either (%#v).
func (t RefreshToken) GoString() string { return t.String() }

// TokenStore keeps what the token service needs besides the Store: its
// signing keys and refresh tokens. Both implementations provide it. Every
// method takes a context and runs in one transaction.
type TokenStore interface {
	// ListKeys returns every key, active and retired, oldest first (by
	// CreatedAt, then KID).
	ListKeys(ctx context.Context) ([]SigningKey, error)
	// AddKey stores a new key (KID, Alg, PrivatePEM and CertPEM required; a
	// zero CreatedAt means now); ErrConflict if the KID exists.
	AddKey(ctx context.Context, k SigningKey) error
	// RetireKey sets RetiredAt (a zero at means now) of an active key; a
	// retired key keeps its first RetiredAt. ErrNotFound for an unknown kid.
	RetireKey(ctx context.Context, kid string, at time.Time) error
	// DeleteKey forgets a key; ErrNotFound for an unknown kid.
	DeleteKey(ctx context.Context, kid string) error

	// CreateRefreshToken stores t (ID, Hash, SubjectKind "user" or "robot",
	// Subject, Service and ExpiresAt required; a zero CreatedAt means now).
	// ErrNotFound if the subject does not exist, ErrConflict for a taken ID
	// or Hash.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshTokenByHash returns the token with that hash, expired or not
	// (the caller checks ExpiresAt); ErrNotFound if none.
	GetRefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// DeleteRefreshTokens deletes every token of one subject; deleting none
	// is not an error.
	DeleteRefreshTokens(ctx context.Context, subjectKind, subject string) error
	// TouchRefreshToken records a use of token id at at from source.
	TouchRefreshToken(ctx context.Context, id string, at time.Time, source string) error
	// DeleteExpiredRefreshTokens deletes the tokens whose ExpiresAt is
	// before before and returns how many went.
	DeleteExpiredRefreshTokens(ctx context.Context, before time.Time) (int, error)
}
