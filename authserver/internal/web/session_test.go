package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

func TestSignInOut(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		pw := h.user("alice", false)
		b := h.browser()
		want(t, "login form", b.get("/login"), http.StatusOK, `name="username"`, `name="csrf"`)
		want(t, "wrong password", b.login("alice", "nope-nope"), http.StatusUnauthorized, "Wrong username or password.")
		want(t, "unknown user", b.login("mallory", "nope-nope"), http.StatusUnauthorized, "Wrong username or password.")
		// A planted session id is never adopted (fixation).
		u, _ := url.Parse(h.srv.URL)
		b.jar.SetCookies(u, []*http.Cookie{{Name: "dm_session", Value: "dms_planted", Path: "/"}})
		p := b.login("alice", pw)
		want(t, "login", p, http.StatusSeeOther)
		var set *http.Cookie
		for _, c := range (&http.Response{Header: p.hdr}).Cookies() {
			if c.Name == "dm_session" && c.Value != "" {
				set = c
			}
		}
		if set == nil || set.Value == "dms_planted" || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Secure {
			t.Fatalf("session cookie = %+v, want a new HttpOnly SameSite=Lax cookie (not Secure on plain HTTP)", set)
		}
		want(t, "account page", b.get("/ui/me"), http.StatusOK, "alice", "Sign out")
		// Logging in again rotates the session: the first one is dead.
		first := b.cookie("dm_session").Value
		want(t, "second sign-in", b.form("/", "/login", "username", "alice", "password", pw), http.StatusSeeOther)
		second := b.cookie("dm_session").Value
		if first == second {
			t.Fatal("a second sign-in kept the session id")
		}
		stale := h.browser()
		stale.jar.SetCookies(u, []*http.Cookie{{Name: "dm_session", Value: first, Path: "/"}})
		want(t, "old session after re-login", stale.get("/ui/me"), http.StatusUnauthorized, "Sign in")

		// Logout ends the session on the server: the cookie is worthless.
		want(t, "logout", b.form("/", "/logout"), http.StatusSeeOther)
		again := h.browser()
		again.jar.SetCookies(u, []*http.Cookie{{Name: "dm_session", Value: second, Path: "/"}})
		want(t, "after logout", again.get("/ui/me"), http.StatusUnauthorized)
	})
}

func TestSessionEndsWithCredentials(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		pw := h.user("alice", false)
		u, _ := url.Parse(h.srv.URL)
		b := h.browser()
		b.mustLogin("alice", pw)
		other := h.browser()
		other.mustLogin("alice", pw)

		// A password change (from one browser) ends every session.
		p := b.form("/ui/me", "/ui/me/password", "current_password", pw, "new_password", "new-password-1",
			"confirm_password", "new-password-1")
		want(t, "password change", p, http.StatusSeeOther)
		want(t, "other browser after password change", other.get("/ui/me"), http.StatusUnauthorized)
		want(t, "same browser after password change", b.get("/ui/me"), http.StatusUnauthorized)

		// Disabling ends them for good; re-enabling revives none.
		b.mustLogin("alice", "new-password-1")
		old := b.cookie("dm_session").Value
		admin := h.browser()
		admin.mustLogin("admin", h.adminPW)
		want(t, "disable", admin.form("/ui/admin/users", "/ui/admin/users/update", "username", "alice", "change", "disable"), http.StatusSeeOther)
		want(t, "enable", admin.form("/ui/admin/users", "/ui/admin/users/update", "username", "alice", "change", "enable"), http.StatusSeeOther)
		revived := h.browser()
		revived.jar.SetCookies(u, []*http.Cookie{{Name: "dm_session", Value: old, Path: "/"}})
		want(t, "session after disable+enable", revived.get("/ui/me"), http.StatusUnauthorized)
	})
}

func TestCSRF(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		pw := h.user("alice", false)
		b := h.browser()
		// The sign-in form itself needs its token.
		want(t, "login without token", b.post("/login", url.Values{"username": {"alice"}, "password": {pw}}), http.StatusForbidden)
		b.mustLogin("alice", pw)
		token := b.csrf("/ui/teams")
		create := url.Values{"name": {"devs"}}
		want(t, "no token", b.post("/ui/teams", create), http.StatusForbidden, "expired or did not come from this site")
		withToken := url.Values{"name": {"devs"}, "csrf": {token}}
		want(t, "other origin", b.postFrom("https://evil.example", "/ui/teams", withToken), http.StatusForbidden, "another site")
		// Another session's token does not fit this one.
		h.user("bob", false)
		bob := h.browser()
		bob.mustLogin("bob", "pw-bob-secret")
		want(t, "another session's token", bob.post("/ui/teams", withToken), http.StatusForbidden)
		// No Origin, but a foreign Referer.
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/ui/teams", strings.NewReader(withToken.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", "https://evil.example/page")
		want(t, "foreign referer", b.do(req), http.StatusForbidden)
		if _, err := h.st.GetTeam(context.Background(), "devs"); err == nil {
			t.Fatal("a refused form created the team")
		}
		want(t, "same origin with token", b.post("/ui/teams", withToken), http.StatusSeeOther)
		if _, err := h.st.GetTeam(context.Background(), "devs"); err != nil {
			t.Fatal(err)
		}
	})
}

// Failed web sign-ins count in the token endpoint's throttle (one
// authn.Basic): locked out here means locked out there.
func TestSignInThrottled(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		pw := h.user("alice", false)
		b := h.browser()
		var p page
		for i := 0; i < 10 && p.status != http.StatusTooManyRequests; i++ {
			p = b.login("alice", "wrong-password")
		}
		want(t, "throttled", p, http.StatusTooManyRequests, "Too many failed sign-ins")
		if p.hdr.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		want(t, "right password while throttled", b.login("alice", pw), http.StatusTooManyRequests)
		_, err := h.auth.Basic(context.Background(), "127.0.0.1", "alice", pw)
		if !errors.Is(err, authn.ErrThrottled) {
			t.Fatalf("token endpoint path after web failures: %v, want throttled", err)
		}
	})
}

// An expired session is a signed-out visitor, and its row goes.
func TestExpiredSession(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		h.user("alice", false)
		secret, id := authn.NewSessionSecret()
		if err := h.st.CreateWebSession(context.Background(), store.WebSession{ID: id, Username: "alice", CSRF: "x",
			ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		b := h.browser()
		u, _ := url.Parse(h.srv.URL)
		b.jar.SetCookies(u, []*http.Cookie{{Name: "dm_session", Value: secret, Path: "/"}})
		want(t, "expired session", b.get("/ui/me"), http.StatusUnauthorized)
		if _, err := h.st.GetWebSession(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session row: %v", err)
		}
	})
}

// The redirect after sign-in stays on this site.
func TestSignInNext(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		pw := h.user("alice", false)
		for next, want := range map[string]string{"/ui/teams": "/ui/teams", "//evil.example/x": "/",
			"https://evil.example/": "/", "/\\evil.example": "/", "": "/"} {
			b := h.browser()
			p := b.form("/login", "/login", "username", "alice", "password", pw, "next", next)
			if p.status != http.StatusSeeOther || p.hdr.Get("Location") != want {
				t.Errorf("next=%q: %d Location %q, want %q", next, p.status, p.hdr.Get("Location"), want)
			}
		}
	})
}
