package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// testTokenStore checks store.TokenStore, which every Store implementation
// also provides. The subtests share one store and use disjoint names.
func testTokenStore(t *testing.T, s store.Store) {
	tks, isTS := s.(store.TokenStore)
	if !isTS {
		t.Fatalf("%T does not implement store.TokenStore", s)
	}
	t.Run("SigningKeys", func(t *testing.T) { testSigningKeys(t, tks) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, s, tks) })
	t.Run("RefreshTokensDieWithSubject", func(t *testing.T) { testRefreshTokensDieWithSubject(t, s, tks) })
	t.Run("DeleteExpiredRefreshTokens", func(t *testing.T) { testDeleteExpiredRefreshTokens(t, s, tks) })
	t.Run("RefreshTokensRevokedForGood", func(t *testing.T) { testRefreshTokensRevokedForGood(t, s, tks) })
}

// testRefreshTokensRevokedForGood (issue 8.6, security 41): disabling,
// changing the password, removing admin, rotating a robot's secret or
// disabling or expiring a robot deletes its refresh tokens, so undoing the
// change (re-enabling) revives none. Other changes keep them.
func testRefreshTokensRevokedForGood(t *testing.T, s store.Store, r store.TokenStore) {
	c := ctx(t)
	n := 0
	issue := func(kind rbac.SubjectKind, subject string) string {
		n++
		h := fmt.Sprintf("rv-h%d", n)
		ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: fmt.Sprintf("rv%d", n), Hash: h, SubjectKind: string(kind),
			Subject: subject, Service: "registry", ExpiresAt: ts(59).AddDate(100, 0, 0)}))
		return h
	}
	alive := func(what, hash string, want bool) {
		t.Helper()
		_, err := r.GetRefreshTokenByHash(c, hash)
		switch {
		case want && err != nil:
			t.Errorf("%s: token gone: %v", what, err)
		case !want && err == nil:
			t.Errorf("%s: token still alive", what)
		case !want:
			is(t, err, store.ErrNotFound)
		}
	}
	user(t, s, "rv-admin", true) // keeps an admin around for the demotion
	for _, tc := range []struct {
		name   string
		change func(u *store.User)
		undo   func(u *store.User)
		dies   bool
	}{
		{"disable", func(u *store.User) { u.Enabled = false }, func(u *store.User) { u.Enabled = true }, true},
		{"password", func(u *store.User) { u.PasswordHash = "other-hash" }, nil, true},
		{"demote", func(u *store.User) { u.Admin = false }, func(u *store.User) { u.Admin = true }, true},
		{"email", func(u *store.User) { u.Email = "x@example.com" }, nil, false},
	} {
		name := "rv-" + tc.name
		user(t, s, name, tc.name == "demote")
		h := issue(rbac.UserKind, name)
		u, err := s.GetUser(c, name)
		ok(t, err)
		tc.change(&u)
		ok(t, s.UpdateUser(c, u))
		if tc.undo != nil {
			tc.undo(&u)
			ok(t, s.UpdateUser(c, u))
		}
		alive("user "+tc.name, h, !tc.dies)
	}

	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$rv-off", Enabled: true}))
	h := issue(rbac.RobotKind, "robot$rv-off")
	rb, err := s.GetRobot(c, "robot$rv-off")
	ok(t, err)
	rb.Enabled = false
	ok(t, s.UpdateRobot(c, rb))
	rb.Enabled = true
	ok(t, s.UpdateRobot(c, rb))
	alive("robot disabled and re-enabled", h, false)

	h = issue(rbac.RobotKind, "robot$rv-off")
	rb.ExpiresAt = ts(1)
	ok(t, s.UpdateRobot(c, rb))
	rb.ExpiresAt = time.Time{}
	ok(t, s.UpdateRobot(c, rb))
	alive("robot expired and extended", h, false)

	h = issue(rbac.RobotKind, "robot$rv-off")
	rb.Description = "only a description"
	ok(t, s.UpdateRobot(c, rb))
	alive("robot description", h, true)
	ok(t, s.SetRobotSecret(c, "robot$rv-off", "new-hash", time.Time{}))
	alive("robot secret rotated", h, false)
}

