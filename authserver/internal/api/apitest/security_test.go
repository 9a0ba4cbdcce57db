package apitest

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// TestSecurity proves items 24–33 of docs/security.md (REST API and UI).
func TestSecurity(t *testing.T) {
	t.Run("24_mass_assignment", func(t *testing.T) { forEachStore(t, testMassAssignment) })
	t.Run("25_cross_team_objects", func(t *testing.T) { forEachStore(t, testCrossTeam) })
	t.Run("26_robot_foreign_namespace", func(t *testing.T) { forEachStore(t, testRobotForeignNamespace) })
	t.Run("27_paging_injection", func(t *testing.T) { forEachStore(t, testPagingInjection) })
	t.Run("28_cookie_is_not_authentication", func(t *testing.T) { forEachStore(t, testCookieOnly) })
	t.Run("29_name_grammar", func(t *testing.T) { forEachStore(t, testNameGrammar) })
	t.Run("30_reserved_names", func(t *testing.T) { forEachStore(t, testReservedNames) })
	t.Run("40_admins_team_protected", func(t *testing.T) { forEachStore(t, testAdminsTeamProtected) })
	t.Run("31_last_admin_and_owner", func(t *testing.T) { forEachStore(t, testLastAdminAndOwner) })
	t.Run("32_first_start", func(t *testing.T) {
		for _, k := range kinds {
			t.Run(k, func(t *testing.T) { testFirstStart(t, k) })
		}
	})
	t.Run("33_body_limits", func(t *testing.T) { forEachStore(t, testBodyLimits) })
}

func testMassAssignment(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	oscar := bearer(w.oscar.Token.Secret)

	// Privileged or unknown fields in a user's own PATCH: 400, never applied.
	for _, tc := range []struct{ body, field string }{
		{`{"admin":true}`, "admin"},
		{`{"enabled":false}`, "enabled"},
		{`{"display_name":"Oscar","admin":true}`, "admin"},
		{`{"is_admin":true}`, ""},
		{`{"role":"owner"}`, ""},
		{`{"bot":true}`, ""},
		{`{"username":"root"}`, ""},
		{`{"password_hash":"$2a$10$abc"}`, ""},
		// encoding/json matches keys case-insensitively: these must not
		// slip past a check that only looks for "admin".
		{`{"Admin":true}`, ""},
		{`{"ADMIN":true}`, ""},
		{`{"Enabled":false}`, ""},
	} {
		r := e.raw(t, "PATCH", "/api/v1/users/oscar", tc.body, oscar)
		if r.Status != 400 {
			t.Errorf("PATCH self %s: %d %s, want 400", tc.body, r.Status, r.Body)
			continue
		}
		wantRaw(t, r, 400, tc.field)
	}
	u, err := e.admin.GetUser(ctx, "oscar")
	ok(t, err)
	if u.Admin || !u.Enabled || u.Bot || u.DisplayName != "Oscar" {
		t.Fatalf("oscar after refused PATCHes: %+v", u)
	}
	if me, _ := w.oscar.C.Me(ctx); me.Admin {
		t.Fatal("oscar became admin")
	}

	// Extra fields in other self-service bodies.
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/v1/teams", `{"name":"massteam","role":"admin"}`},
		{"POST", "/api/v1/teams", `{"name":"massteam","members":[{"username":"oscar","role":"owner"}]}`},
		{"POST", "/api/v1/users/oscar/tokens", `{"name":"mass","username":"admin"}`},
		{"POST", "/api/v1/users/oscar/tokens", `{"name":"mass","admin":true}`},
		{"PATCH", "/api/v1/teams/devs", `{"description":"x","name":"renamed"}`},
	} {
		wantRaw(t, e.raw(t, tc.method, tc.path, tc.body, oscar), 400, "")
	}
	_, err = e.admin.GetTeam(ctx, "massteam")
	wantErr(t, err, 404, "")
	toks, err := e.admin.ListTokens(ctx, "oscar", client.ListOptions{})
	ok(t, err)
	if contains(toks.Items, tokenName, "mass") {
		t.Error("token made from a body with extra fields")
	}
	toks, err = e.admin.ListTokens(ctx, adminName, client.ListOptions{})
	ok(t, err)
	if contains(toks.Items, tokenName, "mass") {
		t.Error("oscar made a token for admin")
	}

	alice := bearer(w.alice.Token.Secret)
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/v1/namespaces", `{"name":"massns","team":"devs","owner":"bob"}`},
		{"POST", "/api/v1/namespaces", `{"name":"massns","team":"devs","kind":"personal"}`},
		{"PATCH", "/api/v1/robots/" + w.robot.Name, `{"team":"ops"}`},
		{"PATCH", "/api/v1/robots/" + w.robot.Name, `{"secret":"chosen-by-me"}`},
		{"PATCH", "/api/v1/namespaces/" + w.devsPriv, `{"owner":"alice"}`},
		{"POST", "/api/v1/teams/devs/members", `{"username":"oscar","role":"viewer","admin":true}`},
	} {
		wantRaw(t, e.raw(t, tc.method, tc.path, tc.body, alice), 400, "")
	}
	_, err = e.admin.GetNamespace(ctx, "massns")
	wantErr(t, err, 404, "")
	rb, err := e.admin.GetRobot(ctx, w.robot.Name)
	ok(t, err)
	if rb.Team != "devs" {
		t.Errorf("robot moved: %+v", rb)
	}
	_, err = e.client(t, client.WithToken("chosen-by-me")).Me(ctx)
	wantErr(t, err, 401, "")
	_, err = e.admin.GetMember(ctx, "devs", "oscar")
	wantErr(t, err, 404, "")
}

