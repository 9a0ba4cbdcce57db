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

func TestAccNamespace(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	lifecycle{
		addr: "dockmaster_namespace.ns",
		create: hcl(`resource "dockmaster_team" "t" { name = "devs" }`, `
resource "dockmaster_namespace" "ns" {
  name = "payments"
  team = dockmaster_team.t.name
}`),
		update: hcl(`resource "dockmaster_team" "t" { name = "devs" }`, `
resource "dockmaster_namespace" "ns" {
  name        = "payments"
  team        = dockmaster_team.t.name
  visibility  = "public"
  description = "Payment services"
}`),
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_namespace.ns", tfjsonpath.New("visibility"), knownvalue.StringExact("private")),
			statecheck.ExpectKnownValue("dockmaster_namespace.ns", tfjsonpath.New("team"), knownvalue.StringExact("devs")),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_namespace.ns", tfjsonpath.New("visibility"), knownvalue.StringExact("public")),
			statecheck.ExpectKnownValue("dockmaster_namespace.ns", tfjsonpath.New("description"), knownvalue.StringExact("Payment services")),
		},
		exists: existsBy(func(ctx context.Context, c *client.Client) error {
			_, err := c.GetNamespace(ctx, "payments")
			return err
		}),
	}.run(t, srv)
}
