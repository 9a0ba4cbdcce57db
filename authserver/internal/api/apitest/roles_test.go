package apitest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// route is one request of the route matrix.
type route struct{ method, path, body string }

// everyRoute lists one request per route of design.md's REST table, on the
// objects of world.
func everyRoute(w *world) []route {
	return []route{
		{"GET", "/api/v1/me", ""},
		{"GET", "/api/v1/users", ""},
		{"POST", "/api/v1/users", `{"username":"newbie","password":"newbie-Secret-1"}`},
		{"GET", "/api/v1/users/alice", ""},
		{"PATCH", "/api/v1/users/alice", `{"display_name":"x"}`},
		{"DELETE", "/api/v1/users/victor", ""},
		{"GET", "/api/v1/users/alice/tokens", ""},
		{"POST", "/api/v1/users/alice/tokens", `{"name":"x"}`},
		{"DELETE", "/api/v1/users/alice/tokens/" + w.alice.Token.ID, ""},
		{"GET", "/api/v1/teams", ""},
		{"POST", "/api/v1/teams", `{"name":"newteam"}`},
		{"GET", "/api/v1/teams/devs", ""},
		{"PATCH", "/api/v1/teams/devs", `{"description":"x"}`},
		{"DELETE", "/api/v1/teams/ops", ""},
		{"GET", "/api/v1/teams/devs/members", ""},
		{"POST", "/api/v1/teams/devs/members", `{"username":"oscar","role":"owner"}`},
		{"GET", "/api/v1/teams/devs/members/alice", ""},
		{"PATCH", "/api/v1/teams/devs/members/victor", `{"role":"owner"}`},
		{"DELETE", "/api/v1/teams/devs/members/victor", ""},
		{"GET", "/api/v1/namespaces", ""},
		{"POST", "/api/v1/namespaces", `{"name":"newns","team":"devs"}`},
		{"GET", "/api/v1/namespaces/" + w.devsPub, ""},
		{"PATCH", "/api/v1/namespaces/" + w.devsPub, `{"description":"x"}`},
		{"DELETE", "/api/v1/namespaces/" + w.devsPub, ""},
		{"GET", "/api/v1/namespaces/" + w.devsPub + "/permissions", ""},
		{"POST", "/api/v1/namespaces/" + w.devsPub + "/permissions", `{"kind":"user","name":"oscar","role":"owner"}`},
		{"GET", "/api/v1/namespaces/" + w.devsPriv + "/permissions/user/victor", ""},
		{"PATCH", "/api/v1/namespaces/" + w.devsPriv + "/permissions/user/victor", `{"role":"owner"}`},
		{"DELETE", "/api/v1/namespaces/" + w.devsPriv + "/permissions/user/victor", ""},
		{"GET", "/api/v1/robots", ""},
		{"POST", "/api/v1/robots", `{"name":"newbot","team":"devs","access":[]}`},
		{"GET", "/api/v1/robots/" + w.robot.Name, ""},
		{"PATCH", "/api/v1/robots/" + w.robot.Name, `{"enabled":false}`},
		{"DELETE", "/api/v1/robots/" + w.robot.Name, ""},
		{"POST", "/api/v1/robots/" + w.robot.Name + "/secret", ""},
		{"GET", "/api/v1/repositories", ""},
		{"GET", "/api/v1/repositories/" + w.devsPub + "/web", ""},
		{"PATCH", "/api/v1/repositories/" + w.devsPub + "/web", `{"description":"x"}`},
		{"DELETE", "/api/v1/repositories/" + w.devsPub + "/web", ""},
		{"GET", "/api/v1/repositories/" + w.devsPub + "/web/tags", ""},
		{"GET", "/api/v1/repositories/" + w.devsPub + "/web/tags/latest", ""},
		{"DELETE", "/api/v1/repositories/" + w.devsPub + "/web/tags/latest", ""},
		{"GET", "/api/v1/repositories/busybox", ""},
		{"GET", "/api/v1/settings", ""},
		{"PATCH", "/api/v1/settings", `{"team_creation":"admins"}`},
		{"GET", "/api/v1/audit", ""},
	}
}

