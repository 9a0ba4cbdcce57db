//go:build unix

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// TestAccDataSources reads every data source against objects made through
// the API (dockmaster_repository is read in TestAccRBACExample, after a
// real push).
func TestAccDataSources(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	ctx := testCtx(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateUser(ctx, apiv1.CreateUser{Username: "ada", Email: "ada@example.com", DisplayName: "Ada", Password: "correct-horse-1"})
	must(err)
	_, err = c.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs", Description: "Developers"})
	must(err)
	_, err = c.AddMember(ctx, "devs", apiv1.AddMember{Username: "ada", Role: "contributor"})
	must(err)
	_, err = c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "payments", Team: "devs", Visibility: "protected", Description: "Payments"})
	must(err)

	d := func(addr, attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), v)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: providerBlock(srv) + `
data "dockmaster_user" "ada" { username = "ada" }
data "dockmaster_team" "devs" { name = "devs" }
data "dockmaster_namespace" "payments" { name = "payments" }
data "dockmaster_namespaces" "pay" { query = "pay" }
data "dockmaster_repositories" "all" {}
data "dockmaster_me" "me" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				d("data.dockmaster_user.ada", "email", knownvalue.StringExact("ada@example.com")),
				d("data.dockmaster_user.ada", "display_name", knownvalue.StringExact("Ada")),
				d("data.dockmaster_user.ada", "enabled", knownvalue.Bool(true)),
				d("data.dockmaster_team.devs", "description", knownvalue.StringExact("Developers")),
				d("data.dockmaster_team.devs", "members", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"username": knownvalue.StringExact("ada"), "role": knownvalue.StringExact("contributor")}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"username": knownvalue.StringExact("tfadmin"), "role": knownvalue.StringExact("owner")}),
				})),
				d("data.dockmaster_namespace.payments", "visibility", knownvalue.StringExact("protected")),
				d("data.dockmaster_namespace.payments", "team", knownvalue.StringExact("devs")),
				d("data.dockmaster_namespace.payments", "kind", knownvalue.StringExact("team")),
				d("data.dockmaster_namespaces.pay", "namespaces", knownvalue.ListSizeExact(1)),
				d("data.dockmaster_repositories.all", "repositories", knownvalue.ListSizeExact(0)),
				d("data.dockmaster_me.me", "name", knownvalue.StringExact("tfadmin")),
				d("data.dockmaster_me.me", "admin", knownvalue.Bool(true)),
				d("data.dockmaster_me.me", "kind", knownvalue.StringExact("user")),
			},
		}},
	})
}
