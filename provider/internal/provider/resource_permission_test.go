//go:build unix

package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

const permissionBase = `
resource "dockmaster_team" "owners" { name = "owners" }
resource "dockmaster_team" "qa" { name = "qa" }
resource "dockmaster_namespace" "ns" {
  name = "payments"
  team = dockmaster_team.owners.name
}
resource "dockmaster_namespace" "other" {
  name = "other"
  team = dockmaster_team.owners.name
}
# A robot's access entries are its grants: with access unset, the robot
# resource leaves them to dockmaster_permission.
resource "dockmaster_robot_account" "ci" {
  name = "ci"
}
`

func TestAccPermission(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	if _, err := srv.Client(t).CreateUser(testCtx(t), apiv1.CreateUser{Username: "ada", Password: "correct-horse-1"}); err != nil {
		t.Fatal(err)
	}
	grants := func(role string) string {
		return hcl(permissionBase, `
resource "dockmaster_permission" "user" {
  namespace = dockmaster_namespace.ns.name
  user      = "ada"
  role      = "`+role+`"
}
resource "dockmaster_permission" "team" {
  namespace = dockmaster_namespace.ns.name
  team      = dockmaster_team.qa.name
  role      = "viewer"
}
resource "dockmaster_permission" "robot" {
  namespace = dockmaster_namespace.ns.name
  robot     = dockmaster_robot_account.ci.full_name
  role      = "viewer"
}`)
	}
	lifecycle{
		addr:   "dockmaster_permission.user",
		create: grants("viewer"),
		update: grants("owner"),
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_permission.user", tfjsonpath.New("id"), knownvalue.StringExact("payments/user/ada")),
			statecheck.ExpectKnownValue("dockmaster_permission.team", tfjsonpath.New("id"), knownvalue.StringExact("payments/team/qa")),
			statecheck.ExpectKnownValue("dockmaster_permission.robot", tfjsonpath.New("id"), knownvalue.StringExact("payments/robot/ci")),
			statecheck.ExpectKnownValue("dockmaster_permission.robot", tfjsonpath.New("robot"), knownvalue.StringExact("robot$ci")),
			statecheck.ExpectKnownValue("dockmaster_permission.user", tfjsonpath.New("team"), knownvalue.Null()),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_permission.user", tfjsonpath.New("role"), knownvalue.StringExact("owner")),
		},
		exists: existsBy(func(ctx context.Context, c *client.Client) error {
			_, err := c.GetPermission(ctx, "payments", "user", "ada")
			return err
		}),
	}.run(t, srv)
}