func testCrossTeam(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	opsRobot, _ := e.newRobot(t, w.bob.C, apiv1.CreateRobot{Name: "ops-ci", Team: "ops",
		Access: []apiv1.RobotAccess{{Namespace: w.opsPriv, Role: "contributor"}}})
	_, err := w.bob.C.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "user", Name: "victor", Role: "viewer"})
	ok(t, err)
	a := w.alice.C

	// Members of B.
	_, err = a.AddMember(ctx, "ops", apiv1.AddMember{Username: "alice", Role: "owner"})
	wantErr(t, err, 404, "")
	_, err = a.UpdateMember(ctx, "ops", "bob", apiv1.UpdateMember{Role: "viewer"})
	wantErr(t, err, 404, "")
	wantErr(t, a.RemoveMember(ctx, "ops", "bob"), 404, "")
	// Robots of B.
	_, err = a.GetRobot(ctx, opsRobot.Name)
	wantErr(t, err, 404, "")
	_, err = a.UpdateRobot(ctx, opsRobot.Name, apiv1.UpdateRobot{Enabled: ptr(false)})
	wantErr(t, err, 404, "")
	_, err = a.RotateRobotSecret(ctx, opsRobot.Name)
	wantErr(t, err, 404, "")
	wantErr(t, a.DeleteRobot(ctx, opsRobot.Name), 404, "")
	// Grants on B's namespace.
	_, err = a.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "team", Name: "devs", Role: "owner"})
	wantErr(t, err, 404, "")
	_, err = a.GetPermission(ctx, w.opsPriv, "user", "victor")
	wantErr(t, err, 404, "")
	_, err = a.UpdatePermission(ctx, w.opsPriv, "user", "victor", apiv1.UpdatePermission{Role: "owner"})
	wantErr(t, err, 404, "")
	wantErr(t, a.DeletePermission(ctx, w.opsPriv, "user", "victor"), 404, "")
	_, err = a.ListPermissions(ctx, w.opsPriv, client.ListOptions{})
	wantErr(t, err, 404, "")
	// B's namespace itself.
	_, err = a.UpdateNamespace(ctx, w.opsPriv, apiv1.UpdateNamespace{Visibility: ptr("public")})
	wantErr(t, err, 404, "")
	wantErr(t, a.DeleteNamespace(ctx, w.opsPriv), 404, "")
	// A missing object of B answers the same as an existing one.
	_, errMissing := a.GetRobot(ctx, "robot$ops-nothing")
	if errStatus(errMissing) != 404 {
		t.Errorf("missing robot: %v", errMissing)
	}

	// B unchanged.
	mem := collect(t, 0, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
		return e.admin.ListMembers(ctx, "ops", o)
	})
	if len(mem) != 1 || mem[0].Username != "bob" || mem[0].Role != "owner" {
		t.Errorf("ops members = %+v", mem)
	}
	rb, err := e.admin.GetRobot(ctx, opsRobot.Name)
	ok(t, err)
	if !rb.Enabled || len(rb.Access) != 1 {
		t.Errorf("ops robot = %+v", rb)
	}
	p, err := e.admin.GetPermission(ctx, w.opsPriv, "user", "victor")
	ok(t, err)
	if p.Role != "viewer" {
		t.Errorf("ops grant = %+v", p)
	}
	_, err = e.admin.GetPermission(ctx, w.opsPriv, "team", "devs")
	wantErr(t, err, 404, "")
	ns, err := e.admin.GetNamespace(ctx, w.opsPriv)
	ok(t, err)
	if ns.Visibility != "private" {
		t.Errorf("ops namespace = %+v", ns)
	}
	// And the refusals are audited.
	ev, err := e.admin.ListAudit(ctx, client.AuditQuery{Actor: "alice", PageSize: 100})
	ok(t, err)
	denied := 0
	for _, x := range ev.Items {
		if x.Outcome == "denied" {
			denied++
		}
	}
	if denied == 0 {
		t.Error("no denied audit events for alice's attempts on ops")
	}
}

