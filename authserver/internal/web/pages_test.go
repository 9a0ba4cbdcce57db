package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

const (
	secretDigest = "sha256:5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2"
	publicDigest = "sha256:0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b11c0b1"
)

// fixture: a public namespace (pub, team web) and a private one (hidden,
// team sec) whose names, tags and digests only sec's members may see.
func fixture(h *harness) {
	h.user("alice", false) // member of sec
	h.user("bob", false)   // member of nothing
	h.team("sec", "alice", nil)
	h.team("web", "admin", nil)
	h.namespace("hidden", "sec", rbac.Private)
	h.namespace("pub", "web", rbac.Public)
	h.tag("hidden/topsecret-app", "v9-classified", secretDigest)
	h.tag("pub/app", "1.0", publicDigest)
}

func TestSearchVisibility(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		fixture(h)
		private := []string{"topsecret", "v9-classified", secretDigest[7:19], "hidden/", ">hidden<"}
		anon := h.browser()
		for _, path := range []string{"/", "/search?q=app", "/search?q=hid", "/search?q=a&page=1"} {
			p := anon.get(path)
			want(t, "anonymous "+path, p, http.StatusOK)
			lacks(t, "anonymous "+path, p, private...)
		}
		p0 := anon.get("/search?q=topsecret")
		want(t, "anonymous search for a private name", p0, http.StatusOK, "(0)")
		lacks(t, "anonymous search for a private name", p0, "hidden/", "v9-classified", secretDigest[7:19])
		want(t, "anonymous count", anon.get("/search?q=app"), http.StatusOK, "pub/app", "(1)",
			"docker pull registry.test:5000/pub/app")
		want(t, "anonymous: hidden repository", anon.get("/ui/repositories/hidden/topsecret-app"), http.StatusNotFound)
		lacks(t, "404 page", anon.get("/ui/repositories/hidden/topsecret-app"), "v9-classified", secretDigest[7:19])
		want(t, "anonymous: hidden namespace", anon.get("/ui/namespaces/hidden"), http.StatusNotFound)

		bob := h.browser()
		bob.mustLogin("bob", "pw-bob-secret")
		p := bob.get("/search?q=app")
		want(t, "bob search", p, http.StatusOK, "pub/app", "(1)")
		lacks(t, "bob search", p, private...)
		want(t, "bob: hidden repository", bob.get("/ui/repositories/hidden/topsecret-app"), http.StatusNotFound)
		lacks(t, "bob: own namespace page", bob.get("/ui/namespaces/bob"), private...)

		alice := h.browser()
		alice.mustLogin("alice", "pw-alice-secret")
		want(t, "alice search", alice.get("/search?q=app"), http.StatusOK, "hidden/topsecret-app", "pub/app", "(2)")
		want(t, "alice repository", alice.get("/ui/repositories/hidden/topsecret-app"), http.StatusOK,
			"v9-classified", "docker pull registry.test:5000/hidden/topsecret-app:v9-classified",
			"docker pull registry.test:5000/hidden/topsecret-app@"+secretDigest, "image", "1.2 KiB")
		want(t, "alice namespace", alice.get("/ui/namespaces/hidden"), http.StatusOK, "topsecret-app", "Grants")
	})
}

func TestSearchRanking(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		h.team("web", "admin", nil)
		h.namespace("pub", "web", rbac.Public)
		for _, n := range []string{"pub/myapp", "pub/app-server", "pub/app"} {
			h.tag(n, "1", publicDigest)
			time.Sleep(2 * time.Millisecond)
		}
		p := h.browser().get("/search?q=app")
		want(t, "search", p, http.StatusOK)
		i, j, k := strings.Index(p.body, ">pub/app<"), strings.Index(p.body, ">pub/app-server<"), strings.Index(p.body, ">pub/myapp<")
		if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
			t.Fatalf("order exact, prefix, substring broken: %d %d %d", i, j, k)
		}
		if !strings.Contains(p.body, `id="q" name="q" type="search" value="app"`) || !strings.Contains(p.body, "autofocus") {
			t.Fatal("the search box is not filled and focused")
		}
		// Paging: 25 repositories, 20 a page.
		for i := range 25 {
			h.tag("pub/many-"+string(rune('a'+i)), "1", publicDigest)
		}
		b := h.browser()
		want(t, "page 1", b.get("/search?q=many"), http.StatusOK, "(25)", `rel="next"`)
		p2 := b.get("/search?q=many&page=2")
		want(t, "page 2", p2, http.StatusOK, `rel="prev"`)
		if n := strings.Count(p2.body, `class="result"`); n != 5 {
			t.Fatalf("page 2 has %d results, want 5", n)
		}
		want(t, "bad page", b.get("/search?page=abc"), http.StatusBadRequest, "page")
		want(t, "page 0", b.get("/search?page=0"), http.StatusBadRequest)
		want(t, "long query", b.get("/search?q="+strings.Repeat("a", 300)), http.StatusBadRequest, "q:")
	})
}

