//go:build unix

package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// TestAccRegistryCredentials: the ephemeral credentials work while the run
// lasts (a second provider configured with them reads who it is), appear
// nowhere in the state, and are revoked when Terraform closes them.
func TestAccRegistryCredentials(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	cfg := providerBlock(srv) + fmt.Sprintf(`
ephemeral "dockmaster_registry_credentials" "ci" {
  ttl    = "10m"
  scopes = ["repository:payments/api:pull"]
}

provider "dockmaster" {
  alias    = "ephemeral"
  endpoint = %q
  username = ephemeral.dockmaster_registry_credentials.ci.username
  password = ephemeral.dockmaster_registry_credentials.ci.password
}

data "dockmaster_me" "via_token" {
  provider = dockmaster.ephemeral
}
`, srv.URL)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.dockmaster_me.via_token", tfjsonpath.New("name"), knownvalue.StringExact(srv.AdminUser)),
			},
			Check: func(s *terraform.State) error {
				for addr, r := range s.RootModule().Resources {
					if strings.Contains(addr, "registry_credentials") {
						return fmt.Errorf("the ephemeral resource is in the state: %s", addr)
					}
					for k, v := range r.Primary.Attributes {
						if strings.HasPrefix(v, "dmt_") || strings.HasPrefix(v, "ey") {
							return fmt.Errorf("a secret is in the state: %s.%s", addr, k)
						}
					}
				}
				return nil
			},
		}},
	})
	// Every token Terraform opened was closed: none is left on the server.
	toks, err := client.Collect(testCtx(t), client.ListOptions{}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Token], error) {
		return c.ListTokens(ctx, srv.AdminUser, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if strings.HasPrefix(tok.Name, "terraform-ephemeral-") {
			t.Errorf("ephemeral token %s (%s) was not revoked", tok.ID, tok.Name)
		}
	}
}
