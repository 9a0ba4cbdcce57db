package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/terraform"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// syncEvery is the cron sync's period in the test: short, so that step 4
// (events cut off, the sync brings pushes in) takes seconds.
const syncEvery = 15 * time.Second

func TestStack(t *testing.T) {
	if os.Getenv("DOCKMASTER_E2E") == "" {
		t.Skip("the end-to-end stack test runs with `make e2e` (DOCKMASTER_E2E=1): it needs the Docker engine, terraform and root")
	}
	requireTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Minute)
	defer cancel()

	id := make([]byte, 3)
	_, _ = rand.Read(id)
	e := &env{
		root:     repoRoot(t),
		work:     t.TempDir(),
		labelKey: "dockmaster.e2e",
		labelVal: hex.EncodeToString(id),
		name:     "dme2e" + hex.EncodeToString(id),
	}
	e.label = e.labelKey + "=" + e.labelVal
	e.dockerCf = filepath.Join(e.work, "docker-config")
	e.tlsDir = filepath.Join(e.work, "tls")
	if err := os.MkdirAll(e.dockerCf, 0o700); err != nil {
		t.Fatal(err)
	}
	defer func() {
		t.Log("timings of this run:")
		for _, tm := range e.timings {
			t.Logf("  %-34s %s", tm.what, tm.took)
		}
	}()

	e.prepare(ctx, t)
	mustRun(ctx, t, nil, filepath.Join(e.root, "examples", "stacks", "local", "gen-tls.sh"), e.tlsDir)
	e.port = freePort(t)

	dir := copyTree(t, e.root, filepath.Join(e.work, "tree"))
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	plugins := filepath.Join(cacheDir, "dockmaster", "terraform-plugin-cache")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := &terraform.Options{
		TerraformDir:    dir,
		TerraformBinary: "terraform",
		NoColor:         true,
		Vars: map[string]any{
			"name":         e.name,
			"publish_port": e.port,
			"tls_dir":      e.tlsDir,
			"images":       e.images,
			"labels":       map[string]string{e.labelKey: e.labelVal},
			"sync_every":   syncEvery.String(),
		},
		EnvVars: map[string]string{
			"TF_CLI_CONFIG_FILE":  e.tfrc,
			"TF_PLUGIN_CACHE_DIR": plugins,
			"TF_IN_AUTOMATION":    "1",
		},
	}
	// Cleanup order (LIFO): destroy, then sweep by label whatever is left.
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer ccancel()
		e.sweep(cctx, t)
	})
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			if _, err := terraform.DestroyE(t, opts); err != nil {
				t.Errorf("terraform destroy at cleanup: %v", err)
			}
		}
	})

	// 1. Apply.
	start := time.Now()
	if _, err := terraform.InitE(t, opts); err != nil {
		t.Fatalf("terraform init: %v", err)
	}
	e.record(t, "terraform init", start)
	start = time.Now()
	if _, err := terraform.ApplyE(t, opts); err != nil {
		t.Fatalf("terraform apply: %v", err)
	}
	e.record(t, "terraform apply (first)", start)

	if got := terraform.Output(t, opts, "registry"); got != e.registry() {
		t.Fatalf("output registry = %q, want %q", got, e.registry())
	}
	admin := credentials{terraform.Output(t, opts, "admin_username"), terraform.Output(t, opts, "admin_password")}
	if admin.pass == "" {
		t.Fatal("the stack gave no admin password")
	}
	provider := terraform.OutputMap(t, opts, "provider_config")
	if provider["endpoint"] != e.publicURL() || provider["username"] != admin.user || provider["password"] != admin.pass || !strings.Contains(provider["ca_pem"], "BEGIN CERTIFICATE") {
		t.Errorf("provider_config = endpoint %q user %q ca %d bytes; want the stack's endpoint, admin and CA", provider["endpoint"], provider["username"], len(provider["ca_pem"]))
	}
	containers := stackContainers(t, opts)
	e.trustCA(t)
	hc := e.httpClient(t)
	rc := regClient{base: e.publicURL(), hc: hc}

	if err := eventually(ctx, time.Minute, time.Second, func() error {
		resp, _, err := rc.do(ctx, "GET", "/readyz", "", "", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return nil
	}); err != nil {
		t.Fatalf("the auth cluster is not ready through the LB: %v", err)
	}

	// RBAC as code on top: examples/rbac through our provider.
	fx := e.applyRBAC(ctx, t, provider, hc)
	api := fx.adminClient
	img := e.registry() + "/" + fx.namespace + "/hello"

	t.Run("2_docker_login_push_pull", func(t *testing.T) {
		e.dockerLogin(ctx, t, fx.contributor.user, fx.contributor.pass)
		e.buildImage(ctx, t, img+":1", "hello from the e2e\n")
		e.mustDocker(ctx, t, "push", img+":1")
		e.mustDocker(ctx, t, "rmi", img+":1")
		e.mustDocker(ctx, t, "pull", img+":1")

		// The application token examples/rbac made acts as the contributor.
		e.mustDocker(ctx, t, "logout", e.registry())
		e.dockerLogin(ctx, t, fx.contributor.user, fx.token)
		e.mustDocker(ctx, t, "tag", img+":1", img+":2")
		e.mustDocker(ctx, t, "push", img+":2")
		e.mustDocker(ctx, t, "rmi", img+":2", img+":1")
		e.mustDocker(ctx, t, "pull", img+":2")

		// crane through the robot examples/rbac made: allowed on its
		// namespace, refused on another.
		craneEnv := []string{"DOCKER_CONFIG=" + e.dockerCf, "SSL_CERT_FILE=" + filepath.Join(e.tlsDir, "ca.pem")}
		mustRun(ctx, t, craneEnv, e.crane, "auth", "login", e.registry(), "-u", fx.robot.user, "-p", fx.robot.pass)
		layer := filepath.Join(e.work, "layer.tar")
		b, err := tarOf("robot.txt", []byte("pushed by the robot\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(layer, b, 0o644); err != nil {
			t.Fatal(err)
		}
		robotImg := e.registry() + "/" + fx.namespace + "/robot:1"
		mustRun(ctx, t, craneEnv, e.crane, "append", "-f", layer, "-t", robotImg)
		out := mustRun(ctx, t, craneEnv, e.crane, "export", robotImg, "-")
		if !strings.Contains(out, "pushed by the robot") {
			t.Errorf("crane export of %s does not hold the layer", robotImg)
		}
		elsewhere := e.registry() + "/" + rbacOtherNamespace + "/robot:1"
		if out, err := run(ctx, t, craneEnv, e.crane, "append", "-f", layer, "-t", elsewhere); err == nil {
			t.Errorf("the robot pushed to %s, outside its namespace:\n%s", elsewhere, out)
		} else if lo := strings.ToLower(out); !strings.Contains(lo, "denied") && !strings.Contains(lo, "unauthorized") {
			t.Errorf("the robot's push to %s failed, but not for want of rights: %v\n%s", elsewhere, err, out)
		}
		mustRun(ctx, t, craneEnv, e.crane, "auth", "logout", e.registry())
	})

	t.Run("3_refusals", func(t *testing.T) {
		e.mustDocker(ctx, t, "logout", e.registry())
		e.dockerLogin(ctx, t, fx.viewer.user, fx.viewer.pass)
		e.buildImage(ctx, t, img+":viewer", "the viewer was here\n")
		if out, err := e.docker(ctx, t, "push", img+":viewer"); err == nil {
			t.Errorf("a viewer's docker push succeeded:\n%s", out)
		} else if !strings.Contains(strings.ToLower(out), "denied") && !strings.Contains(strings.ToLower(out), "unauthorized") {
			t.Errorf("a viewer's push failed, but not for want of rights:\n%s", out)
		}
		e.mustDocker(ctx, t, "logout", e.registry())
		_, _ = e.docker(ctx, t, "rmi", img+":2")
		if out, err := e.docker(ctx, t, "pull", img+":2"); err == nil {
			t.Errorf("anonymous pulled a private image:\n%s", out)
		}
		if _, err := api.GetTag(ctx, fx.namespace+"/hello", "viewer"); !client.IsNotFound(err) {
			t.Errorf("the refused push is known to the API: %v", err)
		}
	})

	t.Run("4_events_then_cron_sync", func(t *testing.T) {
		// Pushes arrive through events (pushed_by is the pusher; the sync
		// leaves it empty).
		for _, tag := range []string{"1", "2"} {
			if err := eventually(ctx, 20*time.Second, 500*time.Millisecond, func() error {
				tg, err := api.GetTag(ctx, fx.namespace+"/hello", tag)
				if err != nil {
					return err
				}
				if tg.PushedBy != fx.contributor.user {
					return fmt.Errorf("pushed_by = %q", tg.PushedBy)
				}
				return nil
			}); err != nil {
				t.Errorf("tag %s not in the API through events: %v", tag, err)
			}
		}
		if err := eventually(ctx, 20*time.Second, 500*time.Millisecond, func() error {
			_, err := api.GetTag(ctx, fx.namespace+"/robot", "1")
			return err
		}); err != nil {
			t.Errorf("the robot's push is not in the API: %v", err)
		}

		// Cut event delivery at the LB, push more, and wait for the sync.
		e.mustDocker(ctx, t, "exec", containers.lb, "touch", "/etc/nginx/events-paused")
		defer e.mustDocker(ctx, t, "exec", containers.lb, "rm", "-f", "/etc/nginx/events-paused")
		tok, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+fx.namespace+"/late:pull,push")
		if err != nil {
			t.Fatal(err)
		}
		pushed := time.Now()
		if _, err := rc.pushImage(ctx, tok, fx.namespace+"/late", "1", []byte("pushed while events were cut\n")); err != nil {
			t.Fatalf("push while events are cut: %v", err)
		}
		var tg apiv1.Tag
		if err := eventually(ctx, 2*syncEvery+20*time.Second, time.Second, func() error {
			tg, err = api.GetTag(ctx, fx.namespace+"/late", "1")
			return err
		}); err != nil {
			t.Fatalf("the cron sync did not bring in a push made while events were cut: %v", err)
		}
		took := time.Since(pushed)
		e.record(t, "sync brought in a push after", pushed)
		if tg.PushedBy != "" {
			t.Errorf("tag came with pushed_by %q: through events, which were meant to be cut", tg.PushedBy)
		}
		if took > syncEvery+15*time.Second {
			t.Errorf("the sync took %s, more than its period %s (+15 s)", took, syncEvery)
		}
	})

	t.Run("5_load_while_replicas_die", func(t *testing.T) {
		e.mustDocker(ctx, t, "rmi", "-f", img+":viewer")
		type kill struct {
			at   time.Duration
			name func() string
		}
		var killed []string
		done := make(chan struct{})
		loadStart := time.Now()
		go func() {
			defer close(done)
			for _, k := range []kill{
				{10 * time.Second, func() string { return containers.auth[0] }},
				{25 * time.Second, func() string { return e.busiestRegistry(ctx, t, containers.registry) }},
			} {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(loadStart.Add(k.at))):
				}
				n := k.name()
				if out, err := e.docker(ctx, t, "kill", n); err != nil {
					t.Errorf("docker kill %s: %v\n%s", n, err, out)
				}
				t.Logf("killed %s at %s", n, time.Now().Format("15:04:05.000"))
				killed = append(killed, n)
			}
		}()
		start := time.Now()
		res := runLoad(ctx, t, e, fx, 6, 45*time.Second)
		<-done
		e.record(t, "load (6 clients)", start)
		ops, fails := res.totals()
		t.Logf("load: %d operations (%v), %d failed (%.2f %%), killed %v", ops, res.ops, fails, 100*float64(fails)/float64(max(ops, 1)), killed)
		for _, s := range res.errs {
			t.Logf("  failure: %s", s)
		}
		if ops < 200 {
			t.Errorf("only %d operations ran: the load did not load", ops)
		}
		if float64(fails) >= 0.01*float64(ops) {
			t.Errorf("%d of %d operations failed (>= 1 %%)", fails, ops)
		}
		if len(res.overGrants) > 0 {
			t.Errorf("tokens granted more than the RBAC allows:\n  %s", strings.Join(res.overGrants, "\n  "))
		}
		if len(killed) != 2 {
			t.Fatalf("killed %v, want one auth and one registry replica", killed)
		}
		// Everything pushed is pullable (with a replica of each still down).
		tok := func(repo string) string {
			tk, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+repo+":pull")
			if err != nil {
				t.Fatalf("token: %v", err)
			}
			return tk
		}
		for _, p := range append(res.pushed, pushedImage{fx.namespace + "/hello", "1", ""}, pushedImage{fx.namespace + "/late", "1", ""}) {
			d, err := rc.pull(ctx, tok(p.repo), p.repo, p.tag)
			if err != nil || (p.digest != "" && d != p.digest) {
				t.Errorf("pull %s:%s after the kills: digest %s want %s, %v", p.repo, p.tag, d, p.digest, err)
			}
		}
		t.Logf("pulled back all %d images pushed under load", len(res.pushed))
		// Bring the killed replicas back, as the restart policy would not.
		for _, n := range killed {
			e.mustDocker(ctx, t, "start", n)
		}
		e.waitHealthy(ctx, t, 2*time.Minute, killed...)
	})

	t.Run("6_key_rotation", func(t *testing.T) {
		repo := fx.namespace + "/hello"
		old, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+repo+":pull")
		if err != nil {
			t.Fatal(err)
		}
		out := e.mustDocker(ctx, t, "exec", containers.auth[0], "/dockmaster", "keys", "rotate")
		t.Logf("%s", strings.TrimSpace(out))
		rotated := time.Now()
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "new signing key "))
		if len(f) == 0 {
			t.Fatalf("keys rotate printed no key id: %q", out)
		}
		newKID := f[0]
		// New tokens are signed with the new key once the replicas see it;
		// the registries pick it up (dmhelper) within a few seconds.
		var lastKID string
		if err := eventually(ctx, time.Minute, 500*time.Millisecond, func() error {
			tk, _, err := rc.token(ctx, fx.contributor.user, fx.contributor.pass, "repository:"+repo+":pull")
			if err != nil {
				return err
			}
			if lastKID = jwtKID(tk); lastKID != newKID {
				return fmt.Errorf("token signed by %s, not yet by the new key %s", lastKID, newKID)
			}
			_, err = rc.pull(ctx, tk, repo, "1")
			return err
		}); err != nil {
			t.Fatalf("after keys rotate, tokens of the new key do not work: %v", err)
		}
		e.record(t, "new key trusted after rotate", rotated)
		if _, err := rc.pull(ctx, old, repo, "1"); err != nil {
			t.Errorf("a token from before the rotation stopped working: %v", err)
		}
		// Every replica follows (the one that served the pulls above may not
		// be the only one): each logs its reload within a few refreshes.
		for _, n := range containers.registry {
			if err := eventually(ctx, 30*time.Second, time.Second, func() error {
				logs, err := e.docker(ctx, t, "logs", "--since", rotated.Add(-2*time.Second).Format(time.RFC3339), n)
				if err != nil {
					return err
				}
				if !strings.Contains(logs, "published keys changed") {
					return fmt.Errorf("no reload logged")
				}
				return nil
			}); err != nil {
				t.Errorf("%s did not reload its keys after the rotation: %v", n, err)
			}
		}
	})

	t.Run("7_plan_no_changes", func(t *testing.T) {
		start := time.Now()
		code, err := terraform.PlanExitCodeE(t, opts)
		e.record(t, "terraform plan (no change)", start)
		if err != nil || code != 0 {
			t.Errorf("terraform plan -detailed-exitcode = %d (%v), want 0 (no changes)", code, err)
		}
	})

	// The RBAC root first (a no-change plan, then destroy), then the stack.
	e.destroyRBAC(ctx, t, fx)

	start = time.Now()
	if _, err := terraform.DestroyE(t, opts); err != nil {
		t.Fatalf("terraform destroy: %v", err)
	}
	destroyed = true
	e.record(t, "terraform destroy", start)
	if left := e.leftovers(ctx, t); len(left) > 0 {
		t.Errorf("destroy left objects with label %s: %v", e.label, left)
	}
}

