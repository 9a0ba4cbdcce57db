package authn

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// MethodSession: a web UI session, opened by a password sign-in (Basic).
const MethodSession = "session"

// SessionUser is the principal of a user whose web session is valid: the
// user row is read from the store on every request (never the cache), so
// a disabled or deleted user stops at once. Its error is ErrBadCredentials
// for a missing or disabled user, else "unavailable".
func (a *Authenticator) SessionUser(ctx context.Context, username string) (Principal, error) {
	u, err := a.st.GetUser(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrBadCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authn: look up session user: %w", err)
	}
	if !u.Enabled {
		return Principal{}, ErrBadCredentials
	}
	return userPrincipal(u, MethodSession, ""), nil
}

// NewSessionSecret returns a new random session secret (256 bits) and the
// hash the store keeps of it.
func NewSessionSecret() (secret, hash string) { return NewSecret("dms_") }
