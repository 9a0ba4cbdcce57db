package tokenserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
)

// TestSecurity proves the token-endpoint items of docs/security.md (1–9, 11;
// 10 is the real registry's part, see registrytest and registry_test.go).
func TestSecurity(t *testing.T) {
	f := newFx(t)

	t.Run("1 anonymous pull: public granted, private empty", func(t *testing.T) {
		r := f.do(t, get("", "", "repository:pub/app:pull", "repository:devs/app:pull"))
		wantStatus(t, r, http.StatusOK)
		if g := r.grants(); g["repository:pub/app"] != "pull" || g["repository:devs/app"] != "" || len(g) != 1 {
			t.Fatalf("grants %v", g)
		}
		r = f.do(t, get("", "", "repository:devs/app:pull"))
		wantStatus(t, r, http.StatusOK)
		if a := r.rawAccess(t); a != "[]" {
			t.Fatalf("private: access %s, want []", a)
		}
		if r.claims.Sub != "anonymous" {
			t.Errorf("sub %q", r.claims.Sub)
		}
		if _, ok := r.tok["refresh_token"]; ok {
			t.Error("anonymous got a refresh token")
		}
		r = f.do(t, get("", "", "repository:pub/app:push,delete"))
		if a := r.rawAccess(t); a != "[]" {
			t.Fatalf("anonymous push: access %s", a)
		}
	})

	t.Run("2 wrong password and unknown user look the same", func(t *testing.T) {
		before := f.auth.calls.Load()
		wrong := f.do(t, req{user: "dave", pass: "not the password", source: "198.51.100.2", query: url.Values{"service": {service}}})
		unknown := f.do(t, req{user: "nobody", pass: "not the password", source: "198.51.100.2", query: url.Values{"service": {service}}})
		disabled := f.do(t, req{user: "eve", pass: password, source: "198.51.100.2", query: url.Values{"service": {service}}})
		for name, r := range map[string]resp{"wrong password": wrong, "unknown user": unknown, "disabled user": disabled} {
			wantStatus(t, r, http.StatusUnauthorized)
			if h := r.header.Get("WWW-Authenticate"); h != `Basic realm="`+realm+`"` {
				t.Errorf("%s: WWW-Authenticate %q", name, h)
			}
			if !bytes.Equal(r.body, wrong.body) {
				t.Errorf("%s: body %s differs from %s", name, r.body, wrong.body)
			}
		}
		if n := f.auth.calls.Load() - before; n != 3 {
			t.Errorf("%d authentications, want 3", n)
		}
		// Timing, by cost rather than wall-clock (too noisy under load):
		// an unknown user pays exactly one bcrypt compare, like a wrong
		// password, against a decoy hash of the stored hashes' cost.
		checks := func(user string) int64 {
			before := f.authn.PasswordChecks()
			r := f.do(t, req{user: user, pass: "wrong-" + user, source: "203.0.113.9", query: url.Values{"service": {service}}})
			wantStatus(t, r, http.StatusUnauthorized)
			return f.authn.PasswordChecks() - before
		}
		if w, u := checks("dave"), checks("nobody"); w != 1 || u != 1 {
			t.Errorf("bcrypt compares: wrong password %d, unknown user %d, want 1 and 1", w, u)
		}
		u, err := f.st.GetUser(context.Background(), "dave")
		if err != nil {
			t.Fatal(err)
		}
		want, err := bcrypt.Cost([]byte(u.PasswordHash))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.authn.DecoyCost(); got != want {
			t.Errorf("decoy hash cost %d, stored hashes' cost %d", got, want)
		}
	})

	t.Run("3 empty, blank and NUL passwords never reach a backend", func(t *testing.T) {
		spy := &spyLimiter{}
		g := newFx(t, func(o *fxOptions) { o.limiter = spy })
		for _, pw := range []string{"", " ", "\t \t", "pass\x00word", "\x00"} {
			r := g.do(t, req{user: "alice", pass: pw, query: url.Values{"service": {service}}})
			wantStatus(t, r, http.StatusUnauthorized)
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("%q: no Basic challenge", pw)
			}
		}
		// POST: the same.
		r := g.do(t, req{form: url.Values{"grant_type": {"password"}, "service": {service}, "username": {"alice"}, "password": {" "}}})
		wantStatus(t, r, http.StatusUnauthorized)
		if n := g.auth.calls.Load(); n != 0 {
			t.Errorf("authenticator asked %d times", n)
		}
		if n := spy.calls.Load(); n != 0 {
			t.Errorf("throttle asked %d times", n)
		}
	})

	t.Run("11 a successful login resets the counter only when it holds failures", func(t *testing.T) {
		for _, failures := range []int{0, 2} {
			spy := &spyLimiter{failures: failures}
			g := newFx(t, func(o *fxOptions) { o.limiter = spy })
			wantStatus(t, g.do(t, get("bob", password, "repository:devs/app:pull")), http.StatusOK)
			if want := int64(min(failures, 1)); spy.resets.Load() != want || spy.releases.Load() != 1-want {
				t.Errorf("%d failures before: %d resets and %d releases, want %d and %d", failures,
					spy.resets.Load(), spy.releases.Load(), want, 1-want)
			}
		}
	})

	t.Run("4 host:port, class, several scopes per parameter, duplicates merged", func(t *testing.T) {
		r := f.do(t, get("bob", password,
			"repository:devs/app:pull repository:localhost:5000/devs/app:pull,push",
			"repository:devs/app:push",
			"repository(plugin):devs/plug:pull",
			"repository:devs/app:pull"))
		wantStatus(t, r, http.StatusOK)
		want := []token.ResourceActions{
			{Type: "repository", Name: "devs/app", Actions: []string{"pull", "push"}},
			{Type: "repository", Class: "plugin", Name: "devs/plug", Actions: []string{"pull"}},
		}
		if got, _ := json.Marshal(r.claims.Access); string(got) != mustJSON(want) {
			t.Fatalf("access %s, want %s", got, mustJSON(want))
		}
		// The host-prefixed name is not a repository name: nothing, even for an admin.
		r = f.do(t, get("admin", password, "repository:localhost:5000/devs/app:pull"))
		if a := r.rawAccess(t); a != "[]" {
			t.Fatalf("host-prefixed name granted %s", a)
		}
	})

	t.Run("5 invalid names grant nothing, even to an admin", func(t *testing.T) {
		for _, name := range []string{"Team/App", "a//b", "/a", "a/", "..", "a/../b", "devs%2Fapp", "devs/" + strings.Repeat("a", 252), "dévs/app", "a:b/c"} {
			r := f.do(t, get("admin", password, "repository:"+name+":pull,push"))
			wantStatus(t, r, http.StatusOK)
			if a := r.rawAccess(t); a != "[]" {
				t.Errorf("%q granted %s", name, a)
			}
		}
	})

	t.Run("6 malformed scopes, thousands of scopes, huge requests: never 500", func(t *testing.T) {
		for _, s := range []string{"repository:foo", "repository::pull", ":x:pull", "a:b:c:d:e", "repository:devs/app:", "repository(:devs/app:pull", "::", "%00"} {
			r := f.do(t, get("admin", password, s))
			wantStatus(t, r, http.StatusOK)
			if a := r.rawAccess(t); a != "[]" {
				t.Errorf("%q granted %s", s, a)
			}
		}
		// 1500 distinct scopes fit in the size cap: at most 256 entries come back.
		var many []string
		for i := 0; i < 1500; i++ {
			many = append(many, "repository:devs/a"+strconv.Itoa(i)+":pull")
		}
		r := f.do(t, req{user: "admin", pass: password, query: url.Values{"service": {service}, "scope": {strings.Join(many, " ")}}})
		wantStatus(t, r, http.StatusOK)
		if n := len(r.claims.Access); n == 0 || n > 256 {
			t.Errorf("%d access entries for 1500 scopes", n)
		}
		// 10 000 scopes and a 1 MB query exceed it: 413 without parsing.
		for i := 1500; i < 10000; i++ {
			many = append(many, "repository:devs/a"+strconv.Itoa(i)+":pull")
		}
		for name, q := range map[string]string{
			"10000 scopes": url.Values{"service": {service}, "scope": many}.Encode(),
			"1 MB query":   "service=" + service + "&scope=" + strings.Repeat("x", 1<<20),
		} {
			rec := httptest.NewRecorder()
			mux := http.NewServeMux()
			f.ep.Register(mux)
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/token?"+q, nil))
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("GET %s: %d", name, rec.Code)
			}
			rec = httptest.NewRecorder()
			pr := httptest.NewRequest(http.MethodPost, "/auth/token", strings.NewReader("grant_type=password&"+q))
			pr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			mux.ServeHTTP(rec, pr)
			if rec.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("POST %s: %d", name, rec.Code)
			}
		}
	})

	t.Run("7 delete without the right is dropped; catalog only for admins", func(t *testing.T) {
		cases := []struct {
			user, pass, scope, want string
		}{
			{"bob", password, "repository:devs/app:pull,push,delete", "pull,push"},
			{"bob", password, "repository:devs/app:*", "pull,push"},
			{"alice", password, "repository:devs/app:pull,push,delete", "pull,push,delete"},
			{"alice", password, "repository:devs/app:*", "*"},
			{"carol", password, "repository:devs/app:*", "pull"},
			{"dave", password, "repository:devs/app:pull", ""},
			{"dave", password, "repository:prot/app:pull,push", "pull"},
			{"dave", password, "repository:dave/app:*", "*"},
			{"robot$ci", "", "repository:devs/app:pull,push,delete", "pull,push"},
			{"robot$ci", "", "repository:prot/app:pull", ""},
			{"bob", password, "registry:catalog:*", ""},
			{"robot$ci", "", "registry:catalog:*", ""},
			{"admin", password, "registry:catalog:*", "*"},
			{"robot$sync", "", "registry:catalog:*", "*"},
			{"admin", password, "registry:other:*", ""},
			{"admin", password, "unknown:devs/app:pull", ""},
			// The global namespace (single-segment names) is decided
			// without a namespace row: signed-in subjects pull, admins
			// everything, anonymous nothing.
			{"bob", password, "repository:busybox:pull,push,delete", "pull"},
			{"dave", password, "repository:busybox:*", "pull"},
			{"robot$ci", "", "repository:busybox:pull,push", "pull"},
			{"admin", password, "repository:busybox:pull,push", "pull,push"},
			{"", "", "repository:busybox:pull", ""},
		}
		for _, c := range cases {
			pass := c.pass
			switch c.user {
			case "robot$ci":
				pass = f.robotCI
			case "robot$sync":
				pass = f.robotSy
			}
			r := f.do(t, get(c.user, pass, c.scope))
			wantStatus(t, r, http.StatusOK)
			var got string
			for _, ra := range r.claims.Access {
				got = strings.Join(ra.Actions, ",")
			}
			if got != c.want {
				t.Errorf("%s asking %s: got %q, want %q", c.user, c.scope, got, c.want)
			}
		}
	})

	t.Run("8 unknown or missing service is 400", func(t *testing.T) {
		for _, q := range []url.Values{{"service": {"other"}}, {}, {"service": {""}}} {
			r := f.do(t, req{user: "alice", pass: password, query: q})
			wantStatus(t, r, http.StatusBadRequest)
			r = f.do(t, req{query: q})
			wantStatus(t, r, http.StatusBadRequest)
		}
		r := f.do(t, req{form: url.Values{"grant_type": {"password"}, "service": {"other"}, "username": {"alice"}, "password": {password}}})
		wantStatus(t, r, http.StatusBadRequest)
	})

	t.Run("9 refresh tokens", func(t *testing.T) { testRefresh(t) })

	t.Run("11 brute force is throttled per user and source", func(t *testing.T) {
		g := newFx(t)
		attacker, home := "198.51.100.66", "203.0.113.5"
		login := func(user, pass, source string) resp {
			return g.do(t, req{user: user, pass: pass, source: source, query: url.Values{"service": {service}}})
		}
		for i := 0; i < throttle.DefaultMaxFailures; i++ {
			wantStatus(t, login("alice", "guess"+strconv.Itoa(i), attacker), http.StatusUnauthorized)
		}
		checks := g.authn.PasswordChecks()
		r := login("alice", password, attacker)
		wantStatus(t, r, http.StatusTooManyRequests)
		if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		if g.authn.PasswordChecks() != checks {
			t.Error("a throttled attempt was checked")
		}
		wantStatus(t, login("alice", password, home), http.StatusOK)
		wantStatus(t, login("robot$ci", g.robotCI, attacker), http.StatusOK)
		wantStatus(t, login("bob", password, attacker), http.StatusOK)
		// Success resets.
		for i := 0; i < throttle.DefaultMaxFailures-1; i++ {
			wantStatus(t, login("bob", "guess", home), http.StatusUnauthorized)
		}
		wantStatus(t, login("bob", password, home), http.StatusOK)
		wantStatus(t, login("bob", "guess", home), http.StatusUnauthorized)
		wantStatus(t, login("bob", password, home), http.StatusOK)
		// POST counts the same way.
		pr := g.do(t, req{source: attacker, form: url.Values{"grant_type": {"password"}, "service": {service}, "username": {"alice"}, "password": {password}}})
		wantStatus(t, pr, http.StatusTooManyRequests)
	})

	t.Run("11 throttle outage fails closed with 503", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: deadAddr(t), MaxRetries: -1, DialTimeout: time.Second})
		t.Cleanup(func() { _ = rdb.Close() })
		l, err := throttle.NewRedis(rdb, "", throttle.Config{})
		if err != nil {
			t.Fatal(err)
		}
		g := newFx(t, func(o *fxOptions) { o.limiter = l })
		r := g.do(t, get("alice", password, "repository:devs/app:pull"))
		wantStatus(t, r, http.StatusServiceUnavailable)
		if r.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		if g.authn.PasswordChecks() != 0 {
			t.Error("a password was checked although the throttle is down")
		}
		// Robots and anonymous pulls do not depend on the throttle.
		wantStatus(t, g.do(t, get("robot$ci", g.robotCI, "repository:devs/app:pull")), http.StatusOK)
		wantStatus(t, g.do(t, get("", "", "repository:pub/app:pull")), http.StatusOK)
	})
}

