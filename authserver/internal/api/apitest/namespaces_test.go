package apitest

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestNamespaces(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("lifecycle", func(t *testing.T) {
			ns, err := w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "devs-tools", Team: "devs", Description: "tools"})
			ok(t, err)
			if ns.Name != "devs-tools" || ns.Kind != "team" || ns.Team != "devs" || ns.Owner != "" ||
				ns.Visibility != "private" || ns.Description != "tools" {
				t.Errorf("created = %+v (default visibility must be private)", ns)
			}
			_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "devs-tools", Team: "devs"})
			wantErr(t, err, 409, "")
			// A user's personal namespace name is taken too.
			_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "oscar", Team: "devs"})
			wantErr(t, err, 409, "")

			got, err := w.victor.C.GetNamespace(ctx, "devs-tools")
			ok(t, err)
			if got.Description != "tools" {
				t.Errorf("get = %+v", got)
			}
			upd, err := w.alice.C.UpdateNamespace(ctx, "devs-tools", apiv1.UpdateNamespace{Visibility: ptr("public"), Description: ptr("Tools")})
			ok(t, err)
			if upd.Visibility != "public" || upd.Description != "Tools" || upd.Team != "devs" {
				t.Errorf("updated = %+v", upd)
			}
			// Public now: an outsider sees it.
			_, err = w.oscar.C.GetNamespace(ctx, "devs-tools")
			ok(t, err)

			ok(t, w.alice.C.DeleteNamespace(ctx, "devs-tools"))
			_, err = w.alice.C.GetNamespace(ctx, "devs-tools")
			wantErr(t, err, 404, "")
			wantErr(t, w.alice.C.DeleteNamespace(ctx, "devs-tools"), 404, "")
		})

		t.Run("validation", func(t *testing.T) {
			_, err := w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "devs-x", Team: "devs", Visibility: "secret"})
			wantErr(t, err, 400, "visibility")
			_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "Devs_X!", Team: "devs"})
			wantErr(t, err, 400, "name")
			_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "orphan", Team: "no-such-team"})
			wantOneOf(t, err, 400, 404)
			_, err = w.alice.C.UpdateNamespace(ctx, w.devsPriv, apiv1.UpdateNamespace{Visibility: ptr("hidden")})
			wantErr(t, err, 400, "visibility")
			_, err = e.admin.GetNamespace(ctx, "orphan")
			wantErr(t, err, 404, "")
		})

		t.Run("visibility", func(t *testing.T) {
			// Private without a role: 404, exactly like a missing namespace.
			_, err := w.oscar.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
			_, err = w.bob.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
			_, err = w.alice.C.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")
			// Protected and public: any signed-in user.
			for _, ns := range []string{w.devsProt, w.devsPub} {
				_, err = w.oscar.C.GetNamespace(ctx, ns)
				ok(t, err)
			}
			// Members and admins see private ones.
			for _, u := range []*client.Client{w.alice.C, w.carol.C, w.victor.C, e.admin} {
				_, err = u.GetNamespace(ctx, w.devsPriv)
				ok(t, err)
			}
			// The list follows the same rule.
			seen := collect(t, 0, w.oscar.C.ListNamespaces)
			for _, n := range seen {
				if n.Visibility == "private" && n.Owner != "oscar" {
					t.Errorf("oscar lists private namespace %s", n.Name)
				}
			}
			for _, want := range []string{"oscar", w.devsProt, w.devsPub} {
				if !contains(seen, nsName, want) {
					t.Errorf("oscar's list %v lacks %s", names(seen, nsName), want)
				}
			}
			all := collect(t, 0, e.admin.ListNamespaces)
			for _, want := range []string{w.devsPriv, w.opsPriv, "alice", "bob", "oscar"} {
				if !contains(all, nsName, want) {
					t.Errorf("admin's list %v lacks %s", names(all, nsName), want)
				}
			}
			mine := collect(t, 0, w.victor.C.ListNamespaces)
			if !contains(mine, nsName, w.devsPriv) || contains(mine, nsName, w.opsPriv) || contains(mine, nsName, "alice") {
				t.Errorf("victor lists %v", names(mine, nsName))
			}
		})

		t.Run("creation rights", func(t *testing.T) {
			// team-owners (default): the team's owners, not its contributors or strangers.
			_, err := w.carol.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-carol", Team: "devs"})
			wantErr(t, err, 403, "")
			_, err = w.victor.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-victor", Team: "devs"})
			wantErr(t, err, 403, "")
			_, err = w.bob.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-bob", Team: "devs"})
			wantErr(t, err, 403, "")
			_, err = w.robotC.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-robot", Team: "devs"})
			wantOneOf(t, err, 401, 403)
			_, err = e.anon(t).CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-anon", Team: "devs"})
			wantErr(t, err, 401, "")
			for _, n := range []string{"by-carol", "by-victor", "by-bob", "by-robot", "by-anon"} {
				_, err = e.admin.GetNamespace(ctx, n)
				wantErr(t, err, 404, "")
			}
			_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-admin", Team: "devs"})
			ok(t, err)

			// admins: team owners may not any more.
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{NamespaceCreation: ptr("admins")})
			ok(t, err)
			_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-alice", Team: "devs"})
			wantErr(t, err, 403, "")
			_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-admin2", Team: "devs"})
			ok(t, err)
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{NamespaceCreation: ptr("team-owners")})
			ok(t, err)
			_, err = w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "by-alice", Team: "devs"})
			ok(t, err)
		})

		t.Run("management rights", func(t *testing.T) {
			// Members who are not owners: 403 (they see it).
			for _, u := range []*user{w.carol, w.victor} {
				_, err := u.C.UpdateNamespace(ctx, w.devsPriv, apiv1.UpdateNamespace{Visibility: ptr("public")})
				wantErr(t, err, 403, "")
				wantErr(t, u.C.DeleteNamespace(ctx, w.devsPriv), 403, "")
			}
			// Strangers: 404 on private, 403 on public.
			_, err := w.oscar.C.UpdateNamespace(ctx, w.devsPriv, apiv1.UpdateNamespace{Visibility: ptr("public")})
			wantErr(t, err, 404, "")
			wantErr(t, w.bob.C.DeleteNamespace(ctx, w.devsPriv), 404, "")
			_, err = w.oscar.C.UpdateNamespace(ctx, w.devsPub, apiv1.UpdateNamespace{Description: ptr("defaced")})
			wantErr(t, err, 403, "")
			got, err := e.admin.GetNamespace(ctx, w.devsPriv)
			ok(t, err)
			if got.Visibility != "private" {
				t.Fatalf("namespace changed by a refused caller: %+v", got)
			}
			if got, _ := e.admin.GetNamespace(ctx, w.devsPub); got.Description == "defaced" {
				t.Fatal("public namespace defaced by a stranger")
			}

			// Moving to another team is for admins.
			_, err = w.alice.C.UpdateNamespace(ctx, w.devsProt, apiv1.UpdateNamespace{Team: ptr("ops")})
			wantOneOf(t, err, 400, 403)
			if got, _ := e.admin.GetNamespace(ctx, w.devsProt); got.Team != "devs" {
				t.Fatalf("owner moved a namespace: %+v", got)
			}
			_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "movable", Team: "devs"})
			ok(t, err)
			moved, err := e.admin.UpdateNamespace(ctx, "movable", apiv1.UpdateNamespace{Team: ptr("ops")})
			ok(t, err)
			if moved.Team != "ops" {
				t.Errorf("moved = %+v", moved)
			}
			// Now bob owns it and alice lost it.
			_, err = w.bob.C.UpdateNamespace(ctx, "movable", apiv1.UpdateNamespace{Description: ptr("ops owns it")})
			ok(t, err)
			_, err = w.alice.C.GetNamespace(ctx, "movable")
			wantErr(t, err, 404, "")

			// Personal namespaces: their user manages visibility.
			pn, err := w.oscar.C.UpdateNamespace(ctx, "oscar", apiv1.UpdateNamespace{Visibility: ptr("public")})
			ok(t, err)
			if pn.Visibility != "public" || pn.Kind != "personal" {
				t.Errorf("personal update = %+v", pn)
			}
			_, err = w.bob.C.GetNamespace(ctx, "oscar")
			ok(t, err)
			_, err = w.bob.C.UpdateNamespace(ctx, "oscar", apiv1.UpdateNamespace{Description: ptr("mine")})
			wantErr(t, err, 403, "")
		})

		t.Run("delete with repositories", func(t *testing.T) {
			wantErr(t, w.alice.C.DeleteNamespace(ctx, w.devsPriv), 409, "")
			_, err := e.admin.GetNamespace(ctx, w.devsPriv)
			ok(t, err)
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"pns-a", "pns-b", "pns-c"} {
				_, err := w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: n, Team: "devs", Visibility: "protected"})
				ok(t, err)
			}
			checkPaging(t, e.admin.ListNamespaces, nsName, "pns-a", "pns-b", "pns-c", w.devsPriv, w.opsPriv, adminName)
			// Filtered paging: the visible subset, still in order and complete.
			checkPaging(t, w.oscar.C.ListNamespaces, nsName, "pns-a", "pns-b", "pns-c", w.devsPub, "oscar")
		})
	})
}

