package apitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestRobots(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("lifecycle", func(t *testing.T) {
			exp := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
			r, rc := e.newRobot(t, w.alice.C, apiv1.CreateRobot{
				Name: "deployer", Description: "deploys", Team: "devs", ExpiresAt: &exp,
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}, {Namespace: w.devsPub, Role: "contributor"}},
			})
			if r.Name != "robot$deployer" || r.Team != "devs" || !r.Enabled || r.Description != "deploys" || r.CreatedBy != "alice" {
				t.Errorf("created = %+v", r)
			}
			if r.ExpiresAt == nil || !r.ExpiresAt.Equal(exp) {
				t.Errorf("expires_at = %v, want %v", r.ExpiresAt, exp)
			}
			if len(r.Access) != 2 {
				t.Errorf("access = %+v", r.Access)
			}
			_, err := w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "deployer", Team: "devs", Access: []apiv1.RobotAccess{}})
			wantErr(t, err, 409, "")
			_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "robot$deployer", Team: "devs", Access: []apiv1.RobotAccess{}})
			wantErr(t, err, 409, "")

			// The robot authenticates as Bearer and sees what it was given.
			me, err := rc.Me(ctx)
			ok(t, err)
			if me.Kind != "robot" || me.Name != "robot$deployer" || me.Admin {
				t.Errorf("robot me = %+v", me)
			}
			_, err = rc.GetRepository(ctx, w.devsPriv+"/app")
			ok(t, err)
			_, err = rc.GetRepository(ctx, w.opsPriv+"/db")
			wantErr(t, err, 404, "")

			// The secret appears once.
			got, err := w.alice.C.GetRobot(ctx, "robot$deployer")
			ok(t, err)
			if got.Secret != "" {
				t.Error("GET shows the secret")
			}
			raw := e.raw(t, "GET", "/api/v1/robots", "", bearer(w.alice.Token.Secret))
			wantRaw(t, raw, 200, "")
			if strings.Contains(raw.Body, r.Secret) || strings.Contains(raw.Body, `"secret"`) {
				t.Errorf("robot list shows a secret: %s", raw.Body)
			}
			// The name without the prefix addresses it too.
			got2, err := w.alice.C.GetRobot(ctx, "deployer")
			if err == nil && got2.Name != "robot$deployer" {
				t.Errorf("get without prefix = %+v", got2)
			}

			// Update: access replaced, description changed, expiry cleared.
			upd, err := w.alice.C.UpdateRobot(ctx, "robot$deployer", apiv1.UpdateRobot{
				Description: ptr("deploys prod"), ClearExpiry: true,
				Access: &[]apiv1.RobotAccess{{Namespace: w.devsProt, Role: "viewer"}},
			})
			ok(t, err)
			if upd.Description != "deploys prod" || upd.ExpiresAt != nil || len(upd.Access) != 1 || upd.Access[0].Namespace != w.devsProt {
				t.Errorf("updated = %+v", upd)
			}
			_, err = rc.GetRepository(ctx, w.devsPriv+"/app")
			wantErr(t, err, 404, "")

			// Rotation: the old secret dies, the new one works.
			rot, err := w.alice.C.RotateRobotSecret(ctx, "robot$deployer")
			ok(t, err)
			if rot.Secret == "" || rot.Secret == r.Secret {
				t.Fatalf("rotated secret = %q", rot.Secret)
			}
			_, err = rc.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.client(t, client.WithToken(rot.Secret)).Me(ctx)
			ok(t, err)

			ok(t, w.alice.C.DeleteRobot(ctx, "robot$deployer"))
			_, err = w.alice.C.GetRobot(ctx, "robot$deployer")
			wantErr(t, err, 404, "")
			_, err = e.client(t, client.WithToken(rot.Secret)).Me(ctx)
			wantErr(t, err, 401, "")
			wantErr(t, w.alice.C.DeleteRobot(ctx, "robot$deployer"), 404, "")
		})

		t.Run("disabled and expired", func(t *testing.T) {
			r, rc := e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: "sleepy", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}}})
			_, err := rc.Me(ctx)
			ok(t, err)
			_, err = w.alice.C.UpdateRobot(ctx, r.Name, apiv1.UpdateRobot{Enabled: ptr(false)})
			ok(t, err)
			_, err = rc.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = rc.GetRepository(ctx, w.devsPriv+"/app")
			wantErr(t, err, 401, "")
			_, err = w.alice.C.UpdateRobot(ctx, r.Name, apiv1.UpdateRobot{Enabled: ptr(true)})
			ok(t, err)
			_, err = rc.Me(ctx)
			ok(t, err)

			past := time.Now().Add(-time.Minute)
			_, err = w.alice.C.UpdateRobot(ctx, r.Name, apiv1.UpdateRobot{ExpiresAt: &past})
			if err != nil {
				// Refusing an expiry in the past is acceptable; then make one that lapses.
				wantErr(t, err, 400, "expires_at")
				soon := time.Now().Add(1500 * time.Millisecond)
				_, err = w.alice.C.UpdateRobot(ctx, r.Name, apiv1.UpdateRobot{ExpiresAt: &soon})
				ok(t, err)
				time.Sleep(2 * time.Second)
			}
			_, err = rc.Me(ctx)
			wantErr(t, err, 401, "")

			// Created disabled: no access from the start.
			_, rc2 := e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: "born-off", Team: "devs", Enabled: ptr(false),
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}}})
			_, err = rc2.Me(ctx)
			wantErr(t, err, 401, "")
		})

		t.Run("team boundaries", func(t *testing.T) {
			// Access to another team's namespace: 403, nothing created.
			_, err := w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "spy", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: w.opsPriv, Role: "viewer"}}})
			wantErr(t, err, 403, "")
			_, err = e.admin.GetRobot(ctx, "robot$spy")
			wantErr(t, err, 404, "")
			// A robot of a team one does not own.
			_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "spy", Team: "ops", Access: []apiv1.RobotAccess{}})
			wantErr(t, err, 403, "")
			// Only owners make robots.
			_, err = w.carol.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "carolbot", Team: "devs", Access: []apiv1.RobotAccess{}})
			wantErr(t, err, 403, "")
			// System robots (no team) are for admins.
			_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "sysbot", Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}}})
			wantErr(t, err, 403, "")
			for _, n := range []string{"robot$spy", "robot$carolbot", "robot$sysbot"} {
				_, err = e.admin.GetRobot(ctx, n)
				wantErr(t, err, 404, "")
			}

			// Another team's robots are invisible: 404 for every verb.
			ops, _ := e.newRobot(t, w.bob.C, apiv1.CreateRobot{Name: "ops-ci", Team: "ops",
				Access: []apiv1.RobotAccess{{Namespace: w.opsPriv, Role: "contributor"}}})
			_, err = w.alice.C.GetRobot(ctx, ops.Name)
			wantErr(t, err, 404, "")
			_, err = w.alice.C.UpdateRobot(ctx, ops.Name, apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "owner"}}})
			wantErr(t, err, 404, "")
			_, err = w.alice.C.RotateRobotSecret(ctx, ops.Name)
			wantErr(t, err, 404, "")
			wantErr(t, w.alice.C.DeleteRobot(ctx, ops.Name), 404, "")
			list := collect(t, 0, w.alice.C.ListRobots)
			if contains(list, robotName, ops.Name) {
				t.Errorf("alice lists ops' robot: %v", names(list, robotName))
			}
			if !contains(list, robotName, w.robot.Name) {
				t.Errorf("alice's list %v lacks her team's robot", names(list, robotName))
			}
			got, err := e.admin.GetRobot(ctx, ops.Name)
			ok(t, err)
			if len(got.Access) != 1 || got.Access[0].Namespace != w.opsPriv || got.Access[0].Role != "contributor" {
				t.Errorf("ops robot changed: %+v", got)
			}
			// Outsiders see no robots; members below owner do not manage them.
			if l := collect(t, 0, w.oscar.C.ListRobots); len(l) != 0 {
				t.Errorf("oscar lists robots %v", names(l, robotName))
			}
			_, err = w.carol.C.RotateRobotSecret(ctx, w.robot.Name)
			wantOneOf(t, err, 403, 404)
			wantOneOf(t, w.victor.C.DeleteRobot(ctx, w.robot.Name), 403, 404)
			// Widening one's own robot to another team's namespace: 403.
			_, err = w.alice.C.UpdateRobot(ctx, w.robot.Name, apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{{Namespace: w.opsPriv, Role: "viewer"}}})
			wantErr(t, err, 403, "")
			// A robot cannot manage robots, not even itself.
			_, err = w.robotC.RotateRobotSecret(ctx, w.robot.Name)
			wantOneOf(t, err, 401, 403, 404)
			_, err = w.robotC.CreateRobot(ctx, apiv1.CreateRobot{Name: "child", Team: "devs", Access: []apiv1.RobotAccess{}})
			wantOneOf(t, err, 401, 403)
			_, err = w.robotC.Me(ctx)
			ok(t, err)
		})

		t.Run("admin system robots", func(t *testing.T) {
			r, rc := e.newRobot(t, e.admin, apiv1.CreateRobot{Name: "sync", Description: "catalog sync",
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "viewer"}, {Namespace: w.opsPriv, Role: "viewer"}}})
			if r.Team != "" {
				t.Errorf("system robot has team %q", r.Team)
			}
			_, err := rc.GetRepository(ctx, w.opsPriv+"/db")
			ok(t, err)
			// Team owners do not manage system robots.
			_, err = w.alice.C.GetRobot(ctx, r.Name)
			wantErr(t, err, 404, "")
			all := collect(t, 0, e.admin.ListRobots)
			if !contains(all, robotName, r.Name) || !contains(all, robotName, w.robot.Name) {
				t.Errorf("admin lists %v", names(all, robotName))
			}
		})

		t.Run("validation", func(t *testing.T) {
			_, err := w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "Bad Bot", Team: "devs", Access: []apiv1.RobotAccess{}})
			wantErr(t, err, 400, "name")
			_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "rolebot", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "emperor"}}})
			wantOneOf(t, err, 400)
			_, err = w.alice.C.CreateRobot(ctx, apiv1.CreateRobot{Name: "nsbot", Team: "devs",
				Access: []apiv1.RobotAccess{{Namespace: "no-such-ns", Role: "viewer"}}})
			wantOneOf(t, err, 400, 403, 404)
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"pr-a", "pr-b", "pr-c"} {
				e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: n, Team: "devs", Access: []apiv1.RobotAccess{}})
			}
			checkPaging(t, e.admin.ListRobots, robotName, "robot$pr-a", "robot$pr-b", "robot$pr-c", w.robot.Name)
			checkPaging(t, w.alice.C.ListRobots, robotName, "robot$pr-a", "robot$pr-b", "robot$pr-c", w.robot.Name)
		})
	})
}
