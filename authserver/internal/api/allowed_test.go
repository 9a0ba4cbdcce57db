package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestAllowedValuesMatchDomain holds the wire contract's lists of allowed
// values (which clients and the provider validate against) equal to the
// domain's (rbac's, and mediatype's artifact kinds), in the same order.
func TestAllowedValuesMatchDomain(t *testing.T) {
	for _, tt := range []struct {
		name       string
		wire, rbac []string
	}{
		{"Roles", apiv1.Roles, strs(rbac.Roles)},
		{"Visibilities", apiv1.Visibilities, strs(rbac.Visibilities)},
		{"PushPolicies", apiv1.PushPolicies, strs(rbac.PushPolicies)},
		{"TeamCreations", apiv1.TeamCreations, strs(rbac.TeamCreations)},
		{"NamespaceCreations", apiv1.NamespaceCreations, strs(rbac.NamespaceCreations)},
		{"PermissionKinds", apiv1.PermissionKinds, strs(rbac.GranteeKinds)},
		{"NamespaceKinds", apiv1.NamespaceKinds, strs(rbac.NamespaceKinds)},
		{"Kinds", apiv1.Kinds, mediatype.Kinds},
	} {
		if !slices.Equal(tt.wire, tt.rbac) {
			t.Errorf("apiv1.%s = %q, rbac has %q", tt.name, tt.wire, tt.rbac)
		}
	}
	// Every listed value is one the domain accepts.
	for _, v := range apiv1.Roles {
		if !rbac.Role(v).Valid() {
			t.Errorf("role %q not valid in rbac", v)
		}
	}
	for _, v := range apiv1.Visibilities {
		if !rbac.Visibility(v).Valid() {
			t.Errorf("visibility %q not valid in rbac", v)
		}
	}
	for _, v := range apiv1.PushPolicies {
		if !rbac.PushPolicy(v).Valid() {
			t.Errorf("push policy %q not valid in rbac", v)
		}
	}
	for _, v := range apiv1.TeamCreations {
		if !rbac.TeamCreation(v).Valid() {
			t.Errorf("team creation %q not valid in rbac", v)
		}
	}
	for _, v := range apiv1.NamespaceCreations {
		if !rbac.NamespaceCreation(v).Valid() {
			t.Errorf("namespace creation %q not valid in rbac", v)
		}
	}
}

// TestOpenAPIEnums: the document lists the allowed values of the
// enumerated fields from apiv1's lists.
func TestOpenAPIEnums(t *testing.T) {
	h := newHarness(t)
	r := h.do(anon, "GET", "/api/v1/openapi.json", nil)
	expect(t, r, http.StatusOK, "")
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	r.decode(t, &doc)
	for _, tt := range []struct {
		schema, field string
		want          []string
	}{
		{"Member", "role", apiv1.Roles},
		{"AddMember", "role", apiv1.Roles},
		{"RobotAccess", "role", apiv1.Roles},
		{"CreatePermission", "role", apiv1.Roles},
		{"CreatePermission", "kind", apiv1.PermissionKinds},
		{"Permission", "kind", apiv1.PermissionKinds},
		{"Namespace", "kind", apiv1.NamespaceKinds},
		{"Namespace", "visibility", apiv1.Visibilities},
		{"UpdateNamespace", "visibility", apiv1.Visibilities},
		{"Settings", "push_policy", apiv1.PushPolicies},
		{"UpdateSettings", "team_creation", apiv1.TeamCreations},
		{"Settings", "namespace_creation", apiv1.NamespaceCreations},
		{"Me", "kind", nil},
	} {
		s, ok := doc.Components.Schemas[tt.schema]
		if !ok {
			t.Errorf("no schema %s", tt.schema)
			continue
		}
		if got := s.Properties[tt.field].Enum; !slices.Equal(got, tt.want) {
			t.Errorf("%s.%s enum = %q, want %q", tt.schema, tt.field, got, tt.want)
		}
	}
}
