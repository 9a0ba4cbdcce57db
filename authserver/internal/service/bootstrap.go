package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// generatedPasswordLen is the length of a generated first-admin password:
// 24 characters of a 62-letter alphabet, about 143 bits.
const generatedPasswordLen = 24

// BootstrapAdmin creates the first admin on an empty database and returns
// the secret to print once: password, or a generated one when it is empty.
// There is never a default password. With users present it refuses with an
// error wrapping store.ErrConflict.
func BootstrapAdmin(ctx context.Context, st store.Store, username, password string, cost int) (string, error) {
	// Reserved names are for users created through the API; the operator
	// may call the first admin "admin".
	if !rbac.ValidComponent(username) {
		return "", fmt.Errorf("bootstrap: username %q is not valid: use lowercase letters, digits and single '.', '_', '__' or '-' separators", username)
	}
	n, err := st.CountUsers(ctx)
	if err != nil {
		return "", fmt.Errorf("bootstrap: count users: %w", err)
	}
	if n > 0 {
		return "", fmt.Errorf("bootstrap: the database already has %d user(s); the first admin can only be created on an empty database: %w", n, store.ErrConflict)
	}
	if password == "" {
		password = randomPassword(generatedPasswordLen)
	} else if err := CheckPassword("password", password); err != nil {
		return "", fmt.Errorf("bootstrap: %s", AsError(err).Message)
	}
	if cost == 0 {
		cost = authn.MinBcryptCost
	}
	hash, err := authn.HashPassword(password, cost)
	if err != nil {
		return "", fmt.Errorf("bootstrap: hash password: %w", err)
	}
	now := time.Now().UTC()
	u := store.User{Username: username, PasswordHash: hash, Admin: true, Enabled: true,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, u); err != nil {
		return "", fmt.Errorf("bootstrap: create admin %q: %w", username, err)
	}
	_ = st.AppendAudit(ctx, store.AuditEvent{Time: now, Actor: "system", Source: "local", Action: "user.bootstrap",
		Object: "user/" + username, Outcome: "success", Detail: "first admin"})
	return password, nil
}

// GeneratePassword returns a password like the bootstrap's generated one
// (for dockmaster admin reset-password).
func GeneratePassword() string { return randomPassword(generatedPasswordLen) }

// randomPassword draws n characters uniformly from [A-Za-z0-9].
func randomPassword(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	for len(out) < n {
		_, _ = rand.Read(buf) // crypto/rand.Read never fails (Go 1.24+)
		for _, b := range buf {
			// 248 = 4*62: reject the tail so every letter is equally likely.
			if b < 248 && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