// pemOf is stand-in key material: the store keeps bytes, it does not parse them.
func pemOf(kind, kid string) []byte {
	return []byte("-----BEGIN " + kind + "-----\n" + kid + "\n-----END " + kind + "-----\n")
}

func signingKey(kid string, created int) store.SigningKey {
	return store.SigningKey{KID: kid, Alg: "ES256", PrivatePEM: pemOf("PRIVATE KEY", kid),
		CertPEM: pemOf("CERTIFICATE", kid), CreatedAt: ts(created)}
}

func testSigningKeys(t *testing.T, s store.TokenStore) {
	c := ctx(t)
	keys, err := s.ListKeys(c)
	ok(t, err)
	eq(t, "keys in a new store", len(keys), 0)

	ok(t, s.AddKey(c, signingKey("k2", 2)))
	ok(t, s.AddKey(c, signingKey("k1", 1)))
	is(t, s.AddKey(c, signingKey("k1", 3)), store.ErrConflict)
	for _, bad := range []store.SigningKey{
		{Alg: "ES256", PrivatePEM: []byte("p"), CertPEM: []byte("c")},
		{KID: "kx", PrivatePEM: []byte("p"), CertPEM: []byte("c")},
		{KID: "kx", Alg: "ES256", CertPEM: []byte("c")},
		{KID: "kx", Alg: "ES256", PrivatePEM: []byte("p")},
	} {
		if err := s.AddKey(c, bad); err == nil {
			t.Fatalf("AddKey(%v) succeeded, want an error for a missing field", bad)
		}
	}
	fresh := signingKey("k0", 0)
	fresh.CreatedAt = fresh.CreatedAt.AddDate(10, 0, 0) // newest, listed last
	ok(t, s.AddKey(c, fresh))
	ok(t, s.AddKey(c, store.SigningKey{KID: "know", Alg: "EdDSA", PrivatePEM: []byte("p"), CertPEM: []byte("c")}))

	keys, err = s.ListKeys(c)
	ok(t, err)
	sameNames(t, "ListKeys", names(keys, func(k store.SigningKey) string { return k.KID }), []string{"k1", "k2", "know", "k0"})
	k1 := keys[0]
	eq(t, "Alg", k1.Alg, "ES256")
	eq(t, "PrivatePEM", bytes.Equal(k1.PrivatePEM, pemOf("PRIVATE KEY", "k1")), true)
	eq(t, "CertPEM", bytes.Equal(k1.CertPEM, pemOf("CERTIFICATE", "k1")), true)
	sameTime(t, "CreatedAt", k1.CreatedAt, stored(ts(1)))
	eq(t, "RetiredAt of a new key is zero", k1.RetiredAt.IsZero(), true)
	eq(t, "CreatedAt defaults to now", keys[2].CreatedAt.IsZero(), false)

	ok(t, s.RetireKey(c, "k1", ts(5)))
	ok(t, s.RetireKey(c, "k1", ts(9))) // keeps the first retirement
	is(t, s.RetireKey(c, "nope", ts(5)), store.ErrNotFound)
	keys, err = s.ListKeys(c)
	ok(t, err)
	sameTime(t, "RetiredAt", keys[0].RetiredAt, stored(ts(5)))
	eq(t, "k2 still active", keys[1].RetiredAt.IsZero(), true)

	ok(t, s.DeleteKey(c, "k1"))
	is(t, s.DeleteKey(c, "k1"), store.ErrNotFound)
	keys, err = s.ListKeys(c)
	ok(t, err)
	sameNames(t, "ListKeys after delete", names(keys, func(k store.SigningKey) string { return k.KID }), []string{"k2", "know", "k0"})
}

