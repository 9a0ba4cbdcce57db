//go:build unix

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/client"
)

// TestAccApplicationToken: a token has no update and no import (its secret
// exists once), so the "update" replaces it, and destroy revokes it.
func TestAccApplicationToken(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	lifecycle{
		addr: "dockmaster_application_token.ci",
		create: `
resource "dockmaster_application_token" "ci" {
  username = "tfadmin"
  name     = "ci"
}`,
		update: `
resource "dockmaster_application_token" "ci" {
  username   = "tfadmin"
  name       = "ci"
  expires_at = "2099-12-31T23:59:59Z"
}`,
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectSensitiveValue("dockmaster_application_token.ci", tfjsonpath.New("secret")),
			statecheck.ExpectKnownValue("dockmaster_application_token.ci", tfjsonpath.New("expires_at"), knownvalue.Null()),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_application_token.ci", tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-12-31T23:59:59Z")),
		},
		noImport:     true,
		updateAction: plancheck.ResourceActionReplace,
		exists: func(ctx context.Context, c *client.Client) (bool, error) {
			toks, err := c.ListTokens(ctx, "tfadmin", client.ListOptions{})
			return len(toks.Items) > 0, err
		},
	}.run(t, srv)
}
