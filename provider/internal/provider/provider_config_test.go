//go:build unix

package provider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/apiv1"
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

// TestAccTokenAuth: the provider authenticates with an application token
// and with a robot's secret (token), as with username and password.
func TestAccTokenAuth(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	tok, err := c.CreateToken(testCtx(t), srv.AdminUser, apiv1.CreateToken{Name: "terraform"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTeam(testCtx(t), apiv1.CreateTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateNamespace(testCtx(t), apiv1.CreateNamespace{Name: "payments", Team: "devs"}); err != nil {
		t.Fatal(err)
	}
	robot, err := c.CreateRobot(testCtx(t), apiv1.CreateRobot{Name: "ci", Access: []apiv1.RobotAccess{{Namespace: "payments", Role: "viewer"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ secret, kind, name string }{
		{tok.Secret, "user", srv.AdminUser},
		{robot.Secret, "robot", "robot$ci"},
	} {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories,
			Steps: []resource.TestStep{{
				Config: fmt.Sprintf(`
provider "dockmaster" {
  endpoint = %q
  token    = %q
}
data "dockmaster_me" "me" {}
`, srv.URL, tc.secret),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.dockmaster_me.me", tfjsonpath.New("kind"), knownvalue.StringExact(tc.kind)),
					statecheck.ExpectKnownValue("data.dockmaster_me.me", tfjsonpath.New("name"), knownvalue.StringExact(tc.name)),
				},
			}},
		})
	}
}