// checkWorldIntact fails if a refused request changed the world.
func checkWorldIntact(t *testing.T, e *env, w *world) {
	t.Helper()
	ctx := context.Background()
	for _, n := range []string{"newbie"} {
		_, err := e.admin.GetUser(ctx, n)
		wantErr(t, err, 404, "")
	}
	_, err := e.admin.GetUser(ctx, "victor")
	ok(t, err)
	if u, _ := e.admin.GetUser(ctx, "alice"); u.DisplayName == "x" {
		t.Error("alice's profile changed")
	}
	if tm, _ := e.admin.GetTeam(ctx, "devs"); tm.Description != "developers" {
		t.Errorf("devs changed: %+v", tm)
	}
	for _, n := range []string{"newteam"} {
		_, err := e.admin.GetTeam(ctx, n)
		wantErr(t, err, 404, "")
	}
	_, err = e.admin.GetTeam(ctx, "ops")
	ok(t, err)
	m, err := e.admin.GetMember(ctx, "devs", "victor")
	ok(t, err)
	if m.Role != "viewer" {
		t.Errorf("victor's membership changed: %+v", m)
	}
	_, err = e.admin.GetMember(ctx, "devs", "oscar")
	wantErr(t, err, 404, "")
	_, err = e.admin.GetNamespace(ctx, "newns")
	wantErr(t, err, 404, "")
	if ns, err := e.admin.GetNamespace(ctx, w.devsPub); err != nil || ns.Description != "" {
		t.Errorf("%s changed: %+v %v", w.devsPub, ns, err)
	}
	_, err = e.admin.GetPermission(ctx, w.devsPub, "user", "oscar")
	wantErr(t, err, 404, "")
	if p, err := e.admin.GetPermission(ctx, w.devsPriv, "user", "victor"); err != nil || p.Role != "viewer" {
		t.Errorf("grant changed: %+v %v", p, err)
	}
	_, err = e.admin.GetRobot(ctx, "robot$newbot")
	wantErr(t, err, 404, "")
	if r, err := e.admin.GetRobot(ctx, w.robot.Name); err != nil || !r.Enabled {
		t.Errorf("robot changed: %+v %v", r, err)
	}
	if _, err := w.robotC.Me(ctx); err != nil {
		t.Errorf("robot secret changed: %v", err)
	}
	if r, err := e.admin.GetRepository(ctx, w.devsPub+"/web"); err != nil || r.Description != "" {
		t.Errorf("repository changed: %+v %v", r, err)
	}
	_, err = e.admin.GetTag(ctx, w.devsPub+"/web", "latest")
	ok(t, err)
	if s, _ := e.admin.GetSettings(ctx); s.TeamCreation != "everyone" {
		t.Errorf("settings changed: %+v", s)
	}
	if _, err := w.alice.C.Me(ctx); err != nil {
		t.Errorf("alice's token revoked: %v", err)
	}
}