func testRobotForeignNamespace(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	_, err := w.bob.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "ops-pub", Team: "ops", Visibility: "public"})
	ok(t, err)
	for name, access := range map[string][]apiv1.RobotAccess{
		"spy1": {{Namespace: w.opsPriv, Role: "viewer"}},
		"spy2": {{Namespace: w.devsPriv, Role: "viewer"}, {Namespace: w.opsPriv, Role: "contributor"}},
		"spy3": {{Namespace: "ops-pub", Role: "viewer"}}, // visible, still not hers
		"spy4": {{Namespace: "alice", Role: "viewer"}},   // her personal namespace is not the team's
		"spy5": {{Namespace: "bob", Role: "owner"}},      // someone's personal namespace
		"spy6": {{Namespace: "busybox", Role: "viewer"}}, // not a namespace of hers
		"spy7": {{Namespace: w.devsPriv, Role: "owner"}, {Namespace: "ops-pub", Role: "owner"}},
	} {
		_, err := w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: name, Team: "devs", Access: access})
		if s := errStatus(err); s != 403 && !(name == "spy6" && (s == 400 || s == 404)) {
			t.Errorf("robot %s with %+v: %v, want 403", name, access, err)
		}
		_, err = e.admin.GetRobot(ctx, "robot$"+name)
		wantErr(t, err, 404, "")
	}
	// Widening an existing robot: 403, unchanged.
	_, err = w.alice.C.UpdateRobot(ctx, w.robot.Name, apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{
		{Namespace: w.devsPriv, Role: "contributor"}, {Namespace: "ops-pub", Role: "viewer"}}})
	wantErr(t, err, 403, "")
	rb, err := e.admin.GetRobot(ctx, w.robot.Name)
	ok(t, err)
	if len(rb.Access) != 1 || rb.Access[0].Namespace != w.devsPriv {
		t.Errorf("robot access changed: %+v", rb.Access)
	}
	// A robot of team B made by an owner of A.
	_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "spy8", Team: "ops", Access: []apiv1.RobotAccess{}})
	wantErr(t, err, 403, "")
	_, err = e.admin.GetRobot(ctx, "robot$spy8")
	wantErr(t, err, 404, "")
	// A grant of kind robot by B's owner to A's robot is B's business, but
	// A's owner may not grant her robot rights on B through permissions.
	// (Grants are visible to the namespace's owners only, so 404 is as good as 403.)
	_, err = w.alice.C.CreatePermission(ctx, "ops-pub", apiv1.CreatePermission{Kind: "robot", Name: w.robot.Name, Role: "contributor"})
	wantOneOf(t, err, 403, 404)
	_, err = e.admin.GetPermission(ctx, "ops-pub", "robot", w.robot.Name)
	wantErr(t, err, 404, "")
}

