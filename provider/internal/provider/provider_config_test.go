//go:build unix

package provider

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccProviderConfigDiagnostics: each way the provider cannot work gives
// one diagnostic that says what to do.
func TestAccProviderConfigDiagnostics(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/openapi.json" {
			_, _ = io.WriteString(w, `{"paths":{"/api/v1/me":{"get":{}},"/api/v1/teams":{"post":{}}}}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(old.Close)
	const team = `resource "dockmaster_team" "t" { name = "devs" }`
	for _, tc := range []struct{ name, provider, want string }{
		{"unreachable", `provider "dockmaster" {
  endpoint = "http://127.0.0.1:1"
  token    = "dmt_x"
}`, `Dockmaster server unreachable(?s).*DOCKMASTER_ENDPOINT`},
		{"refused", `provider "dockmaster" {
  endpoint = "` + srv.URL + `"
  username = "tfadmin"
  password = "wrong-password"
}`, `Credentials refused(?s).*DOCKMASTER_TOKEN`},
		{"too old", `provider "dockmaster" {
  endpoint = "` + old.URL + `"
  token    = "dmt_x"
}`, `Dockmaster server too old(?s).*lacks API calls.*DELETE /api/v1/teams/\{team\}`},
		{"no credentials", `provider "dockmaster" {
  endpoint = "` + srv.URL + `"
}`, `Missing credentials`},
		{"both credentials", `provider "dockmaster" {
  endpoint = "` + srv.URL + `"
  token    = "dmt_x"
  username = "tfadmin"
  password = "x"
}`, `Conflicting credentials`},
		{"bad timeout", `provider "dockmaster" {
  endpoint = "` + srv.URL + `"
  token    = "dmt_x"
  timeout  = "soon"
}`, `Invalid timeout`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories,
				Steps: []resource.TestStep{{
					Config: tc.provider + "\n" + team, PlanOnly: true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
