package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/registryproc"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

// lockedBuffer collects a command's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := registryproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func noEnv(string) string { return "" }

// start runs a command of this binary in the background until the test ends.
func start(t *testing.T, args ...string) (stdout *lockedBuffer, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs := &lockedBuffer{}, &lockedBuffer{}
	ch := make(chan error, 1)
	go func() { ch <- run(ctx, args, noEnv, out, errs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ch:
			if err != nil {
				t.Logf("%s ended: %v", args[0], err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("%s did not stop within 20s", args[0])
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", args[0], errs.String())
		}
	})
	return out, ch
}

// waitFor polls until cond holds or the bound passes.
func waitFor(t *testing.T, what string, bound time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", bound, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var passwordRE = regexp.MustCompile(`password: (\S+)`)

// printedPassword waits for the once-printed admin password.
func printedPassword(t *testing.T, out *lockedBuffer, done <-chan error) string {
	t.Helper()
	var pw string
	waitFor(t, "the admin password on stdout", 60*time.Second, func() bool {
		select {
		case err := <-done:
			t.Fatalf("command ended early: %v", err)
		default:
		}
		if m := passwordRE.FindStringSubmatch(out.String()); m != nil {
			pw = m[1]
			return true
		}
		return false
	})
	return pw
}

func TestServeBootstrapsOnceAndServes(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	out, done := start(t, "serve", "--data-dir", dir, "--listen", addr)
	pw := printedPassword(t, out, done)
	if len(pw) < 16 {
		t.Fatalf("generated password %q is too short", pw)
	}
	waitFor(t, "/readyz", 10*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	c, err := client.New("http://"+addr, client.WithBasic("admin", pw))
	if err != nil {
		t.Fatal(err)
	}
	me, err := c.Me(context.Background())
	if err != nil || !me.Admin || me.Name != "admin" {
		t.Fatalf("me = %+v, %v", me, err)
	}
	if _, err := c.GetTeam(context.Background(), "admins"); err != nil {
		t.Fatalf("the admins team that owns event-created namespaces: %v", err)
	}
	// A second bootstrap on the same database is refused and prints no secret.
	var out2, errs2 bytes.Buffer
	err = run(context.Background(), []string{"admin", "bootstrap", "--data-dir", dir, "--username", "other"}, noEnv, &out2, &errs2)
	if err == nil || strings.Contains(out2.String(), "password:") {
		t.Fatalf("second bootstrap: err=%v out=%q", err, out2.String())
	}
}

func TestCommandErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--listen", "nonsense"}, "--listen"},
		{[]string{"sync", "--data-dir", t.TempDir()}, "--registry-url"},
		{[]string{"serve", "--database", "mysql://x"}, "--database"},
		{[]string{"bogus"}, ""},
	} {
		var out, errs bytes.Buffer
		err := run(context.Background(), tc.args, noEnv, &out, &errs)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %q does not name %s", tc.args, err, tc.want)
		}
	}
}

// TestKeysCommands: the first export creates a signing key, rotate adds
// one, list shows both and both stay published (JWKS and certificates).
func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	keys := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(context.Background(), append(append([]string{"keys"}, args...), "--data-dir", dir), noEnv, &out, &errs); err != nil {
			t.Fatalf("keys %v: %v\n%s", args, err, errs.String())
		}
		return out.String()
	}
	var jwks struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal([]byte(keys("export-jwks")), &jwks); err != nil || len(jwks.Keys) != 1 {
		t.Fatalf("first export-jwks: %d keys, %v", len(jwks.Keys), err)
	}
	if out := keys("rotate", "--alg", "EdDSA"); !strings.Contains(out, "(EdDSA)") {
		t.Fatalf("rotate printed %q", out)
	}
	if out := keys("list"); strings.Count(out, "\n") != 3 || !strings.Contains(out, jwks.Keys[0].Kid) {
		t.Fatalf("list after one rotation, want a header and two keys:\n%s", out)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	keys("export-cert", "--out", bundle)
	if b, err := os.ReadFile(bundle); err != nil || bytes.Count(b, []byte("BEGIN CERTIFICATE")) != 2 {
		t.Fatalf("export-cert after a rotation, want both certificates: %v\n%s", err, b)
	}
}

// TestKeysUnknownCommand: an unknown keys command is a usage error before
// any setting is read or a database is created.
func TestKeysUnknownCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"keys", "bogus", "--data-dir", dir}, noEnv, &out, &errs)
	if !errors.Is(err, errUsage) || !strings.Contains(errs.String(), `unknown keys command "bogus"`) {
		t.Fatalf("err = %v, stderr %q", err, errs.String())
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created (stat: %v)", dir, err)
	}
}

