//go:build unix

// Package dmserver runs a real `dockmaster serve` of this checkout for
// tests: it builds ./authserver once (cached by a hash of the server's
// sources), bootstraps an admin on a fresh database (SQLite in a temp
// directory, or a PostgreSQL URL the caller gives), serves on a free loopback
// port and stops the process when the test ends.
//
//	srv := dmserver.Start(t, dmserver.Options{})
//	c := srv.Client(t) // the admin, through internal/client
package dmserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// AdminUser is the username of the bootstrapped admin.
const AdminUser = "tfadmin"

// Options configure a server.
type Options struct {
	// DatabaseURL is a postgres:// URL (e.g. pgtest.URL(t)); empty means
	// SQLite in the test's temp directory.
	DatabaseURL string
	// RegistryURL is the registry's API (sync, deletes); empty means none.
	RegistryURL string
	// EventsSecret is the notification secret; empty means events refused.
	EventsSecret string
	// Args are extra flags of `dockmaster serve`.
	Args []string
	// StartTimeout bounds the wait for /readyz (default 30s).
	StartTimeout time.Duration
}

// Server is a running `dockmaster serve`.
type Server struct {
	// URL is http://localhost:PORT: the public URL and token realm host
	// (clients refuse loopback IP literals as realms).
	URL string
	// Listen is 127.0.0.1:PORT.
	Listen string
	// AdminUser and AdminPassword are the bootstrapped admin's credentials.
	AdminUser, AdminPassword string
	// Bundle is the PEM file of the signing certificates (the registry's
	// auth.token.rootcertbundle).
	Bundle string
	// Service and Issuer are the token audience and issuer.
	Service, Issuer string
	// DataDir is the server's data directory.
	DataDir string

	proc *registryproc.Process
}

// Start builds (once) and starts a server; it is stopped when t ends and
// its output is logged when t failed.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := Binary(t)
	pw := randomHex(t, 16)
	s, err := Launch(bin, t.TempDir(), pw, opts)
	if err != nil {
		t.Fatalf("dmserver: %v", err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("dockmaster serve output:\n%s", tail(s.proc.Output(), 8000))
		}
	})
	return s
}

// Launch is Start for programs (benchmarks): it runs bin (see BuildBinary)
// with its data in dir and an admin whose password is adminPassword. The
// caller stops it with Stop.
func Launch(bin, dir, adminPassword string, opts Options) (*Server, error) {
	s := &Server{
		AdminUser: AdminUser, AdminPassword: adminPassword,
		Bundle:  filepath.Join(dir, "rootcertbundle.pem"),
		Service: "dockmaster", Issuer: "dockmaster",
		DataDir: filepath.Join(dir, "data"),
	}
	pwFile := filepath.Join(dir, "admin-password")
	if err := os.WriteFile(pwFile, []byte(s.AdminPassword+"\n"), 0o600); err != nil {
		return nil, err
	}
	common := []string{"--data-dir", s.DataDir, "--service", s.Service, "--issuer", s.Issuer}
	if opts.DatabaseURL != "" {
		common = append(common, "--database", opts.DatabaseURL)
	}
	env := registryproc.CleanEnv("DOCKMASTER_")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, bin, append(args, common...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("dockmaster %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("admin", "bootstrap", "--username", s.AdminUser, "--password-file", pwFile); err != nil {
		return nil, err
	}
	// Exported before the first start, it creates the signing key serve uses.
	if err := run("keys", "export-cert", "--out", s.Bundle); err != nil {
		return nil, err
	}

	serveEnv := env
	if opts.EventsSecret != "" {
		serveEnv = append(append([]string(nil), env...), "DOCKMASTER_EVENTS_SECRET="+opts.EventsSecret)
	}
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	var lastErr error
	for range 3 { // a free port can be taken between probing and binding
		port, err := registryproc.FreePort()
		if err != nil {
			return nil, err
		}
		s.Listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.URL = "http://localhost:" + strconv.Itoa(port)
		args := append([]string{"serve", "--listen", s.Listen, "--public-url", s.URL}, common...)
		if opts.RegistryURL != "" {
			args = append(args, "--registry-url", opts.RegistryURL)
		}
		args = append(args, opts.Args...)
		p, err := registryproc.StartProcess(append([]string{bin}, args...), serveEnv)
		if err != nil {
			return nil, err
		}
		if lastErr = waitReady(p, "http://"+s.Listen+"/readyz", timeout); lastErr == nil {
			s.proc = p
			return s, nil
		}
		p.Stop()
	}
	return nil, fmt.Errorf("dockmaster serve: %w", lastErr)
}

// Stop ends the server (SIGTERM to its PID, SIGKILL to its group after 5 s).
// Safe to call twice; Start registers it with t.Cleanup.
func (s *Server) Stop() {
	if s.proc != nil {
		s.proc.Stop()
	}
}

// Output returns what the server printed so far.
func (s *Server) Output() string { return s.proc.Output() }

// Client returns an API client authenticated as the admin.
func (s *Server) Client(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.New(s.URL, client.WithBasic(s.AdminUser, s.AdminPassword))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitReady waits for /readyz with registryproc's one HTTP wait and adds
// the server's last output to a failure.
func waitReady(p *registryproc.Process, url string, timeout time.Duration) error {
	if err := registryproc.WaitHTTP(url, timeout, p.Done()); err != nil {
		return fmt.Errorf("%w\n%s", err, tail(p.Output(), 4000))
	}
	return nil
}

// Binary returns the path of a `dockmaster` binary built from this
// checkout's ./authserver (see BuildBinary), failing t when it cannot.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := BuildBinary(t.Logf)
	if err != nil {
		t.Fatalf("dmserver: %v", err)
	}
	return bin
}

// BuildBinary returns the path of a `dockmaster` binary built from this
// checkout's ./authserver. It is cached under registryproc.CacheDir keyed by
// a hash of the sources that go into it, so a second test process (or a
// second package) reuses it and a changed server is rebuilt.
func BuildBinary(logf func(string, ...any)) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	key, err := sourceHash(root)
	if err != nil {
		return "", fmt.Errorf("hashing the server's sources: %w", err)
	}
	return registryproc.Cached("dockmaster", "src-"+key, logf, func(ctx context.Context, work string) (string, error) {
		out := filepath.Join(work, "dockmaster")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./authserver")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build ./authserver: %w\n%s", err, b)
		}
		return out, nil
	})
}

// sourceHash hashes go.mod, go.sum and the files of every package of this
// module that ./authserver imports (`go list -deps`): Go files without
// tests and embedded files.
func sourceHash(root string) (string, error) {
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and (not .Standard) .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`,
		"./authserver")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -deps ./authserver: %w", err)
	}
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, name := range f[1:] {
			files = append(files, filepath.Join(f[0], name))
		}
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s\x00", rel)
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ModuleRoot finds the directory of go.mod from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
