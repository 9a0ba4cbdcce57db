package apitest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestSettings(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		t.Run("defaults and read", func(t *testing.T) {
			s, err := w.oscar.C.GetSettings(ctx)
			ok(t, err)
			want := apiv1.Settings{PushPolicy: "allow-teams", AnonymousPull: true, DeleteEnabled: true,
				ContributorsMayDelete: false, TeamCreation: "everyone", NamespaceCreation: "team-owners", TokenLifetimeSeconds: 300}
			if s != want {
				t.Errorf("defaults = %+v, want %+v", s, want)
			}
			_, err = e.admin.GetSettings(ctx)
			ok(t, err)
			_, err = e.anon(t).GetSettings(ctx)
			wantErr(t, err, 401, "")
		})

		t.Run("update", func(t *testing.T) {
			s, err := e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{PushPolicy: ptr("admin-only"), AnonymousPull: ptr(false),
				TokenLifetimeSeconds: ptr(900)})
			ok(t, err)
			if s.PushPolicy != "admin-only" || s.AnonymousPull || s.TokenLifetimeSeconds != 900 || !s.DeleteEnabled {
				t.Errorf("updated = %+v", s)
			}
			got, err := w.victor.C.GetSettings(ctx)
			ok(t, err)
			if got != s {
				t.Errorf("read back %+v, want %+v", got, s)
			}
			// Partial update keeps the rest.
			s2, err := e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{PushPolicy: ptr("allow-personal")})
			ok(t, err)
			if s2.PushPolicy != "allow-personal" || s2.AnonymousPull || s2.TokenLifetimeSeconds != 900 {
				t.Errorf("partial update = %+v", s2)
			}
		})

		t.Run("admins only", func(t *testing.T) {
			before, err := e.admin.GetSettings(ctx)
			ok(t, err)
			for who, c := range map[string]*client.Client{"owner": w.alice.C, "viewer": w.victor.C, "outsider": w.oscar.C} {
				_, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: ptr("admins")})
				if errStatus(err) != 403 {
					t.Errorf("%s PATCH /settings: %v, want 403", who, err)
				}
			}
			_, err = w.robotC.UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: ptr("admins")})
			wantOneOf(t, err, 401, 403)
			_, err = e.anon(t).UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: ptr("admins")})
			wantErr(t, err, 401, "")
			after, err := e.admin.GetSettings(ctx)
			ok(t, err)
			if after != before {
				t.Errorf("refused updates changed settings: %+v -> %+v", before, after)
			}
		})

		t.Run("validation", func(t *testing.T) {
			before, err := e.admin.GetSettings(ctx)
			ok(t, err)
			for field, in := range map[string]apiv1.UpdateSettings{
				"push_policy":            {PushPolicy: ptr("everyone-pushes")},
				"team_creation":          {TeamCreation: ptr("nobody")},
				"namespace_creation":     {NamespaceCreation: ptr("anyone")},
				"token_lifetime_seconds": {TokenLifetimeSeconds: ptr(-5)},
			} {
				_, err := e.admin.UpdateSettings(ctx, in)
				wantErr(t, err, 400, field)
			}
			// One bad field refuses the whole body.
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: ptr(!before.DeleteEnabled), PushPolicy: ptr("bogus")})
			wantErr(t, err, 400, "push_policy")
			after, err := e.admin.GetSettings(ctx)
			ok(t, err)
			if after != before {
				t.Errorf("refused updates changed settings: %+v -> %+v", before, after)
			}
		})
	})
}

func TestAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		startAt := time.Now().Add(-time.Second)
		w := e.world(t)

		t.Run("admins only", func(t *testing.T) {
			for who, c := range map[string]*client.Client{"owner": w.alice.C, "outsider": w.oscar.C, "robot": w.robotC} {
				_, err := c.ListAudit(ctx, client.AuditQuery{})
				if s := errStatus(err); s != 403 && !(who == "robot" && s == 401) {
					t.Errorf("%s GET /audit: %v, want 403", who, err)
				}
			}
			_, err := e.anon(t).ListAudit(ctx, client.AuditQuery{})
			wantErr(t, err, 401, "")
		})

		t.Run("changes are recorded with their actor", func(t *testing.T) {
			_, err := w.alice.C.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: ptr("audited")})
			ok(t, err)
			p, err := e.admin.ListAudit(ctx, client.AuditQuery{Actor: "alice", PageSize: 200})
			ok(t, err)
			if len(p.Items) == 0 {
				t.Fatal("no audit events by alice")
			}
			var teamUpdate *apiv1.AuditEvent
			for i, ev := range p.Items {
				if ev.Actor != "alice" {
					t.Errorf("actor filter returned %+v", ev)
				}
				if teamUpdate == nil && ev.Outcome == "success" && strings.Contains(ev.Object, "devs") && strings.Contains(ev.Action, "team") {
					teamUpdate = &p.Items[i]
				}
			}
			if teamUpdate == nil {
				t.Fatalf("no successful team event on devs by alice among %+v", p.Items)
			}
			if teamUpdate.Source == "" || teamUpdate.Time.IsZero() || teamUpdate.ID == 0 {
				t.Errorf("event lacks source, time or id: %+v", teamUpdate)
			}
			if teamUpdate.Time.Before(startAt) || teamUpdate.Time.After(time.Now().Add(time.Minute)) {
				t.Errorf("event time %v is off", teamUpdate.Time)
			}

			// Each kind of change by each kind of caller shows up.
			r, _ := e.newRobot(t, w.alice.C, apiv1.CreateRobot{Name: "audited", Team: "devs", Access: []apiv1.RobotAccess{}})
			_, err = w.alice.C.RotateRobotSecret(ctx, r.Name)
			ok(t, err)
			_, err = w.alice.C.CreatePermission(ctx, w.devsPriv, apiv1.CreatePermission{Kind: "user", Name: "oscar", Role: "viewer"})
			ok(t, err)
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{AnonymousPull: ptr(false)})
			ok(t, err)
			ok(t, w.alice.C.DeleteTag(ctx, w.devsPriv+"/app", "v1"))
			tok, err := w.oscar.C.CreateToken(ctx, "oscar", apiv1.CreateToken{Name: "audited"})
			ok(t, err)
			ok(t, w.oscar.C.DeleteToken(ctx, "oscar", tok.ID))

			all := collect(t, 200, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.AuditEvent], error) {
				return e.admin.ListAudit(ctx, client.AuditQuery{PageSize: o.PageSize, PageToken: o.PageToken})
			})
			for _, want := range []struct{ actor, object string }{
				{"alice", "audited"},       // robot create and rotate
				{"alice", "oscar"},         // grant
				{adminName, "settings"},    // settings
				{"alice", "v1"},            // tag delete
				{"oscar", "token"},         // token create and revoke
				{"alice", w.devsPriv},      // namespace creation (world)
				{"bob", "ops"},             // team creation (world)
				{adminName, "user/"},       // user creation (world); objects name the kind
				{"alice", "robot$devs-ci"}, // robot creation (world)
			} {
				found := false
				for _, ev := range all {
					if ev.Actor == want.actor && ev.Outcome == "success" && strings.Contains(ev.Object+" "+ev.Detail, want.object) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no successful event by %s about %q", want.actor, want.object)
				}
			}
			for _, ev := range all {
				if strings.Contains(ev.Detail, tok.Secret) || strings.Contains(ev.Detail, w.robot.Secret) ||
					strings.Contains(ev.Detail, w.alice.Password) {
					t.Errorf("audit event leaks a secret: %+v", ev)
				}
			}
		})

		t.Run("denials are recorded", func(t *testing.T) {
			_, err := w.oscar.C.CreateUser(ctx, apiv1.CreateUser{Username: "sneaky", Password: "sneaky-Secret-1"})
			wantErr(t, err, 403, "")
			p, err := e.admin.ListAudit(ctx, client.AuditQuery{Actor: "oscar", PageSize: 50})
			ok(t, err)
			found := false
			for _, ev := range p.Items {
				found = found || (ev.Outcome == "denied" && strings.Contains(ev.Object+ev.Detail, "sneaky"))
			}
			if !found {
				t.Errorf("refused user creation not audited: %+v", p.Items)
			}
		})

		t.Run("filters", func(t *testing.T) {
			all := collect(t, 200, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.AuditEvent], error) {
				return e.admin.ListAudit(ctx, client.AuditQuery{PageSize: o.PageSize, PageToken: o.PageToken})
			})
			if len(all) < 10 {
				t.Fatalf("only %d audit events", len(all))
			}
			// Newest first, strictly.
			for i := 1; i < len(all); i++ {
				if all[i-1].ID <= all[i].ID || all[i-1].Time.Before(all[i].Time) {
					t.Errorf("not newest first at %d: %+v then %+v", i, all[i-1], all[i])
					break
				}
			}
			pick := all[len(all)/2]

			p, err := e.admin.ListAudit(ctx, client.AuditQuery{Action: pick.Action, PageSize: 200})
			ok(t, err)
			if len(p.Items) == 0 {
				t.Errorf("action filter %q found nothing", pick.Action)
			}
			for _, ev := range p.Items {
				if ev.Action != pick.Action {
					t.Errorf("action filter %q returned %+v", pick.Action, ev)
				}
			}
			p, err = e.admin.ListAudit(ctx, client.AuditQuery{Object: pick.Object, PageSize: 200})
			ok(t, err)
			if len(p.Items) == 0 {
				t.Errorf("object filter %q found nothing", pick.Object)
			}
			for _, ev := range p.Items {
				if !strings.HasPrefix(ev.Object, pick.Object) {
					t.Errorf("object filter %q returned %+v", pick.Object, ev)
				}
			}
			p, err = e.admin.ListAudit(ctx, client.AuditQuery{Actor: "nobody-at-all"})
			ok(t, err)
			if len(p.Items) != 0 {
				t.Errorf("actor filter for nobody returned %d events", len(p.Items))
			}
			p, err = e.admin.ListAudit(ctx, client.AuditQuery{Since: time.Now().Add(time.Hour)})
			ok(t, err)
			if len(p.Items) != 0 {
				t.Errorf("since the future: %d events", len(p.Items))
			}
			p, err = e.admin.ListAudit(ctx, client.AuditQuery{Until: startAt.Add(-time.Hour)})
			ok(t, err)
			if len(p.Items) != 0 {
				t.Errorf("until before the start: %d events", len(p.Items))
			}
			p, err = e.admin.ListAudit(ctx, client.AuditQuery{Since: startAt, Until: time.Now().Add(time.Minute), PageSize: 200})
			ok(t, err)
			if len(p.Items) == 0 {
				t.Error("since/until around the test found nothing")
			}
			r := e.raw(t, "GET", "/api/v1/audit?since=yesterday", "", bearer(w.alice.Token.Secret))
			if r.Status != 403 && r.Status != 400 {
				t.Errorf("non-admin with a bad since: %d", r.Status)
			}
			adminTok, err := e.adminBasic.CreateToken(ctx, adminName, apiv1.CreateToken{Name: "raw"})
			ok(t, err)
			wantRaw(t, e.raw(t, "GET", "/api/v1/audit?since=yesterday", "", bearer(adminTok.Secret)), 400, "since")
			wantRaw(t, e.raw(t, "GET", "/api/v1/audit?until=12", "", bearer(adminTok.Secret)), 400, "until")
		})

		t.Run("paging", func(t *testing.T) {
			one := collect(t, 200, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.AuditEvent], error) {
				return e.admin.ListAudit(ctx, client.AuditQuery{Actor: "alice", PageSize: o.PageSize, PageToken: o.PageToken})
			})
			paged := collect(t, 3, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.AuditEvent], error) {
				return e.admin.ListAudit(ctx, client.AuditQuery{Actor: "alice", PageSize: o.PageSize, PageToken: o.PageToken})
			})
			if a, b := names(one, auditKey), names(paged, auditKey); strings.Join(a, ",") != strings.Join(b, ",") {
				t.Errorf("paged audit %v differs from one page %v", b, a)
			}
			if len(one) < 4 {
				t.Errorf("only %d events by alice", len(one))
			}
		})
	})
}

