package tokenserver

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TestGrantCatalogRefusesInactive proves the grant step itself refuses
// registry:catalog:* to a subject that is not active — a disabled admin, a
// disabled or expired catalog robot — whatever authentication let through.
func TestGrantCatalogRefusesInactive(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := &Endpoint{catalog: map[string]bool{"robot$sync": true}}
	catalog := []rbac.Scope{{Type: "registry", Name: "catalog", Actions: []string{"*"}}}
	for _, c := range []struct {
		name string
		s    rbac.Subject
		want bool
	}{
		{"enabled admin", rbac.Subject{Kind: rbac.UserKind, Name: "root", Admin: true, Enabled: true}, true},
		{"disabled admin", rbac.Subject{Kind: rbac.UserKind, Name: "root", Admin: true, Enabled: false}, false},
		{"enabled user", rbac.Subject{Kind: rbac.UserKind, Name: "bob", Enabled: true}, false},
		{"catalog robot", rbac.Subject{Kind: rbac.RobotKind, Name: "robot$sync", Enabled: true, ExpiresAt: now.Add(time.Second)}, true},
		{"catalog robot never expiring", rbac.Subject{Kind: rbac.RobotKind, Name: "robot$sync", Enabled: true}, true},
		{"expired catalog robot", rbac.Subject{Kind: rbac.RobotKind, Name: "robot$sync", Enabled: true, ExpiresAt: now}, false},
		{"disabled catalog robot", rbac.Subject{Kind: rbac.RobotKind, Name: "robot$sync", Enabled: false}, false},
		{"other robot", rbac.Subject{Kind: rbac.RobotKind, Name: "robot$ci", Enabled: true}, false},
		{"anonymous", rbac.Subject{Kind: rbac.Anonymous}, false},
		{"anonymous named like the catalog robot", rbac.Subject{Kind: rbac.Anonymous, Name: "robot$sync", Admin: true, Enabled: true}, false},
	} {
		g := &granter{e: e, subject: c.s, now: now, byNS: map[string]nsDecision{}}
		got, err := g.grant(context.Background(), catalog)
		if err != nil {
			t.Fatal(err)
		}
		if granted := len(got) == 1 && len(got[0].Actions) == 1 && got[0].Actions[0] == "*"; granted != c.want || len(got) > 1 {
			t.Errorf("%s: granted %v, want catalog %v", c.name, got, c.want)
		}
	}
}

// TestMemoryRefreshStoreRevokes proves DeleteRefreshTokens removes every
// token of exactly one subject: none of its tokens stays valid, and no other
// subject's (another name, or the same name of the other kind) goes.
func TestMemoryRefreshStoreRevokes(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryRefreshStore()
	type tok struct{ kind, subject, hash string }
	toks := []tok{
		{"user", "alice", "h1"}, {"user", "alice", "h2"}, {"user", "alice", "h3"},
		{"user", "bob", "h4"}, {"robot", "alice", "h5"}, {"user", "alice2", "h6"}, {"robot", "robot$ci", "h7"},
	}
	for i, k := range toks {
		if err := s.CreateRefreshToken(ctx, RefreshToken{ID: k.hash + "-id", Hash: k.hash, SubjectKind: k.kind, Subject: k.subject}); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	if err := s.DeleteRefreshTokens(ctx, "user", "alice"); err != nil {
		t.Fatal(err)
	}
	for _, k := range toks {
		_, err := s.GetRefreshTokenByHash(ctx, k.hash)
		revoked := k.kind == "user" && k.subject == "alice"
		switch {
		case revoked && !errors.Is(err, store.ErrNotFound):
			t.Errorf("%s %s (%s) still valid after revocation: %v", k.kind, k.subject, k.hash, err)
		case !revoked && err != nil:
			t.Errorf("%s %s (%s) deleted with alice's: %v", k.kind, k.subject, k.hash, err)
		}
	}
	if n := s.Len(); n != 4 {
		t.Errorf("%d tokens left, want 4", n)
	}
	// Revoking a subject without tokens is no error and deletes nothing.
	if err := s.DeleteRefreshTokens(ctx, "robot", "robot$nobody"); err != nil || s.Len() != 4 {
		t.Errorf("revoking nobody: %v, %d left", err, s.Len())
	}
}
