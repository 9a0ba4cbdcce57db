package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func TestRepositories(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false) // owner of A
	carl := h.user("carl", false)   // viewer in A
	dora := h.user("dora", false)   // contributor in A
	eve := h.user("eve", false)     // nobody
	h.team("team-a", "alice", map[string]rbac.Role{"carl": rbac.RoleViewer, "dora": rbac.RoleContributor})
	h.namespace("a-app", "team-a", rbac.Private)
	h.namespace("a-pub", "team-a", rbac.Public)
	h.tag("a-app/web", "latest")
	h.tag("a-app/web", "v1")
	h.tag("a-app/deep/path/svc", "v1")
	h.tag("a-pub/tool", "latest")
	h.tag("busybox", "latest")

	h.run(t, []call{
		{"viewer reads", carl, "GET", "/api/v1/repositories/a-app/web", nil, 200, ""},
		{"nested name", carl, "GET", "/api/v1/repositories/a-app/deep/path/svc", nil, 200, ""},
		{"stranger 404", eve, "GET", "/api/v1/repositories/a-app/web", nil, 404, ""},
		{"stranger tag 404", eve, "GET", "/api/v1/repositories/a-app/web/tags/latest", nil, 404, ""},
		{"public readable", eve, "GET", "/api/v1/repositories/a-pub/tool", nil, 200, ""},
		{"global readable", eve, "GET", "/api/v1/repositories/busybox", nil, 200, ""},
		{"global tag", eve, "GET", "/api/v1/repositories/busybox/tags/latest", nil, 200, ""},
		{"tags list", carl, "GET", "/api/v1/repositories/a-app/web/tags", nil, 200, ""},
		{"tag", carl, "GET", "/api/v1/repositories/a-app/web/tags/v1", nil, 200, ""},
		{"missing tag", carl, "GET", "/api/v1/repositories/a-app/web/tags/nope", nil, 404, ""},
		{"invalid name", carl, "GET", "/api/v1/repositories/A-APP/Web", nil, 404, ""},
		{"viewer cannot describe", carl, "PATCH", "/api/v1/repositories/a-app/web", apiv1.UpdateRepository{Description: ptr("x")}, 403, ""},
		{"stranger cannot describe public", eve, "PATCH", "/api/v1/repositories/a-pub/tool", apiv1.UpdateRepository{Description: ptr("x")}, 403, ""},
		{"contributor describes", dora, "PATCH", "/api/v1/repositories/a-app/web", apiv1.UpdateRepository{Description: ptr("web app")}, 200, ""},
		{"too long description", dora, "PATCH", "/api/v1/repositories/a-app/web", apiv1.UpdateRepository{Description: ptr(strings.Repeat("x", 1025))}, 400, ""},
		{"viewer cannot delete tag", carl, "DELETE", "/api/v1/repositories/a-app/web/tags/v1", nil, 403, ""},
		{"contributor cannot delete", dora, "DELETE", "/api/v1/repositories/a-app/web/tags/v1", nil, 403, ""},
		{"stranger cannot delete", eve, "DELETE", "/api/v1/repositories/a-app/web", nil, 404, ""},
		{"user cannot delete global", eve, "DELETE", "/api/v1/repositories/busybox", nil, 403, ""},
		{"owner deletes tag", alice, "DELETE", "/api/v1/repositories/a-app/web/tags/v1", nil, 204, ""},
		{"tag gone", alice, "GET", "/api/v1/repositories/a-app/web/tags/v1", nil, 404, ""},
		{"owner deletes repo", alice, "DELETE", "/api/v1/repositories/a-app/deep/path/svc", nil, 204, ""},
		{"admin deletes global", h.admin, "DELETE", "/api/v1/repositories/busybox", nil, 204, ""},
	})
	var page apiv1.Page[apiv1.Repository]
	h.do(eve, "GET", "/api/v1/repositories", nil).decode(t, &page)
	for _, r := range page.Items {
		if strings.HasPrefix(r.Name, "a-app/") {
			t.Fatalf("stranger lists private %s", r.Name)
		}
	}
	h.do(carl, "GET", "/api/v1/repositories?namespace=a-app", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "a-app/web" || page.Items[0].Description != "web app" {
		t.Fatalf("viewer's a-app list: %+v", page.Items)
	}
	// Contributors delete only when the settings allow it.
	expect(t, h.do(h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{ContributorsMayDelete: ptr(true)}), 200, "")
	expect(t, h.do(dora, "DELETE", "/api/v1/repositories/a-app/web/tags/latest", nil), http.StatusNoContent, "")
}