func TestMe(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)

		me, err := e.admin.Me(ctx)
		ok(t, err)
		if me.Kind != "user" || me.Name != adminName || !me.Admin || !me.CanCreateTeams {
			t.Errorf("admin me = %+v", me)
		}

		me, err = w.alice.C.Me(ctx)
		ok(t, err)
		if me.Kind != "user" || me.Name != "alice" || me.Admin {
			t.Errorf("alice me = %+v", me)
		}
		if len(me.Teams) != 1 || me.Teams[0].Team != "devs" || me.Teams[0].Role != "owner" {
			t.Errorf("alice teams = %+v", me.Teams)
		}
		roles := map[string]apiv1.NSAccess{}
		for _, a := range me.Namespaces {
			roles[a.Namespace] = a
		}
		if a := roles[w.devsPriv]; a.Role != "owner" || !strings.Contains(strings.Join(a.Actions, ","), "push") {
			t.Errorf("alice on %s = %+v", w.devsPriv, a)
		}
		if a := roles["alice"]; a.Role != "owner" {
			t.Errorf("alice on her personal namespace = %+v", a)
		}
		if _, ok := roles[w.opsPriv]; ok {
			t.Errorf("alice has a role on %s: %+v", w.opsPriv, roles[w.opsPriv])
		}

		me, err = w.victor.C.Me(ctx)
		ok(t, err)
		roles = map[string]apiv1.NSAccess{}
		for _, a := range me.Namespaces {
			roles[a.Namespace] = a
		}
		if a := roles[w.devsPriv]; a.Role != "viewer" || strings.Join(a.Actions, ",") != "pull" {
			t.Errorf("victor on %s = %+v", w.devsPriv, a)
		}

		me, err = w.robotC.Me(ctx)
		ok(t, err)
		if me.Kind != "robot" || me.Name != w.robot.Name || me.Admin || len(me.Teams) != 0 || me.CanCreateTeams {
			t.Errorf("robot me = %+v", me)
		}
		if len(me.Namespaces) != 1 || me.Namespaces[0].Namespace != w.devsPriv || me.Namespaces[0].Role != "contributor" {
			t.Errorf("robot namespaces = %+v", me.Namespaces)
		}

		_, err = e.anon(t).Me(ctx)
		wantErr(t, err, 401, "")
		r := e.raw(t, "GET", "/api/v1/me", "", nil)
		wantRaw(t, r, 401, "")
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without a Basic challenge: %q", r.Header.Get("WWW-Authenticate"))
		}
		for _, bad := range []func(*http.Request){bearer("nope"), basic("alice", "wrong-password"), basic("ghost", "whatever-1")} {
			wantRaw(t, e.raw(t, "GET", "/api/v1/me", "", bad), 401, "")
		}
	})
}