func TestEscaping(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
		h.team("web", "admin", nil)
		h.namespace("pub", "web", rbac.Public)
		h.tag("pub/app", "1", publicDigest)
		rp, err := h.st.GetRepository(ctx, "pub/app")
		if err != nil {
			t.Fatal(err)
		}
		rp.Description = hostile
		if err := h.st.UpdateRepository(ctx, rp); err != nil {
			t.Fatal(err)
		}
		tm, _ := h.st.GetTeam(ctx, "web")
		tm.Description = hostile
		if err := h.st.UpdateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
		if err := h.st.AppendAudit(ctx, store.AuditEvent{Time: time.Now(), Actor: hostile, Source: "1.2.3.4",
			Action: "x.y", Object: hostile, Outcome: "success", Detail: hostile}); err != nil {
			t.Fatal(err)
		}
		admin := h.browser()
		admin.mustLogin("admin", h.adminPW)
		for _, path := range []string{"/search?q=app", "/ui/repositories/pub/app", "/ui/teams", "/ui/teams/web",
			"/ui/admin/audit", "/search?q=" + strings.ReplaceAll(hostile, " ", "+")} {
			p := admin.get(path)
			if p.status >= 500 {
				t.Fatalf("%s: %d", path, p.status)
			}
			lacks(t, path, p, "<script>alert", "<img src=x")
		}
		want(t, "escaped description", admin.get("/ui/repositories/pub/app"), http.StatusOK, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
		csv := admin.get("/ui/admin/audit.csv")
		want(t, "csv", csv, http.StatusOK, "id,time,actor,source,action,object,outcome,detail")
		if ct := csv.hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("csv content type %q", ct)
		}
	})
}

func TestPageStatus(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		fixture(h)
		anon, bob, admin := h.browser(), h.browser(), h.browser()
		bob.mustLogin("bob", "pw-bob-secret")
		admin.mustLogin("admin", h.adminPW)
		for _, c := range []struct {
			b      *browser
			who    string
			path   string
			status int
		}{
			{anon, "anon", "/", 200}, {anon, "anon", "/login", 200}, {anon, "anon", "/static/style.css", 200},
			{anon, "anon", "/ui/repositories/pub/app", 200}, {anon, "anon", "/ui/namespaces/pub", 200},
			{anon, "anon", "/ui/teams", 401}, {anon, "anon", "/ui/me", 401}, {anon, "anon", "/ui/admin/users", 403},
			{anon, "anon", "/ui/repositories/pub/none", 404}, {anon, "anon", "/ui/nothing-here", 404}, {anon, "anon", "/ui/repositories/Bad..Name", 404},
			{bob, "bob", "/ui/teams", 200}, {bob, "bob", "/ui/teams/sec", 200}, {bob, "bob", "/ui/me", 200},
			{bob, "bob", "/ui/namespaces/bob", 200}, {bob, "bob", "/ui/admin/users", 403},
			{bob, "bob", "/ui/admin/audit", 403}, {bob, "bob", "/ui/admin/audit.csv", 403}, {bob, "bob", "/ui/admin/settings", 403},
			{bob, "bob", "/ui/teams/nope", 404},
			{admin, "admin", "/ui/admin/users", 200}, {admin, "admin", "/ui/admin/settings", 200},
			{admin, "admin", "/ui/admin/audit", 200}, {admin, "admin", "/ui/admin/audit?since=yesterday", 400},
			{admin, "admin", "/ui/admin/audit.csv?action=web.login", 200},
			{admin, "admin", "/ui/repositories/hidden/topsecret-app", 200},
		} {
			p := c.b.get(c.path)
			if p.status != c.status {
				t.Errorf("%s GET %s = %d, want %d: %.300s", c.who, c.path, p.status, c.status, p.body)
			}
		}
		// Members of sec, and its private namespace, are not shown to bob.
		lacks(t, "bob on team sec", bob.get("/ui/teams/sec"), ">alice<", ">hidden<")
		want(t, "admin on team web", admin.get("/ui/teams/web"), http.StatusOK, ">pub<")
	})
}

