//go:build unix

// Command tfbench measures the Terraform provider against a real
// `dockmaster serve` (SQLite): for a generated configuration of 50 teams,
// 200 namespaces, 500 grants and 50 robots, and multiples of it, the time of
// `terraform apply`, then of a no-change `terraform plan`, and the API
// requests per resource that plan's refresh costs (from the server's
// /metrics). It prints the figures; it is not a timed test.
//
//	go run ./test/tfbench [-scales 1,4]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
)

func main() {
	scales := flag.String("scales", "1,4", "comma-separated multiples of the base set (50 teams, 200 namespaces, 500 grants, 50 robots)")
	parallelism := flag.Int("parallelism", 32, "terraform -parallelism")
	flag.Parse()
	if err := run(*scales, *parallelism); err != nil {
		fmt.Fprintln(os.Stderr, "tfbench:", err)
		os.Exit(1)
	}
}

type figures struct {
	scale, resources     int
	apply, plan          time.Duration
	planNoRefresh        time.Duration
	planRequests         int
	planReqsPerResource  float64
	applyRequests        int
	applyReqsPerResource float64
}

func run(scalesFlag string, parallelism int) error {
	tfBin, err := exec.LookPath("terraform")
	if err != nil {
		return fmt.Errorf("terraform is not on PATH (it is never downloaded): %w", err)
	}
	root, err := dmserver.ModuleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "dockmaster-tfbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
	dmBin, err := dmserver.BuildBinary(logf)
	if err != nil {
		return err
	}
	provDir := filepath.Join(tmp, "provider")
	if err := os.MkdirAll(provDir, 0o755); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", filepath.Join(provDir, "terraform-provider-dockmaster"), "./provider")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./provider: %w\n%s", err, out)
	}
	cliCfg := filepath.Join(tmp, "terraformrc")
	if err := os.WriteFile(cliCfg, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides { \"dockmaster/dockmaster\" = %q }\n  direct {}\n}\n", provDir)), 0o600); err != nil {
		return err
	}

	var all []figures
	for _, f := range strings.Split(scalesFlag, ",") {
		scale, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || scale < 1 {
			return fmt.Errorf("bad scale %q", f)
		}
		fig, err := measure(tfBin, dmBin, cliCfg, filepath.Join(tmp, "scale-"+strconv.Itoa(scale)), scale, parallelism)
		if err != nil {
			return fmt.Errorf("scale %d: %w", scale, err)
		}
		all = append(all, fig)
		logf("scale %d done", scale)
	}
	fmt.Printf("Terraform provider, terraform %s, -parallelism=%d, dockmaster serve on SQLite, loopback\n\n", tfVersion(tfBin), parallelism)
	fmt.Println("| set | resources | apply (create) | no-change plan | same, -refresh=false (terraform alone) | API requests in the plan | per resource |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, f := range all {
		fmt.Printf("| %dx (%d teams, %d namespaces, %d grants, %d robots) | %d | %s | %s | %s | %d | %.2f |\n",
			f.scale, 50*f.scale, 200*f.scale, 500*f.scale, 50*f.scale, f.resources,
			f.apply.Round(100*time.Millisecond), f.plan.Round(100*time.Millisecond), f.planNoRefresh.Round(100*time.Millisecond),
			f.planRequests, f.planReqsPerResource)
	}
	if len(all) > 1 {
		a, b := all[0], all[len(all)-1]
		fmt.Printf("\nplan time grows %.2fx for %.0fx the resources (linear would be %.0fx)\n",
			b.plan.Seconds()/a.plan.Seconds(), float64(b.resources)/float64(a.resources), float64(b.resources)/float64(a.resources))
	}
	return nil
}