func testPagingInjection(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	tok := bearer(w.oscar.Token.Secret)
	before := collect(t, 200, e.admin.ListUsers)

	for _, size := range []string{"-1", "0", "abc", "1;DROP TABLE users", "1 OR 1=1", "99999999999999999999999", "1.5", "0x10", ""} {
		r := e.raw(t, "GET", "/api/v1/teams?page_size="+url.QueryEscape(size), "", tok)
		wantRaw(t, r, 400, "page_size")
	}
	// Huge sizes: 400 or clamped to 200.
	for _, size := range []string{"201", "1000000"} {
		r := e.raw(t, "GET", "/api/v1/teams?page_size="+size, "", tok)
		if r.Status != 200 && r.Status != 400 {
			t.Errorf("page_size=%s: %d", size, r.Status)
		}
	}
	for _, pt := range []string{"' OR '1'='1", "\x00", "!!!", strings.Repeat("A", 5000)} {
		r := e.raw(t, "GET", "/api/v1/teams?page_token="+url.QueryEscape(pt), "", tok)
		if r.Status != 400 {
			t.Errorf("page_token=%.40s: %d %s, want 400", pt, r.Status, r.Body)
		}
	}
	// A well-formed token whose cursor holds SQL is just a cursor.
	forged := base64.RawURLEncoding.EncodeToString([]byte("a' OR 1=1 --"))
	r := e.raw(t, "GET", "/api/v1/teams?page_token="+forged, "", tok)
	if r.Status != 200 && r.Status != 400 {
		t.Errorf("forged page token: %d %s", r.Status, r.Body)
	}

	// q is a plain substring, never SQL nor a LIKE pattern.
	for _, q := range []string{"' OR 1=1 --", "%", "_", "%25", "\\", "devs' --", "*"} {
		for _, list := range []struct {
			name string
			n    func() (int, error)
		}{
			{"teams", func() (int, error) {
				p, err := w.oscar.C.ListTeams(ctx, client.ListOptions{Query: q})
				return len(p.Items), err
			}},
			{"users", func() (int, error) {
				p, err := e.admin.ListUsers(ctx, client.ListOptions{Query: q})
				return len(p.Items), err
			}},
			{"namespaces", func() (int, error) {
				p, err := w.oscar.C.ListNamespaces(ctx, client.ListOptions{Query: q})
				return len(p.Items), err
			}},
			{"repositories", func() (int, error) {
				p, err := w.oscar.C.ListRepositories(ctx, "", client.ListOptions{Query: q})
				return len(p.Items), err
			}},
			{"robots", func() (int, error) {
				p, err := e.admin.ListRobots(ctx, client.ListOptions{Query: q})
				return len(p.Items), err
			}},
		} {
			n, err := list.n()
			if err != nil {
				if errStatus(err) != 400 {
					t.Errorf("%s q=%q: %v", list.name, q, err)
				}
				continue
			}
			if n != 0 {
				t.Errorf("%s q=%q matched %d items; no name contains it", list.name, q, n)
			}
		}
	}
	// Unknown sort/order parameters do nothing harmful.
	r = e.raw(t, "GET", "/api/v1/users?sort="+url.QueryEscape("name;DROP TABLE users")+"&order="+url.QueryEscape("desc,(select 1)"), "", bearer(e.adminSecretToken(t)))
	if r.Status >= 500 {
		t.Errorf("sort injection: %d", r.Status)
	}
	// Audit filters are parameters too.
	adm, err := e.adminBasic.CreateToken(ctx, adminName, apiv1.CreateToken{Name: "inj"})
	ok(t, err)
	for _, qs := range []string{"actor=%27%20OR%201=1%20--", "object=%25", "action=_"} {
		r := e.raw(t, "GET", "/api/v1/audit?"+qs, "", bearer(adm.Secret))
		wantRaw(t, r, 200, "")
		if !strings.Contains(r.Body, `"items":[]`) {
			t.Errorf("audit %s matched events: %.300s", qs, r.Body)
		}
	}
	r = e.raw(t, "GET", "/api/v1/audit?page_size=-3", "", bearer(adm.Secret))
	wantRaw(t, r, 400, "page_size")
	r = e.raw(t, "GET", "/api/v1/audit?page_token="+url.QueryEscape("zz'--"), "", bearer(adm.Secret))
	wantRaw(t, r, 400, "page_token")

	after := collect(t, 200, e.admin.ListUsers)
	if len(after) != len(before) {
		t.Errorf("users %d before, %d after", len(before), len(after))
	}
}