func TestFlows(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		fixture(h)
		alice := h.browser()
		alice.mustLogin("alice", "pw-alice-secret")

		// Team: create, add a member, change the role; the last owner stays.
		want(t, "create team", alice.form("/ui/teams", "/ui/teams", "name", "ops", "description", "Operations"), http.StatusSeeOther)
		want(t, "add member", alice.form("/ui/teams/ops", "/ui/teams/ops/members", "username", "bob", "role", "viewer"), http.StatusSeeOther)
		want(t, "team page", alice.get("/ui/teams/ops"), http.StatusOK, "bob", "alice")
		want(t, "remove last owner", alice.form("/ui/teams/ops", "/ui/teams/ops/members/remove", "username", "alice"),
			http.StatusConflict, "at least one owner")
		want(t, "promote", alice.form("/ui/teams/ops", "/ui/teams/ops/members/update", "username", "bob", "role", "owner"), http.StatusSeeOther)
		if m, err := h.st.GetMember(ctx, "ops", "bob"); err != nil || m.Role != rbac.RoleOwner {
			t.Fatalf("bob in ops: %+v %v", m, err)
		}
		want(t, "create namespace", alice.form("/ui/teams/ops", "/ui/teams/ops/namespaces", "name", "opsns", "visibility", "protected"), http.StatusSeeOther)
		if n, err := h.st.GetNamespace(ctx, "opsns"); err != nil || n.Team != "ops" || n.Visibility != rbac.Protected {
			t.Fatalf("namespace opsns: %+v %v", n, err)
		}
		want(t, "team lists it", alice.get("/ui/teams/ops"), http.StatusOK, ">opsns<")
		want(t, "bad namespace name", alice.form("/ui/teams/ops", "/ui/teams/ops/namespaces", "name", "Bad Name"), http.StatusBadRequest)

		// Grants on a namespace alice owns (through team sec).
		want(t, "grant", alice.form("/ui/namespaces/hidden", "/ui/namespaces/hidden/grants", "kind", "user", "grantee", "bob", "role", "viewer"), http.StatusSeeOther)
		bob := h.browser()
		bob.mustLogin("bob", "pw-bob-secret")
		want(t, "bob sees hidden now", bob.get("/ui/repositories/hidden/topsecret-app"), http.StatusOK, "v9-classified")
		want(t, "change grant", alice.form("/ui/namespaces/hidden", "/ui/namespaces/hidden/grants/update", "kind", "user", "grantee", "bob", "role", "contributor"), http.StatusSeeOther)
		want(t, "revoke", alice.form("/ui/namespaces/hidden", "/ui/namespaces/hidden/grants/delete", "kind", "user", "grantee", "bob"), http.StatusSeeOther)
		want(t, "bob lost hidden", bob.get("/ui/repositories/hidden/topsecret-app"), http.StatusNotFound)
		want(t, "bob may not grant", bob.form("/ui/me", "/ui/namespaces/hidden/grants", "kind", "user", "grantee", "bob", "role", "owner"), http.StatusNotFound)
		want(t, "visibility", alice.form("/ui/namespaces/hidden", "/ui/namespaces/hidden/visibility", "visibility", "protected", "description", "d"), http.StatusSeeOther)
		if n, _ := h.st.GetNamespace(ctx, "hidden"); n.Visibility != rbac.Protected {
			t.Fatalf("visibility = %s", n.Visibility)
		}

		// A robot: its secret shows once, next to a docker login line.
		p := alice.form("/ui/me", "/ui/me/robots", "name", "ci", "team", "sec", "namespace", "hidden", "role", "contributor")
		want(t, "create robot", p, http.StatusCreated, "robot$ci", "shown <strong>only this once</strong>", "docker login registry.test:5000 -u 'robot$ci' --password-stdin")
		if strings.Count(p.body, "dmr_") != 2 {
			t.Fatalf("the robot secret shows %d times, want twice (secret and docker login line)", strings.Count(p.body, "dmr_"))
		}
		again := alice.get("/ui/me")
		lacks(t, "account page after", again, "only this once")
		want(t, "delete robot", alice.form("/ui/me", "/ui/me/robots/delete", "name", "robot$ci"), http.StatusSeeOther)

		// An application token, then revoked.
		p = alice.form("/ui/me", "/ui/me/tokens", "name", "laptop", "days", "30")
		want(t, "create token", p, http.StatusCreated, "dmt_", "docker login registry.test:5000 -u 'alice'")
		toks, _ := h.st.ListTokens(ctx, "alice")
		if len(toks) != 1 {
			t.Fatalf("tokens = %d", len(toks))
		}
		want(t, "revoke token", alice.form("/ui/me", "/ui/me/tokens/delete", "id", toks[0].ID), http.StatusSeeOther)

		// Delete a tag, then the repository (alice owns hidden).
		want(t, "delete tag", alice.form("/ui/repositories/hidden/topsecret-app", "/ui/tags/delete", "repository", "hidden/topsecret-app", "tag", "v9-classified"), http.StatusSeeOther)
		if _, err := h.st.GetTag(ctx, "hidden/topsecret-app", "v9-classified"); err == nil {
			t.Fatal("tag still there")
		}
		want(t, "bob may not delete", bob.form("/ui/me", "/ui/tags/delete", "repository", "pub/app", "tag", "1.0"), http.StatusForbidden)
		want(t, "delete repo unconfirmed", alice.form("/ui/repositories/hidden/topsecret-app", "/ui/repositories/delete", "repository", "hidden/topsecret-app"), http.StatusBadRequest, "confirm")
		want(t, "delete repo", alice.form("/ui/repositories/hidden/topsecret-app", "/ui/repositories/delete", "repository", "hidden/topsecret-app", "confirm", "hidden/topsecret-app"), http.StatusSeeOther)

		// Admin: create a user, make them admin; settings; audit.
		admin := h.browser()
		admin.mustLogin("admin", h.adminPW)
		want(t, "create user", admin.form("/ui/admin/users", "/ui/admin/users", "username", "carol", "email", "carol@example.com", "password", "carol-password-1"), http.StatusSeeOther)
		want(t, "make admin", admin.form("/ui/admin/users", "/ui/admin/users/update", "username", "carol", "change", "admin"), http.StatusSeeOther)
		if u, _ := h.st.GetUser(ctx, "carol"); !u.Admin {
			t.Fatal("carol is not admin")
		}
		want(t, "settings", admin.form("/ui/admin/settings", "/ui/admin/settings", "push_policy", "admin-only", "team_creation", "everyone",
			"namespace_creation", "team-owners", "token_lifetime_seconds", "300", "anonymous_pull", "on", "delete_enabled", "on"), http.StatusSeeOther)
		if s, _ := h.st.GetSettings(ctx); s.PushPolicy != rbac.AdminOnly {
			t.Fatalf("push policy = %s", s.PushPolicy)
		}
		want(t, "move namespace", admin.form("/ui/namespaces/hidden", "/ui/namespaces/hidden/visibility", "visibility", "private", "team", "ops"), http.StatusSeeOther)
		if n, _ := h.st.GetNamespace(ctx, "hidden"); n.Team != "ops" {
			t.Fatalf("hidden's team = %s", n.Team)
		}
		want(t, "owner may not move", alice.form("/ui/namespaces/opsns", "/ui/namespaces/opsns/visibility", "visibility", "private", "team", "sec"), http.StatusForbidden)
		want(t, "audit", admin.get("/ui/admin/audit?action=team.create"), http.StatusOK, "team/ops")
		want(t, "audit csv", admin.get("/ui/admin/audit.csv?action=web.login"), http.StatusOK, "web.login,user/alice,success")
	})
}

