//go:build unix

package provider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
)

const driftConfig = `
resource "dockmaster_team" "t" { name = "devs" }
resource "dockmaster_namespace" "ns" {
  name       = "payments"
  team       = dockmaster_team.t.name
  visibility = "private"
}
resource "dockmaster_team_member" "ada" {
  team     = dockmaster_team.t.name
  username = "ada"
  role     = "viewer"
}
`

// TestAccDrift: what is changed or deleted behind Terraform's back shows up
// in the next plan, which puts it back.
func TestAccDrift(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	if _, err := c.CreateUser(testCtx(t), apiv1.CreateUser{Username: "ada", Password: "correct-horse-1"}); err != nil {
		t.Fatal(err)
	}
	cfg := providerBlock(srv) + driftConfig
	apiDo := func(f func() error) func() {
		return func() {
			if err := f(); err != nil {
				t.Fatalf("change through the API: %v", err)
			}
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// Deleted through the API: the plan re-creates it, no error.
				PreConfig: apiDo(func() error { return c.RemoveMember(testCtx(t), "devs", "ada") }),
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockmaster_team_member.ada", plancheck.ResourceActionCreate),
				}},
			},
			{
				// Visibility and role changed through the API: the plan
				// changes them back, in place.
				PreConfig: apiDo(func() error {
					pub := "public"
					if _, err := c.UpdateNamespace(testCtx(t), "payments", apiv1.UpdateNamespace{Visibility: &pub}); err != nil {
						return err
					}
					_, err := c.UpdateMember(testCtx(t), "devs", "ada", apiv1.UpdateMember{Role: "owner"})
					return err
				}),
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockmaster_namespace.ns", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("dockmaster_team_member.ada", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					ns, err := c.GetNamespace(testCtx(t), "payments")
					if err != nil || ns.Visibility != "private" {
						return fmt.Errorf("namespace after apply: %+v, %v; want private", ns, err)
					}
					m, err := c.GetMember(testCtx(t), "devs", "ada")
					if err != nil || m.Role != "viewer" {
						return fmt.Errorf("member after apply: %+v, %v; want viewer", m, err)
					}
					return nil
				},
			},
			{
				// A namespace deleted and another of a different name made in
				// its place: the missing one is re-created, the other is not
				// adopted.
				PreConfig: apiDo(func() error {
					if err := c.DeleteNamespace(testCtx(t), "payments"); err != nil {
						return err
					}
					_, err := c.CreateNamespace(testCtx(t), apiv1.CreateNamespace{Name: "payments2", Team: "devs"})
					return err
				}),
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("dockmaster_namespace.ns", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					if _, err := c.GetNamespace(testCtx(t), "payments2"); err != nil {
						return fmt.Errorf("the renamed namespace was touched: %v", err)
					}
					return c.DeleteNamespace(testCtx(t), "payments2")
				},
			},
		},
	})
}

// faultProxy sits between the provider and the server and answers chosen
// requests with a fault instead of forwarding them.
type faultProxy struct {
	srv *httptest.Server
	// status, when not 0, answers every request whose method and path match.
	status atomic.Int32
	method string
	path   *regexp.Regexp
}

