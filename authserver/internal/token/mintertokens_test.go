package token_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/token"
)

type minter struct{ claims []token.Claims }

func (m *minter) MintToken(ctx context.Context, c token.Claims) (token.Token, error) {
	m.claims = append(m.claims, c)
	return token.Token{Raw: "raw"}, nil
}

func TestMinterTokensAllowed(t *testing.T) {
	m := &minter{}
	mt := token.MinterTokens{Minter: m, Subject: "dockmaster-sync", Service: "reg",
		Allowed: map[string][]string{"registry": {"*"}, "repository": {"pull", "delete"}}}
	raw, err := mt.Token(t.Context(), []string{"registry:catalog:*", "repository:a/b:pull,push,delete",
		"repository:a/b:pull", "repository:c:push", "repository:localhost:5000/x:pull"})
	if err != nil {
		t.Fatal(err)
	}
	if raw != "raw" {
		t.Fatalf("token %q, want the minted token's raw form", raw)
	}
	got := m.claims[0]
	want := []token.ResourceActions{
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		{Type: "repository", Name: "a/b", Actions: []string{"pull", "delete"}},
		{Type: "repository", Name: "localhost:5000/x", Actions: []string{"pull"}},
	}
	if got.Subject != "dockmaster-sync" || got.Service != "reg" || len(got.Access) != len(want) {
		t.Fatalf("claims = %+v", got)
	}
	for i := range want {
		if got.Access[i].Type != want[i].Type || got.Access[i].Name != want[i].Name || !slices.Equal(got.Access[i].Actions, want[i].Actions) {
			t.Fatalf("access[%d] = %+v, want %+v", i, got.Access[i], want[i])
		}
	}
	if _, err := mt.Token(t.Context(), []string{"repository:a"}); err == nil {
		t.Fatal("malformed scope accepted")
	}
}

// TestMinterTokensScopeBounds: a scope needs a type, a name and actions,
// each at least one character; the shortest well-formed one is minted.
func TestMinterTokensScopeBounds(t *testing.T) {
	mt := token.MinterTokens{Minter: &minter{}}
	for _, sc := range []string{":a:pull", "repository::pull", "repository:a:"} {
		if _, err := mt.Token(t.Context(), []string{sc}); err == nil {
			t.Errorf("scope %q minted, want malformed", sc)
		}
	}
	if _, err := mt.Token(t.Context(), []string{"r:a:p"}); err != nil {
		t.Errorf("scope r:a:p: %v", err)
	}
}

type failingMinter struct{}

func (failingMinter) MintToken(context.Context, token.Claims) (token.Token, error) {
	return token.Token{}, errors.New("no active key")
}

// TestMinterTokensMintError: the minter's error is returned, with no token.
func TestMinterTokensMintError(t *testing.T) {
	raw, err := token.MinterTokens{Minter: failingMinter{}}.Token(t.Context(), []string{"repository:a:pull"})
	if err == nil || raw != "" {
		t.Fatalf("token %q, error %v; want the minter's error", raw, err)
	}
}
