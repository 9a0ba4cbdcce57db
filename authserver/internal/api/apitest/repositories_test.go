package apitest

import (
	"context"
	"testing"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

func TestRepositories(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.world(t)
		app := w.devsPriv + "/app"

		t.Run("read", func(t *testing.T) {
			r, err := w.victor.C.GetRepository(ctx, app)
			ok(t, err)
			if r.Name != app || r.Namespace != w.devsPriv || r.TagCount != 2 {
				t.Errorf("repository = %+v", r)
			}
			tg, err := w.victor.C.GetTag(ctx, app, "v1")
			ok(t, err)
			want := e.seeded[app+":v1"]
			if tg.Name != "v1" || tg.Repository != app || tg.Digest != want.Digest || tg.Size != want.Size ||
				tg.MediaType != want.MediaType || tg.PushedBy != adminName || !tg.PushedAt.Equal(want.PushedAt) {
				t.Errorf("tag = %+v, want %+v", tg, want)
			}
			_, err = w.victor.C.GetTag(ctx, app, "nope")
			wantErr(t, err, 404, "")
			_, err = w.victor.C.GetRepository(ctx, w.devsPriv+"/nope")
			wantErr(t, err, 404, "")
		})

		t.Run("pull right decides who reads", func(t *testing.T) {
			type check struct {
				who  string
				c    *client.Client
				repo string
				ok   bool
			}
			var checks []check
			add := func(who string, c *client.Client, repo string, allowed bool) {
				checks = append(checks, check{who, c, repo, allowed})
			}
			for _, u := range []*user{w.alice, w.carol, w.victor} {
				add(u.Name, u.C, app, true)
				add(u.Name, u.C, w.opsPriv+"/db", false)
			}
			for _, u := range []*user{w.bob, w.oscar} {
				add(u.Name, u.C, app, false)
				add(u.Name, u.C, w.devsProt+"/lib", true)
				add(u.Name, u.C, w.devsPub+"/web", true)
				add(u.Name, u.C, "busybox", true)
				add(u.Name, u.C, "alice/tool", false)
			}
			add("alice", w.alice.C, "alice/tool", true)
			add("admin", e.admin, w.opsPriv+"/db", true)
			add("admin", e.admin, "alice/tool", true)
			add("robot", w.robotC, app, true)
			add("robot", w.robotC, w.opsPriv+"/db", false)
			add("robot", w.robotC, w.devsProt+"/lib", false) // robots hold only their grants
			add("token", e.client(t, client.WithBasic("victor", w.victor.Token.Secret)), app, true)

			for _, ck := range checks {
				_, err := ck.c.GetRepository(ctx, ck.repo)
				_, tagErr := ck.c.GetTag(ctx, ck.repo, "latest")
				if ck.ok {
					if err != nil || tagErr != nil {
						t.Errorf("%s reading %s: %v / %v, want allowed", ck.who, ck.repo, err, tagErr)
					}
				} else if errStatus(err) != 404 || errStatus(tagErr) != 404 {
					t.Errorf("%s reading %s: %v / %v, want 404", ck.who, ck.repo, err, tagErr)
				}
			}

			// Anonymous callers have no API access, even to public repositories.
			_, err := e.anon(t).GetRepository(ctx, w.devsPub+"/web")
			wantErr(t, err, 401, "")
		})

		t.Run("list", func(t *testing.T) {
			for who, tc := range map[string]struct {
				c       *client.Client
				want    []string
				notWant []string
			}{
				"outsider": {w.oscar.C, []string{w.devsProt + "/lib", w.devsPub + "/web", "busybox"}, []string{app, w.opsPriv + "/db", "alice/tool"}},
				"viewer":   {w.victor.C, []string{app, w.devsProt + "/lib", "busybox"}, []string{w.opsPriv + "/db", "alice/tool"}},
				"owner":    {w.alice.C, []string{app, "alice/tool"}, []string{w.opsPriv + "/db"}},
				"admin":    {e.admin, []string{app, "alice/tool", w.opsPriv + "/db", "busybox"}, nil},
				"robot":    {w.robotC, []string{app}, []string{w.opsPriv + "/db", "alice/tool", w.devsProt + "/lib"}},
			} {
				all := collect(t, 0, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Repository], error) {
					return tc.c.ListRepositories(ctx, "", o)
				})
				for _, n := range tc.want {
					if !contains(all, repoName, n) {
						t.Errorf("%s's list %v lacks %s", who, names(all, repoName), n)
					}
				}
				for _, n := range tc.notWant {
					if contains(all, repoName, n) {
						t.Errorf("%s's list shows %s", who, n)
					}
				}
			}
			// Filter by namespace.
			p, err := w.victor.C.ListRepositories(ctx, w.devsPriv, client.ListOptions{})
			ok(t, err)
			if got := names(p.Items, repoName); len(got) != 1 || got[0] != app {
				t.Errorf("victor's %s repositories = %v", w.devsPriv, got)
			}
			p, err = w.oscar.C.ListRepositories(ctx, w.devsPriv, client.ListOptions{})
			if err == nil && len(p.Items) != 0 {
				t.Errorf("oscar lists %v in a private namespace", names(p.Items, repoName))
			} else if err != nil {
				wantErr(t, err, 404, "")
			}
		})

		t.Run("describe", func(t *testing.T) {
			r, err := w.alice.C.UpdateRepository(ctx, app, apiv1.UpdateRepository{Description: ptr("the app")})
			ok(t, err)
			if r.Description != "the app" {
				t.Errorf("updated = %+v", r)
			}
			got, err := w.victor.C.GetRepository(ctx, app)
			ok(t, err)
			if got.Description != "the app" {
				t.Errorf("description not kept: %+v", got)
			}
			_, err = w.victor.C.UpdateRepository(ctx, app, apiv1.UpdateRepository{Description: ptr("viewer was here")})
			wantErr(t, err, 403, "")
			_, err = w.oscar.C.UpdateRepository(ctx, app, apiv1.UpdateRepository{Description: ptr("stranger")})
			wantErr(t, err, 404, "")
			_, err = w.oscar.C.UpdateRepository(ctx, w.devsPub+"/web", apiv1.UpdateRepository{Description: ptr("stranger")})
			wantErr(t, err, 403, "")
			_, err = w.oscar.C.UpdateRepository(ctx, "busybox", apiv1.UpdateRepository{Description: ptr("stranger")})
			wantErr(t, err, 403, "")
			if got, _ := e.admin.GetRepository(ctx, app); got.Description != "the app" {
				t.Errorf("refused update applied: %+v", got)
			}
			_, err = e.admin.UpdateRepository(ctx, "busybox", apiv1.UpdateRepository{Description: ptr("global")})
			ok(t, err)
		})

		t.Run("delete right", func(t *testing.T) {
			e.seedTag(t, app, "tmp")
			// Viewer and contributor (contributors_may_delete off): 403.
			for _, c := range []*client.Client{w.victor.C, w.carol.C, w.robotC} {
				wantErr(t, c.DeleteTag(ctx, app, "tmp"), 403, "")
				wantErr(t, c.DeleteRepository(ctx, app), 403, "")
			}
			// Strangers: 404.
			wantErr(t, w.oscar.C.DeleteTag(ctx, app, "tmp"), 404, "")
			wantErr(t, w.bob.C.DeleteRepository(ctx, app), 404, "")
			// Public repo, no role: 403.
			wantErr(t, w.oscar.C.DeleteTag(ctx, w.devsPub+"/web", "latest"), 403, "")
			// Global repo: only admins.
			wantErr(t, w.alice.C.DeleteTag(ctx, "busybox", "latest"), 403, "")
			_, err := e.admin.GetTag(ctx, app, "tmp")
			ok(t, err)

			// Owner deletes.
			ok(t, w.alice.C.DeleteTag(ctx, app, "tmp"))
			_, err = e.admin.GetTag(ctx, app, "tmp")
			wantErr(t, err, 404, "")

			// Contributors may delete once the setting allows it.
			e.seedTag(t, app, "tmp2")
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{ContributorsMayDelete: ptr(true)})
			ok(t, err)
			ok(t, w.carol.C.DeleteTag(ctx, app, "tmp2"))
			wantErr(t, w.victor.C.DeleteTag(ctx, app, "v1"), 403, "")

			// Nobody deletes while deletes are off.
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: ptr(false)})
			ok(t, err)
			wantErr(t, w.alice.C.DeleteTag(ctx, app, "v1"), 403, "")
			wantErr(t, w.alice.C.DeleteRepository(ctx, app), 403, "")
			_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: ptr(true), ContributorsMayDelete: ptr(false)})
			ok(t, err)

			// Repository delete takes its tags.
			ok(t, w.alice.C.DeleteRepository(ctx, app))
			_, err = e.admin.GetRepository(ctx, app)
			wantErr(t, err, 404, "")
			_, err = e.admin.GetTag(ctx, app, "v1")
			wantErr(t, err, 404, "")
			// Admin deletes anywhere.
			ok(t, e.admin.DeleteRepository(ctx, "busybox"))
			ok(t, e.admin.DeleteTag(ctx, w.opsPriv+"/db", "latest"))
			// Own personal namespace: its owner deletes.
			ok(t, w.alice.C.DeleteRepository(ctx, "alice/tool"))
		})

		t.Run("nested names", func(t *testing.T) {
			deep := w.devsPub + "/group/sub/app"
			e.seedTag(t, deep, "1.0")
			r, err := w.oscar.C.GetRepository(ctx, deep)
			ok(t, err)
			if r.Name != deep || r.Namespace != w.devsPub {
				t.Errorf("nested = %+v", r)
			}
			tg, err := w.oscar.C.GetTag(ctx, deep, "1.0")
			ok(t, err)
			if tg.Repository != deep {
				t.Errorf("nested tag = %+v", tg)
			}
			ok(t, w.alice.C.DeleteTag(ctx, deep, "1.0"))
		})

		t.Run("tag paging", func(t *testing.T) {
			repo := w.devsPub + "/many"
			for _, tg := range []string{"a", "b", "c", "d", "e"} {
				e.seedTag(t, repo, tg)
			}
			checkPaging(t, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Tag], error) {
				return w.oscar.C.ListTags(ctx, repo, o)
			}, tagName, "a", "b", "c", "d", "e")
			_, err := w.oscar.C.ListTags(ctx, w.opsPriv+"/db", client.ListOptions{})
			wantErr(t, err, 404, "")
		})

		t.Run("repository paging", func(t *testing.T) {
			for _, r := range []string{"r1", "r2", "r3", "r4"} {
				e.seedTag(t, w.devsProt+"/"+r, "latest")
			}
			checkPaging(t, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Repository], error) {
				return w.oscar.C.ListRepositories(ctx, "", o)
			}, repoName, w.devsProt+"/r1", w.devsProt+"/r2", w.devsProt+"/r3", w.devsProt+"/r4")
		})
	})
}
