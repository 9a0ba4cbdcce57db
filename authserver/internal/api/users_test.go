package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func TestBootstrapAdmin(t *testing.T) {
	h := newHarness(t)
	if len(h.admin.pw) < 24 {
		t.Fatalf("generated password %d chars, want >= 24", len(h.admin.pw))
	}
	expect(t, h.do(h.admin, "GET", "/api/v1/me", nil), http.StatusOK, "")
	_, err := service.BootstrapAdmin(context.Background(), h.st, "other", "a-good-password", 10)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second bootstrap: %v, want ErrConflict", err)
	}
}

func TestUserSelfService(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false)
	h.user("bob", false)

	h.run(t, []call{
		{"self get", alice, "GET", "/api/v1/users/alice", nil, 200, ""},
		{"other get is 404", alice, "GET", "/api/v1/users/bob", nil, 404, ""},
		{"missing get is 404", alice, "GET", "/api/v1/users/nobody", nil, 404, ""},
		{"admin field refused", alice, "PATCH", "/api/v1/users/alice", `{"admin":true}`, 400, "admin"},
		{"admin false refused too", alice, "PATCH", "/api/v1/users/alice", `{"admin":false}`, 400, "admin"},
		{"enabled refused", alice, "PATCH", "/api/v1/users/alice", `{"enabled":true}`, 400, "enabled"},
		{"is_admin refused", alice, "PATCH", "/api/v1/users/alice", `{"is_admin":true}`, 400, "is_admin"},
		{"role refused", alice, "PATCH", "/api/v1/users/alice", `{"role":"owner"}`, 400, "role"},
		{"case folded admin refused", alice, "PATCH", "/api/v1/users/alice", `{"Admin":true}`, 400, "admin"},
		{"duplicate key", alice, "PATCH", "/api/v1/users/alice", `{"email":"a@x.io","email":"b@x.io"}`, 400, "email"},
		{"trailing data", alice, "PATCH", "/api/v1/users/alice", `{"email":"a@x.io"} {}`, 400, ""},
		{"not an object", alice, "PATCH", "/api/v1/users/alice", `["email"]`, 400, ""},
		{"bad email", alice, "PATCH", "/api/v1/users/alice", `{"email":"nope"}`, 400, "email"},
		{"password without current", alice, "PATCH", "/api/v1/users/alice", `{"password":"new-password-1"}`, 400, "current_password"},
		{"password wrong current", alice, "PATCH", "/api/v1/users/alice", `{"password":"new-password-1","current_password":"wrong-pw-123"}`, 400, "current_password"},
		{"patch other is 404", alice, "PATCH", "/api/v1/users/bob", `{"email":"x@y.z"}`, 404, ""},
		{"create user forbidden", alice, "POST", "/api/v1/users", apiv1.CreateUser{Username: "eve", Password: "password-123"}, 403, ""},
		{"delete self forbidden", alice, "DELETE", "/api/v1/users/alice", nil, 403, ""},
		{"delete other 404", alice, "DELETE", "/api/v1/users/bob", nil, 404, ""},
		{"self email ok", alice, "PATCH", "/api/v1/users/alice", `{"email":"new@example.com","display_name":"Alice"}`, 200, ""},
		{"admin creates", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "carol", Password: "password-123"}, 201, ""},
		{"duplicate user", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "carol", Password: "password-123"}, 409, ""},
		{"bad username", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "Carol", Password: "password-123"}, 400, "username"},
		{"reserved username", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "v2", Password: "password-123"}, 400, "username"},
		{"short password", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "dave", Password: "short"}, 400, "password"},
		{"long password", h.admin, "POST", "/api/v1/users", apiv1.CreateUser{Username: "dave", Password: strings.Repeat("x", 300)}, 400, "password"},
	})

	var u apiv1.User
	h.do(h.admin, "GET", "/api/v1/users/alice", nil).decode(t, &u)
	if u.Admin || u.Email != "new@example.com" || u.DisplayName != "Alice" {
		t.Fatalf("alice after self-service: %+v", u)
	}

	// Password change with the current one works and the old one stops working.
	expect(t, h.do(alice, "PATCH", "/api/v1/users/alice", apiv1.UpdateUser{Password: ptr("brand-new-pw-1"), CurrentPassword: ptr(alice.pw)}), 200, "")
	expect(t, h.do(cred{user: "alice", pw: "brand-new-pw-1"}, "GET", "/api/v1/me", nil), 200, "")

	// Non-admins see usernames, not emails.
	var page apiv1.Page[apiv1.User]
	h.do(cred{user: "alice", pw: "brand-new-pw-1"}, "GET", "/api/v1/users", nil).decode(t, &page)
	for _, it := range page.Items {
		if it.Email != "" {
			t.Fatalf("non-admin sees email of %s", it.Username)
		}
	}
}

