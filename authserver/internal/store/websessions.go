package store

import (
	"context"
	"time"
)

// WebSession is a signed-in browser of the web UI. The cookie carries a
// random secret; only its hash (ID) is kept, so a copy of the database
// signs no one in.
type WebSession struct {
	// ID is the hash of the cookie's secret.
	ID       string
	Username string
	// CSRF is the token every form of this session must carry.
	CSRF       string
	Source     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// WebSessionStore keeps the web UI's sessions. A session dies with its
// user, and for good when the user is disabled, changes password or loses
// admin (UpdateUser deletes them in the same transaction as refresh tokens,
// security 41).
type WebSessionStore interface {
	// CreateWebSession stores a session of an existing user (ErrNotFound
	// otherwise).
	CreateWebSession(ctx context.Context, s WebSession) error
	// GetWebSession finds a session by the hash of its secret, expired or
	// not; ErrNotFound when there is none.
	GetWebSession(ctx context.Context, id string) (WebSession, error)
	// TouchWebSession records a use of the session.
	TouchWebSession(ctx context.Context, id string, at time.Time) error
	// DeleteWebSession ends one session (no error when it is gone).
	DeleteWebSession(ctx context.Context, id string) error
	// DeleteWebSessions ends every session of username.
	DeleteWebSessions(ctx context.Context, username string) error
	// DeleteExpiredWebSessions deletes the sessions that expired before
	// before, and returns how many.
	DeleteExpiredWebSessions(ctx context.Context, before time.Time) (int, error)
}