func testCookieOnly(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	secret := w.alice.Token.Secret
	// Cookies, even ones holding a valid secret, are not API credentials.
	cookies := []string{
		"session=" + secret,
		"dockmaster_session=" + secret,
		"dm_session=" + secret + "; csrf_token=abc",
		"token=" + secret,
		"Authorization=Bearer%20" + secret,
	}
	for _, c := range cookies {
		r := e.raw(t, "GET", "/api/v1/me", "", nil, "Cookie", c)
		wantRaw(t, r, 401, "")
		r = e.raw(t, "POST", "/api/v1/teams", `{"name":"csrfteam"}`, nil,
			"Cookie", c, "Origin", "http://evil.example", "X-CSRF-Token", "abc")
		if r.Status != 401 && r.Status != 403 {
			t.Errorf("cookie-only POST with %q: %d %s", c, r.Status, r.Body)
		}
		r = e.raw(t, "DELETE", "/api/v1/users/victor", "", nil, "Cookie", c)
		if r.Status != 401 && r.Status != 403 {
			t.Errorf("cookie-only DELETE with %q: %d", c, r.Status)
		}
	}
	_, err := e.admin.GetTeam(ctx, "csrfteam")
	wantErr(t, err, 404, "")
	_, err = e.admin.GetUser(ctx, "victor")
	ok(t, err)
	// Identity never comes from headers a client chooses.
	for _, h := range [][]string{
		{"X-Forwarded-User", "admin"}, {"X-Remote-User", "admin"}, {"X-User", "admin"},
		{"X-Forwarded-For", "127.0.0.1"}, {"X-Real-Ip", "127.0.0.1"},
	} {
		r := e.raw(t, "GET", "/api/v1/me", "", nil, h...)
		wantRaw(t, r, 401, "")
		r = e.raw(t, "GET", "/api/v1/audit", "", bearer(w.oscar.Token.Secret), h...)
		wantRaw(t, r, 403, "")
	}
	// Nor does the audited source address, without a trusted proxy.
	r := e.raw(t, "PATCH", "/api/v1/teams/devs", `{"description":"via proxy?"}`, bearer(secret),
		"X-Forwarded-For", "203.0.113.9", "X-Real-Ip", "203.0.113.9", "Forwarded", "for=203.0.113.9")
	wantRaw(t, r, 200, "")
	ev, err := e.admin.ListAudit(ctx, client.AuditQuery{Actor: "alice", PageSize: 5})
	ok(t, err)
	if len(ev.Items) == 0 {
		t.Fatal("no audit event for the PATCH")
	}
	if src := ev.Items[0].Source; strings.Contains(src, "203.0.113.9") || src == "" {
		t.Errorf("audit source %q comes from a client header (or is empty)", src)
	}
}

var badNames = []string{"Upper", "a b", "-lead", "trail-", "a/b", "a..b", "dot.", "ü", "a$b", "a%2Fb", "x\x00y",
	strings.Repeat("a", 65)}

