package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// env is what one run of the test made and knows: the names it must clean
// up and the tools it found.
type env struct {
	root     string // the repository
	work     string // temp dir: the copied modules and example, TLS files, docker config
	label    string // key=value on everything the run creates
	labelKey string
	labelVal string
	name     string // the stack's name prefix
	port     int    // the LB's port on 127.0.0.1
	images   map[string]string
	tfrc     string // TF_CLI_CONFIG_FILE with the kreuzwerker/docker mirror
	rbacTfrc string // TF_CLI_CONFIG_FILE with the dockmaster/dockmaster provider built from this tree
	crane    string
	dockerCf string // DOCKER_CONFIG of the run (never the user's)
	tlsDir   string
	timings  []timing
}

type timing struct {
	what string
	took time.Duration
}

func (e *env) record(tb testing.TB, what string, start time.Time) {
	tb.Helper()
	d := time.Since(start).Round(100 * time.Millisecond)
	e.timings = append(e.timings, timing{what, d})
	tb.Logf("TIMING %-34s %s", what, d)
}

func repoRoot(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("cannot find the test's own file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// requireTools fails (never skips) with what is missing and how to get it.
func requireTools(tb testing.TB) {
	tb.Helper()
	var missing []string
	for _, tool := range []struct{ name, hint string }{
		{"docker", "the Docker engine and CLI (the engine must be running: docker info)"},
		{"terraform", "terraform >= 1.11 on PATH (it cannot be built from the Go module proxy)"},
		{"openssl", "apt-get install openssl (examples/stacks/local/gen-tls.sh)"},
		{"go", "Go >= 1.26"},
		{"flock", "apt-get install util-linux"},
	} {
		if _, err := exec.LookPath(tool.name); err != nil {
			missing = append(missing, tool.name+": "+tool.hint)
		}
	}
	if len(missing) > 0 {
		tb.Fatalf("the end-to-end test needs:\n  %s", strings.Join(missing, "\n  "))
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		tb.Fatalf("the Docker engine does not answer (docker info): %v\n%s", err, out)
	}
}

// run runs a command with a bounded time and returns its combined output.
func run(ctx context.Context, tb testing.TB, extraEnv []string, name string, args ...string) (string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustRun(ctx context.Context, tb testing.TB, extraEnv []string, name string, args ...string) string {
	tb.Helper()
	out, err := run(ctx, tb, extraEnv, name, args...)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// docker runs the docker CLI with the run's own config directory.
func (e *env) docker(ctx context.Context, tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	return run(ctx, tb, []string{"DOCKER_CONFIG=" + e.dockerCf, "DOCKER_BUILDKIT=0"}, "docker", args...)
}

func (e *env) mustDocker(ctx context.Context, tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := e.docker(ctx, tb, args...)
	if err != nil {
		tb.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// buildImages runs images/build.sh (cached by version) and returns the tags
// by the example's input names.
func buildImages(ctx context.Context, root string) (map[string]string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(root, "images", "build.sh"))
	var stderr bytes.Buffer
	// Progress of a cold build (minutes) shows as it happens.
	cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("images/build.sh: %w\n%s", err, stderr.String())
	}
	built := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.HasPrefix(v, "dockmaster/") {
			built[k] = v
		}
	}
	tf := map[string]string{}
	for input, name := range map[string]string{"dockmaster": "dockmaster", "registry": "registry", "postgres": "postgres", "redis": "redis", "lb": "nginx"} {
		tag, ok := built[name]
		if !ok {
			return nil, fmt.Errorf("images/build.sh did not report %s:\n%s", name, out)
		}
		tf[input] = tag
	}
	return tf, nil
}

// providerMirror makes sure the kreuzwerker/docker provider is in the
// cache's filesystem mirror (building it once) and returns the CLI config.
func providerMirror(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(root, "images", "tf-mirror.sh"))
	var stderr bytes.Buffer
	cmd.Stderr = io.MultiWriter(&stderr, os.Stderr)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("images/tf-mirror.sh: %w\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// craneTool returns crane, built once into ~/.cache/dockmaster/bin.
func craneTool(logf func(string, ...any)) (string, error) {
	return registryproc.Tool("crane", registryproc.CranePkg, registryproc.CraneVersion, logf)
}

// prepare builds (or finds cached) the images, the kreuzwerker/docker
// mirror, crane and our own provider at once: on a cold machine debootstrap
// waits on the network while the providers compile.
func (e *env) prepare(ctx context.Context, tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, 25*time.Minute)
	defer cancel()
	steps := []struct {
		what string
		run  func() error
	}{
		{"images (make images)", func() (err error) { e.images, err = buildImages(ctx, e.root); return err }},
		{"provider mirror", func() (err error) { e.tfrc, err = providerMirror(ctx, e.root); return err }},
		{"crane", func() (err error) { e.crane, err = craneTool(tb.Logf); return err }},
		{"dockmaster provider (go build)", func() (err error) { e.rbacTfrc, err = buildProvider(ctx, e.root, e.work); return err }},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(steps))
	took := make([]time.Duration, len(steps))
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			errs[i] = s.run()
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	for i, s := range steps {
		d := took[i].Round(100 * time.Millisecond)
		e.timings = append(e.timings, timing{s.what, d})
		tb.Logf("TIMING %-34s %s", s.what, d)
	}
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
}

// copyTree copies the modules, the stack example and examples/rbac into dst
// with the same relative layout, so the example's ../../../modules sources
// resolve and the run's state never mixes with a user's `make stack`.
func copyTree(tb testing.TB, root, dst string) string {
	tb.Helper()
	for _, rel := range []string{"modules", filepath.Join("examples", "stacks", "local"), filepath.Join("examples", "rbac")} {
		src := filepath.Join(root, rel)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, _ := filepath.Rel(src, p)
			base := d.Name()
			if d.IsDir() && (base == ".terraform" || base == ".tls" || base == ".rbac") {
				return filepath.SkipDir
			}
			if strings.HasPrefix(base, "terraform.tfstate") || base == ".terraform.lock.hcl" || strings.HasSuffix(base, ".auto.tfvars.json") {
				return nil
			}
			target := filepath.Join(dst, rel, r)
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, _ := d.Info()
			return os.WriteFile(target, b, info.Mode().Perm())
		})
		if err != nil {
			tb.Fatalf("copy %s: %v", rel, err)
		}
	}
	return filepath.Join(dst, "examples", "stacks", "local")
}

func freePort(tb testing.TB) int {
	tb.Helper()
	port, err := registryproc.FreePort()
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	return port
}

// httpClient trusts only the run's CA.
func (e *env) httpClient(tb testing.TB) *http.Client {
	tb.Helper()
	pem, err := os.ReadFile(filepath.Join(e.tlsDir, "ca.pem"))
	if err != nil {
		tb.Fatalf("read CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatal("CA PEM holds no certificate")
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 16,
		},
	}
}

func (e *env) registry() string  { return fmt.Sprintf("localhost:%d", e.port) }
func (e *env) publicURL() string { return "https://" + e.registry() }

// trustCA lets the Docker engine verify the LB's certificate for this
// host:port only; removed at cleanup.
func (e *env) trustCA(tb testing.TB) {
	tb.Helper()
	dir := filepath.Join("/etc/docker/certs.d", e.registry())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatalf("certs.d (the test must run as root to trust its CA in the engine): %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	pem, err := os.ReadFile(filepath.Join(e.tlsDir, "ca.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), pem, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// leftovers lists containers, networks and volumes carrying the run's label.
func (e *env) leftovers(ctx context.Context, tb testing.TB) []string {
	tb.Helper()
	var left []string
	for _, kind := range [][]string{
		{"ps", "-aq"}, {"network", "ls", "-q"}, {"volume", "ls", "-q"},
	} {
		args := append(append([]string{}, kind...), "--filter", "label="+e.label)
		out, err := e.docker(ctx, tb, args...)
		if err != nil {
			tb.Errorf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		for _, id := range strings.Fields(out) {
			left = append(left, kind[0]+" "+id)
		}
	}
	return left
}

// sweep removes, by label only, whatever a failed run left behind.
func (e *env) sweep(ctx context.Context, tb testing.TB) {
	tb.Helper()
	f := "label=" + e.label
	if ids := strings.Fields(e.mustDockerQuiet(ctx, tb, "ps", "-aq", "--filter", f)); len(ids) > 0 {
		_, _ = e.docker(ctx, tb, append([]string{"rm", "-f", "-v"}, ids...)...)
	}
	if ids := strings.Fields(e.mustDockerQuiet(ctx, tb, "network", "ls", "-q", "--filter", f)); len(ids) > 0 {
		_, _ = e.docker(ctx, tb, append([]string{"network", "rm"}, ids...)...)
	}
	if ids := strings.Fields(e.mustDockerQuiet(ctx, tb, "volume", "ls", "-q", "--filter", f)); len(ids) > 0 {
		_, _ = e.docker(ctx, tb, append([]string{"volume", "rm", "-f"}, ids...)...)
	}
	if ids := strings.Fields(e.mustDockerQuiet(ctx, tb, "images", "-q", "--filter", f)); len(ids) > 0 {
		_, _ = e.docker(ctx, tb, append([]string{"rmi", "-f"}, ids...)...)
	}
}

func (e *env) mustDockerQuiet(ctx context.Context, tb testing.TB, args ...string) string {
	tb.Helper()
	out, err := e.docker(ctx, tb, args...)
	if err != nil {
		tb.Logf("docker %s: %v", strings.Join(args, " "), err)
		return ""
	}
	return out
}

// eventually polls cond every interval until it holds or timeout passes.
func eventually(ctx context.Context, timeout, interval time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still failing after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// waitHealthy waits until the named containers report healthy.
func (e *env) waitHealthy(ctx context.Context, tb testing.TB, timeout time.Duration, names ...string) {
	tb.Helper()
	for _, n := range names {
		err := eventually(ctx, timeout, time.Second, func() error {
			out, err := e.docker(ctx, tb, "inspect", "-f", "{{.State.Health.Status}}", n)
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			if s := strings.TrimSpace(out); s != "healthy" {
				return fmt.Errorf("%s is %s", n, s)
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("container %s: %v", n, err)
		}
	}
}

func execDocker(ctx context.Context, e *env, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "docker", args...)
	c.Env = append(os.Environ(), "DOCKER_CONFIG="+e.dockerCf, "DOCKER_BUILDKIT=0")
	return c
}