func TestPermissions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("lifecycle", func(t *testing.T) {
			p, err := w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "viewer"})
			ok(t, err)
			if p.Namespace != w.devsPriv || p.Kind != "user" || p.Name != "oscar" || p.Role != "viewer" {
				t.Errorf("created = %+v", p)
			}
			_, err = w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "owner"})
			wantErr(t, err, 409, "")
			// The grant takes effect.
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			ok(t, err)
			_, err = w.oscar.C.GetRepository(ctx, w.devsPriv+"/app")
			ok(t, err)

			got, err := w.alice.C.GetPermission(ctx, w.devsPriv, "user", "oscar")
			ok(t, err)
			if got.Role != "viewer" {
				t.Errorf("get = %+v", got)
			}
			upd, err := w.alice.C.UpdatePermission(ctx, w.devsPriv, "user", "oscar", apiv1.UpdatePermission{Role: "owner"})
			ok(t, err)
			if upd.Role != "owner" {
				t.Errorf("updated = %+v", upd)
			}
			// Owner by grant: oscar manages the namespace now.
			_, err = w.oscar.C.UpdateNamespace(ctx, w.devsPriv, apiv1.UpdateNamespace{Description: ptr("by grant")})
			ok(t, err)

			ok(t, w.alice.C.DeletePermission(ctx, w.devsPriv, "user", "oscar"))
			_, err = w.alice.C.GetPermission(ctx, w.devsPriv, "user", "oscar")
			wantErr(t, err, 404, "")
			wantErr(t, w.alice.C.DeletePermission(ctx, w.devsPriv, "user", "oscar"), 404, "")
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
		})

		t.Run("grantee kinds", func(t *testing.T) {
			_, err := w.bob.C.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "team", Name: "devs", Role: "viewer"})
			ok(t, err)
			// Every devs member now reads ops-priv.
			for _, u := range []*user{w.alice, w.carol, w.victor} {
				_, err = u.C.GetNamespace(ctx, w.opsPriv)
				ok(t, err)
			}
			_, err = w.oscar.C.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")

			_, err = w.alice.C.CreatePermission(ctx, w.devsProt, apiv1.CreatePermission{Kind: "robot", Name: w.robot.Name, Role: "viewer"})
			ok(t, err)
			got, err := w.alice.C.GetPermission(ctx, w.devsProt, "robot", w.robot.Name)
			ok(t, err)
			if got.Name != w.robot.Name || got.Kind != "robot" {
				t.Errorf("robot grant = %+v", got)
			}
			_, err = w.robotC.GetRepository(ctx, w.devsProt+"/lib")
			ok(t, err)

			// Revoking the team grant takes it away from every member.
			ok(t, w.bob.C.DeletePermission(ctx, w.opsPriv, "team", "devs"))
			_, err = w.victor.C.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")
		})

		t.Run("validation", func(t *testing.T) {
			_, err := w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "group", Name: "oscar", Role: "viewer"})
			wantErr(t, err, 400, "kind")
			_, err = w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "king"})
			wantErr(t, err, 400, "role")
			// The grantee must exist.
			for _, kind := range []string{"user", "team", "robot"} {
				name := "ghost"
				if kind == "robot" {
					name = "robot$ghost"
				}
				_, err = w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: kind, Name: name, Role: "viewer"})
				wantOneOf(t, err, 400, 404)
				_, err = e.admin.GetPermission(ctx, w.devsPriv, kind, name)
				wantErr(t, err, 404, "")
			}
			_, err = w.alice.C.CreatePermission(ctx, "no-such-ns", apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "viewer"})
			wantErr(t, err, 404, "")
		})

		t.Run("who manages", func(t *testing.T) {
			// Members below owner: refused (grants are visible to owners
			// only, so 404 is as good as 403), nothing granted.
			for _, u := range []*user{w.carol, w.victor} {
				_, err := u.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: u.Name, Role: "owner"})
				wantOneOf(t, err, 403, 404)
				_, err = e.admin.GetPermission(ctx, w.devsPriv, "user", u.Name)
				wantErr(t, err, 404, "")
			}
			// Owner of another team on a private namespace: 404, nothing changed.
			_, err := w.alice.C.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "user", Name: "alice", Role: "owner"})
			wantErr(t, err, 404, "")
			_, err = w.alice.C.ListPermissions(ctx, w.opsPriv, client.ListOptions{})
			wantErr(t, err, 404, "")
			_, err = e.admin.GetPermission(ctx, w.opsPriv, "user", "alice")
			wantErr(t, err, 404, "")
			_, err = w.alice.C.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")
			// Admins manage everywhere.
			_, err = e.admin.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "user", Name: "victor", Role: "viewer"})
			ok(t, err)
			_, err = e.admin.UpdatePermission(ctx, w.opsPriv, "user", "victor", apiv1.UpdatePermission{Role: "contributor"})
			ok(t, err)
			ok(t, e.admin.DeletePermission(ctx, w.opsPriv, "user", "victor"))
			// Robots and anonymous callers never manage grants.
			_, err = w.robotC.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "owner"})
			wantOneOf(t, err, 401, 403)
			_, err = e.anon(t).CreatePermission(ctx, w.devsPub, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "owner"})
			wantErr(t, err, 401, "")
			_, err = e.admin.GetPermission(ctx, w.devsPriv, "user", "oscar")
			wantErr(t, err, 404, "")
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"g1", "g2", "g3"} {
				e.newUser(t, n)
				_, err := w.alice.C.CreatePermission(ctx, w.devsPub, apiv1.CreatePermission{Kind: "user", Name: n, Role: "viewer"})
				ok(t, err)
			}
			_, err := w.alice.C.CreatePermission(ctx, w.devsPub, apiv1.CreatePermission{Kind: "team", Name: "ops", Role: "viewer"})
			ok(t, err)
			all := collect(t, 2, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Permission], error) {
				return w.alice.C.ListPermissions(ctx, w.devsPub, o)
			})
			got := names(all, permKey)
			for _, want := range []string{"user/g1", "user/g2", "user/g3", "team/ops"} {
				if !contains(all, permKey, want) {
					t.Errorf("paged grants %v lack %s", got, want)
				}
			}
			seen := map[string]bool{}
			for _, k := range got {
				if seen[k] {
					t.Errorf("grant %s listed twice", k)
				}
				seen[k] = true
			}
		})
	})
}
