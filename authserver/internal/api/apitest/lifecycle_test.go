package apitest

import (
	"context"
	"fmt"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// TestNameReuse: deleting an object and making a new one of the same name
// must not hand the new one anything the old one had.
func TestNameReuse(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("user", func(t *testing.T) {
			old := e.newUser(t, "reused")
			_, err := w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "reused", Role: "owner"})
			ok(t, err)
			_, err = w.bob.C.CreatePermission(ctx, w.opsPriv, apiv1.CreatePermission{Kind: "user", Name: "reused", Role: "owner"})
			ok(t, err)
			ok(t, e.admin.DeleteUser(ctx, "reused"))

			fresh := e.newUser(t, "reused", func(u *apiv1.CreateUser) { u.Password = "another-Secret-42" })
			_, err = old.C.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.client(t, client.WithBasic("reused", old.Token.Secret)).Me(ctx)
			wantErr(t, err, 401, "")
			_, err = old.Basic.Me(ctx)
			wantErr(t, err, 401, "")
			me, err := fresh.C.Me(ctx)
			ok(t, err)
			if len(me.Teams) != 0 {
				t.Errorf("new user inherits memberships: %+v", me.Teams)
			}
			_, err = fresh.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
			_, err = fresh.C.GetNamespace(ctx, w.opsPriv)
			wantErr(t, err, 404, "")
			_, err = e.admin.GetPermission(ctx, w.opsPriv, "user", "reused")
			wantErr(t, err, 404, "")
			toks, err := fresh.C.ListTokens(ctx, "reused", client.ListOptions{})
			ok(t, err)
			if len(toks.Items) != 1 {
				t.Errorf("new user has tokens %v", names(toks.Items, tokenName))
			}
		})

		t.Run("team", func(t *testing.T) {
			_, err := w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "phoenix"})
			ok(t, err)
			_, err = w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "team", Name: "phoenix", Role: "viewer"})
			ok(t, err)
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			ok(t, err)
			ok(t, w.oscar.C.DeleteTeam(ctx, "phoenix"))
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")

			// bob makes a new team of that name: no grant comes back to life.
			_, err = w.bob.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "phoenix"})
			ok(t, err)
			_, err = e.admin.GetPermission(ctx, w.devsPriv, "team", "phoenix")
			wantErr(t, err, 404, "")
			_, err = w.bob.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
			mem := collect(t, 0, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
				return e.admin.ListMembers(ctx, "phoenix", o)
			})
			if len(mem) != 1 || mem[0].Username != "bob" {
				t.Errorf("new team's members = %+v", mem)
			}
		})

		t.Run("namespace", func(t *testing.T) {
			_, err := w.alice.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "again", Team: "devs"})
			ok(t, err)
			_, err = w.alice.C.CreatePermission(ctx, "again", apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "owner"})
			ok(t, err)
			r, rc := e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: "again-bot", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: "again", Role: "contributor"}}})
			ok(t, w.alice.C.DeleteNamespace(ctx, "again"))

			_, err = w.bob.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "again", Team: "ops"})
			ok(t, err)
			_, err = w.oscar.C.GetNamespace(ctx, "again")
			wantErr(t, err, 404, "")
			_, err = e.admin.GetPermission(ctx, "again", "user", "oscar")
			wantErr(t, err, 404, "")
			got, err := e.admin.GetRobot(ctx, r.Name)
			ok(t, err)
			if len(got.Access) != 0 {
				t.Errorf("robot keeps access to a deleted namespace: %+v", got.Access)
			}
			me, err := rc.Me(ctx)
			ok(t, err)
			for _, a := range me.Namespaces {
				if a.Namespace == "again" {
					t.Errorf("robot has %+v on ops' new namespace", a)
				}
			}
			e.seedTag(t, "again/img", "latest")
			_, err = rc.GetRepository(ctx, "again/img")
			wantErr(t, err, 404, "")
		})

		t.Run("robot", func(t *testing.T) {
			old, oldC := e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: "lazarus", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}}})
			ok(t, w.alice.C.DeleteRobot(ctx, old.Name))
			_, err := oldC.Me(ctx)
			wantErr(t, err, 401, "")
			_, newC := e.newRobot(t, w.bob.C, apiv1.CreateRobot{Name: "lazarus", Team: "ops",
				Access: []apiv1.RobotAccess{{Namespace: w.opsPriv, Role: "viewer"}}})
			_, err = oldC.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = newC.GetRepository(ctx, w.devsPriv+"/app")
			wantErr(t, err, 404, "")
			_, err = e.admin.GetPermission(ctx, w.devsPriv, "robot", "robot$lazarus")
			wantErr(t, err, 404, "")
		})
	})
}

// TestPageSizes: default 50, at most 200, across every list that pages.
func TestPageSizes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := range 205 {
			_, err := e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: fmt.Sprintf("team-%03d", i)})
			ok(t, err)
		}
		p, err := e.admin.ListTeams(ctx, client.ListOptions{})
		ok(t, err)
		if len(p.Items) != 50 || p.NextPageToken == "" {
			t.Errorf("default page: %d items, next %q; want 50 and a token", len(p.Items), p.NextPageToken)
		}
		p, err = e.admin.ListTeams(ctx, client.ListOptions{PageSize: 200})
		ok(t, err)
		if len(p.Items) != 200 || p.NextPageToken == "" {
			t.Errorf("page_size=200: %d items, next %q", len(p.Items), p.NextPageToken)
		}
		p, err = e.admin.ListTeams(ctx, client.ListOptions{PageSize: 201})
		if err != nil {
			wantErr(t, err, 400, "page_size")
		} else if len(p.Items) > 200 {
			t.Errorf("page_size=201 gave %d items, more than the maximum 200", len(p.Items))
		}
		p, err = e.admin.ListTeams(ctx, client.ListOptions{PageSize: 1 << 30})
		if err != nil {
			wantErr(t, err, 400, "page_size")
		} else if len(p.Items) > 200 {
			t.Errorf("page_size=2^30 gave %d items", len(p.Items))
		}
		all := collect(t, 200, e.admin.ListTeams)
		if len(all) != 205 {
			t.Errorf("paging through 205 teams found %d", len(all))
		}
		// The filter applies before paging: q narrows, and pages stay full.
		p, err = e.admin.ListTeams(ctx, client.ListOptions{Query: "team-1", PageSize: 30})
		ok(t, err)
		if len(p.Items) != 30 || p.NextPageToken == "" {
			t.Errorf("q=team-1 page: %d items, next %q", len(p.Items), p.NextPageToken)
		}
		filtered := collect(t, 30, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Team], error) {
			o.Query = "team-1"
			return e.admin.ListTeams(ctx, o)
		})
		if len(filtered) != 100 {
			t.Errorf("q=team-1 across pages: %d teams, want 100", len(filtered))
		}
	})
}