func measure(tfBin, dmBin, cliCfg, dir string, scale, parallelism int) (figures, error) {
	fig := figures{scale: scale}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fig, err
	}
	pw := make([]byte, 16)
	_, _ = rand.Read(pw)
	srv, err := dmserver.Launch(dmBin, dir, hex.EncodeToString(pw), dmserver.Options{})
	if err != nil {
		return fig, err
	}
	defer srv.Stop()

	work := filepath.Join(dir, "tf")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return fig, err
	}
	cfg, n := generate(scale)
	fig.resources = n
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte(cfg), 0o600); err != nil {
		return fig, err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cliCfg, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"DOCKMASTER_ENDPOINT="+srv.URL, "DOCKMASTER_USERNAME="+srv.AdminUser, "DOCKMASTER_PASSWORD="+srv.AdminPassword)
	tf := func(args ...string) (time.Duration, error) {
		cmd := exec.Command(tfBin, args...)
		cmd.Dir, cmd.Env = work, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		if err != nil {
			return took, fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, tail(out.String(), 3000))
		}
		return took, nil
	}
	par := "-parallelism=" + strconv.Itoa(parallelism)
	r0, err := requests(srv.Listen)
	if err != nil {
		return fig, err
	}
	if fig.apply, err = tf("apply", "-auto-approve", "-input=false", "-no-color", par); err != nil {
		return fig, err
	}
	r1, err := requests(srv.Listen)
	if err != nil {
		return fig, err
	}
	if fig.plan, err = tf("plan", "-detailed-exitcode", "-input=false", "-no-color", par); err != nil {
		return fig, fmt.Errorf("the plan after apply is not empty, or failed: %w", err)
	}
	r2, err := requests(srv.Listen)
	if err != nil {
		return fig, err
	}
	// Terraform's own floor: the same plan without refreshing (no API call).
	if fig.planNoRefresh, err = tf("plan", "-refresh=false", "-detailed-exitcode", "-input=false", "-no-color", par); err != nil {
		return fig, err
	}
	fig.applyRequests, fig.planRequests = r1-r0, r2-r1
	fig.applyReqsPerResource = float64(fig.applyRequests) / float64(n)
	fig.planReqsPerResource = float64(fig.planRequests) / float64(n)
	return fig, nil
}

// generate writes the configuration of one scale and says how many
// resources it has: per unit, 50 teams each owning 4 namespaces, 500 grants
// to teams (2 or 3 per namespace, never to the owner) and 50 robots with
// access to 2 namespaces each.
func generate(scale int) (string, int) {
	teams, nss, grants, robots := 50*scale, 200*scale, 500*scale, 50*scale
	var b strings.Builder
	b.WriteString("terraform {\n  required_providers {\n    dockmaster = { source = \"dockmaster/dockmaster\" }\n  }\n}\nprovider \"dockmaster\" {}\n\n")
	for i := range teams {
		fmt.Fprintf(&b, "resource \"dockmaster_team\" \"t%d\" {\n  name        = \"team-%d\"\n  description = \"bench team %d\"\n}\n", i, i, i)
	}
	owner := func(ns int) int { return ns % teams }
	for i := range nss {
		vis := []string{"private", "protected", "public"}[i%3]
		fmt.Fprintf(&b, "resource \"dockmaster_namespace\" \"n%d\" {\n  name       = \"ns-%d\"\n  team       = dockmaster_team.t%d.name\n  visibility = %q\n}\n", i, i, owner(i), vis)
	}
	roles := []string{"viewer", "contributor", "owner"}
	for g := range grants {
		ns := g % nss
		k := g / nss // 0, 1, 2: the k-th grant on ns
		grantee := (owner(ns) + 1 + k) % teams
		fmt.Fprintf(&b, "resource \"dockmaster_permission\" \"g%d\" {\n  namespace = dockmaster_namespace.n%d.name\n  team      = dockmaster_team.t%d.name\n  role      = %q\n}\n", g, ns, grantee, roles[g%3])
	}
	for i := range robots {
		a, c := (2*i)%nss, (2*i+1)%nss
		fmt.Fprintf(&b, "resource \"dockmaster_robot_account\" \"r%d\" {\n  name   = \"robot-%d\"\n  access = [\n    { namespace = dockmaster_namespace.n%d.name, role = \"contributor\" },\n    { namespace = dockmaster_namespace.n%d.name, role = \"viewer\" },\n  ]\n}\n", i, i, a, c)
	}
	return b.String(), teams + nss + grants + robots
}

// requests sums dockmaster_http_requests_total over every route.
func requests(listen string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+listen+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "dockmaster_http_requests_total{") || strings.Contains(line, `route="GET /metrics"`) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			total += v
		}
	}
	return int(total), sc.Err()
}

func tfVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimPrefix(line, "Terraform ")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