func testNameGrammar(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	for _, n := range append(badNames, "") {
		_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: n, Password: "pw-Secret-123"})
		if errStatus(err) != 400 {
			t.Errorf("user %q: %v, want 400", n, err)
		} else {
			wantErr(t, err, 400, "username")
		}
		_, err = w.alice.C.CreateTeam(ctx, apiv1.CreateTeam{Name: n})
		if errStatus(err) != 400 {
			t.Errorf("team %q: %v, want 400", n, err)
		} else {
			wantErr(t, err, 400, "name")
		}
		_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: n, Team: "devs"})
		if errStatus(err) != 400 {
			t.Errorf("namespace %q: %v, want 400", n, err)
		} else {
			wantErr(t, err, 400, "name")
		}
		_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: n, Team: "devs", Access: []apiv1.RobotAccess{}})
		if errStatus(err) != 400 {
			t.Errorf("robot %q: %v, want 400", n, err)
		} else {
			wantErr(t, err, 400, "name")
		}
	}
	// Valid names at the edges of the grammar are accepted.
	for _, n := range []string{"a", "a.b", "a_b", "a__b", "a---b", "0x", strings.Repeat("b", 64)} {
		_, err := w.alice.C.CreateTeam(ctx, apiv1.CreateTeam{Name: n})
		ok(t, err)
	}
	// Bad names in paths and list filters: 400 or 404, never 500.
	for _, p := range []string{"/api/v1/teams/Upper", "/api/v1/teams/a%20b", "/api/v1/namespaces/..%2F..", "/api/v1/users/a%00b",
		"/api/v1/repositories/devs-priv/App", "/api/v1/repositories/a//b", "/api/v1/repositories?namespace=Bad%20NS"} {
		r := e.raw(t, "GET", p, "", bearer(w.alice.Token.Secret))
		if r.Status != 400 && r.Status != 404 {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	// Free text is stored and returned verbatim, as JSON: escaping is the
	// UI's job, and the API never answers HTML.
	xss := `<script>alert("x")</script>&amp;`
	tm, err := w.alice.C.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr(xss)})
	ok(t, err)
	if tm.Description != xss {
		t.Errorf("description = %q", tm.Description)
	}
	r := e.raw(t, "GET", "/api/v1/teams/devs", "", bearer(w.alice.Token.Secret))
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	if strings.Contains(r.Body, "<script>") {
		t.Errorf("raw <script> in a JSON body (encoding/json escapes it): %s", r.Body)
	}
}

func testReservedNames(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	// dockmaster-sync is the server's own registry identity, admins the
	// team that owns auto-created namespaces (issue 8.4, 8.5).
	for _, n := range []string{"admin", "administrator", "root", "v2", "api", "metrics", "robot", "_catalog", "robot$x", "global", "me",
		"dockmaster-sync", "admins"} {
		_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: n, Password: "pw-Secret-123"})
		wantErr(t, err, 400, "username")
		_, err = e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: n, Owner: "alice"})
		wantErr(t, err, 400, "name")
		_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: n, Team: "devs"})
		wantErr(t, err, 400, "name")
	}
	for _, n := range []string{"api", "v2", "admin", "robot$", "robot$robot$x", "dockmaster-sync", "admins"} {
		_, err := e.admin.CreateRobot(ctx, apiv1.CreateRobot{Name: n, Access: []apiv1.RobotAccess{}})
		wantErr(t, err, 400, "name")
	}
	for _, n := range []string{"administrator", "root", "v2", "api", "metrics"} {
		_, err := e.admin.GetUser(ctx, n)
		wantErr(t, err, 404, "")
		_, err = e.admin.GetTeam(ctx, n)
		wantErr(t, err, 404, "")
	}
	// Renaming is not a way around it: names are immutable (no name field in PATCH).
	_, err := e.admin.GetTeam(ctx, "devs")
	ok(t, err)
	wantRaw(t, e.raw(t, "PATCH", "/api/v1/teams/devs", `{"name":"v2"}`, bearer(w.alice.Token.Secret)), 400, "")
}

// testAdminsTeamProtected (issue 8.5): the team that owns the namespaces
// registry pushes create cannot be deleted, so its name can never be taken
// by someone else's new team.
func testAdminsTeamProtected(t *testing.T, e *env) {
	ctx := context.Background()
	ok(t, e.st.CreateTeam(ctx, store.Team{Name: rbac.AdminsTeam, Protected: true}, adminName))
	err := e.admin.DeleteTeam(ctx, rbac.AdminsTeam)
	if errStatus(err) != 409 {
		t.Fatalf("deleting the %s team: %v, want 409", rbac.AdminsTeam, err)
	}
	_, err = e.admin.GetTeam(ctx, rbac.AdminsTeam)
	ok(t, err)
}

