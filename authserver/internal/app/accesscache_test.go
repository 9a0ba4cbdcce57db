package app_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// granted is what a Basic token request as user:pw for repo:pull,push,delete
// is granted (sorted actions; none: empty).
func (r *replica) granted(t *testing.T, user, pw, repo string) string {
	t.Helper()
	q := url.Values{"service": {r.cfg.Service}, "scope": {"repository:" + repo + ":pull,push,delete"}}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/auth/token?"+q.Encode(), nil)
	req.SetBasicAuth(user, pw)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("token for %s on %s: status %d", user, repo, res.StatusCode)
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return strings.Join(accessOf(t, body.Token), ",")
}

// accessOf decodes the actions of a token's single access entry (the
// signature is the token package's and the registry tests' business).
func accessOf(t *testing.T, raw string) []string {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", raw)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Access []token.ResourceActions `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ra := range claims.Access {
		out = append(out, ra.Actions...)
	}
	slices.Sort(out)
	return out
}

// checkAccessChanges: each change of membership, grants, visibility,
// settings and robots through a's REST API applies to b's very next token
// request (a == b: the same replica), although b's token endpoint reuses a
// namespace, a caller's roles and the settings for a moment
// (tokenserver.DefaultAccessTTL, tokenserver.DefaultSettingsTTL).
func checkAccessChanges(t *testing.T, a, b *replica, adminPW string) {
	t.Helper()
	ctx := t.Context()
	ac := a.admin(t, adminPW)
	const devPW = "dev-password-1"
	for _, u := range []string{"dev", "lead"} {
		if _, err := ac.CreateUser(ctx, apiv1.CreateUser{Username: u, Password: devPW}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ac.CreateTeam(ctx, apiv1.CreateTeam{Name: "web", Owner: "lead"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "web", Team: "web"}); err != nil {
		t.Fatal(err)
	}
	const repo = "web/app"

	steps := []struct {
		name   string
		change func() error
		want   string
	}{
		{"no role", func() error { return nil }, ""},
		{"added as viewer", func() error {
			_, err := ac.AddMember(ctx, "web", apiv1.AddMember{Username: "dev", Role: "viewer"})
			return err
		}, "pull"},
		{"promoted to contributor", func() error {
			_, err := ac.UpdateMember(ctx, "web", "dev", apiv1.UpdateMember{Role: "contributor"})
			return err
		}, "pull,push"},
		{"push policy admin-only", func() error {
			_, err := ac.UpdateSettings(ctx, apiv1.UpdateSettings{PushPolicy: ptr("admin-only")})
			return err
		}, "pull"},
		{"push policy allow-teams", func() error {
			_, err := ac.UpdateSettings(ctx, apiv1.UpdateSettings{PushPolicy: ptr("allow-teams")})
			return err
		}, "pull,push"},
		{"removed from the team", func() error { return ac.RemoveMember(ctx, "web", "dev") }, ""},
		{"granted owner", func() error {
			_, err := ac.CreatePermission(ctx, "web", apiv1.CreatePermission{Kind: "user", Name: "dev", Role: "owner"})
			return err
		}, "delete,pull,push"},
		{"grant lowered to viewer", func() error {
			_, err := ac.UpdatePermission(ctx, "web", "user", "dev", apiv1.UpdatePermission{Role: "viewer"})
			return err
		}, "pull"},
		{"grant deleted", func() error { return ac.DeletePermission(ctx, "web", "user", "dev") }, ""},
		{"namespace made protected", func() error {
			_, err := ac.UpdateNamespace(ctx, "web", apiv1.UpdateNamespace{Visibility: ptr("protected")})
			return err
		}, "pull"},
		{"namespace made private again", func() error {
			_, err := ac.UpdateNamespace(ctx, "web", apiv1.UpdateNamespace{Visibility: ptr("private")})
			return err
		}, ""},
	}
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := b.granted(t, "dev", devPW, repo); got != s.want {
			t.Errorf("%s: granted %q, want %q", s.name, got, s.want)
		}
	}

	// Robots: a change of a robot's access applies to its next request.
	robot, err := ac.CreateRobot(ctx, apiv1.CreateRobot{Name: "ci", Access: []apiv1.RobotAccess{{Namespace: "web", Role: "contributor"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.granted(t, robot.Name, robot.Secret, repo); got != "pull,push" {
		t.Fatalf("robot before: granted %q", got)
	}
	if _, err := ac.UpdateRobot(ctx, "ci", apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{{Namespace: "web", Role: "viewer"}}}); err != nil {
		t.Fatal(err)
	}
	if got := b.granted(t, robot.Name, robot.Secret, repo); got != "pull" {
		t.Errorf("robot access lowered to viewer: granted %q", got)
	}
}

// TestAccessCacheFollowsAPIChanges: one replica (SQLite, no Redis).
func TestAccessCacheFollowsAPIChanges(t *testing.T) {
	r := startReplica(t, t.TempDir(), "")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	checkAccessChanges(t, r, r, pw)
}

// TestAccessCacheAcrossReplicas: two replicas share one SQLite file and
// one Redis; a change through A's API is announced, and B's very next token
// request reflects it (without the announcement B would serve its cached
// copy for up to a second).
func TestAccessCacheAcrossReplicas(t *testing.T) {
	a, b, pw, _ := startPair(t)
	checkAccessChanges(t, a, b, pw)
}

// TestAccessCacheIsUsed: a change behind the API's back (another replica's
// write) is not seen while the entry is fresh, and is seen once it expires —
// the cache really serves requests, and for no longer than its TTL.
func TestAccessCacheIsUsed(t *testing.T) {
	ctx := t.Context()
	r := startReplica(t, t.TempDir(), "")
	pw, err := app.BootstrapAdmin(ctx, r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	ac := r.admin(t, pw)
	const devPW = "dev-password-1"
	if _, err := ac.CreateUser(ctx, apiv1.CreateUser{Username: "dev", Password: devPW}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.CreateTeam(ctx, apiv1.CreateTeam{Name: "web", Owner: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "web", Team: "web"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.AddMember(ctx, "web", apiv1.AddMember{Username: "dev", Role: "contributor"}); err != nil {
		t.Fatal(err)
	}
	const repo = "web/app"

	// Fill the cache, then remove the membership straight in the database.
	// The next request, if it comes within the TTL, still sees the role; a
	// busy machine may take longer than the TTL, so try a few times.
	cached := false
	for attempt := 0; attempt < 5 && !cached; attempt++ {
		if attempt > 0 {
			if err := r.st.AddMember(ctx, store.Member{Team: "web", Username: "dev", Role: rbac.RoleContributor}); err != nil {
				t.Fatal(err)
			}
		}
		if got := r.granted(t, "dev", devPW, repo); got != "pull,push" {
			t.Fatalf("member: granted %q", got)
		}
		filled := time.Now()
		if err := r.st.RemoveMember(ctx, "web", "dev"); err != nil {
			t.Fatal(err)
		}
		got := r.granted(t, "dev", devPW, repo)
		switch {
		case got == "pull,push":
			cached = true
		case time.Since(filled) < tokenserver.DefaultAccessTTL:
			t.Fatalf("removed in the database %s after the cache was filled: granted %q at once — no cache in use?", time.Since(filled), got)
		}
	}
	if !cached {
		t.Fatal("the cached role was never served (each attempt outlasted the TTL)")
	}
	deadline := time.Now().Add(tokenserver.DefaultAccessTTL + 5*time.Second)
	for r.granted(t, "dev", devPW, repo) != "" {
		if time.Now().After(deadline) {
			t.Fatalf("a role removed in the database was still granted %s later", tokenserver.DefaultAccessTTL+5*time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
