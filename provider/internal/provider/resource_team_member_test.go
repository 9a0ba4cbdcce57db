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

func TestAccTeamMember(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	if _, err := c.CreateUser(testCtx(t), apiv1.CreateUser{Username: "ada", Password: "correct-horse-1"}); err != nil {
		t.Fatal(err)
	}
	member := func(role string) string {
		return hcl(`resource "dockmaster_team" "t" { name = "devs" }`, `
resource "dockmaster_team_member" "ada" {
  team     = dockmaster_team.t.name
  username = "ada"
  role     = "`+role+`"
}`)
	}
	lifecycle{
		addr:   "dockmaster_team_member.ada",
		create: member("viewer"),
		update: member("contributor"),
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_team_member.ada", tfjsonpath.New("id"), knownvalue.StringExact("devs/ada")),
			statecheck.ExpectKnownValue("dockmaster_team_member.ada", tfjsonpath.New("role"), knownvalue.StringExact("viewer")),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_team_member.ada", tfjsonpath.New("role"), knownvalue.StringExact("contributor")),
		},
		exists: existsBy(func(ctx context.Context, c *client.Client) error {
			_, err := c.GetMember(ctx, "devs", "ada")
			return err
		}),
	}.run(t, srv)
}