func TestActivity(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		fixture(h)
		ctx := context.Background()
		n := 0
		ev := func(action, repo string) {
			n++
			e := store.RegistryEvent{ID: "act-" + strings.Repeat("x", n), Action: action, Repository: repo}
			if action == store.ActionPush {
				e.Tag, e.Digest = "2", publicDigest
			}
			if _, err := h.st.ApplyEvent(ctx, e, ""); err != nil {
				t.Fatal(err)
			}
		}
		ev("push", "pub/app")
		ev("pull", "pub/app")
		ev("pull", "pub/app")
		for range 7 {
			ev("pull", "hidden/topsecret-app")
		}
		anon := h.browser()
		want(t, "repository chart", anon.get("/ui/repositories/pub/app"), http.StatusOK,
			`role="img" aria-label="Activity over the last 30 days: 1 pushes and 2 pulls"`, "<svg", "<rect")
		// The namespace's chart counts its own repositories only.
		p := anon.get("/ui/namespaces/pub")
		want(t, "namespace chart", p, http.StatusOK, "1 pushes and 2 pulls")
		lacks(t, "namespace chart", p, "7 pulls", "9 pulls")
		alice := h.browser()
		alice.mustLogin("alice", "pw-alice-secret")
		want(t, "hidden chart for a member", alice.get("/ui/namespaces/hidden"), http.StatusOK, "0 pushes and 7 pulls")
	})
}