func testLastAdminAndOwner(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	check := func(what string, err error, word string) {
		t.Helper()
		var ae *apiv1.Error
		if errStatus(err) != 409 || !errors.As(err, &ae) {
			t.Errorf("%s: %v, want 409", what, err)
			return
		}
		if ae.Code != "conflict" || !strings.Contains(strings.ToLower(ae.Message), word) {
			t.Errorf("%s: %#v, want code conflict and a message naming the %s", what, ae, word)
		}
	}
	check("delete last admin", e.admin.DeleteUser(ctx, adminName), "admin")
	_, err := e.admin.UpdateUser(ctx, adminName, apiv1.UpdateUser{Admin: ptr(false)})
	check("demote last admin", err, "admin")
	_, err = e.admin.UpdateUser(ctx, adminName, apiv1.UpdateUser{Enabled: ptr(false)})
	check("disable last admin", err, "admin")
	check("remove last owner", w.alice.C.RemoveMember(ctx, "devs", "alice"), "owner")
	_, err = w.alice.C.UpdateMember(ctx, "devs", "alice", apiv1.UpdateMember{Role: "contributor"})
	check("demote last owner", err, "owner")
	check("admin removes last owner", e.admin.RemoveMember(ctx, "devs", "alice"), "owner")
	check("delete the last owner's user", e.admin.DeleteUser(ctx, "bob"), "owner")

	me, err := e.admin.Me(ctx)
	ok(t, err)
	if !me.Admin {
		t.Fatal("admin lost admin rights")
	}
	m, err := e.admin.GetMember(ctx, "devs", "alice")
	ok(t, err)
	if m.Role != "owner" {
		t.Fatalf("alice = %+v", m)
	}
	_, err = e.admin.GetUser(ctx, "bob")
	ok(t, err)
}

func testFirstStart(t *testing.T, kind string) {
	ctx := context.Background()
	e := start(t, kind, withoutBootstrap())

	// No default password, no default user.
	for _, pw := range []string{"admin", "password", "dockmaster", "changeme", "admin123"} {
		for _, u := range []string{"admin", "root", "dockmaster"} {
			r := e.raw(t, "GET", "/api/v1/me", "", basic(u, pw))
			wantRaw(t, r, 401, "")
		}
	}
	r := e.raw(t, "GET", "/api/v1/users", "", basic("admin", "admin"))
	wantRaw(t, r, 401, "")
	r = e.raw(t, "POST", "/api/v1/users", `{"username":"first","password":"first-Secret-1","admin":true}`, nil)
	wantRaw(t, r, 401, "")
	if n, err := e.st.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("users on a fresh database: %d, %v", n, err)
	}

	// Bootstrap makes the admin with a generated secret, once.
	secret, err := service.BootstrapAdmin(ctx, e.st, adminName, "", 10)
	ok(t, err)
	if len(secret) < 16 || secret == "admin" {
		t.Fatalf("generated secret %q is too weak", secret)
	}
	me, err := e.client(t, client.WithBasic(adminName, secret)).Me(ctx)
	ok(t, err)
	if !me.Admin {
		t.Fatalf("bootstrapped user is not an admin: %+v", me)
	}
	wantRaw(t, e.raw(t, "GET", "/api/v1/me", "", basic("admin", "admin")), 401, "")

	for _, again := range []struct{ user, pw string }{{adminName, ""}, {adminName, "another-Secret-1"}, {"chief", ""}} {
		s2, err := service.BootstrapAdmin(ctx, e.st, again.user, again.pw, 10)
		if err == nil {
			t.Errorf("second bootstrap (%s) succeeded with secret %q", again.user, s2)
		}
	}
	if n, err := e.st.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("users after repeated bootstraps: %d, %v", n, err)
	}
	_, err = e.client(t, client.WithBasic(adminName, secret)).Me(ctx)
	ok(t, err)
	wantRaw(t, e.raw(t, "GET", "/api/v1/me", "", basic(adminName, "another-Secret-1")), 401, "")

	// A given password is used as is.
	e2 := start(t, kind, withoutBootstrap())
	_, err = service.BootstrapAdmin(ctx, e2.st, "chief", "given-Secret-123", 10)
	ok(t, err)
	me, err = e2.client(t, client.WithBasic("chief", "given-Secret-123")).Me(ctx)
	ok(t, err)
	if !me.Admin || me.Name != "chief" {
		t.Errorf("bootstrapped with a given password: %+v", me)
	}
}