func TestLastAdmin(t *testing.T) {
	h := newHarness(t)
	r := h.do(h.admin, "PATCH", "/api/v1/users/admin", apiv1.UpdateUser{Admin: ptr(false)})
	expect(t, r, http.StatusConflict, "")
	if !strings.Contains(r.err().Message, "admin") {
		t.Fatalf("unclear message: %s", r.body)
	}
	expect(t, h.do(h.admin, "PATCH", "/api/v1/users/admin", apiv1.UpdateUser{Enabled: ptr(false)}), http.StatusConflict, "")
	expect(t, h.do(h.admin, "DELETE", "/api/v1/users/admin", nil), http.StatusConflict, "")
	h.user("root2", true)
	expect(t, h.do(h.admin, "PATCH", "/api/v1/users/admin", apiv1.UpdateUser{Admin: ptr(false)}), http.StatusOK, "")
}

func TestTokens(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false)
	h.user("bob", false)

	r := h.do(alice, "POST", "/api/v1/users/alice/tokens", apiv1.CreateToken{Name: "ci"})
	expect(t, r, http.StatusCreated, "")
	var tok apiv1.Token
	r.decode(t, &tok)
	if tok.Secret == "" || tok.ID == "" {
		t.Fatalf("token answer: %s", r.body)
	}
	bearer := cred{bearer: tok.Secret}
	expect(t, h.do(bearer, "GET", "/api/v1/me", nil), 200, "")

	var page apiv1.Page[apiv1.Token]
	h.do(alice, "GET", "/api/v1/users/alice/tokens", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Secret != "" {
		t.Fatalf("token list: %+v", page)
	}
	expect(t, h.do(alice, "GET", "/api/v1/users/alice/tokens/"+tok.ID, nil), 200, "")
	// Someone else's tokens: 404, and the token survives.
	expect(t, h.do(cred{user: "bob", pw: "pw-bob-secret"}, "GET", "/api/v1/users/alice/tokens", nil), 404, "")
	expect(t, h.do(cred{user: "bob", pw: "pw-bob-secret"}, "DELETE", "/api/v1/users/alice/tokens/"+tok.ID, nil), 404, "")
	// Admins manage anyone's.
	expect(t, h.do(h.admin, "GET", "/api/v1/users/alice/tokens", nil), 200, "")
	expect(t, h.do(alice, "POST", "/api/v1/users/alice/tokens", `{"name":"x","secret":"mine"}`), 400, "secret")
	expect(t, h.do(alice, "DELETE", "/api/v1/users/alice/tokens/"+tok.ID, nil), 204, "")
	expect(t, h.do(bearer, "GET", "/api/v1/me", nil), 401, "")
	expect(t, h.do(alice, "DELETE", "/api/v1/users/alice/tokens/"+tok.ID, nil), 404, "")
}

func TestAuthentication(t *testing.T) {
	h := newHarness(t)
	h.user("alice", false)
	none := h.do(anon, "GET", "/api/v1/teams", nil)
	wrong := h.do(cred{user: "alice", pw: "wrong-password"}, "GET", "/api/v1/teams", nil)
	unknown := h.do(cred{user: "nobody", pw: "wrong-password"}, "GET", "/api/v1/teams", nil)
	garbage := h.do(cred{bearer: "dmt_nope"}, "GET", "/api/v1/teams", nil)
	for _, r := range []resp{none, wrong, unknown, garbage} {
		expect(t, r, http.StatusUnauthorized, "")
		if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="dockmaster"` {
			t.Fatalf("WWW-Authenticate %q", got)
		}
		if string(r.body) != string(none.body) {
			t.Fatalf("bodies differ: %s vs %s", r.body, none.body)
		}
	}
	// Every authenticated route answers 401 without credentials, unknown
	// paths included.
	for _, rt := range h.api.Routes() {
		if rt.Public {
			continue
		}
		p := samplePath(rt.Pattern)
		r := h.do(anon, rt.Method, p, nil)
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s %s: %d without credentials", rt.Method, p, r.status)
		}
	}
	expect(t, h.do(anon, "GET", "/api/v1/nothing-here", nil), 401, "")
}

func TestStoreDownIs503(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false)
	expect(t, h.do(alice, "GET", "/api/v1/me", nil), 200, "")
	_ = h.st.Close()
	r := h.do(cred{user: "alice", pw: "a-different-pw"}, "GET", "/api/v1/me", nil)
	expect(t, r, http.StatusServiceUnavailable, "")
	if e := r.err(); e.Code != "unavailable" || strings.Contains(strings.ToLower(e.Message), "sql") {
		t.Fatalf("outage answer: %s", r.body)
	}
}
