package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/logger"
	"github.com/gruntwork-io/terratest/modules/terraform"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// providerVersion is the version the e2e builds the dockmaster/dockmaster
// provider as (the GNUmakefile's PROVIDER_VERSION).
const providerVersion = "0.1.0"

// What examples/rbac declares and the test relies on: the private namespace
// "payments" of team payments, where dave is a contributor and erin a viewer
// (a grant), and a CI robot that may push there only; "tools" is a
// namespace the robot has no access to.
const (
	rbacTeam           = "payments"
	rbacNamespace      = "payments"
	rbacOtherNamespace = "tools"
	rbacContributor    = "dave"
	rbacViewer         = "erin"
)

// rbac is what applying examples/rbac made.
type rbac struct {
	namespace   string
	contributor credentials // dave, with the example's initial password
	viewer      credentials // erin
	token       string      // dave's application token (dmt_…), acts as dave
	robot       credentials
	adminClient *client.Client
	opts        *terraform.Options // the examples/rbac root, to plan and destroy
}

type credentials struct{ user, pass string }

// buildProvider builds the dockmaster/dockmaster provider from this tree into
// a filesystem mirror under dir and writes a CLI config (TF_CLI_CONFIG_FILE)
// that installs it from there and nothing else from anywhere; it returns the
// config's path.
func buildProvider(ctx context.Context, root, dir string) (string, error) {
	mirror := filepath.Join(dir, "provider-mirror")
	bin := filepath.Join(mirror, "registry.terraform.io", "dockmaster", "dockmaster", providerVersion, "linux_amd64",
		"terraform-provider-dockmaster_v"+providerVersion)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-X main.version="+providerVersion, "-o", bin, "./provider")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./provider: %w\n%s", err, out)
	}
	conf := filepath.Join(dir, "rbac-cli.tfrc")
	body := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/dockmaster/dockmaster"]
  }
  direct {
    exclude = ["registry.terraform.io/dockmaster/dockmaster"]
  }
}
`, mirror)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		return "", fmt.Errorf("CLI config: %w", err)
	}
	return conf, nil
}

// applyRBAC applies examples/rbac (copied into the run's tree) through the
// dockmaster/dockmaster provider with the stack's provider_config output
// (the endpoint through the LB over TLS, the admin, the CA), and returns the
// credentials it made. The root is destroyed at cleanup unless destroyRBAC
// ran first; the caller registers the stack's destroy before, so this one
// runs first.
func (e *env) applyRBAC(ctx context.Context, tb testing.TB, provider map[string]string, hc *http.Client) *rbac {
	tb.Helper()
	pw := make([]byte, 8)
	_, _ = rand.Read(pw)
	initial := "e2e-" + hex.EncodeToString(pw)
	opts := &terraform.Options{
		TerraformDir:    filepath.Join(e.work, "tree", "examples", "rbac"),
		TerraformBinary: "terraform",
		NoColor:         true,
		Vars: map[string]any{
			"registry":               e.registry(),
			"application_token_user": rbacContributor,
		},
		EnvVars: map[string]string{
			"TF_CLI_CONFIG_FILE":  e.rbacTfrc,
			"TF_IN_AUTOMATION":    "1",
			"DOCKMASTER_ENDPOINT": provider["endpoint"],
			"DOCKMASTER_USERNAME": provider["username"],
			"DOCKMASTER_PASSWORD": provider["password"],
			"DOCKMASTER_CA_PEM":   provider["ca_pem"],
			// Ephemeral and write-only: never in plan or state; from the
			// environment so that terratest's logged command lines omit it.
			"TF_VAR_initial_password": initial,
		},
	}
	r := &rbac{
		namespace:   rbacNamespace,
		contributor: credentials{rbacContributor, initial},
		viewer:      credentials{rbacViewer, initial},
		opts:        opts,
	}
	tb.Cleanup(func() {
		if r.opts == nil {
			return
		}
		if r.adminClient != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := emptyNamespace(cctx, r.adminClient, r.namespace); err != nil {
				tb.Logf("empty namespace %s at cleanup: %v", r.namespace, err)
			}
		}
		if _, err := terraform.DestroyE(tb, opts); err != nil {
			tb.Errorf("terraform destroy of examples/rbac at cleanup: %v", err)
		}
	})
	start := time.Now()
	if _, err := terraform.InitAndApplyE(tb, opts); err != nil {
		tb.Fatalf("terraform apply of examples/rbac through the dockmaster provider: %v", err)
	}
	e.record(tb, "examples/rbac init + apply", start)

	// Outputs are read without terratest's log: they hold secrets.
	quiet := *opts
	quiet.Logger = logger.Discard
	out := func(name string) string {
		v, err := terraform.OutputE(tb, &quiet, name)
		if err != nil {
			tb.Fatalf("examples/rbac output %s: %v", name, err)
		}
		return v
	}
	r.robot = credentials{out("robot_username"), out("robot_secret")}
	r.token = out("application_token")
	if ns := out("robot_namespace"); ns != rbacNamespace {
		tb.Fatalf("examples/rbac: the robot's namespace is %q, the test expects %q", ns, rbacNamespace)
	}
	if !strings.HasPrefix(r.token, "dmt_") || r.robot.pass == "" || r.robot.user == "" {
		tb.Fatalf("examples/rbac gave no application token (%d bytes) or robot credentials (%q)", len(r.token), r.robot.user)
	}
	if login := out("docker_login"); !strings.Contains(login, "docker login "+e.registry()+" -u '"+r.robot.user+"'") {
		tb.Errorf("examples/rbac docker_login = %q, want a login to %s as %s", login, e.registry(), r.robot.user)
	}

	c, err := client.New(provider["endpoint"], client.WithBasic(provider["username"], provider["password"]), client.WithHTTPClient(hc))
	if err != nil {
		tb.Fatalf("client: %v", err)
	}
	r.adminClient = c
	// What the test relies on is what the example declared.
	if m, err := c.GetMember(ctx, rbacTeam, rbacContributor); err != nil || m.Role != "contributor" {
		tb.Fatalf("%s in team %s: %+v, %v; want contributor", rbacContributor, rbacTeam, m, err)
	}
	if p, err := c.GetPermission(ctx, rbacNamespace, "user", rbacViewer); err != nil || p.Role != "viewer" {
		tb.Fatalf("%s's grant on %s: %+v, %v; want viewer", rbacViewer, rbacNamespace, p, err)
	}
	if ns, err := c.GetNamespace(ctx, rbacNamespace); err != nil || ns.Visibility != "private" {
		tb.Fatalf("namespace %s: %+v, %v; want private", rbacNamespace, ns, err)
	}
	return r
}

// destroyRBAC checks that a second plan of examples/rbac is empty, then
// destroys it. The server deletes only empty namespaces, and the test pushed
// into payments: its repositories are deleted first through the REST API
// (the one thing left to REST: repositories are pushed, not declared), with
// deletes enabled for that long.
func (e *env) destroyRBAC(ctx context.Context, tb testing.TB, r *rbac) {
	tb.Helper()
	start := time.Now()
	code, err := terraform.PlanExitCodeE(tb, r.opts)
	e.record(tb, "examples/rbac plan (no change)", start)
	if err != nil || code != 0 {
		tb.Errorf("terraform plan -detailed-exitcode of examples/rbac = %d (%v), want 0 (no changes)", code, err)
	}

	start = time.Now()
	if err := emptyNamespace(ctx, r.adminClient, r.namespace); err != nil {
		tb.Fatalf("empty namespace %s before destroying examples/rbac: %v", r.namespace, err)
	}
	e.record(tb, "delete the pushed repositories", start)
	start = time.Now()
	if _, err := terraform.DestroyE(tb, r.opts); err != nil {
		tb.Fatalf("terraform destroy of examples/rbac: %v", err)
	}
	r.opts = nil
	e.record(tb, "examples/rbac destroy", start)
	if _, err := r.adminClient.GetNamespace(ctx, r.namespace); !client.IsNotFound(err) {
		tb.Errorf("namespace %s after destroy: %v, want not found", r.namespace, err)
	}
}

// emptyNamespace deletes every repository of ns (manifests in the registry,
// then the rows), turning the server's delete setting on for the time it
// takes and back to what it was.
func emptyNamespace(ctx context.Context, c *client.Client, ns string) (err error) {
	s, err := c.GetSettings(ctx)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if !s.DeleteEnabled {
		on, off := true, false
		if _, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &on}); err != nil {
			return fmt.Errorf("enable deletes: %w", err)
		}
		defer func() {
			if _, rerr := c.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &off}); rerr != nil {
				err = errors.Join(err, fmt.Errorf("disable deletes again: %w", rerr))
			}
		}()
	}
	// The registry delivers its push notifications from a queue, so after
	// the load some may still arrive once their repository is deleted and
	// record it again: delete until the namespace stays empty for two looks
	// in a row (bounded).
	quiet := 0
	for deadline := time.Now().Add(90 * time.Second); quiet < 2; {
		names, err := client.Collect(ctx, client.ListOptions{PageSize: 100}, func(ctx context.Context, opt client.ListOptions) (apiv1.Page[apiv1.Repository], error) {
			return c.ListRepositories(ctx, ns, opt)
		})
		if err != nil {
			return fmt.Errorf("list repositories: %w", err)
		}
		if len(names) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		for _, r := range names {
			if err := c.DeleteRepository(ctx, r.Name); err != nil && !client.IsNotFound(err) {
				return fmt.Errorf("delete repository %s: %w", r.Name, err)
			}
		}
		if quiet == 2 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("namespace %s still receives repositories after 90 s (%d in the last look)", ns, len(names))
		}
		time.Sleep(3 * time.Second)
	}
	return nil
}