func newFaultProxy(t *testing.T, target string, method string, path *regexp.Regexp) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{method: method, path: path}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := p.status.Load(); s != 0 && r.Method == p.method && p.path.MatchString(r.URL.Path) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(int(s))
			_, _ = io.WriteString(w, `{"code":"injected","message":"fault injected by the test"}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func proxiedProvider(srv *dmserver.Server, proxyURL string) string {
	return fmt.Sprintf(`
provider "dockmaster" {
  endpoint = %q
  username = %q
  password = %q
}
`, proxyURL, srv.AdminUser, srv.AdminPassword)
}

// TestAccReadFaults: a 403 or a 5xx while reading is an error, and the
// object stays in the state (a later plan, with the fault gone, is empty).
func TestAccReadFaults(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	proxy := newFaultProxy(t, srv.URL, http.MethodGet, regexp.MustCompile(`^/api/v1/teams/devs$`))
	cfg := proxiedProvider(srv, proxy.srv.URL) + `resource "dockmaster_team" "t" { name = "devs" }`
	inject := func(status int) func() { return func() { proxy.status.Store(int32(status)) } }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{
			{Config: cfg},
			{PreConfig: inject(http.StatusForbidden), Config: cfg, ExpectError: regexp.MustCompile(`Permission denied`)},
			{PreConfig: inject(http.StatusServiceUnavailable), Config: cfg, ExpectError: regexp.MustCompile(`Dockmaster server error`)},
			{PreConfig: inject(http.StatusInternalServerError), Config: cfg, ExpectError: regexp.MustCompile(`Dockmaster server error`)},
			{
				PreConfig: inject(0), Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccDuplicateCreate: creating what exists is an error naming the
// exact terraform import command.
func TestAccDuplicateCreate(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	if _, err := c.CreateTeam(testCtx(t), apiv1.CreateTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateNamespace(testCtx(t), apiv1.CreateNamespace{Name: "payments", Team: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRobot(testCtx(t), apiv1.CreateRobot{Name: "ci", Access: []apiv1.RobotAccess{}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ config, want string }{
		{`resource "dockmaster_team" "t" { name = "devs" }`, `terraform import dockmaster_team.<resource name> devs`},
		{`resource "dockmaster_namespace" "ns" {
  name = "payments"
  team = "devs"
}`, `terraform import dockmaster_namespace.<resource name> payments`},
		{`resource "dockmaster_robot_account" "ci" { name = "robot$ci" }`, `terraform import dockmaster_robot_account.<resource name> ci`},
	} {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories,
			Steps: []resource.TestStep{{
				Config:      providerBlock(srv) + tc.config,
				ExpectError: regexp.MustCompile(regexp.QuoteMeta(tc.want)),
			}},
		})
	}
}

// TestAccFailedCreateLeavesNothing: a robot whose access names a missing
// namespace is refused as a whole — no robot is left behind.
func TestAccFailedCreateLeavesNothing(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := srv.Client(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: providerBlock(srv) + `
resource "dockmaster_robot_account" "ci" {
  name   = "ci"
  access = [{ namespace = "nowhere", role = "viewer" }]
}`,
			ExpectError: regexp.MustCompile(`Cannot create robot account "ci"`),
		}},
	})
	if _, err := c.GetRobot(testCtx(t), "ci"); err == nil {
		t.Fatal("a robot was left behind by the failed create")
	}
}

// TestAccPlanTimeValidation: typos fail at plan, with the attribute path,
// before any request reaches the server.
func TestAccPlanTimeValidation(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	for _, tc := range []struct{ config, want string }{
		{`resource "dockmaster_team" "t" { name = "Devs" }`, `Invalid name`},
		{`resource "dockmaster_team" "t" { name = "admin" }`, `reserved name`},
		{`resource "dockmaster_namespace" "ns" {
  name       = "payments"
  team       = "devs"
  visibility = "secret"
}`, `visibility.*value must be one of`},
		{`resource "dockmaster_team_member" "m" {
  team     = "devs"
  username = "ada"
  role     = "maintainer"
}`, `role.*value must be one of`},
		{`resource "dockmaster_permission" "p" {
  namespace = "payments"
  role      = "viewer"
  user      = "ada"
  team      = "devs"
}`, `(?s)Invalid Attribute Combination`},
		{`resource "dockmaster_robot_account" "r" {
  name       = "ci"
  expires_at = "2001-01-01T00:00:00Z"
}`, `not in the future`},
		{`resource "dockmaster_robot_account" "r" {
  name       = "ci"
  expires_at = "tomorrow"
}`, `not an RFC 3339 time`},
		{`resource "dockmaster_settings" "s" { push_policy = "everyone" }`, `push_policy.*value must be one of`},
		{`resource "dockmaster_user" "u" {
  username    = "ada"
  password_wo = "short"
}`, `at least 8 characters`},
	} {
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: factories,
			Steps: []resource.TestStep{{
				Config: providerBlock(srv) + tc.config, PlanOnly: true,
				ExpectError: regexp.MustCompile("(?s)" + tc.want),
			}},
		})
	}
	// Nothing above was sent: the server saw no writes.
	if out := srv.Output(); strings.Contains(out, "method=POST") || strings.Contains(out, "method=PATCH") {
		t.Fatalf("a plan-time error reached the server:\n%s", out)
	}
}

// TestAccSecretsStayOut: with TF_LOG=trace, no password or secret appears
// in the logs, the plan output or the state beyond the attributes
// documented as holding them.
func TestAccSecretsStayOut(t *testing.T) {
	srv := startServer(t)
	logFile := filepath.Join(t.TempDir(), "tf.log")
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_LOG_PATH", logFile)
	const password = "write-only-pw-9f3k"
	var robotSecret string
	// Secrets come in the way a careful user passes them, from the
	// environment, so the configuration text (which the test harness itself
	// logs) holds none; the provider's own DOCKMASTER_* fallbacks are used.
	t.Setenv("DOCKMASTER_ENDPOINT", srv.URL)
	t.Setenv("DOCKMASTER_USERNAME", srv.AdminUser)
	t.Setenv("DOCKMASTER_PASSWORD", srv.AdminPassword)
	t.Setenv("TF_VAR_carol_password", password)
	cfg := `
provider "dockmaster" {}
variable "carol_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
resource "dockmaster_user" "u" {
  username            = "carol"
  password_wo         = var.carol_password
  password_wo_version = 1
}
resource "dockmaster_team" "t" { name = "devs" }
resource "dockmaster_namespace" "ns" {
  name = "payments"
  team = dockmaster_team.t.name
}
resource "dockmaster_robot_account" "ci" {
  name   = "ci"
  access = [{ namespace = dockmaster_namespace.ns.name, role = "contributor" }]
}
output "robot_user" { value = dockmaster_robot_account.ci.full_name }
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories,
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: func(s *terraform.State) error {
				rs := s.RootModule().Resources["dockmaster_robot_account.ci"]
				robotSecret = rs.Primary.Attributes["secret"]
				for addr, r := range s.RootModule().Resources {
					for k, v := range r.Primary.Attributes {
						if strings.Contains(v, password) {
							return fmt.Errorf("the write-only password is in the state: %s.%s", addr, k)
						}
						if robotSecret != "" && v == robotSecret && !(addr == "dockmaster_robot_account.ci" && k == "secret") {
							return fmt.Errorf("the robot secret is in the state outside its attribute: %s.%s", addr, k)
						}
					}
				}
				if !strings.HasPrefix(robotSecret, "dmr_") {
					return fmt.Errorf("robot secret in state = %q, want a dmr_ secret", robotSecret)
				}
				return nil
			},
		}},
	})
	logs, err := os.ReadFile(logFile)
	if k := os.Getenv("KEEP_TF_LOG"); k != "" {
		_ = os.WriteFile(k, logs, 0o600)
	}
	if err != nil {
		t.Fatalf("TF_LOG_PATH wrote nothing: %v", err)
	}
	if len(logs) < 1000 {
		t.Fatalf("the trace log is suspiciously short (%d bytes)", len(logs))
	}
	for what, secret := range map[string]string{"user password": password, "robot secret": robotSecret, "admin password": srv.AdminPassword} {
		if secret != "" && strings.Contains(string(logs), secret) {
			t.Errorf("the %s is in the TF_LOG=trace log", what)
		}
	}
}
