//go:build unix

package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

// TestAccRBACExample applies examples/rbac end to end with the terraform
// CLI and the provider binary (as a user would after make install), then
// the robot it made pushes with crane through the token service into a
// real registry on its namespace and is refused on another; a second plan
// is empty, and destroy leaves the server as it was.
func TestAccRBACExample(t *testing.T) {
	t.Parallel()
	root, err := dmserver.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	crane := registry.Crane(t)
	srv := dmserver.Start(t, dmOptions(t, dmserver.Options{EventsSecret: "events-secret-for-the-test"}))
	reg := registry.Start(t, registry.Options{
		Realm: srv.URL + "/auth/token", Service: srv.Service, Issuer: srv.Issuer,
		RootCertBundlePath: srv.Bundle, SigningAlgorithms: []string{"ES256", "RS256", "EdDSA"},
		NotifyURL: "http://" + srv.Listen + "/registry/events", NotifySecret: "events-secret-for-the-test",
	})
	c := srv.Client(t)
	before := snapshot(t, c)

	tf := newTerraformCLI(t, root)
	work := t.TempDir()
	copyDir(t, filepath.Join(root, "examples", "rbac"), work)
	tf.env = append(tf.env,
		"DOCKMASTER_ENDPOINT="+srv.URL, "DOCKMASTER_USERNAME="+srv.AdminUser, "DOCKMASTER_PASSWORD="+srv.AdminPassword,
		"TF_VAR_initial_password=first-password-1", "TF_VAR_registry="+reg.Host,
	)
	applyOut := tf.run(t, work, "apply", "-auto-approve", "-input=false")

	// The server has what the example declares.
	ctx := testCtx(t)
	for ns, vis := range map[string]string{"base": "public", "tools": "protected", "payments": "private"} {
		got, err := c.GetNamespace(ctx, ns)
		if err != nil || got.Visibility != vis {
			t.Errorf("namespace %s: %+v, %v; want visibility %s", ns, got, err, vis)
		}
	}
	if m, err := c.GetMember(ctx, "payments", "dave"); err != nil || m.Role != "contributor" {
		t.Errorf("dave in payments: %+v, %v", m, err)
	}
	if p, err := c.GetPermission(ctx, "payments", "user", "erin"); err != nil || p.Role != "viewer" {
		t.Errorf("erin's grant: %+v, %v", p, err)
	}

	// The robot pushes to its namespace and is refused on another.
	robotUser := strings.TrimSpace(tf.run(t, work, "output", "-raw", "robot_username"))
	robotSecret := strings.TrimSpace(tf.run(t, work, "output", "-raw", "robot_secret"))
	if login := tf.run(t, work, "output", "-raw", "docker_login"); !strings.Contains(login, "docker login "+reg.Host+" -u '"+robotUser+"'") || strings.Contains(login, robotSecret) {
		t.Errorf("docker_login output = %q", login)
	}
	dockerCfg := t.TempDir()
	craneRun := func(args ...string) (string, error) {
		cmd := exec.Command(crane, args...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+dockerCfg)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := craneRun("auth", "login", reg.Host, "-u", robotUser, "-p", robotSecret); err != nil {
		t.Fatalf("crane auth login as %s: %v\n%s", robotUser, err, out)
	}
	layer := registry.Layer(t, "hello from the CI robot")
	if out, err := craneRun("append", "-f", layer, "-t", reg.Host+"/payments/api:1"); err != nil {
		t.Fatalf("the robot could not push to its namespace: %v\n%s", err, out)
	}
	if out, err := craneRun("append", "-f", layer, "-t", reg.Host+"/tools/api:1"); err == nil {
		t.Fatalf("the robot pushed to a namespace it has no access to:\n%s", out)
	} else if !strings.Contains(strings.ToLower(out), "denied") && !strings.Contains(out, "401 Unauthorized") && !strings.Contains(out, "UNAUTHORIZED") {
		t.Fatalf("push to tools failed, but not with a denial: %v\n%s", err, out)
	}

	// The push reaches the API (the registry notifies Dockmaster) and the
	// repository data source reads it.
	waitFor(t, 20*time.Second, func() error { _, err := c.GetRepository(ctx, "payments/api"); return err })
	repoCfg := t.TempDir()
	if err := os.WriteFile(filepath.Join(repoCfg, "main.tf"), []byte(`
terraform {
  required_providers {
    dockmaster = { source = "dockmaster/dockmaster" }
  }
}
data "dockmaster_repository" "api" { name = "payments/api" }
output "tags" { value = [for t in data.dockmaster_repository.api.tags : "${t.name} ${t.digest} ${t.size}"] }
output "manifests" { value = [for m in data.dockmaster_repository.api.manifests : "${m.digest} tags=${join(",", m.tags)} kind=${m.kind}"] }
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tf.run(t, repoCfg, "apply", "-auto-approve", "-input=false")
	if tags := tf.run(t, repoCfg, "output", "-json", "tags"); !strings.Contains(tags, `"1 sha256:`) {
		t.Errorf("dockmaster_repository tags = %s, want tag 1 with a digest", tags)
	}
	if ms := tf.run(t, repoCfg, "output", "-json", "manifests"); !strings.Contains(ms, `"sha256:`) || !strings.Contains(ms, " tags=1 kind=") {
		t.Errorf("dockmaster_repository manifests = %s, want the pushed manifest with tag 1 and a kind", ms)
	}

	// The next plan is empty.
	planOut, code := tf.runCode(t, work, "plan", "-detailed-exitcode", "-input=false")
	if code != 0 {
		t.Fatalf("second plan is not empty (exit %d):\n%s", code, planOut)
	}
	// No secret in what terraform printed (the secret output is sensitive).
	for _, out := range []string{applyOut, planOut, tf.run(t, work, "output")} {
		if strings.Contains(out, robotSecret) || strings.Contains(out, "first-password-1") {
			t.Fatalf("a secret is in terraform's output:\n%s", out)
		}
	}

	// Destroy leaves the server as it was (the pushed repository is the
	// test's own doing; the server deletes only empty namespaces).
	on := true
	if _, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRepository(ctx, "payments/api"); err != nil {
		t.Fatalf("delete the pushed repository: %v", err)
	}
	off := false
	if _, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	tf.run(t, work, "destroy", "-auto-approve", "-input=false")
	if after := snapshot(t, c); after != before {
		t.Fatalf("the server is not as it was after destroy.\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// dmOptions adds the suite's database to opts.
func dmOptions(t *testing.T, opts dmserver.Options) dmserver.Options {
	if os.Getenv(dbEnv) == "postgres" {
		opts.DatabaseURL = pgtestURL(t)
	}
	return opts
}

// snapshot renders every user, team, member, namespace, grant and robot.
func snapshot(t *testing.T, c *client.Client) string {
	t.Helper()
	ctx := testCtx(t)
	var lines []string
	users, err := client.Collect(ctx, client.ListOptions{}, c.ListUsers)
	must(t, err)
	for _, u := range users {
		lines = append(lines, fmt.Sprintf("user %s admin=%v enabled=%v", u.Username, u.Admin, u.Enabled))
	}
	teams, err := client.Collect(ctx, client.ListOptions{}, c.ListTeams)
	must(t, err)
	for _, tm := range teams {
		lines = append(lines, "team "+tm.Name)
		ms, err := client.Collect(ctx, client.ListOptions{}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
			return c.ListMembers(ctx, tm.Name, o)
		})
		must(t, err)
		for _, m := range ms {
			lines = append(lines, fmt.Sprintf("member %s/%s %s", m.Team, m.Username, m.Role))
		}
	}
	nss, err := client.Collect(ctx, client.ListOptions{}, c.ListNamespaces)
	must(t, err)
	for _, ns := range nss {
		lines = append(lines, fmt.Sprintf("namespace %s %s %s", ns.Name, ns.Kind, ns.Visibility))
		ps, err := client.Collect(ctx, client.ListOptions{}, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Permission], error) {
			return c.ListPermissions(ctx, ns.Name, o)
		})
		must(t, err)
		for _, p := range ps {
			lines = append(lines, fmt.Sprintf("grant %s %s/%s %s", p.Namespace, p.Kind, p.Name, p.Role))
		}
	}
	robots, err := client.Collect(ctx, client.ListOptions{}, c.ListRobots)
	must(t, err)
	for _, r := range robots {
		lines = append(lines, "robot "+r.Name)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// terraformCLI runs the real terraform with the provider binary built from
// this checkout, through dev_overrides (no init, no download).
type terraformCLI struct {
	bin string
	env []string
}

func newTerraformCLI(t *testing.T, root string) *terraformCLI {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "terraform-provider-dockmaster")
	build := exec.Command("go", "build", "-o", bin, "./provider")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./provider: %v\n%s", err, out)
	}
	cliCfg := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(cliCfg, []byte(fmt.Sprintf(`provider_installation {
  dev_overrides {
    "dockmaster/dockmaster" = %q
  }
  direct {}
}
`, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	tfBin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfBin == "" {
		tfBin = "terraform"
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKMASTER_") && !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliCfg, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &terraformCLI{bin: tfBin, env: env}
}

func (tf *terraformCLI) runCode(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(tf.bin, append([]string{args[0], "-no-color"}, args[1:]...)...)
	cmd.Dir = dir
	cmd.Env = tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), 0
}

func (tf *terraformCLI) run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, code := tf.runCode(t, dir, args...)
	if code != 0 {
		t.Fatalf("terraform %s: exit %s\n%s", strings.Join(args, " "), strconv.Itoa(code), out)
	}
	return out
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
