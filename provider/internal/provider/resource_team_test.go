//go:build unix

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/client"
)

func TestAccTeam(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	lifecycle{
		addr:   "dockmaster_team.t",
		create: `resource "dockmaster_team" "t" { name = "devs" }`,
		update: `resource "dockmaster_team" "t" {
  name        = "devs"
  description = "The developers"
}`,
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_team.t", tfjsonpath.New("id"), knownvalue.StringExact("devs")),
			statecheck.ExpectKnownValue("dockmaster_team.t", tfjsonpath.New("description"), knownvalue.StringExact("")),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_team.t", tfjsonpath.New("description"), knownvalue.StringExact("The developers")),
		},
		exists: existsBy(func(ctx context.Context, c *client.Client) error { _, err := c.GetTeam(ctx, "devs"); return err }),
	}.run(t, srv)
}