func testRefresh(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	offline := func(user, pass string) string {
		t.Helper()
		r := f.do(t, req{user: user, pass: pass, query: url.Values{"service": {service}, "offline_token": {"true"}}})
		wantStatus(t, r, http.StatusOK)
		rt, _ := r.tok["refresh_token"].(string)
		if rt == "" {
			t.Fatalf("%s: no refresh token in %s", user, r.body)
		}
		return rt
	}
	redeem := func(rt string, scope ...string) resp {
		return f.do(t, req{form: url.Values{"grant_type": {"refresh_token"}, "service": {service}, "refresh_token": {rt},
			"client_id": {"test"}, "scope": scope}})
	}

	t.Run("opaque and hashed at rest", func(t *testing.T) {
		rt := offline("bob", password)
		if len(rt) != len("dmrt_")+64 || !strings.HasPrefix(rt, "dmrt_") || strings.Count(rt, ".") != 0 {
			t.Fatalf("refresh token %q is not dmrt_ + 64 hex", rt)
		}
		stored, err := f.refresh.GetRefreshTokenByHash(ctx, tokenserver.HashRefreshToken(rt))
		if err != nil {
			t.Fatal(err)
		}
		if stored.Hash == rt || strings.Contains(fmt.Sprintf("%+v %s", stored, stored), rt[5:]) {
			t.Fatal("the secret is stored or printed")
		}
		if stored.Subject != "bob" || stored.SubjectKind != "user" || stored.Service != service {
			t.Fatalf("stored %+v", stored)
		}
	})

	t.Run("redeems for its subject with fresh decisions", func(t *testing.T) {
		rt := offline("bob", password)
		r := redeem(rt, "repository:devs/app:pull,push")
		wantStatus(t, r, http.StatusOK)
		if r.claims.Sub != "bob" || r.grants()["repository:devs/app"] != "pull,push" {
			t.Fatalf("sub %q grants %v", r.claims.Sub, r.grants())
		}
		if r.tok["scope"] != "repository:devs/app:pull,push" {
			t.Errorf("scope %v", r.tok["scope"])
		}
		// Another username in the form changes nothing.
		r = f.do(t, req{form: url.Values{"grant_type": {"refresh_token"}, "service": {service}, "refresh_token": {rt},
			"username": {"admin"}, "scope": {"registry:catalog:*"}}})
		wantStatus(t, r, http.StatusOK)
		if r.claims.Sub != "bob" || len(r.claims.Access) != 0 {
			t.Fatalf("sub %q access %v", r.claims.Sub, r.claims.Access)
		}
	})

	t.Run("POST password grant with access_type=offline", func(t *testing.T) {
		r := f.do(t, req{form: url.Values{"grant_type": {"password"}, "service": {service}, "client_id": {"docker"},
			"access_type": {"offline"}, "username": {"carol"}, "password": {password}, "scope": {"repository:devs/app:pull"}}})
		wantStatus(t, r, http.StatusOK)
		rt, _ := r.tok["refresh_token"].(string)
		if !strings.HasPrefix(rt, "dmrt_") || r.grants()["repository:devs/app"] != "pull" {
			t.Fatalf("response %s", r.body)
		}
		r = f.do(t, req{form: url.Values{"grant_type": {"refresh_token"}, "service": {service}, "refresh_token": {rt}, "access_type": {"offline"}}})
		wantStatus(t, r, http.StatusOK)
		if r.tok["refresh_token"] != rt {
			t.Error("refreshing with access_type=offline did not hand back the same refresh token")
		}
	})

	t.Run("only for credentialed logins", func(t *testing.T) {
		r := f.do(t, req{query: url.Values{"service": {service}, "offline_token": {"true"}}})
		wantStatus(t, r, http.StatusOK)
		if _, ok := r.tok["refresh_token"]; ok {
			t.Error("anonymous got one")
		}
		secret, hash := authn.NewTokenSecret()
		if err := f.st.CreateToken(ctx, store.Token{ID: authn.NewID(), Username: "dave", Name: "ci", Hash: hash}); err != nil {
			t.Fatal(err)
		}
		r = f.do(t, req{user: "dave", pass: secret, query: url.Values{"service": {service}, "offline_token": {"true"}}})
		wantStatus(t, r, http.StatusOK)
		if _, ok := r.tok["refresh_token"]; ok {
			t.Error("an application-token login got one")
		}
		r = f.do(t, req{user: "bob", pass: password, query: url.Values{"service": {service}}})
		if _, ok := r.tok["refresh_token"]; ok {
			t.Error("got one without asking")
		}
	})

	t.Run("bound to the service", func(t *testing.T) {
		secret, hash := tokenserver.NewRefreshSecret()
		now := time.Now()
		if err := f.refresh.CreateRefreshToken(ctx, tokenserver.RefreshToken{ID: "other-svc", Hash: hash, SubjectKind: "user", Subject: "bob",
			Service: "other-registry", CredentialAt: now.Add(-time.Hour), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(secret), http.StatusUnauthorized)
	})

	t.Run("garbage, unknown and expired are refused alike", func(t *testing.T) {
		secret, hash := tokenserver.NewRefreshSecret()
		now := time.Now()
		_ = f.refresh.CreateRefreshToken(ctx, tokenserver.RefreshToken{ID: "expired", Hash: hash, SubjectKind: "user", Subject: "bob",
			Service: service, CredentialAt: now.Add(-time.Hour), CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Second)})
		unknown, _ := tokenserver.NewRefreshSecret()
		var bodies []string
		for _, rt := range []string{secret, unknown, "dmrt_nothex", "dmt_" + strings.Repeat("a", 64), strings.Repeat("x", 5000)} {
			r := redeem(rt)
			wantStatus(t, r, http.StatusUnauthorized)
			bodies = append(bodies, string(r.body))
		}
		if len(slices.Compact(slices.Clone(bodies))) != 1 {
			t.Errorf("different bodies: %q", bodies)
		}
	})

	t.Run("dies when the user is disabled, changes password or is deleted", func(t *testing.T) {
		mk := func(name string) string {
			if err := f.st.CreateUser(ctx, store.User{Username: name, PasswordHash: passwordHash, Enabled: true,
				PasswordChangedAt: time.Now().Add(-time.Hour), CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			rt := offline(name, password)
			wantStatus(t, redeem(rt), http.StatusOK)
			return rt
		}
		update := func(name string, change func(*store.User)) {
			u, err := f.st.GetUser(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			change(&u)
			if err := f.st.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		disabled := mk("frank")
		update("frank", func(u *store.User) { u.Enabled = false })
		wantStatus(t, redeem(disabled), http.StatusUnauthorized)
		update("frank", func(u *store.User) { u.Enabled = true })
		wantStatus(t, redeem(disabled), http.StatusOK) // re-enabling restores it: same credential

		changed := mk("grace")
		update("grace", func(u *store.User) { u.PasswordChangedAt = time.Now().Add(2 * time.Second) })
		wantStatus(t, redeem(changed), http.StatusUnauthorized)

		deleted := mk("heidi")
		if err := f.st.DeleteUser(ctx, "heidi"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(deleted), http.StatusUnauthorized)
		// Re-created under the same name: still dead.
		if err := f.st.CreateUser(ctx, store.User{Username: "heidi", PasswordHash: passwordHash, Enabled: true,
			PasswordChangedAt: time.Now().Add(2 * time.Second), CreatedAt: time.Now().Add(2 * time.Second)}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(deleted), http.StatusUnauthorized)
	})

	t.Run("dies when the robot is disabled, rotated, expired or deleted", func(t *testing.T) {
		ciRT := offline("robot$ci", f.robotCI)
		r := redeem(ciRT, "repository:devs/app:push")
		wantStatus(t, r, http.StatusOK)
		if r.claims.Sub != "robot$ci" || r.grants()["repository:devs/app"] != "push" {
			t.Fatalf("robot refresh: %s %v", r.claims.Sub, r.grants())
		}
		rb, _ := f.st.GetRobot(ctx, "robot$ci")
		rb.Enabled = false
		_ = f.st.UpdateRobot(ctx, rb)
		wantStatus(t, redeem(ciRT), http.StatusUnauthorized)
		rb.Enabled = true
		rb.ExpiresAt = time.Now().Add(-time.Minute)
		_ = f.st.UpdateRobot(ctx, rb)
		wantStatus(t, redeem(ciRT), http.StatusUnauthorized)
		rb.ExpiresAt = time.Time{}
		_ = f.st.UpdateRobot(ctx, rb)
		wantStatus(t, redeem(ciRT), http.StatusOK)
		_, newHash := authn.NewRobotSecret()
		if err := f.st.SetRobotSecret(ctx, "robot$ci", newHash, time.Now().Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(ciRT), http.StatusUnauthorized)

		syRT := offline("robot$sync", f.robotSy)
		if err := f.st.DeleteRobot(ctx, "robot$sync"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(syRT), http.StatusUnauthorized)
	})

	t.Run("8 a secret rotated within the same second kills it", func(t *testing.T) {
		// Versions compare at full resolution: a rotation 200 ms after the
		// login, in the same second, is a new credential.
		base := time.Now().Add(-time.Minute).Truncate(time.Second).Add(100 * time.Millisecond)
		secret, hash := authn.NewRobotSecret()
		if err := f.st.SetRobotSecret(ctx, "robot$ci", hash, base); err != nil {
			t.Fatal(err)
		}
		rt := offline("robot$ci", secret)
		wantStatus(t, redeem(rt), http.StatusOK)
		_, hash2 := authn.NewRobotSecret()
		if err := f.st.SetRobotSecret(ctx, "robot$ci", hash2, base.Add(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, redeem(rt), http.StatusUnauthorized)
	})

	t.Run("never a bearer on the API", func(t *testing.T) {
		rt := offline("admin", password)
		a := authn.New(f.st, authn.Options{})
		if _, err := a.Bearer(ctx, rt); err == nil {
			t.Fatal("authn.Bearer accepted a refresh token")
		}
		if _, err := a.Basic(ctx, "192.0.2.1", "admin", rt); err == nil {
			t.Fatal("authn.Basic accepted a refresh token as a password")
		}
		rest := api.New(api.Deps{Store: f.st, Auth: a, ClientAddr: server.ClientAddr})
		srv := httptest.NewServer(server.New(server.Deps{Store: f.st, Routes: []server.Routes{rest}}))
		defer srv.Close()
		for _, set := range []func(*http.Request){
			func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+rt) },
			func(r *http.Request) { r.SetBasicAuth("admin", rt) },
		} {
			hr, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
			set(hr)
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("API answered %d to a refresh token", res.StatusCode)
			}
		}
	})

	t.Run("store outage is 503", func(t *testing.T) {
		g := newFx(t, func(o *fxOptions) {
			o.store = func(s tokenserver.GrantStore) tokenserver.GrantStore {
				return failingStore{GrantStore: s, fail: map[string]bool{"GetUser": true}}
			}
		})
		rt := g.do(t, req{user: "robot$ci", pass: g.robotCI, query: url.Values{"service": {service}, "offline_token": {"true"}}})
		wantStatus(t, rt, http.StatusOK)
		secret, hash := tokenserver.NewRefreshSecret()
		now := time.Now()
		_ = g.refresh.CreateRefreshToken(ctx, tokenserver.RefreshToken{ID: "u", Hash: hash, SubjectKind: "user", Subject: "bob",
			Service: service, CredentialAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		r := g.do(t, req{form: url.Values{"grant_type": {"refresh_token"}, "service": {service}, "refresh_token": {secret}}})
		wantStatus(t, r, http.StatusServiceUnavailable)
	})
}

// TestStoreOutage: a database failure anywhere on the way is a 503, never a
// 401 or a token with less access.
func TestStoreOutage(t *testing.T) {
	for _, c := range []struct {
		method string
		req    req
	}{
		{"GetSettings", get("bob", password, "repository:devs/app:pull")},
		{"NamespaceAccess", get("bob", password, "repository:devs/app:pull")}, // users and robots
		{"GetNamespace", get("", "", "repository:pub/app:pull")},              // anonymous
	} {
		t.Run(c.method, func(t *testing.T) {
			f := newFx(t, func(o *fxOptions) {
				o.store = func(s tokenserver.GrantStore) tokenserver.GrantStore {
					return failingStore{GrantStore: s, fail: map[string]bool{c.method: true}}
				}
			})
			r := f.do(t, c.req)
			wantStatus(t, r, http.StatusServiceUnavailable)
			if strings.Contains(string(r.body), "connection refused") {
				t.Error("the cause leaked into the response")
			}
		})
	}
	t.Run("authenticator", func(t *testing.T) {
		f := newFx(t)
		_ = f.st.Close() // every query fails now
		for _, q := range []req{get("bob", password, "repository:devs/app:pull"), get("nobody", "x", "")} {
			r := f.do(t, q)
			wantStatus(t, r, http.StatusServiceUnavailable)
		}
		// The outage is not counted as a failed login.
		v, _ := f.limiter.Reserve(context.Background(), throttle.Key("bob", "192.0.2.1"))
		if !v.Allowed || v.Failures != 0 {
			t.Errorf("store errors were counted as failed logins: %+v", v)
		}
	})
}

func TestResponse(t *testing.T) {
	f := newFx(t)
	t.Run("shape and claims", func(t *testing.T) {
		r := f.do(t, req{user: "alice", pass: password, query: url.Values{"service": {service}, "account": {"admin"},
			"scope": {"repository:devs/app:pull"}}})
		wantStatus(t, r, http.StatusOK)
		if r.tok["token"] != r.tok["access_token"] {
			t.Error("token != access_token")
		}
		if e, _ := r.tok["expires_in"].(float64); e != 300 {
			t.Errorf("expires_in %v", r.tok["expires_in"])
		}
		iat, err := time.Parse(time.RFC3339, r.tok["issued_at"].(string))
		if err != nil || time.Since(iat) > time.Minute {
			t.Errorf("issued_at %v: %v", r.tok["issued_at"], err)
		}
		c := r.claims
		if c.Sub != "alice" {
			t.Errorf("sub %q: the account parameter must not choose the subject", c.Sub)
		}
		if c.Iss != issuer || c.Aud != service || c.Exp-c.Iat != 300 || c.Nbf >= c.Iat {
			t.Errorf("claims %+v", c)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("lifetime from the settings", func(t *testing.T) {
		ctx := context.Background()
		s, _ := f.st.GetSettings(ctx)
		s.TokenLifetime = 10 * time.Minute
		if err := f.st.UpdateSettings(ctx, s); err != nil {
			t.Fatal(err)
		}
		defer func() { s.TokenLifetime = 5 * time.Minute; _ = f.st.UpdateSettings(ctx, s) }()
		r := f.do(t, get("", "", ""))
		if e, _ := r.tok["expires_in"].(float64); e != 600 || r.claims.Exp-r.claims.Iat != 600 {
			t.Errorf("expires_in %v, exp-iat %d", r.tok["expires_in"], r.claims.Exp-r.claims.Iat)
		}
	})
	t.Run("settings apply per request", func(t *testing.T) {
		ctx := context.Background()
		wantGrant := func(want string) {
			t.Helper()
			r := f.do(t, get("", "", "repository:pub/app:pull"))
			if g := r.grants()["repository:pub/app"]; g != want {
				t.Fatalf("anonymous pull: %q, want %q", g, want)
			}
		}
		wantGrant("pull")
		s, _ := f.st.GetSettings(ctx)
		s.AnonymousPull = false
		_ = f.st.UpdateSettings(ctx, s)
		wantGrant("")
		s.AnonymousPull = true
		_ = f.st.UpdateSettings(ctx, s)
		wantGrant("pull")
	})
	t.Run("a pull-only scope does not hide a later push on the same namespace", func(t *testing.T) {
		r := f.do(t, get("bob", password, "repository:pub/a:pull", "repository:pub/b:push", "repository:pub/c:pull"))
		g := r.grants()
		if g["repository:pub/a"] != "pull" || g["repository:pub/b"] != "push" || g["repository:pub/c"] != "pull" {
			t.Fatalf("grants %v", g)
		}
		r = f.do(t, get("dave", password, "repository:pub/a:pull", "repository:pub/b:push"))
		if g := r.grants(); g["repository:pub/a"] != "pull" || g["repository:pub/b"] != "" {
			t.Fatalf("dave: grants %v", g)
		}
	})
	t.Run("POST errors are OAuth2 shaped", func(t *testing.T) {
		r := f.do(t, req{form: url.Values{"grant_type": {"client_credentials"}, "service": {service}}})
		wantStatus(t, r, http.StatusBadRequest)
		var e map[string]string
		_ = json.Unmarshal(r.body, &e)
		if e["error"] != "unsupported_grant_type" {
			t.Errorf("body %s", r.body)
		}
		r = f.do(t, req{form: url.Values{"grant_type": {"password"}, "service": {service}, "username": {"alice"}, "password": {"nope"}}})
		wantStatus(t, r, http.StatusUnauthorized)
		_ = json.Unmarshal(r.body, &e)
		if e["error"] != "invalid_grant" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("body %s", r.body)
		}
		hr, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/auth/token", strings.NewReader(`{"grant_type":"password"}`))
		hr.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("JSON body: %d", res.StatusCode)
		}
	})
	t.Run("malformed Authorization is 401", func(t *testing.T) {
		for _, h := range []string{"Basic !!!", "Bearer abc", "Basic " + "YWxpY2U="} {
			hr, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/auth/token?service="+service, nil)
			hr.Header.Set("Authorization", h)
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%q: %d", h, res.StatusCode)
			}
		}
	})
	t.Run("jwks", func(t *testing.T) {
		res, err := http.Get(f.srv.URL + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var set token.JWKSet
		if err := json.NewDecoder(res.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
			t.Fatalf("jwks: %v %+v", err, set)
		}
	})
}

// TestAudit: every issuance (requested vs granted) and every refusal is in
// the audit trail, with actor and source, and never a secret.
func TestAudit(t *testing.T) {
	f := newFx(t)
	ctx := context.Background()
	f.do(t, req{user: "bob", pass: password, source: "203.0.113.9", query: url.Values{"service": {service},
		"scope": {"repository:devs/app:pull,push,delete"}}})
	f.do(t, req{user: "carol", pass: "wrong password here", source: "203.0.113.10", query: url.Values{"service": {service}}})
	f.do(t, get("", "", "repository:pub/app:pull"))
	if err := f.ep.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := f.st.ListAudit(ctx, store.AuditFilter{Action: tokenserver.AuditAction, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events: %+v", len(events), events)
	}
	byActor := map[string]store.AuditEvent{}
	for _, e := range events {
		byActor[e.Actor] = e
		if strings.Contains(e.Detail, password) || strings.Contains(e.Detail, "wrong password") {
			t.Errorf("secret in audit: %s", e.Detail)
		}
	}
	bob := byActor["bob"]
	if bob.Source != "203.0.113.9" || bob.Outcome != "denied" ||
		!strings.Contains(bob.Detail, `"requested":["repository:devs/app:delete,pull,push"]`) ||
		!strings.Contains(bob.Detail, `"granted":["repository:devs/app:pull,push"]`) {
		t.Errorf("bob: %+v", bob)
	}
	if c := byActor["carol"]; c.Outcome != "denied" || c.Source != "203.0.113.10" || !strings.Contains(c.Detail, "invalid credentials") {
		t.Errorf("carol: %+v", c)
	}
	if a := byActor["anonymous"]; a.Outcome != "success" {
		t.Errorf("anonymous: %+v", a)
	}
}

// TestAuditCoalesces: identical events gathered in one interval become one
// row with a count; none is lost.
func TestAuditCoalesces(t *testing.T) {
	f := newFx(t, func(o *fxOptions) { o.auditInterval = time.Minute })
	ctx := context.Background()
	const n = 20
	for i := 0; i < n; i++ {
		wantStatus(t, f.do(t, get("", "", "repository:pub/app:pull")), http.StatusOK)
	}
	wantStatus(t, f.do(t, get("bob", password, "repository:devs/app:pull")), http.StatusOK)
	if err := f.ep.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := f.st.ListAudit(ctx, store.AuditFilter{Action: tokenserver.AuditAction, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for _, e := range events {
		var d struct {
			Count int `json:"count"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			t.Fatalf("detail %q: %v", e.Detail, err)
		}
		total[e.Actor] += max(d.Count, 1)
	}
	if total["anonymous"] != n || total["bob"] != 1 {
		t.Fatalf("counted %v, want anonymous %d and bob 1", total, n)
	}
	if len(events) >= n {
		t.Errorf("%d rows for %d identical events: nothing merged", len(events), n)
	}
}

func TestNewEndpointPanicsOnMissingDeps(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	tokenserver.NewEndpoint(tokenserver.EndpointDeps{})
}

// spyLimiter counts calls (Resets and Releases also apart) and allows
// everything, reporting its failures field as the recent failures.
type spyLimiter struct {
	calls, resets, releases atomicCounter
	failures                int
}

func (s *spyLimiter) Reserve(context.Context, string) (throttle.Verdict, error) {
	s.calls.Add(1)
	return throttle.Verdict{Allowed: true, Failures: s.failures}, nil
}
func (s *spyLimiter) Release(context.Context, string) error {
	s.calls.Add(1)
	s.releases.Add(1)
	return nil
}
func (s *spyLimiter) Reset(context.Context, string) error {
	s.calls.Add(1)
	s.resets.Add(1)
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}
