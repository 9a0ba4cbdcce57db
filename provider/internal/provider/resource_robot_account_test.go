//go:build unix

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/client"
)

const robotBase = `
resource "dockmaster_team" "t" { name = "devs" }
resource "dockmaster_namespace" "a" {
  name = "alpha"
  team = dockmaster_team.t.name
}
resource "dockmaster_namespace" "b" {
  name = "beta"
  team = dockmaster_team.t.name
}
`

func TestAccRobotAccount(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	secretChanges := statecheck.CompareValue(compare.ValuesDiffer())
	lifecycle{
		addr: "dockmaster_robot_account.ci",
		create: hcl(robotBase, `
resource "dockmaster_robot_account" "ci" {
  name       = "ci"
  team       = dockmaster_team.t.name
  expires_at = "2099-01-02T03:04:05+01:00"
  access = [
    { namespace = dockmaster_namespace.b.name, role = "viewer" },
    { namespace = dockmaster_namespace.a.name, role = "contributor" },
  ]
  rotation = "one"
}`),
		update: hcl(robotBase, `
resource "dockmaster_robot_account" "ci" {
  name        = "ci"
  team        = dockmaster_team.t.name
  description = "CI pushes"
  access = [
    { namespace = dockmaster_namespace.a.name, role = "owner" },
  ]
  rotation = "two"
}`),
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_robot_account.ci", tfjsonpath.New("full_name"), knownvalue.StringExact("robot$ci")),
			statecheck.ExpectKnownValue("dockmaster_robot_account.ci", tfjsonpath.New("expires_at"), knownvalue.StringExact("2099-01-02T03:04:05+01:00")),
			statecheck.ExpectKnownValue("dockmaster_robot_account.ci", tfjsonpath.New("access"), knownvalue.SetExact([]knownvalue.Check{
				knownvalue.ObjectExact(map[string]knownvalue.Check{"namespace": knownvalue.StringExact("alpha"), "role": knownvalue.StringExact("contributor")}),
				knownvalue.ObjectExact(map[string]knownvalue.Check{"namespace": knownvalue.StringExact("beta"), "role": knownvalue.StringExact("viewer")}),
			})),
			statecheck.ExpectSensitiveValue("dockmaster_robot_account.ci", tfjsonpath.New("secret")),
			secretChanges.AddStateValue("dockmaster_robot_account.ci", tfjsonpath.New("secret")),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_robot_account.ci", tfjsonpath.New("expires_at"), knownvalue.Null()),
			statecheck.ExpectKnownValue("dockmaster_robot_account.ci", tfjsonpath.New("description"), knownvalue.StringExact("CI pushes")),
			secretChanges.AddStateValue("dockmaster_robot_account.ci", tfjsonpath.New("secret")),
		},
		importID: "robot$ci",
		// An import has no configuration whose time format to keep: it reads
		// the same instant in UTC.
		importIgnore:       []string{"secret", "rotation", "expires_at"},
		importBlockUpdates: "an imported robot has no rotation trigger yet (the first apply rotates, giving the state a secret) and its expiry in UTC",
		exists:             existsBy(func(ctx context.Context, c *client.Client) error { _, err := c.GetRobot(ctx, "ci"); return err }),
	}.run(t, srv)
}