func testBodyLimits(t *testing.T, e *env) {
	ctx := context.Background()
	w := e.world(t)
	alice := bearer(w.alice.Token.Secret)
	admin := bearer(e.adminSecretToken(t))

	// Oversized bodies: 413 too_large, nothing stored.
	huge := `{"name":"bigteam","description":"` + bigString(maxBody+1024) + `"}`
	wantRaw(t, e.raw(t, "POST", "/api/v1/teams", huge, alice), 413, "")
	_, err := e.admin.GetTeam(ctx, "bigteam")
	wantErr(t, err, 404, "")
	wantRaw(t, e.raw(t, "PATCH", "/api/v1/settings", `{"push_policy":"`+bigString(maxBody*2)+`"}`, admin), 413, "")

	for _, tc := range []struct{ name, body, field string }{
		{"unknown field", `{"name":"t1","colour":"red"}`, ""},
		{"duplicate key", `{"name":"t2","name":"t3"}`, ""},
		{"duplicate key, other case", `{"name":"t4","Name":"t5"}`, ""},
		{"duplicate second key", `{"name":"t6","description":"a","description":"b"}`, ""},
		{"trailing data", `{"name":"t7"}{"name":"t8"}`, ""},
		{"trailing garbage", `{"name":"t9"} xyz`, ""},
		{"not JSON", `name=t10`, ""},
		{"array", `[{"name":"t11"}]`, ""},
		{"null", `null`, ""},
		{"wrong type", `{"name":12}`, ""},
		{"empty", ``, ""},
	} {
		r := e.raw(t, "POST", "/api/v1/teams", tc.body, alice)
		if r.Status != 400 {
			t.Errorf("%s: %d %s, want 400", tc.name, r.Status, r.Body)
			continue
		}
		wantRaw(t, r, 400, tc.field)
	}
	for _, n := range []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11"} {
		if _, err := e.admin.GetTeam(ctx, n); errStatus(err) != 404 {
			t.Errorf("team %s exists after a refused body: %v", n, err)
		}
	}
	// Duplicates inside arrays of objects.
	wantRaw(t, e.raw(t, "POST", "/api/v1/robots",
		`{"name":"dupbot","team":"devs","access":[{"namespace":"`+w.devsPriv+`","namespace":"`+w.opsPriv+`","role":"viewer"}]}`, alice), 400, "")
	_, err = e.admin.GetRobot(ctx, "robot$dupbot")
	wantErr(t, err, 404, "")
	// Duplicate admin key in a self PATCH: refused, not "last one wins".
	wantRaw(t, e.raw(t, "PATCH", "/api/v1/users/oscar", `{"display_name":"a","display_name":"b"}`, bearer(w.oscar.Token.Secret)), 400, "")
	// Unknown fields in PATCH bodies too.
	wantRaw(t, e.raw(t, "PATCH", "/api/v1/settings", `{"push_policy":"allow-teams","debug":true}`, admin), 400, "")
	// Error bodies are JSON with code and message.
	r := e.raw(t, "POST", "/api/v1/teams", `{"name":`, alice)
	wantRaw(t, r, 400, "")
	if !strings.Contains(r.Body, `"message":`) {
		t.Errorf("error body without message: %s", r.Body)
	}
}

// adminSecretToken makes a fresh application token for the admin and
// returns its secret, for raw requests.
func (e *env) adminSecretToken(t testing.TB) string {
	t.Helper()
	tok, err := e.adminBasic.CreateToken(context.Background(), adminName, apiv1.CreateToken{Name: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Secret
}
