package service

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TokenOwner resolves the user whose application tokens and sessions a is
// about to see or manage: users manage their own, admins anyone's; robots
// manage none.
func (s *Service) TokenOwner(ctx context.Context, a Actor, username string) (store.User, error) {
	if err := UsersOnly(a); err != nil {
		return store.User{}, err
	}
	return s.User(ctx, a, username)
}

// Tokens lists the application tokens of username (TokenOwner's rule),
// sorted by id; query, when set, keeps those whose name contains it (case
// insensitive).
func (s *Service) Tokens(ctx context.Context, a Actor, username, query string) ([]store.Token, error) {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return nil, err
	}
	all, err := s.st.ListTokens(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	if query != "" {
		q := strings.ToLower(query)
		kept := all[:0]
		for _, t := range all {
			if strings.Contains(strings.ToLower(t.Name), q) {
				kept = append(kept, t)
			}
		}
		all = kept
	}
	return all, nil
}

// NewToken is what CreateToken needs.
type NewToken struct {
	Name      string
	ExpiresAt *time.Time
}

// CreateToken creates an application token of username (TokenOwner's
// rule). It returns the token and its secret, shown only once. A token made
// with a token is its child: it dies with its parent and lives no longer.
func (s *Service) CreateToken(ctx context.Context, a Actor, username string, in NewToken) (store.Token, string, error) {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return store.Token{}, "", err
	}
	if strings.TrimSpace(in.Name) == "" {
		return store.Token{}, "", Invalid("name", "name is required")
	}
	if err := CheckText("name", in.Name, MaxTokenName); err != nil {
		return store.Token{}, "", err
	}
	now := s.now().UTC()
	t := store.Token{ID: authn.NewID(), Username: u.Username, Name: in.Name, CreatedAt: now}
	if in.ExpiresAt != nil {
		if !in.ExpiresAt.After(now) {
			return store.Token{}, "", Invalid("expires_at", "expires_at must be in the future")
		}
		t.ExpiresAt = in.ExpiresAt.UTC()
	}
	if p := a.Principal; p.Method == authn.MethodToken {
		// A leaked token cannot leave anything behind that survives its
		// revocation.
		t.ParentID = p.TokenID
		if pe := p.TokenExpiresAt; !pe.IsZero() && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(pe)) {
			t.ExpiresAt = pe.UTC()
		}
	}
	secret, hash := authn.NewTokenSecret()
	t.Hash = hash
	obj := "user/" + u.Username + "/token/" + t.ID
	if err := s.st.CreateToken(ctx, t); err != nil {
		return store.Token{}, "", s.failed(ctx, a, "token.create", obj, StoreError(err, "user \""+u.Username+"\"", ""))
	}
	s.done(ctx, a, "token.create", obj, fmt.Sprintf("name=%q", t.Name))
	return t, secret, nil
}

// Token loads the application token id of username (TokenOwner's rule).
func (s *Service) Token(ctx context.Context, a Actor, username, id string) (store.Token, error) {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return store.Token{}, err
	}
	all, err := s.st.ListTokens(ctx, u.Username)
	if err != nil {
		return store.Token{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return store.Token{}, NotFound("token %q not found", Truncate(id, 64))
}

// DeleteToken revokes the application token id of username (TokenOwner's
// rule).
func (s *Service) DeleteToken(ctx context.Context, a Actor, username, id string) error {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username + "/token/" + Truncate(id, 64)
	if err := s.st.DeleteToken(ctx, u.Username, id); err != nil {
		return s.failed(ctx, a, "token.delete", obj, StoreError(err, "token \""+Truncate(id, 64)+"\"", ""))
	}
	s.done(ctx, a, "token.delete", obj, "")
	return nil
}

// Sessions are a user's refresh tokens (what docker login keeps). Who may
// see and end them is who may manage the user's application tokens
// (TokenOwner).

// Sessions lists the sessions of username that have not expired.
func (s *Service) Sessions(ctx context.Context, a Actor, username string) ([]store.RefreshToken, error) {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return nil, err
	}
	all, err := s.st.ListRefreshTokens(ctx, string(rbac.UserKind), u.Username)
	if err != nil {
		return nil, err
	}
	now := s.now()
	live := make([]store.RefreshToken, 0, len(all))
	for _, rt := range all {
		if now.Before(rt.ExpiresAt) {
			live = append(live, rt)
		}
	}
	return live, nil
}

// DeleteSession ends the session id of username.
func (s *Service) DeleteSession(ctx context.Context, a Actor, username, id string) error {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username + "/session/" + Truncate(id, 64)
	if err := s.st.DeleteRefreshToken(ctx, string(rbac.UserKind), u.Username, id); err != nil {
		return s.failed(ctx, a, "session.delete", obj, StoreError(err, "session \""+Truncate(id, 64)+"\"", ""))
	}
	s.done(ctx, a, "session.delete", obj, "")
	return nil
}

// DeleteSessions ends every session of username.
func (s *Service) DeleteSessions(ctx context.Context, a Actor, username string) error {
	u, err := s.TokenOwner(ctx, a, username)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username + "/session/*"
	if err := s.st.DeleteRefreshTokens(ctx, string(rbac.UserKind), u.Username); err != nil {
		return s.failed(ctx, a, "session.delete", obj, StoreError(err, "user \""+u.Username+"\"", ""))
	}
	s.done(ctx, a, "session.delete", obj, "all")
	return nil
}
