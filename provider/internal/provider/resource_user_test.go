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

func TestAccUser(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	lifecycle{
		addr: "dockmaster_user.ada",
		create: `
resource "dockmaster_user" "ada" {
  username            = "ada"
  email               = "ada@example.com"
  password_wo         = "first-secret-1"
  password_wo_version = 1
}`,
		update: `
resource "dockmaster_user" "ada" {
  username            = "ada"
  email               = "ada@example.org"
  display_name        = "Ada Lovelace"
  enabled             = false
  password_wo         = "second-secret-2"
  password_wo_version = 2
}`,
		createChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("email"), knownvalue.StringExact("ada@example.com")),
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("enabled"), knownvalue.Bool(true)),
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("password_wo"), knownvalue.Null()),
		},
		updateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("display_name"), knownvalue.StringExact("Ada Lovelace")),
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("enabled"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
			statecheck.ExpectKnownValue("dockmaster_user.ada", tfjsonpath.New("password_wo"), knownvalue.Null()),
		},
		importIgnore:       []string{"password_wo_version"},
		importBlockUpdates: "an imported user's password_wo_version is unknown: the first apply sends password_wo",
		exists:             existsBy(func(ctx context.Context, c *client.Client) error { _, err := c.GetUser(ctx, "ada"); return err }),
	}.run(t, srv)
}

// TestAccUserPasswordChange proves password_wo reaches the server: the
// user signs in with the first password, then only with the second.
func TestAccUserPasswordChange(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	signIn := func(pw string) error {
		c, err := client.New(srv.URL, client.WithBasic("bob", pw))
		if err != nil {
			return err
		}
		_, err = c.Me(testCtx(t))
		return err
	}
	cfg := func(pw string, v int) string {
		return providerBlock(srv) + `
resource "dockmaster_user" "bob" {
  username            = "bob"
  password_wo         = "` + pw + `"
  password_wo_version = ` + string(rune('0'+v)) + `
}`
	}
	resourceTest(t, cfg("first-secret-1", 1), func() {
		if err := signIn("first-secret-1"); err != nil {
			t.Errorf("sign in with the first password: %v", err)
		}
	}, cfg("second-secret-2", 2), func() {
		if err := signIn("second-secret-2"); err != nil {
			t.Errorf("sign in with the second password: %v", err)
		}
		if err := signIn("first-secret-1"); !client.IsUnauthenticated(err) {
			t.Errorf("the first password still works: %v", err)
		}
	})
}