func TestSettingsAuditPaging(t *testing.T) {
	h := newHarness(t)
	alice := h.user("alice", false)
	h.run(t, []call{
		{"anyone reads settings", alice, "GET", "/api/v1/settings", nil, 200, ""},
		{"user cannot change", alice, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{AnonymousPull: ptr(false)}, 403, ""},
		{"lifetime too short", h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{TokenLifetimeSeconds: ptr(59)}, 400, "token_lifetime_seconds"},
		{"lifetime too long", h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{TokenLifetimeSeconds: ptr(86401)}, 400, "token_lifetime_seconds"},
		{"bad policy", h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{PushPolicy: ptr("anyone")}, 400, "push_policy"},
		{"bad team creation", h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{TeamCreation: ptr("nobody")}, 400, "team_creation"},
		{"wrong type", h.admin, "PATCH", "/api/v1/settings", `{"anonymous_pull":"yes"}`, 400, "anonymous_pull"},
		{"admin changes", h.admin, "PATCH", "/api/v1/settings", apiv1.UpdateSettings{TokenLifetimeSeconds: ptr(600), PushPolicy: ptr("admin-only")}, 200, ""},
		{"user cannot audit", alice, "GET", "/api/v1/audit", nil, 403, ""},
		{"bad since", h.admin, "GET", "/api/v1/audit?since=yesterday", nil, 400, "since"},
		{"bad until", h.admin, "GET", "/api/v1/audit?until=1", nil, 400, "until"},
		{"bad audit token", h.admin, "GET", "/api/v1/audit?page_token=abc", nil, 400, "page_token"},
		{"page_size zero", alice, "GET", "/api/v1/teams?page_size=0", nil, 400, "page_size"},
		{"page_size negative", alice, "GET", "/api/v1/teams?page_size=-5", nil, 400, "page_size"},
		{"page_size text", alice, "GET", "/api/v1/teams?page_size=1;DROP%20TABLE%20users", nil, 400, "page_size"},
		{"page_size huge clamped", alice, "GET", "/api/v1/teams?page_size=99999999", nil, 200, ""},
		{"bad page token", alice, "GET", "/api/v1/teams?page_token=!!!", nil, 400, "page_token"},
		{"sql in q", alice, "GET", "/api/v1/teams?q=%27%20OR%201=1--", nil, 200, ""},
	})
	var s apiv1.Settings
	h.do(alice, "GET", "/api/v1/settings", nil).decode(t, &s)
	if s.TokenLifetimeSeconds != 600 || s.PushPolicy != "admin-only" {
		t.Fatalf("settings: %+v", s)
	}

	// Paging walks every team exactly once.
	for _, n := range []string{"t1", "t2", "t3", "t4", "t5"} {
		expect(t, h.do(alice, "POST", "/api/v1/teams", apiv1.CreateTeam{Name: n}), 201, "")
	}
	var names []string
	tok := ""
	for i := 0; i < 10; i++ {
		var page apiv1.Page[apiv1.Team]
		h.do(alice, "GET", "/api/v1/teams?page_size=2&page_token="+tok, nil).decode(t, &page)
		for _, it := range page.Items {
			names = append(names, it.Name)
		}
		if page.NextPageToken == "" {
			break
		}
		tok = page.NextPageToken
	}
	if strings.Join(names, ",") != "t1,t2,t3,t4,t5" {
		t.Fatalf("paged teams: %v", names)
	}

	// Audit: changes and denials are recorded with actor and source, and
	// filters work.
	var ev apiv1.Page[apiv1.AuditEvent]
	h.do(h.admin, "GET", "/api/v1/audit?action=settings.update", nil).decode(t, &ev)
	var ok, denied bool
	for _, e := range ev.Items {
		if e.Action != "settings.update" {
			t.Fatalf("filter leaked %+v", e)
		}
		if e.Outcome == "success" && e.Actor == "admin" && e.Source != "" {
			ok = true
		}
		if e.Outcome == "denied" && e.Actor == "alice" {
			denied = true
		}
	}
	if !ok || !denied {
		t.Fatalf("audit of settings.update: %+v", ev.Items)
	}
	h.do(h.admin, "GET", "/api/v1/audit?object=team/t&page_size=2", nil).decode(t, &ev)
	if len(ev.Items) != 2 || ev.NextPageToken == "" {
		t.Fatalf("audit paging: %+v", ev)
	}
	var ev2 apiv1.Page[apiv1.AuditEvent]
	h.do(h.admin, "GET", "/api/v1/audit?object=team/t&page_size=2&page_token="+ev.NextPageToken, nil).decode(t, &ev2)
	if len(ev2.Items) != 2 || ev2.Items[0].ID >= ev.Items[1].ID {
		t.Fatalf("audit page 2: %+v after %+v", ev2.Items, ev.Items)
	}
}