func testRefreshTokens(t *testing.T, s store.Store, r store.TokenStore) {
	c := ctx(t)
	user(t, s, "rt-alice", false)
	user(t, s, "rt-bob", false)
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$rt", Enabled: true}))
	uk, rk := string(rbac.UserKind), string(rbac.RobotKind)

	a := store.RefreshToken{ID: "r1", Hash: "rh1", SubjectKind: uk, Subject: "rt-alice", Service: "registry",
		CredentialAt: ts(1), CreatedAt: ts(2), ExpiresAt: ts(40)}
	ok(t, r.CreateRefreshToken(c, a))
	ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: "r2", Hash: "rh2", SubjectKind: uk, Subject: "rt-alice",
		Service: "other", ExpiresAt: ts(40)}))
	ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: "r3", Hash: "rh3", SubjectKind: uk, Subject: "rt-bob",
		Service: "registry", ExpiresAt: ts(40)}))
	ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: "r4", Hash: "rh4", SubjectKind: rk, Subject: "robot$rt",
		Service: "registry", ExpiresAt: ts(40)}))

	dup := a
	dup.Hash = "rhx"
	is(t, r.CreateRefreshToken(c, dup), store.ErrConflict) // taken ID
	dup = a
	dup.ID = "rx"
	is(t, r.CreateRefreshToken(c, dup), store.ErrConflict) // taken hash
	for _, missing := range []store.RefreshToken{
		{ID: "rx", Hash: "rhx", SubjectKind: uk, Subject: "nobody", Service: "registry", ExpiresAt: ts(40)},
		{ID: "rx", Hash: "rhx", SubjectKind: rk, Subject: "robot$nobody", Service: "registry", ExpiresAt: ts(40)},
		{ID: "rx", Hash: "rhx", SubjectKind: rk, Subject: "rt-alice", Service: "registry", ExpiresAt: ts(40)},
	} {
		is(t, r.CreateRefreshToken(c, missing), store.ErrNotFound)
	}
	for _, bad := range []store.RefreshToken{
		{ID: "rx", Hash: "rhx", SubjectKind: "team", Subject: "rt-alice", Service: "registry", ExpiresAt: ts(40)},
		{ID: "rx", Hash: "rhx", SubjectKind: uk, Subject: "rt-alice", Service: "registry"},
		{Hash: "rhx", SubjectKind: uk, Subject: "rt-alice", Service: "registry", ExpiresAt: ts(40)},
		{ID: "rx", SubjectKind: uk, Subject: "rt-alice", Service: "registry", ExpiresAt: ts(40)},
		{ID: "rx", Hash: "rhx", SubjectKind: uk, Subject: "rt-alice", ExpiresAt: ts(40)},
	} {
		if err := r.CreateRefreshToken(c, bad); err == nil {
			t.Fatalf("CreateRefreshToken(%v) succeeded, want an error", bad)
		}
	}

	got, err := r.GetRefreshTokenByHash(c, "rh1")
	ok(t, err)
	eq(t, "ID", got.ID, "r1")
	eq(t, "Hash", got.Hash, "rh1")
	eq(t, "SubjectKind", got.SubjectKind, uk)
	eq(t, "Subject", got.Subject, "rt-alice")
	eq(t, "Service", got.Service, "registry")
	sameTime(t, "CredentialAt", got.CredentialAt, stored(ts(1)))
	sameTime(t, "CreatedAt", got.CreatedAt, stored(ts(2)))
	sameTime(t, "ExpiresAt", got.ExpiresAt, stored(ts(40)))
	got, err = r.GetRefreshTokenByHash(c, "rh2")
	ok(t, err)
	eq(t, "CredentialAt zero", got.CredentialAt.IsZero(), true)
	eq(t, "CreatedAt defaults to now", got.CreatedAt.IsZero(), false)
	got, err = r.GetRefreshTokenByHash(c, "rh4")
	ok(t, err)
	eq(t, "robot SubjectKind", got.SubjectKind, rk)
	eq(t, "robot Subject", got.Subject, "robot$rt")
	_, err = r.GetRefreshTokenByHash(c, "nope")
	is(t, err, store.ErrNotFound)
	_, err = r.GetRefreshTokenByHash(c, "")
	is(t, err, store.ErrNotFound)

	ok(t, r.DeleteRefreshTokens(c, uk, "rt-alice"))
	ok(t, r.DeleteRefreshTokens(c, uk, "rt-alice")) // none left: not an error
	ok(t, r.DeleteRefreshTokens(c, rk, "rt-bob"))   // wrong kind: deletes nothing
	for hash, want := range map[string]bool{"rh1": false, "rh2": false, "rh3": true, "rh4": true} {
		_, err := r.GetRefreshTokenByHash(c, hash)
		if want {
			ok(t, err)
		} else {
			is(t, err, store.ErrNotFound)
		}
	}
	ok(t, r.DeleteRefreshTokens(c, rk, "robot$rt"))
	_, err = r.GetRefreshTokenByHash(c, "rh4")
	is(t, err, store.ErrNotFound)
}

