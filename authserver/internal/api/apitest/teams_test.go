package apitest

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestTeams(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("lifecycle", func(t *testing.T) {
			tm, err := w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "qa", Description: "quality"})
			ok(t, err)
			if tm.Name != "qa" || tm.Description != "quality" || tm.CreatedAt.IsZero() {
				t.Errorf("created = %+v", tm)
			}
			// The creator is its owner.
			m, err := w.oscar.C.GetMember(ctx, "qa", "oscar")
			ok(t, err)
			if m.Role != "owner" || m.Team != "qa" {
				t.Errorf("creator membership = %+v", m)
			}
			_, err = w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "qa"})
			wantErr(t, err, 409, "")

			// Any signed-in user reads teams.
			for _, u := range []*user{w.alice, w.victor, w.bob} {
				got, err := u.C.GetTeam(ctx, "qa")
				ok(t, err)
				if got.Description != "quality" {
					t.Errorf("%s sees %+v", u.Name, got)
				}
				p, err := u.C.ListTeams(ctx, client.ListOptions{})
				ok(t, err)
				if !contains(p.Items, teamName, "qa") || !contains(p.Items, teamName, "devs") {
					t.Errorf("%s lists %v", u.Name, names(p.Items, teamName))
				}
			}

			upd, err := w.oscar.C.UpdateTeam(ctx, "qa", apiv1.UpdateTeam{Description: ptr("QA")})
			ok(t, err)
			if upd.Description != "QA" {
				t.Errorf("updated = %+v", upd)
			}
			ok(t, w.oscar.C.DeleteTeam(ctx, "qa"))
			_, err = w.oscar.C.GetTeam(ctx, "qa")
			wantErr(t, err, 404, "")
			_, err = w.oscar.C.GetMember(ctx, "qa", "oscar")
			wantErr(t, err, 404, "")
			wantErr(t, w.oscar.C.DeleteTeam(ctx, "qa"), 404, "")
		})

		t.Run("admin names the first owner", func(t *testing.T) {
			_, err := e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "sec", Owner: "victor"})
			ok(t, err)
			m, err := e.admin.GetMember(ctx, "sec", "victor")
			ok(t, err)
			if m.Role != "owner" {
				t.Errorf("first owner = %+v", m)
			}
			// A non-admin may not make someone else the owner.
			_, err = w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "sec2", Owner: "victor"})
			wantOneOf(t, err, 400, 403)
			_, err = e.admin.GetTeam(ctx, "sec2")
			wantErr(t, err, 404, "")
			// An owner who does not exist.
			_, err = e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "sec3", Owner: "ghost"})
			wantOneOf(t, err, 400, 404)
			_, err = e.admin.GetTeam(ctx, "sec3")
			wantErr(t, err, 404, "")
		})

		t.Run("who manages", func(t *testing.T) {
			// Contributor, viewer and outsider: read yes, manage no.
			// (Members of devs get 403; a stranger may get 404 on
			// memberships, which only members see.)
			for _, u := range []*user{w.carol, w.victor, w.oscar} {
				_, err := u.C.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("hijacked")})
				wantErr(t, err, 403, "")
				wantErr(t, u.C.DeleteTeam(ctx, "devs"), 403, "")
				_, err = u.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "oscar", Role: "owner"})
				wantOneOf(t, err, 403, 404)
				_, err = u.C.UpdateMember(ctx, "devs", "carol", apiv1.UpdateMember{Role: "owner"})
				wantOneOf(t, err, 403, 404)
				other := "victor"
				if u == w.victor {
					other = "carol"
				}
				wantOneOf(t, u.C.RemoveMember(ctx, "devs", other), 403, 404)
			}
			tm, err := e.admin.GetTeam(ctx, "devs")
			ok(t, err)
			if tm.Description != "developers" {
				t.Errorf("devs changed: %+v", tm)
			}
			all := collect(t, 0, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
				return e.admin.ListMembers(ctx, "devs", o)
			})
			if got := names(all, memberName); len(got) != 3 {
				t.Errorf("devs members changed: %v", got)
			}

			// Owner and admin manage.
			_, err = w.alice.C.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("devs!")})
			ok(t, err)
			_, err = e.admin.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("developers")})
			ok(t, err)
		})

		t.Run("robots and anonymous", func(t *testing.T) {
			_, err := w.robotC.CreateTeam(ctx, apiv1.CreateTeam{Name: "botteam"})
			wantOneOf(t, err, 401, 403)
			_, err = w.robotC.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("bot")})
			wantOneOf(t, err, 401, 403)
			_, err = e.anon(t).ListTeams(ctx, client.ListOptions{})
			wantErr(t, err, 401, "")
			_, err = e.anon(t).CreateTeam(ctx, apiv1.CreateTeam{Name: "anonteam"})
			wantErr(t, err, 401, "")
			_, err = e.admin.GetTeam(ctx, "botteam")
			wantErr(t, err, 404, "")
		})

		t.Run("team_creation setting", func(t *testing.T) {
			_, err := e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: ptr("admins")})
			ok(t, err)
			_, err = w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "nope"})
			wantErr(t, err, 403, "")
			me, err := w.oscar.C.Me(ctx)
			ok(t, err)
			if me.CanCreateTeams {
				t.Error("me.can_create_teams true while only admins may")
			}
			_, err = e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "yes", Owner: "oscar"})
			ok(t, err)
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: ptr("everyone")})
			ok(t, err)
			me, err = w.oscar.C.Me(ctx)
			ok(t, err)
			if !me.CanCreateTeams {
				t.Error("me.can_create_teams false while everyone may")
			}
			_, err = w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "nope"})
			ok(t, err)
		})

		t.Run("delete with namespaces", func(t *testing.T) {
			wantErr(t, w.bob.C.DeleteTeam(ctx, "ops"), 409, "")
			_, err := e.admin.GetTeam(ctx, "ops")
			ok(t, err)
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"pg-a", "pg-b", "pg-c", "pg-d"} {
				_, err := w.oscar.C.CreateTeam(ctx, apiv1.CreateTeam{Name: n})
				ok(t, err)
			}
			checkPaging(t, w.victor.C.ListTeams, teamName, "devs", "ops", "pg-a", "pg-b", "pg-c", "pg-d")
		})
	})
}