// TestDevStack is `make demo` end to end: the real registry with token auth
// and notifications, the printed admin, a crane push that shows up through
// the REST API via events, and `dockmaster sync` against the same registry.
func TestDevStack(t *testing.T) {
	regBin := registry.Binary(t) // builds once, cached: dev would otherwise build it itself
	crane := registry.Crane(t)
	if regBin == "" || crane == "" {
		t.Fatal("registry or crane missing")
	}
	dir := t.TempDir()
	addr, regAddr := freeAddr(t), freeAddr(t)
	out, done := start(t, "dev", "--data-dir", dir, "--listen", addr, "--registry-listen", regAddr)
	pw := printedPassword(t, out, done)
	waitFor(t, "the ready banner", 60*time.Second, func() bool { return strings.Contains(out.String(), "Dockmaster is running") })

	_, regPort, _ := net.SplitHostPort(regAddr)
	regHost := "localhost:" + regPort
	home := t.TempDir()
	craneRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(crane, args...)
		cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"))
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("crane %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	craneRun("auth", "login", regHost, "-u", "admin", "-p", pw)
	layer := registry.Layer(t, "hello from dockmaster\n")
	craneRun("append", "-f", layer, "-t", regHost+"/demo/hello:1")

	// The crane commands the banner prints run as printed (issue 8).
	work := t.TempDir()
	var printed []string
	for _, line := range strings.Split(out.String(), "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "crane ") || strings.HasPrefix(l, "echo ") {
			printed = append(printed, strings.ReplaceAll(l, "<password>", pw))
		}
	}
	if len(printed) < 3 {
		t.Fatalf("the banner prints no crane commands:\n%s", out.String())
	}
	bin := t.TempDir() // crane is cached as crane-<version>
	if err := os.Symlink(crane, filepath.Join(bin, "crane")); err != nil {
		t.Fatal(err)
	}
	for _, l := range printed {
		cmd := exec.Command("sh", "-c", l)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+filepath.Join(home, ".docker"),
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("printed command %q: %v\n%s", l, err, b)
		}
	}

	c, err := client.New("http://"+addr, client.WithBasic("admin", pw))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "admin/hello:1, pushed by the printed commands", 5*time.Second, func() bool {
		tag, err := c.GetTag(context.Background(), "admin/hello", "1")
		return err == nil && strings.HasPrefix(tag.Digest, "sha256:")
	})
	waitFor(t, "demo/hello:1 through the REST API (events)", 5*time.Second, func() bool {
		tag, err := c.GetTag(context.Background(), "demo/hello", "1")
		return err == nil && strings.HasPrefix(tag.Digest, "sha256:")
	})
	ns, err := c.GetNamespace(context.Background(), "demo")
	if err != nil || ns.Team != "admins" || ns.Visibility != "private" {
		t.Fatalf("namespace created by the push = %+v, %v", ns, err)
	}

	var syncOut, syncErr bytes.Buffer
	err = run(context.Background(), []string{"sync", "--data-dir", dir, "--registry-url", "http://" + regAddr}, noEnv, &syncOut, &syncErr)
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, syncErr.String())
	}
	if !strings.Contains(syncOut.String(), "2 repositories, 2 tags listed") {
		t.Fatalf("sync report = %q", syncOut.String())
	}
}

// TestAdminResetPassword (issue 8): an operator who lost the admin's
// password sets a new one offline on the database; it is printed once
// (generated) or taken from a file, audited, and the old one stops working.
func TestAdminResetPassword(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var out, errs bytes.Buffer
	if err := run(ctx, []string{"admin", "bootstrap", "--data-dir", dir}, noEnv, &out, &errs); err != nil {
		t.Fatalf("bootstrap: %v %s", err, errs.String())
	}
	old := passwordRE.FindStringSubmatch(out.String())[1]

	out.Reset()
	if err := run(ctx, []string{"admin", "reset-password", "--data-dir", dir, "--username", "admin"}, noEnv, &out, &errs); err != nil {
		t.Fatalf("reset-password: %v %s", err, errs.String())
	}
	m := passwordRE.FindStringSubmatch(out.String())
	if m == nil || m[1] == old || len(m[1]) < 16 {
		t.Fatalf("reset-password printed %q", out.String())
	}
	generated := m[1]

	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("a-chosen-password-9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"admin", "reset-password", "--data-dir", dir, "--username", "admin", "--password-file", pwFile}, noEnv, &out, &errs); err != nil {
		t.Fatalf("reset-password --password-file: %v", err)
	}
	if strings.Contains(out.String(), "a-chosen-password-9") {
		t.Error("a given password was printed")
	}
	err := run(ctx, []string{"admin", "reset-password", "--data-dir", dir, "--username", "nobody"}, noEnv, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "nobody") {
		t.Errorf("unknown user: %v", err)
	}

	addr := freeAddr(t)
	sout, done := start(t, "serve", "--data-dir", dir, "--listen", addr)
	waitFor(t, "/readyz", 10*time.Second, func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, sout.String())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	for pw, want := range map[string]bool{old: false, generated: false, "a-chosen-password-9": true} {
		c, _ := client.New("http://"+addr, client.WithBasic("admin", pw))
		_, err := c.Me(ctx)
		if (err == nil) != want {
			t.Errorf("password %q works: %v, want %v", pw, err == nil, want)
		}
	}
	c, _ := client.New("http://"+addr, client.WithBasic("admin", "a-chosen-password-9"))
	events, err := c.ListAudit(ctx, client.AuditQuery{Action: "user.reset-password"})
	if err != nil || len(events.Items) != 2 {
		t.Errorf("audit of the resets: %+v, %v", events.Items, err)
	}
}

// TestDevPrintsTheAdminBeforeTheRegistryBuild (issue 8): make demo's first
// run prints the admin's password before it builds the registry, so a build
// that fails (here: no module proxy, an empty cache) loses nothing; the next
// run says how to get back in.
func TestDevPrintsTheAdminBeforeTheRegistryBuild(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-modcacherw")
	dir := t.TempDir()
	args := []string{"dev", "--data-dir", dir, "--listen", freeAddr(t), "--registry-listen", freeAddr(t)}
	var out, errs bytes.Buffer
	if err := run(context.Background(), args, noEnv, &out, &errs); err == nil {
		t.Fatal("dev succeeded without a registry to build")
	}
	if m := passwordRE.FindStringSubmatch(out.String()); m == nil {
		t.Fatalf("the failed first run did not print the admin's password:\n%s", out.String())
	}
	out.Reset()
	_ = run(context.Background(), args, noEnv, &out, &errs)
	if passwordRE.MatchString(out.String()) || !strings.Contains(out.String(), "reset-password") {
		t.Errorf("the second run should print no password and name reset-password:\n%s", out.String())
	}
}
