package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestMeAndListsAcrossNamespaces: /me, the namespace list and the
// repository list, which read the caller's roles on every namespace at
// once, show each role from each of its sources — owning-team membership,
// a grant to the user, a grant to a team the user is in, the personal
// namespace — and nothing of namespaces the caller has no role on.
func TestMeAndListsAcrossNamespaces(t *testing.T) {
	h := newHarness(t)
	bob := h.user("bob", false)
	h.user("olga", false)
	h.team("devs", "olga", map[string]rbac.Role{"bob": rbac.RoleViewer})
	h.team("qa", "olga", map[string]rbac.Role{"bob": rbac.RoleViewer})
	h.team("other", "olga", nil)
	h.namespace("web", "devs", rbac.Private)     // member of the owning team: viewer
	h.namespace("ops", "other", rbac.Private)    // grant to bob: contributor
	h.namespace("data", "other", rbac.Private)   // grant to qa: viewer
	h.namespace("secret", "other", rbac.Private) // nothing
	h.namespace("docs", "other", rbac.Public)    // nothing, but public
	ctx := context.Background()
	for _, p := range []store.Permission{
		{Namespace: "ops", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleContributor},
		{Namespace: "data", Kind: rbac.TeamKind, Name: "qa", Role: rbac.RoleViewer},
		{Namespace: "web", Kind: rbac.UserKind, Name: "bob", Role: rbac.RoleViewer}, // the same role twice
	} {
		if err := h.st.CreatePermission(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, ns := range []string{"web", "ops", "data", "secret", "docs", "bob", "olga"} {
		h.tag(ns+"/app", "v1")
	}

	var me apiv1.Me
	h.do(bob, "GET", "/api/v1/me", nil).decode(t, &me)
	var got []string
	for _, a := range me.Namespaces {
		got = append(got, fmt.Sprintf("%s=%s[%s]", a.Namespace, a.Role, strings.Join(a.Actions, ",")))
	}
	want := []string{"bob=owner[pull,push,delete]", "data=viewer[pull]", "ops=contributor[pull,push]", "web=viewer[pull]"}
	if !slices.Equal(got, want) {
		t.Errorf("/me namespaces = %q, want %q", got, want)
	}

	var nss apiv1.Page[apiv1.Namespace]
	h.do(bob, "GET", "/api/v1/namespaces", nil).decode(t, &nss)
	got = nil
	for _, n := range nss.Items {
		got = append(got, n.Name)
	}
	if want := []string{"bob", "data", "docs", "ops", "web"}; !slices.Equal(got, want) {
		t.Errorf("namespaces listed = %q, want %q", got, want)
	}

	var repos apiv1.Page[apiv1.Repository]
	h.do(bob, "GET", "/api/v1/repositories", nil).decode(t, &repos)
	got = nil
	for _, r := range repos.Items {
		got = append(got, r.Name)
	}
	if want := []string{"bob/app", "data/app", "docs/app", "ops/app", "web/app"}; !slices.Equal(got, want) {
		t.Errorf("repositories listed = %q, want %q", got, want)
	}
}