func testRefreshTokensDieWithSubject(t *testing.T, s store.Store, r store.TokenStore) {
	c := ctx(t)
	user(t, s, "rt-carol", false)
	user(t, s, "rt-dave", false)
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$die", Enabled: true}))
	for _, rt := range []store.RefreshToken{
		{ID: "d1", Hash: "dh1", SubjectKind: string(rbac.UserKind), Subject: "rt-carol", Service: "registry", ExpiresAt: ts(40)},
		{ID: "d2", Hash: "dh2", SubjectKind: string(rbac.RobotKind), Subject: "robot$die", Service: "registry", ExpiresAt: ts(40)},
		{ID: "d3", Hash: "dh3", SubjectKind: string(rbac.UserKind), Subject: "rt-dave", Service: "registry", ExpiresAt: ts(40)},
	} {
		ok(t, r.CreateRefreshToken(c, rt))
	}

	ok(t, s.DeleteUser(c, "rt-carol"))
	ok(t, s.DeleteRobot(c, "robot$die"))
	for _, hash := range []string{"dh1", "dh2"} {
		_, err := r.GetRefreshTokenByHash(c, hash)
		is(t, err, store.ErrNotFound)
	}
	_, err := r.GetRefreshTokenByHash(c, "dh3")
	ok(t, err)

	// A new subject of the same name inherits nothing, and may get tokens again.
	user(t, s, "rt-carol", false)
	ok(t, s.CreateRobot(c, store.Robot{Name: "robot$die", Enabled: true}))
	_, err = r.GetRefreshTokenByHash(c, "dh1")
	is(t, err, store.ErrNotFound)
	ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: "d1", Hash: "dh1", SubjectKind: string(rbac.UserKind),
		Subject: "rt-carol", Service: "registry", ExpiresAt: ts(40)}))
}

func testDeleteExpiredRefreshTokens(t *testing.T, s store.Store, r store.TokenStore) {
	c := ctx(t)
	user(t, s, "rt-erin", false)
	// Clear what the other subtests left, so the counts below are exact.
	_, err := r.DeleteExpiredRefreshTokens(c, ts(59).AddDate(100, 0, 0))
	ok(t, err)
	for i, exp := range []int{10, 20, 30} {
		ok(t, r.CreateRefreshToken(c, store.RefreshToken{ID: fmt.Sprintf("e%d", i+1), Hash: fmt.Sprintf("eh%d", i+1),
			SubjectKind: string(rbac.UserKind), Subject: "rt-erin", Service: "registry", ExpiresAt: ts(exp)}))
	}
	n, err := r.DeleteExpiredRefreshTokens(c, ts(5))
	ok(t, err)
	eq(t, "deleted before the first expiry", n, 0)
	n, err = r.DeleteExpiredRefreshTokens(c, ts(20)) // strictly before: e2 (expires at 20) stays
	ok(t, err)
	eq(t, "deleted", n, 1)
	_, err = r.GetRefreshTokenByHash(c, "eh1")
	is(t, err, store.ErrNotFound)
	for _, hash := range []string{"eh2", "eh3"} {
		_, err = r.GetRefreshTokenByHash(c, hash)
		ok(t, err)
	}
	n, err = r.DeleteExpiredRefreshTokens(c, ts(31))
	ok(t, err)
	eq(t, "deleted", n, 2)
}
