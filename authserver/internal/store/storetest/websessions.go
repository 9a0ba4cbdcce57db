package storetest

import (
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testWebSessions: browser sessions are stored by hash, read back whole,
// and die for good with a credential change, a disable and the user.
func testWebSessions(t *testing.T, s store.Store) {
	ws, isWS := s.(store.WebSessionStore)
	if !isWS {
		t.Fatalf("%T does not implement store.WebSessionStore", s)
	}
	c := ctx(t)
	user(t, s, "alice", true)
	user(t, s, "bob", false)
	exp := ts(1_000_000)
	is(t, ws.CreateWebSession(c, store.WebSession{ID: "h0", Username: "nobody", CSRF: "c", ExpiresAt: exp}), store.ErrNotFound)
	for _, w := range []store.WebSession{
		{ID: "h1", Username: "bob", CSRF: "c1", Source: "127.0.0.1", ExpiresAt: exp},
		{ID: "h2", Username: "bob", CSRF: "c2", ExpiresAt: exp},
		{ID: "h3", Username: "alice", CSRF: "c3", ExpiresAt: exp},
	} {
		ok(t, ws.CreateWebSession(c, w))
	}
	is(t, ws.CreateWebSession(c, store.WebSession{ID: "h1", Username: "bob", CSRF: "x", ExpiresAt: exp}), store.ErrConflict)
	got, err := ws.GetWebSession(c, "h1")
	ok(t, err)
	eq(t, "Username", got.Username, "bob")
	eq(t, "CSRF", got.CSRF, "c1")
	eq(t, "Source", got.Source, "127.0.0.1")
	sameTime(t, "ExpiresAt", got.ExpiresAt, stored(exp))
	if got.CreatedAt.IsZero() || !got.LastSeenAt.IsZero() {
		t.Fatalf("CreatedAt/LastSeenAt = %v/%v, want set/zero", got.CreatedAt, got.LastSeenAt)
	}
	seen := ts(500)
	ok(t, ws.TouchWebSession(c, "h1", seen))
	got, err = ws.GetWebSession(c, "h1")
	ok(t, err)
	sameTime(t, "LastSeenAt", got.LastSeenAt, stored(seen))
	_, err = ws.GetWebSession(c, "missing")
	is(t, err, store.ErrNotFound)
	_, err = ws.GetWebSession(c, "")
	is(t, err, store.ErrNotFound)

	// Logout: one session.
	ok(t, ws.DeleteWebSession(c, "h1"))
	ok(t, ws.DeleteWebSession(c, "h1"))
	_, err = ws.GetWebSession(c, "h1")
	is(t, err, store.ErrNotFound)
	_, err = ws.GetWebSession(c, "h2")
	ok(t, err)

	// A new password ends every session of the user, and only theirs.
	u, err := s.GetUser(c, "bob")
	ok(t, err)
	u.PasswordHash = "new"
	ok(t, s.UpdateUser(c, u))
	_, err = ws.GetWebSession(c, "h2")
	is(t, err, store.ErrNotFound)
	_, err = ws.GetWebSession(c, "h3")
	ok(t, err)

	// Disabling ends them for good: re-enabling revives none.
	ok(t, ws.CreateWebSession(c, store.WebSession{ID: "h4", Username: "bob", CSRF: "c4", ExpiresAt: exp}))
	u, err = s.GetUser(c, "bob")
	ok(t, err)
	u.Enabled = false
	ok(t, s.UpdateUser(c, u))
	u.Enabled = true
	ok(t, s.UpdateUser(c, u))
	_, err = ws.GetWebSession(c, "h4")
	is(t, err, store.ErrNotFound)

	// An unrelated change (display name) keeps them.
	ok(t, ws.CreateWebSession(c, store.WebSession{ID: "h5", Username: "bob", CSRF: "c5", ExpiresAt: exp}))
	u.DisplayName = "Bob"
	ok(t, s.UpdateUser(c, u))
	_, err = ws.GetWebSession(c, "h5")
	ok(t, err)

	// Expired sessions are swept; live ones stay.
	ok(t, ws.CreateWebSession(c, store.WebSession{ID: "old", Username: "alice", CSRF: "c", ExpiresAt: ts(100)}))
	n, err := ws.DeleteExpiredWebSessions(c, ts(200))
	ok(t, err)
	eq(t, "expired deleted", n, 1)
	_, err = ws.GetWebSession(c, "h3")
	ok(t, err)

	// DeleteWebSessions, then deleting the user.
	ok(t, ws.CreateWebSession(c, store.WebSession{ID: "h6", Username: "bob", CSRF: "c6", ExpiresAt: exp}))
	ok(t, ws.DeleteWebSessions(c, "bob"))
	for _, id := range []string{"h5", "h6"} {
		_, err = ws.GetWebSession(c, id)
		is(t, err, store.ErrNotFound)
	}
	ok(t, ws.CreateWebSession(c, store.WebSession{ID: "h7", Username: "bob", CSRF: "c7", ExpiresAt: exp}))
	ok(t, s.DeleteUser(c, "bob"))
	_, err = ws.GetWebSession(c, "h7")
	is(t, err, store.ErrNotFound)
}
