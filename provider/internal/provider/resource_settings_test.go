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

func TestAccSettings(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	before, err := srv.Client(t).GetSettings(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	lifecycle{
		addr: "dockmaster_settings.s",
		create: `
resource "dockmaster_settings" "s" {
  delete_enabled = true
}`,
		update: `
resource "dockmaster_settings" "s" {
  delete_enabled          = true
  contributors_may_delete = true
  push_policy             = "admin-only"
  token_lifetime_seconds  = 600
}`,
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_settings.s", tfjsonpath.New("delete_enabled"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue("dockmaster_settings.s", tfjsonpath.New("push_policy"), knownvalue.StringExact(before.PushPolicy)),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_settings.s", tfjsonpath.New("push_policy"), knownvalue.StringExact("admin-only")),
			statecheck.ExpectKnownValue("dockmaster_settings.s", tfjsonpath.New("token_lifetime_seconds"), knownvalue.Int64Exact(600)),
		},
		importID: "settings",
		// Destroy leaves the settings as they are: still what was applied.
		exists: func(ctx context.Context, c *client.Client) (bool, error) {
			s, err := c.GetSettings(ctx)
			if err != nil {
				return false, err
			}
			if s.PushPolicy != "admin-only" || s.TokenLifetimeSeconds != 600 {
				t.Errorf("settings after destroy = %+v, want them left as applied", s)
			}
			return false, nil
		},
	}.run(t, srv)
}