func TestMembers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("lifecycle", func(t *testing.T) {
			m, err := w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "oscar", Role: "viewer"})
			ok(t, err)
			if m.Team != "devs" || m.Username != "oscar" || m.Role != "viewer" {
				t.Errorf("added = %+v", m)
			}
			_, err = w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "oscar", Role: "viewer"})
			wantErr(t, err, 409, "")
			// Membership takes effect: oscar now sees the private namespace.
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			ok(t, err)

			got, err := w.victor.C.GetMember(ctx, "devs", "oscar")
			ok(t, err)
			if got.Role != "viewer" {
				t.Errorf("get = %+v", got)
			}
			upd, err := w.alice.C.UpdateMember(ctx, "devs", "oscar", apiv1.UpdateMember{Role: "contributor"})
			ok(t, err)
			if upd.Role != "contributor" {
				t.Errorf("updated = %+v", upd)
			}
			ok(t, w.alice.C.RemoveMember(ctx, "devs", "oscar"))
			_, err = w.alice.C.GetMember(ctx, "devs", "oscar")
			wantErr(t, err, 404, "")
			wantErr(t, w.alice.C.RemoveMember(ctx, "devs", "oscar"), 404, "")
			_, err = w.oscar.C.GetNamespace(ctx, w.devsPriv)
			wantErr(t, err, 404, "")
		})

		t.Run("validation", func(t *testing.T) {
			_, err := w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "oscar", Role: "emperor"})
			wantErr(t, err, 400, "role")
			_, err = w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "ghost", Role: "viewer"})
			wantOneOf(t, err, 400, 404)
			_, err = w.alice.C.AddMember(ctx, "no-such-team", apiv1.AddMember{Username: "oscar", Role: "viewer"})
			wantErr(t, err, 404, "")
			_, err = w.alice.C.UpdateMember(ctx, "devs", "carol", apiv1.UpdateMember{Role: "god"})
			wantErr(t, err, 400, "role")
			_, err = w.alice.C.UpdateMember(ctx, "devs", "oscar", apiv1.UpdateMember{Role: "viewer"})
			wantErr(t, err, 404, "")
		})

		t.Run("members read members", func(t *testing.T) {
			for _, u := range []*user{w.alice, w.carol, w.victor} {
				p, err := u.C.ListMembers(ctx, "devs", client.ListOptions{})
				ok(t, err)
				if !contains(p.Items, memberName, "alice") || !contains(p.Items, memberName, "victor") {
					t.Errorf("%s lists %v", u.Name, names(p.Items, memberName))
				}
			}
			_, err := e.anon(t).ListMembers(ctx, "devs", client.ListOptions{})
			wantErr(t, err, 401, "")
		})

		t.Run("last owner", func(t *testing.T) {
			wantErr(t, w.alice.C.RemoveMember(ctx, "devs", "alice"), 409, "")
			_, err := w.alice.C.UpdateMember(ctx, "devs", "alice", apiv1.UpdateMember{Role: "viewer"})
			wantErr(t, err, 409, "")
			wantErr(t, e.admin.RemoveMember(ctx, "devs", "alice"), 409, "")
			m, err := e.admin.GetMember(ctx, "devs", "alice")
			ok(t, err)
			if m.Role != "owner" {
				t.Fatalf("last owner changed: %+v", m)
			}
			// A second owner lets the first one go.
			_, err = w.alice.C.UpdateMember(ctx, "devs", "carol", apiv1.UpdateMember{Role: "owner"})
			ok(t, err)
			_, err = w.alice.C.UpdateMember(ctx, "devs", "alice", apiv1.UpdateMember{Role: "contributor"})
			ok(t, err)
			// alice is no longer an owner: she cannot manage.
			_, err = w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "oscar", Role: "viewer"})
			wantErr(t, err, 403, "")
			_, err = w.carol.C.UpdateMember(ctx, "devs", "alice", apiv1.UpdateMember{Role: "owner"})
			ok(t, err)
			_, err = w.carol.C.UpdateMember(ctx, "devs", "carol", apiv1.UpdateMember{Role: "contributor"})
			ok(t, err)
			// Deleting the sole owner of a team is refused too.
			wantErr(t, e.admin.DeleteUser(ctx, "bob"), 409, "")
			_, err = e.admin.GetUser(ctx, "bob")
			ok(t, err)
		})

		t.Run("admin manages members", func(t *testing.T) {
			_, err := e.admin.AddMember(ctx, "ops", apiv1.AddMember{Username: "oscar", Role: "contributor"})
			ok(t, err)
			_, err = e.admin.UpdateMember(ctx, "ops", "oscar", apiv1.UpdateMember{Role: "viewer"})
			ok(t, err)
			ok(t, e.admin.RemoveMember(ctx, "ops", "oscar"))
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"m1", "m2", "m3"} {
				e.newUser(t, n)
				_, err := w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: n, Role: "viewer"})
				ok(t, err)
			}
			checkPaging(t, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
				return w.victor.C.ListMembers(ctx, "devs", o)
			}, memberName, "alice", "carol", "victor", "m1", "m2", "m3")
		})
	})
}
