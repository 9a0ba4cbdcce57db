package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestTokenAndSessionRules: users manage their own tokens and sessions,
// admins anyone's, robots none; a token made with a token is its child and
// lives no longer; changes are audited.
func TestTokenAndSessionRules(t *testing.T) {
	ctx := context.Background()
	svc, st := newService(t)
	root, alice, bob := actor(rbac.UserKind, "root", true), actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	robot := actor(rbac.RobotKind, "robot$ci", false)

	_, _, err := svc.CreateToken(ctx, robot, "alice", service.NewToken{Name: "x"})
	wantCode(t, "robot creates a token", err, apiv1.CodeForbidden, "")
	_, _, err = svc.CreateToken(ctx, bob, "alice", service.NewToken{Name: "x"})
	wantCode(t, "stranger creates a token", err, apiv1.CodeNotFound, "")
	_, _, err = svc.CreateToken(ctx, alice, "alice", service.NewToken{Name: "  "})
	wantCode(t, "blank name", err, apiv1.CodeInvalidArgument, "name")
	past := time.Now().Add(-time.Hour)
	_, _, err = svc.CreateToken(ctx, alice, "alice", service.NewToken{Name: "ci", ExpiresAt: &past})
	wantCode(t, "past expiry", err, apiv1.CodeInvalidArgument, "expires_at")

	tok, secret, err := svc.CreateToken(ctx, alice, "alice", service.NewToken{Name: "Laptop"})
	if err != nil || secret == "" || tok.Username != "alice" || !tok.ExpiresAt.IsZero() {
		t.Fatalf("user creates a token: %+v, %v", tok, err)
	}
	parentEnd := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	viaToken := alice
	viaToken.Principal.Method, viaToken.Principal.TokenID, viaToken.Principal.TokenExpiresAt = authn.MethodToken, tok.ID, parentEnd
	child, _, err := svc.CreateToken(ctx, viaToken, "alice", service.NewToken{Name: "ci"})
	if err != nil || child.ParentID != tok.ID || !child.ExpiresAt.Equal(parentEnd) {
		t.Fatalf("token made with a token: %+v, %v", child, err)
	}
	if _, _, err := svc.CreateToken(ctx, root, "alice", service.NewToken{Name: "admin-made"}); err != nil {
		t.Fatal(err)
	}

	all, err := svc.Tokens(ctx, alice, "alice", "LAP")
	if err != nil || len(all) != 1 || all[0].ID != tok.ID {
		t.Fatalf("query: %+v, %v", all, err)
	}
	if all, err := svc.Tokens(ctx, root, "alice", ""); err != nil || len(all) != 3 {
		t.Fatalf("admin lists: %+v, %v", all, err)
	}
	_, err = svc.Tokens(ctx, bob, "alice", "")
	wantCode(t, "stranger lists", err, apiv1.CodeNotFound, "")
	if got, err := svc.Token(ctx, alice, "alice", tok.ID); err != nil || got.Name != "Laptop" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	_, err = svc.Token(ctx, alice, "alice", "nope")
	wantCode(t, "missing token", err, apiv1.CodeNotFound, "")
	err = svc.DeleteToken(ctx, bob, "alice", tok.ID)
	wantCode(t, "stranger deletes", err, apiv1.CodeNotFound, "")
	if err := svc.DeleteToken(ctx, alice, "alice", tok.ID); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteToken(ctx, alice, "alice", tok.ID)
	wantCode(t, "delete twice", err, apiv1.CodeNotFound, "")

	_, err = svc.Sessions(ctx, robot, "alice")
	wantCode(t, "robot lists sessions", err, apiv1.CodeForbidden, "")
	_, err = svc.Sessions(ctx, bob, "alice")
	wantCode(t, "stranger lists sessions", err, apiv1.CodeNotFound, "")
	if s, err := svc.Sessions(ctx, alice, "alice"); err != nil || len(s) != 0 {
		t.Fatalf("sessions: %+v, %v", s, err)
	}
	err = svc.DeleteSession(ctx, alice, "alice", "nope")
	wantCode(t, "missing session", err, apiv1.CodeNotFound, "")
	if err := svc.DeleteSessions(ctx, root, "alice"); err != nil {
		t.Fatal(err)
	}

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Action == "token.create" || e.Action == "token.delete" || e.Action == "session.delete" {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	want := map[string]int{"token.create success": 3, "token.delete success": 1, "token.delete error": 1,
		"session.delete error": 1, "session.delete success": 1}
	if len(outcomes) != len(want) {
		t.Errorf("audit: %v, want %v", outcomes, want)
	}
	for key, n := range want {
		if outcomes[key] != n {
			t.Errorf("audit %q: %d, want %d (all: %v)", key, outcomes[key], n, outcomes)
		}
	}
}