func TestRegistrySessions(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.user("alice", false)
		for _, id := range []string{"rt1", "rt2"} {
			if err := h.st.CreateRefreshToken(ctx, store.RefreshToken{ID: id, Hash: "hash-" + id, SubjectKind: "user", Subject: "alice",
				Service: "dockmaster", ClientID: "docker-" + id, Source: "10.9.8.7", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		b := h.browser()
		b.mustLogin("alice", "pw-alice-secret")
		p := b.get("/ui/me")
		want(t, "sessions listed", p, http.StatusOK, "docker-rt1", "docker-rt2", "10.9.8.7")
		lacks(t, "sessions listed", p, "hash-rt1")
		want(t, "end one", b.form("/ui/me", "/ui/me/logins/end", "id", "rt1"), http.StatusSeeOther)
		lacks(t, "after ending one", b.get("/ui/me"), "docker-rt1")
		want(t, "end all", b.form("/ui/me", "/ui/me/logins/end", "all", "1"), http.StatusSeeOther)
		if rts, _ := h.st.ListRefreshTokens(ctx, "user", "alice"); len(rts) != 0 {
			t.Fatalf("sessions left: %d", len(rts))
		}
	})
}

// An index's platforms and a tag's kind, as the enrichment recorded them.
func TestRepositoryPlatforms(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.team("web", "admin", nil)
		h.namespace("pub", "web", rbac.Public)
		if err := h.st.PutTag(ctx, store.Tag{Repository: "pub/multi", Name: "1", Digest: publicDigest,
			MediaType: "application/vnd.oci.image.index.v1+json", Size: 500}); err != nil {
			t.Fatal(err)
		}
		ok, err := h.st.SetManifestDetails(ctx, store.ManifestDetails{Repository: "pub/multi", Digest: publicDigest,
			Kind: "index", Platforms: []string{"linux/amd64", "linux/arm64"}})
		if err != nil || !ok {
			t.Fatalf("set details: %v %v", ok, err)
		}
		want(t, "platforms", h.browser().get("/ui/repositories/pub/multi"), http.StatusOK, "index", "linux/amd64, linux/arm64")

		// An index on a later page of tags: its platforms are read for the
		// page it is on.
		for i := range 60 {
			if err := h.st.PutTag(ctx, store.Tag{Repository: "pub/multi", Name: fmt.Sprintf("0-%02d", i), Digest: fmt.Sprintf("sha256:%064d", i),
				MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 500}); err != nil {
				t.Fatal(err)
			}
		}
		first := h.browser().get("/ui/repositories/pub/multi")
		lacks(t, "first page of 61 tags", first, "linux/amd64")
		want(t, "platforms on the second page", h.browser().get("/ui/repositories/pub/multi?after=0-49"), http.StatusOK,
			"linux/amd64, linux/arm64")
	})
}

// A team's members come a page at a time (50), each page linking the next.
func TestTeamMembersPaged(t *testing.T) {
	stores(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		members := map[string]rbac.Role{}
		for i := range 54 { // with the owner, 55
			name := fmt.Sprintf("member%03d", i)
			now := time.Now().UTC()
			if err := h.st.CreateUser(ctx, store.User{Username: name, Email: name + "@example.com", PasswordHash: "unused",
				Enabled: true, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
			members[name] = rbac.RoleViewer
		}
		h.team("big", "admin", members)
		admin := h.browser()
		admin.mustLogin("admin", h.adminPW)
		first := admin.get("/ui/teams/big")
		// Sorted by username: admin, member000 … member048 on the first page.
		row := func(name string) string { return `<th scope="row">` + name + `</th>` }
		want(t, "first page", first, http.StatusOK, row("admin"), row("member048"), `href="/ui/teams/big?after=member048"`)
		lacks(t, "first page", first, row("member049"))
		second := admin.get("/ui/teams/big?after=member048")
		want(t, "second page", second, http.StatusOK, row("member049"), row("member053"))
		lacks(t, "second page", second, row("member048"), row("admin"), `rel="next"`)
	})
}