type stackNames struct {
	lb       string
	auth     []string
	registry []string
}

func stackContainers(tb testing.TB, opts *terraform.Options) stackNames {
	tb.Helper()
	var c struct {
		LB         []string `json:"lb"`
		Authserver []string `json:"authserver"`
		Registry   []string `json:"registry"`
	}
	terraform.OutputStruct(tb.(*testing.T), opts, "containers", &c)
	if len(c.LB) != 1 || len(c.Authserver) != 2 || len(c.Registry) != 2 {
		tb.Fatalf("containers output = %+v, want 1 LB, 2 auth and 2 registry replicas", c)
	}
	return stackNames{lb: c.LB[0], auth: c.Authserver, registry: c.Registry}
}

func (e *env) dockerLogin(ctx context.Context, tb testing.TB, user, pass string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := []string{"login", e.registry(), "--username", user, "--password-stdin"}
	c := execDocker(ctx, e, cmd...)
	c.Stdin = strings.NewReader(pass)
	out, err := c.CombinedOutput()
	if err != nil {
		tb.Fatalf("docker login %s as %s: %v\n%s", e.registry(), user, err, out)
	}
}

// buildImage builds a tiny FROM scratch image tagged tag, labelled with the run.
func (e *env) buildImage(ctx context.Context, tb testing.TB, tag, content string) {
	tb.Helper()
	dir, err := os.MkdirTemp(e.work, "img-")
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /\n",
		"hello.txt":  content,
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	e.mustDocker(ctx, tb, "build", "-q", "--label", e.label, "-t", tag, dir)
}

// busiestRegistry names the registry replica that logged most in the last
// 8 s: the one the LB's source-IP affinity sends the load to.
func (e *env) busiestRegistry(ctx context.Context, tb testing.TB, names []string) string {
	tb.Helper()
	best, most := names[0], -1
	for _, n := range names {
		out, _ := e.docker(ctx, tb, "logs", "--since", "8s", n)
		if c := strings.Count(out, "\n"); c > most {
			best, most = n, c
		}
	}
	return best
}
