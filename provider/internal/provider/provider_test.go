//go:build unix

package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

// dbEnv switches the whole suite to PostgreSQL. TestMain runs the suite on
// SQLite and then once more, in a child process, with dbEnv=postgres.
const dbEnv = "DOCKMASTER_PROVIDER_TEST_DB"

func TestMain(m *testing.M) {
	// The acceptance tests are the point of this package: they run whenever
	// the package's tests run, never skipped, with the terraform on PATH
	// (never downloaded).
	if os.Getenv("TF_ACC") == "" {
		os.Setenv("TF_ACC", "1")
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		tf, err := exec.LookPath("terraform")
		if err != nil {
			fmt.Fprintln(os.Stderr, "provider tests: no terraform on PATH. Install terraform ≥ 1.11 (the tests never download it) or set TF_ACC_TERRAFORM_PATH.")
			os.Exit(1)
		}
		os.Setenv("TF_ACC_TERRAFORM_PATH", tf)
	}
	if os.Getenv(dbEnv) == "postgres" {
		pgtest.Main(m)
		return
	}
	code := m.Run()
	if code == 0 && os.Getenv(dbEnv) != "sqlite" {
		code = rerunOnPostgres()
	}
	os.Exit(code)
}

// rerunOnPostgres runs this test binary again with the same flags on
// PostgreSQL.
func rerunOnPostgres() int {
	fmt.Fprintln(os.Stderr, "=== provider suite: once more on PostgreSQL")
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), dbEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "provider suite on PostgreSQL:", err)
		return 1
	}
	return 0
}

// startServer starts a real dockmaster serve for one test, on the
// database the suite runs on.
func startServer(t *testing.T) *dmserver.Server {
	t.Helper()
	return dmserver.Start(t, dmOptions(t, dmserver.Options{}))
}

func pgtestURL(t *testing.T) string { return pgtest.URL(t) }

var factories = map[string]func() (tfprotov6.ProviderServer, error){
	"dockmaster": providerserver.NewProtocol6WithError(New("test")()),
}

// providerBlock configures the provider as srv's admin.
func providerBlock(srv *dmserver.Server) string {
	return fmt.Sprintf(`
provider "dockmaster" {
  endpoint = %q
  username = %q
  password = %q
}
`, srv.URL, srv.AdminUser, srv.AdminPassword)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// lifecycle is the standard test of a resource: create and check, import
// and verify, update in place, a no-change plan, destroy and ask the API.
type lifecycle struct {
	addr           string
	create, update string
	createChecks   []statecheck.StateCheck
	updateChecks   []statecheck.StateCheck
	importIgnore   []string
	importID       string // empty: the id attribute
	// importBlockUpdates says the import {} plan updates the object in place
	// (a trigger attribute import cannot know), and why.
	importBlockUpdates string
	noImport           bool
	// updateAction is the expected action of the update (default Update).
	updateAction plancheck.ResourceActionType
	// exists asks the API whether the object is still there.
	exists func(ctx context.Context, c *client.Client) (bool, error)
}

func (l lifecycle) run(t *testing.T, srv *dmserver.Server) {
	t.Helper()
	c := srv.Client(t)
	pb := providerBlock(srv)
	action := l.updateAction
	if action == "" {
		action = plancheck.ResourceActionUpdate
	}
	steps := []resource.TestStep{
		{Config: pb + l.create, ConfigStateChecks: l.createChecks},
	}
	if !l.noImport {
		imp := resource.TestStep{
			Config: pb + l.create, ResourceName: l.addr, ImportState: true, ImportStateVerify: true,
			ImportStateVerifyIgnore: l.importIgnore,
		}
		if l.importID != "" {
			imp.ImportStateId = l.importID
		}
		// The same through an import {} block: a plan that imports the
		// object and changes nothing else.
		block := resource.TestStep{
			Config: pb + l.create, ResourceName: l.addr, ImportState: true,
			ImportStateKind: resource.ImportBlockWithID, ImportStateId: l.importID,
		}
		if l.importBlockUpdates != "" {
			block.ExpectNonEmptyPlan = true
			block.ImportPlanChecks.PreApply = []plancheck.PlanCheck{plancheck.ExpectResourceAction(l.addr, plancheck.ResourceActionUpdate)}
		}
		if l.importID == "" {
			block.ImportStateIdFunc = func(s *terraform.State) (string, error) {
				return s.RootModule().Resources[l.addr].Primary.ID, nil
			}
		}
		steps = append(steps, imp, block)
	}
	steps = append(steps,
		resource.TestStep{
			Config: pb + l.update,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(l.addr, action),
			}},
			ConfigStateChecks: l.updateChecks,
		},
		resource.TestStep{
			Config:           pb + l.update,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		},
	)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			ok, err := l.exists(testCtx(t), c)
			if err != nil {
				return fmt.Errorf("asking the API after destroy: %w", err)
			}
			if ok {
				return fmt.Errorf("%s still exists on the server after destroy", l.addr)
			}
			return nil
		},
	})
}

// existsBy turns a Get call into an exists check: 404 is "no".
func existsBy(get func(ctx context.Context, c *client.Client) error) func(context.Context, *client.Client) (bool, error) {
	return func(ctx context.Context, c *client.Client) (bool, error) {
		err := get(ctx, c)
		if client.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
}

// hcl joins configuration fragments.
func hcl(parts ...string) string { return strings.Join(parts, "\n") }

// resourceTest applies each configuration in turn and runs the check that
// follows it.
func resourceTest(t *testing.T, configAndChecks ...any) {
	t.Helper()
	var steps []resource.TestStep
	for i := 0; i < len(configAndChecks); i += 2 {
		check := configAndChecks[i+1].(func())
		steps = append(steps, resource.TestStep{
			Config: configAndChecks[i].(string),
			Check:  func(*terraform.State) error { check(); return nil },
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: steps})
}