func TestRoles(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)
		_, err := e.admin.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "victor", Role: "viewer"})
		ok(t, err)

		t.Run("anonymous", func(t *testing.T) {
			// No credentials: every route is 401 with a Basic challenge.
			for _, rt := range everyRoute(w) {
				r := e.raw(t, rt.method, rt.path, rt.body, nil)
				if r.Status != 401 {
					t.Errorf("anonymous %s %s: %d %s, want 401", rt.method, rt.path, r.Status, r.Body)
					continue
				}
				wantRaw(t, r, 401, "")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
					t.Errorf("anonymous %s %s: WWW-Authenticate = %q", rt.method, rt.path, r.Header.Get("WWW-Authenticate"))
				}
			}
			checkWorldIntact(t, e, w)
		})

		t.Run("bad credentials", func(t *testing.T) {
			for _, auth := range []struct {
				name string
				set  func(*http.Request)
			}{
				{"unknown bearer", bearer("dm_not_a_real_token_0123456789abcdef")},
				{"wrong password", basic("alice", "not-her-password")},
				{"unknown user", basic("nobody", "whatever-Secret-1")},
				{"robot with a wrong secret", basic(w.robot.Name, "not-the-secret-0123456789")},
				{"empty password", basic("alice", "")},
				{"malformed header", func(r *http.Request) { r.Header.Set("Authorization", "Token abc") }},
			} {
				for _, rt := range everyRoute(w)[:3] {
					r := e.raw(t, rt.method, rt.path, rt.body, auth.set)
					if r.Status != 401 {
						t.Errorf("%s %s %s: %d, want 401", auth.name, rt.method, rt.path, r.Status)
					}
				}
			}
		})

		t.Run("robot", func(t *testing.T) {
			// A robot is not a person: user, team, grant, robot, settings
			// and audit management are all refused.
			allowed := map[string]bool{"GET /api/v1/me": true, "GET /api/v1/repositories": true}
			for _, rt := range everyRoute(w) {
				r := e.raw(t, rt.method, rt.path, rt.body, bearer(w.robot.Secret))
				key := rt.method + " " + rt.path
				switch {
				case allowed[key]:
					if r.Status != 200 {
						t.Errorf("robot %s: %d %s, want 200", key, r.Status, r.Body)
					}
				case rt.method == "GET":
					// Reads outside its grants: refused or empty, never another's data.
					if r.Status == 200 && (strings.Contains(rt.path, "/users") || strings.Contains(rt.path, "/audit")) {
						t.Errorf("robot %s: 200 %.200s", key, r.Body)
					}
				default:
					if r.Status != 401 && r.Status != 403 && r.Status != 404 {
						t.Errorf("robot %s: %d %s, want a refusal", key, r.Status, r.Body)
					}
				}
			}
			checkWorldIntact(t, e, w)
		})

		t.Run("viewer and outsider", func(t *testing.T) {
			// Neither may change anything in the world.
			for _, u := range []*user{w.oscar, w.victor} {
				for _, rt := range everyRoute(w) {
					if rt.method == "GET" {
						continue
					}
					if u == w.victor && rt.method == "DELETE" && strings.HasSuffix(rt.path, "/members/victor") {
						continue // leaving a team oneself is not in question here
					}
					r := e.raw(t, rt.method, rt.path, rt.body, bearer(u.Token.Secret))
					if r.Status < 400 && rt.path != "/api/v1/teams" {
						t.Errorf("%s %s %s: %d, want a refusal", u.Name, rt.method, rt.path, r.Status)
					}
				}
				// Creating a team is allowed to everyone by default; undo it.
				if _, err := e.admin.GetTeam(ctx, "newteam"); err == nil {
					ok(t, e.admin.DeleteTeam(ctx, "newteam"))
				}
			}
			checkWorldIntact(t, e, w)
		})

		t.Run("contributor", func(t *testing.T) {
			c := bearer(w.carol.Token.Secret)
			// Contributors read private namespaces...
			wantRaw(t, e.raw(t, "GET", "/api/v1/repositories/"+w.devsPriv+"/app", "", c), 200, "")
			wantRaw(t, e.raw(t, "GET", "/api/v1/repositories/"+w.devsPriv+"/app/tags", "", c), 200, "")
			// ...but manage nothing.
			for _, rt := range []route{
				{"PATCH", "/api/v1/teams/devs", `{"description":"x"}`},
				{"POST", "/api/v1/teams/devs/members", `{"username":"oscar","role":"viewer"}`},
				{"PATCH", "/api/v1/namespaces/" + w.devsPriv, `{"visibility":"public"}`},
				{"POST", "/api/v1/namespaces", `{"name":"carolns","team":"devs"}`},
				{"POST", "/api/v1/robots", `{"name":"carolbot","team":"devs","access":[]}`},
				{"PATCH", "/api/v1/robots/" + w.robot.Name, `{"enabled":false}`},
				{"DELETE", "/api/v1/repositories/" + w.devsPriv + "/app/tags/v1", ""},
			} {
				r := e.raw(t, rt.method, rt.path, rt.body, c)
				if r.Status != 403 && !(strings.Contains(rt.path, "/robots/") && r.Status == 404) {
					t.Errorf("carol %s %s: %d %s, want 403", rt.method, rt.path, r.Status, r.Body)
				}
			}
			checkWorldIntact(t, e, w)
		})

		t.Run("application token as basic password", func(t *testing.T) {
			// An application token acts as its user, with the same rights.
			c := e.client(t, client.WithBasic("alice", w.alice.Token.Secret))
			_, err := c.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("developers")})
			ok(t, err)
			_, err = c.ListAudit(ctx, client.AuditQuery{})
			wantErr(t, err, 403, "")
			_, err = c.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")
		})
	})
}
