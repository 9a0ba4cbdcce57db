package apitest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		mia := e.newUser(t, "mia")
		ned := e.newUser(t, "ned")

		t.Run("lifecycle", func(t *testing.T) {
			tok, err := mia.C.CreateToken(ctx, "mia", apiv1.CreateToken{Name: "laptop"})
			ok(t, err)
			if tok.ID == "" || tok.Secret == "" || tok.Name != "laptop" || tok.Username != "mia" {
				t.Fatalf("created = %+v", tok)
			}
			if len(tok.Secret) < 20 {
				t.Errorf("secret %d chars long, want a long random one", len(tok.Secret))
			}

			// The secret is never shown again.
			list := collect(t, 0, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Token], error) {
				return mia.C.ListTokens(ctx, "mia", o)
			})
			found := false
			for _, x := range list {
				if x.Secret != "" {
					t.Errorf("listed token %s shows its secret", x.Name)
				}
				found = found || x.ID == tok.ID
			}
			if !found {
				t.Errorf("new token not listed: %v", names(list, tokenName))
			}
			r := e.raw(t, "GET", "/api/v1/users/mia/tokens", "", bearer(mia.Token.Secret))
			wantRaw(t, r, 200, "")
			if strings.Contains(r.Body, tok.Secret) || strings.Contains(r.Body, `"secret"`) {
				t.Errorf("token list leaks a secret: %s", r.Body)
			}

			// Bearer on the API and Basic password both work.
			me, err := e.client(t, client.WithToken(tok.Secret)).Me(ctx)
			ok(t, err)
			if me.Kind != "user" || me.Name != "mia" {
				t.Errorf("me via bearer = %+v", me)
			}
			me, err = e.client(t, client.WithBasic("mia", tok.Secret)).Me(ctx)
			ok(t, err)
			if me.Name != "mia" {
				t.Errorf("me via basic = %+v", me)
			}
			// A token is bound to its user: another name with it fails.
			_, err = e.client(t, client.WithBasic("ned", tok.Secret)).Me(ctx)
			wantErr(t, err, 401, "")

			// Revocation is immediate.
			ok(t, mia.C.DeleteToken(ctx, "mia", tok.ID))
			_, err = e.client(t, client.WithToken(tok.Secret)).Me(ctx)
			wantErr(t, err, 401, "")
			_, err = e.client(t, client.WithBasic("mia", tok.Secret)).Me(ctx)
			wantErr(t, err, 401, "")
			wantErr(t, mia.C.DeleteToken(ctx, "mia", tok.ID), 404, "")
		})

		t.Run("expiry", func(t *testing.T) {
			past := time.Now().Add(-time.Hour)
			tok, err := mia.C.CreateToken(ctx, "mia", apiv1.CreateToken{Name: "old", ExpiresAt: &past})
			if err == nil {
				// Accepting an expiry in the past is fine as long as the token is useless.
				_, err = e.client(t, client.WithToken(tok.Secret)).Me(ctx)
				wantErr(t, err, 401, "")
			} else {
				wantErr(t, err, 400, "expires_at")
			}
			future := time.Now().Add(time.Hour)
			tok, err = mia.C.CreateToken(ctx, "mia", apiv1.CreateToken{Name: "soon", ExpiresAt: &future})
			ok(t, err)
			if tok.ExpiresAt == nil || tok.ExpiresAt.Sub(future).Abs() > time.Second {
				t.Errorf("expires_at = %v, want %v", tok.ExpiresAt, future)
			}
			_, err = e.client(t, client.WithToken(tok.Secret)).Me(ctx)
			ok(t, err)
		})

		t.Run("own tokens only", func(t *testing.T) {
			nedTok, err := ned.C.CreateToken(ctx, "ned", apiv1.CreateToken{Name: "ned-ci"})
			ok(t, err)
			_, err = mia.C.CreateToken(ctx, "ned", apiv1.CreateToken{Name: "stolen"})
			wantOneOf(t, err, 403, 404)
			_, err = mia.C.ListTokens(ctx, "ned", client.ListOptions{})
			wantOneOf(t, err, 403, 404)
			wantOneOf(t, mia.C.DeleteToken(ctx, "ned", nedTok.ID), 403, 404)
			// Naming ned's token id under mia's own path must not reach it.
			wantErr(t, mia.C.DeleteToken(ctx, "mia", nedTok.ID), 404, "")
			_, err = e.client(t, client.WithToken(nedTok.Secret)).Me(ctx)
			ok(t, err)

			// Admins manage anyone's tokens.
			adm, err := e.admin.CreateToken(ctx, "ned", apiv1.CreateToken{Name: "by-admin"})
			ok(t, err)
			if adm.Username != "ned" || adm.Secret == "" {
				t.Errorf("admin-made token = %+v", adm)
			}
			me, err := e.client(t, client.WithToken(adm.Secret)).Me(ctx)
			ok(t, err)
			if me.Name != "ned" || me.Admin {
				t.Errorf("admin-made token acts as %+v, want ned without admin rights", me)
			}
			list, err := e.admin.ListTokens(ctx, "ned", client.ListOptions{})
			ok(t, err)
			if !contains(list.Items, tokenName, "by-admin") || !contains(list.Items, tokenName, "ned-ci") {
				t.Errorf("admin lists %v", names(list.Items, tokenName))
			}
			ok(t, e.admin.DeleteToken(ctx, "ned", adm.ID))
			_, err = e.client(t, client.WithToken(adm.Secret)).Me(ctx)
			wantErr(t, err, 401, "")
		})

		t.Run("paging", func(t *testing.T) {
			for _, n := range []string{"t1", "t2", "t3", "t4"} {
				_, err := ned.C.CreateToken(ctx, "ned", apiv1.CreateToken{Name: n})
				ok(t, err)
			}
			all := collect(t, 2, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Token], error) {
				return ned.C.ListTokens(ctx, "ned", o)
			})
			ids := map[string]bool{}
			for _, x := range all {
				if ids[x.ID] {
					t.Errorf("token %s listed twice", x.ID)
				}
				ids[x.ID] = true
			}
			for _, n := range []string{"t1", "t2", "t3", "t4", "suite"} {
				if !contains(all, tokenName, n) {
					t.Errorf("paged list %v lacks %s", names(all, tokenName), n)
				}
			}
		})

		t.Run("children die with their parent", func(t *testing.T) {
			// Issue 8: a token made with a token is its child — revoking a
			// leaked token revokes what it made; and it lives no longer.
			ola := e.newUser(t, "ola")
			child, err := ola.C.CreateToken(ctx, "ola", apiv1.CreateToken{Name: "child"})
			ok(t, err)
			grandchild, err := e.client(t, client.WithToken(child.Secret)).CreateToken(ctx, "ola", apiv1.CreateToken{Name: "grandchild"})
			ok(t, err)
			byPassword, err := ola.Basic.CreateToken(ctx, "ola", apiv1.CreateToken{Name: "by-password"})
			ok(t, err)
			ok(t, ola.Basic.DeleteToken(ctx, "ola", ola.Token.ID))
			for _, s := range []string{child.Secret, grandchild.Secret} {
				_, err = e.client(t, client.WithToken(s)).Me(ctx)
				wantErr(t, err, 401, "")
			}
			_, err = e.client(t, client.WithToken(byPassword.Secret)).Me(ctx)
			ok(t, err)

			soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			parent, err := ola.Basic.CreateToken(ctx, "ola", apiv1.CreateToken{Name: "expiring", ExpiresAt: &soon})
			ok(t, err)
			later, err := e.client(t, client.WithToken(parent.Secret)).CreateToken(ctx, "ola", apiv1.CreateToken{Name: "forever"})
			ok(t, err)
			if later.ExpiresAt == nil || later.ExpiresAt.After(soon) {
				t.Errorf("a child of a token expiring at %s expires at %v", soon, later.ExpiresAt)
			}
		})

		t.Run("robots have no tokens", func(t *testing.T) {
			_, err := e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "tokteam", Owner: "mia"})
			ok(t, err)
			_, rc := e.newRobot(t, mia.C, apiv1.CreateRobot{Name: "tokbot", Team: "tokteam", Access: []apiv1.RobotAccess{}})
			_, err = rc.CreateToken(ctx, "mia", apiv1.CreateToken{Name: "x"})
			wantOneOf(t, err, 403, 404)
		})
	})
}
