package apitest

import (
	"context"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		t.Run("lifecycle", func(t *testing.T) {
			u, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "dora", Email: "dora@example.com", DisplayName: "Dora", Password: "dora-Secret-1"})
			ok(t, err)
			if u.Username != "dora" || u.Email != "dora@example.com" || u.DisplayName != "Dora" || u.Admin || !u.Enabled || u.Bot {
				t.Errorf("created = %+v", u)
			}
			if u.CreatedAt.IsZero() {
				t.Error("created_at is zero")
			}
			got, err := e.admin.GetUser(ctx, "dora")
			ok(t, err)
			if got.Username != "dora" || got.Email != "dora@example.com" {
				t.Errorf("get = %+v", got)
			}
			_, err = e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "dora", Password: "x-Secret-1"})
			wantErr(t, err, 409, "")

			upd, err := e.admin.UpdateUser(ctx, "dora", apiv1.UpdateUser{DisplayName: ptr("Dora D."), Email: ptr("d@example.com")})
			ok(t, err)
			if upd.DisplayName != "Dora D." || upd.Email != "d@example.com" {
				t.Errorf("updated = %+v", upd)
			}
			if got, _ := e.admin.GetUser(ctx, "dora"); got.DisplayName != "Dora D." {
				t.Errorf("update not persisted: %+v", got)
			}

			page, err := e.admin.ListUsers(ctx, client.ListOptions{})
			ok(t, err)
			if !contains(page.Items, userName, "dora") || !contains(page.Items, userName, adminName) {
				t.Errorf("list = %v", names(page.Items, userName))
			}

			ok(t, e.admin.DeleteUser(ctx, "dora"))
			_, err = e.admin.GetUser(ctx, "dora")
			wantErr(t, err, 404, "")
			wantErr(t, e.admin.DeleteUser(ctx, "dora"), 404, "")
			_, err = e.admin.UpdateUser(ctx, "dora", apiv1.UpdateUser{DisplayName: ptr("x")})
			wantErr(t, err, 404, "")
		})

		t.Run("validation", func(t *testing.T) {
			_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "Bad Name", Password: "x-Secret-1"})
			wantErr(t, err, 400, "username")
			_, err = e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "emil", Email: "not an email", Password: "x-Secret-1"})
			wantErr(t, err, 400, "email")
			_, err = e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "emil", Password: ""})
			wantErr(t, err, 400, "password")
			_, err = e.admin.GetUser(ctx, "emil")
			wantErr(t, err, 404, "")
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"pa", "pb", "pc", "pd", "pe"} {
				e.newUser(t, n)
			}
			checkPaging(t, e.admin.ListUsers, userName, adminName, "pa", "pb", "pc", "pd", "pe")
			// q filters by a substring of the name.
			p, err := e.admin.ListUsers(ctx, client.ListOptions{Query: "P"})
			ok(t, err)
			for _, u := range p.Items {
				if !strings.Contains(u.Username, "p") {
					t.Errorf("q=P returned %q", u.Username)
				}
			}
			for _, n := range []string{"pa", "pb", "pc", "pd", "pe"} {
				if !contains(p.Items, userName, n) {
					t.Errorf("q=P returned %v, without %s", names(p.Items, userName), n)
				}
			}
			if contains(p.Items, userName, "alice") || contains(p.Items, userName, "dora") {
				t.Errorf("q=P returned %v", names(p.Items, userName))
			}
		})

		t.Run("personal namespace", func(t *testing.T) {
			fay := e.newUser(t, "fay")
			ns, err := fay.C.GetNamespace(ctx, "fay")
			ok(t, err)
			if ns.Kind != "personal" || ns.Owner != "fay" || ns.Visibility != "private" || ns.Team != "" {
				t.Errorf("personal namespace = %+v", ns)
			}
			ns, err = e.admin.GetNamespace(ctx, "fay")
			ok(t, err)
			if ns.Kind != "personal" {
				t.Errorf("admin sees %+v", ns)
			}
			// Private: another user sees nothing.
			gus := e.newUser(t, "gus")
			_, err = gus.C.GetNamespace(ctx, "fay")
			wantErr(t, err, 404, "")

			// A bot user has no personal namespace.
			_, err = e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "buildbot", Password: "bot-Secret-1", Bot: true})
			ok(t, err)
			_, err = e.admin.GetNamespace(ctx, "buildbot")
			wantErr(t, err, 404, "")

			// A namespace named like a new user blocks that username.
			_, err = e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "nsteam", Owner: "gus"})
			ok(t, err)
			_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "hal", Team: "nsteam"})
			ok(t, err)
			_, err = e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "hal", Password: "hal-Secret-1"})
			wantErr(t, err, 409, "")
		})

		t.Run("self service", func(t *testing.T) {
			ivy := e.newUser(t, "ivy")
			me, err := ivy.C.GetUser(ctx, "ivy")
			ok(t, err)
			if me.Username != "ivy" {
				t.Errorf("self = %+v", me)
			}
			upd, err := ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Email: ptr("ivy@new.example"), DisplayName: ptr("Ivy")})
			ok(t, err)
			if upd.Email != "ivy@new.example" || upd.DisplayName != "Ivy" || upd.Admin {
				t.Errorf("self update = %+v", upd)
			}

			// Password: needs the current one.
			_, err = ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Password: ptr("ivy-New-Secret-2")})
			wantErr(t, err, 400, "current_password")
			_, err = ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Password: ptr("ivy-New-Secret-2"), CurrentPassword: ptr("wrong-password")})
			wantOneOf(t, err, 400, 403)
			_, err = ivy.Basic.Me(ctx)
			ok(t, err) // old password still works
			_, err = ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Password: ptr("ivy-New-Secret-2"), CurrentPassword: ptr(ivy.Password)})
			ok(t, err)
			_, err = ivy.Basic.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.client(t, client.WithBasic("ivy", "ivy-New-Secret-2")).Me(ctx)
			ok(t, err)

			// Admin-only fields: 400 naming the field, and nothing applied.
			_, err = ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Admin: ptr(true)})
			wantErr(t, err, 400, "admin")
			_, err = ivy.C.UpdateUser(ctx, "ivy", apiv1.UpdateUser{Enabled: ptr(false), DisplayName: ptr("Changed")})
			wantErr(t, err, 400, "enabled")
			got, err := e.admin.GetUser(ctx, "ivy")
			ok(t, err)
			if got.Admin || !got.Enabled || got.DisplayName != "Ivy" {
				t.Errorf("refused self update applied something: %+v", got)
			}

			// Other users: not readable, not writable, not deletable.
			jon := e.newUser(t, "jon")
			_, errOther := ivy.C.GetUser(ctx, "jon")
			_, errNone := ivy.C.GetUser(ctx, "nobody-here")
			wantOneOf(t, errOther, 403, 404)
			if errStatus(errOther) != errStatus(errNone) {
				t.Errorf("another user answers %d, a missing one %d: existence leaks", errStatus(errOther), errStatus(errNone))
			}
			_, err = ivy.C.UpdateUser(ctx, "jon", apiv1.UpdateUser{DisplayName: ptr("pwned")})
			wantOneOf(t, err, 403, 404)
			wantOneOf(t, ivy.C.DeleteUser(ctx, "jon"), 403, 404)
			if got, _ := e.admin.GetUser(ctx, "jon"); got.DisplayName == "pwned" {
				t.Error("another user's profile changed")
			}
			_, err = jon.C.Me(ctx)
			ok(t, err)

			// Only admins create users.
			_, err = ivy.C.CreateUser(ctx, apiv1.CreateUser{Username: "kim", Password: "kim-Secret-1"})
			wantErr(t, err, 403, "")
			_, err = e.admin.GetUser(ctx, "kim")
			wantErr(t, err, 404, "")
		})

		t.Run("admin manages users", func(t *testing.T) {
			lea := e.newUser(t, "lea")
			// Disable: her credentials stop working at once.
			u, err := e.admin.UpdateUser(ctx, "lea", apiv1.UpdateUser{Enabled: ptr(false)})
			ok(t, err)
			if u.Enabled {
				t.Errorf("still enabled: %+v", u)
			}
			_, err = lea.C.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = lea.Basic.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.admin.UpdateUser(ctx, "lea", apiv1.UpdateUser{Enabled: ptr(true)})
			ok(t, err)
			_, err = lea.C.Me(ctx)
			ok(t, err)

			// Promote, then she may do admin things; demote, and she may not.
			_, err = e.admin.UpdateUser(ctx, "lea", apiv1.UpdateUser{Admin: ptr(true)})
			ok(t, err)
			_, err = lea.C.ListAudit(ctx, client.AuditQuery{PageSize: 1})
			ok(t, err)
			_, err = e.admin.UpdateUser(ctx, "lea", apiv1.UpdateUser{Admin: ptr(false)})
			ok(t, err)
			_, err = lea.C.ListAudit(ctx, client.AuditQuery{PageSize: 1})
			wantErr(t, err, 403, "")

			// Admin sets a password without knowing the old one.
			_, err = e.admin.UpdateUser(ctx, "lea", apiv1.UpdateUser{Password: ptr("lea-Reset-Secret-3")})
			ok(t, err)
			_, err = e.client(t, client.WithBasic("lea", "lea-Reset-Secret-3")).Me(ctx)
			ok(t, err)

			// Deleting a user kills her tokens and her personal namespace.
			ok(t, e.admin.DeleteUser(ctx, "lea"))
			_, err = lea.C.Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.admin.GetNamespace(ctx, "lea")
			wantErr(t, err, 404, "")
		})

		t.Run("last admin", func(t *testing.T) {
			wantErr(t, e.admin.DeleteUser(ctx, adminName), 409, "")
			_, err := e.admin.UpdateUser(ctx, adminName, apiv1.UpdateUser{Admin: ptr(false)})
			wantErr(t, err, 409, "")
			_, err = e.admin.UpdateUser(ctx, adminName, apiv1.UpdateUser{Enabled: ptr(false)})
			wantErr(t, err, 409, "")
			got, err := e.admin.GetUser(ctx, adminName)
			ok(t, err)
			if !got.Admin || !got.Enabled {
				t.Fatalf("last admin changed: %+v", got)
			}
			// With a second admin, the first may step down.
			e.newUser(t, "second", asAdmin)
			_, err = e.admin.UpdateUser(ctx, "second", apiv1.UpdateUser{Enabled: ptr(false)})
			ok(t, err)
			// A disabled admin does not count.
			_, err = e.admin.UpdateUser(ctx, adminName, apiv1.UpdateUser{Admin: ptr(false)})
			wantErr(t, err, 409, "")
			_, err = e.admin.UpdateUser(ctx, "second", apiv1.UpdateUser{Enabled: ptr(true)})
			ok(t, err)
			ok(t, e.admin.DeleteUser(ctx, "second"))
		})
	})
}
