//go:build unix

package registryproc

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configure a test registry. With an empty Realm it runs without auth.
type Options struct {
	// Token auth (auth.token); set when Realm is not empty.
	Realm   string
	Service string
	Issuer  string
	// Key sources: a JWKS file, a PEM certificate bundle, or both.
	JWKSPath           string
	RootCertBundlePath string
	// SigningAlgorithms is the allow-list; empty keeps the registry's default
	// (which includes HS256).
	SigningAlgorithms []string

	// Notifications: one endpoint with `Authorization: Bearer <NotifySecret>`,
	// blob events (application/octet-stream) ignored.
	NotifyURL    string
	NotifySecret string

	DeleteEnabled bool

	// Binary is the registry binary to run (see Tool).
	Binary string
	// Addr is host:port to listen on; empty picks a free loopback port.
	Addr string
	// Wrapper runs the registry through a command, e.g. {"taskset", "-c", "0"}.
	Wrapper []string
	// LogLevel is the registry's log level (default info).
	LogLevel string
	// StartTimeout bounds the wait for /v2/ (default 30s).
	StartTimeout time.Duration
}

// Registry is a running registry process.
type Registry struct {
	// URL is http://127.0.0.1:PORT, Host is 127.0.0.1:PORT.
	URL  string
	Host string
	Port int
	// ConfigPath is the config.yml it runs with; StorageDir its filesystem storage.
	ConfigPath string
	StorageDir string

	proc *Process
}

// Start writes a config into dir, starts the registry and waits until GET
// /v2/ answers 200 or 401. The caller stops it with Stop.
func Start(dir string, opts Options) (*Registry, error) {
	if opts.Binary == "" {
		return nil, fmt.Errorf("registry: no binary given")
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 30 * time.Second
	}
	var lastErr error
	// A free port can be taken between probing and binding: retry a few times.
	for attempt := 0; attempt < 3; attempt++ {
		r, err := start(dir, opts, attempt)
		if err == nil {
			return r, nil
		}
		lastErr = err
		if opts.Addr != "" {
			break
		}
	}
	return nil, fmt.Errorf("registry: %w", lastErr)
}

func start(dir string, opts Options, attempt int) (*Registry, error) {
	host := opts.Addr
	if host == "" {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	_, portStr, err := net.SplitHostPort(host)
	if err != nil {
		return nil, fmt.Errorf("registry address %q: %w", host, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("registry address %q: %w", host, err)
	}
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	cfg, err := Config(opts, host, storage)
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, fmt.Sprintf("config-%d.yml", attempt))
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, err
	}

	argv := append(append([]string(nil), opts.Wrapper...), opts.Binary, "serve", cfgPath)
	proc, err := StartProcess(argv, CleanEnv())
	if err != nil {
		return nil, err
	}
	r := &Registry{
		URL: "http://" + host, Host: host, Port: port,
		ConfigPath: cfgPath, StorageDir: storage,
		proc: proc,
	}
	if err := r.waitReady(opts.StartTimeout); err != nil {
		r.Stop()
		return nil, fmt.Errorf("%w\nconfig:\n%s\nlog:\n%s", err, cfg, r.Logs())
	}
	return r, nil
}

func (r *Registry) waitReady(timeout time.Duration) error {
	err := WaitHTTP(r.URL+"/v2/", timeout, r.proc.Done(), http.StatusOK, http.StatusUnauthorized)
	if err == nil {
		return nil
	}
	select {
	case <-r.proc.Done():
		return fmt.Errorf("registry exited before it was ready: %v", r.proc.Err())
	default:
	}
	return fmt.Errorf("registry %w", err)
}

// WaitHTTP polls url until it answers one of codes (200 when none are
// given), died is closed (the process exited) or timeout passes. Every
// starter of a server process (registry, dockmaster, benchmarks) waits
// with it.
func WaitHTTP(url string, timeout time.Duration, died <-chan struct{}, codes ...int) error {
	if len(codes) == 0 {
		codes = []int{http.StatusOK}
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-died:
			return errors.New("exited before it was ready")
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if slices.Contains(codes, resp.StatusCode) {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the registry (SIGTERM, then SIGKILL after 5s). Safe to call twice.
func (r *Registry) Stop() { r.proc.Stop() }

// Logs returns what the registry printed so far.
func (r *Registry) Logs() string { return r.proc.Output() }

// PID is the registry's process id (for CPU accounting from /proc).
func (r *Registry) PID() int { return r.proc.PID() }

// Config renders the registry configuration for opts. The file is JSON,
// which the registry's YAML parser reads as YAML; JSON quoting keeps odd
// characters in paths and secrets harmless.
func Config(opts Options, addr, storageDir string) ([]byte, error) {
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	cfg := map[string]any{
		"version": "0.1",
		"log": map[string]any{
			"level":     cmp.Or(opts.LogLevel, "info"),
			"formatter": "text",
		},
		"storage": map[string]any{
			"filesystem": map[string]any{"rootdirectory": storageDir},
			"delete":     map[string]any{"enabled": opts.DeleteEnabled},
			"maintenance": map[string]any{
				"uploadpurging": map[string]any{"enabled": false},
			},
		},
		"http": map[string]any{
			"addr":   addr,
			"secret": hex.EncodeToString(secret),
		},
	}
	if opts.Realm != "" {
		tok := map[string]any{
			"realm":   opts.Realm,
			"service": opts.Service,
			"issuer":  opts.Issuer,
		}
		if opts.JWKSPath != "" {
			tok["jwks"] = opts.JWKSPath
		}
		if opts.RootCertBundlePath != "" {
			tok["rootcertbundle"] = opts.RootCertBundlePath
		}
		if opts.JWKSPath == "" && opts.RootCertBundlePath == "" {
			return nil, fmt.Errorf("token auth needs JWKSPath or RootCertBundlePath")
		}
		if len(opts.SigningAlgorithms) > 0 {
			tok["signingalgorithms"] = opts.SigningAlgorithms
		}
		cfg["auth"] = map[string]any{"token": tok}
	}
	if opts.NotifyURL != "" {
		ep := map[string]any{
			"name":              "dockmaster",
			"url":               opts.NotifyURL,
			"timeout":           "5s",
			"threshold":         3,
			"backoff":           "1s",
			"ignoredmediatypes": []string{"application/octet-stream"},
		}
		if opts.NotifySecret != "" {
			ep["headers"] = map[string][]string{"Authorization": {"Bearer " + opts.NotifySecret}}
		}
		cfg["notifications"] = map[string]any{"endpoints": []any{ep}}
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// CleanEnv is this process's environment without the variables that would
// reconfigure a child behind its caller's back: REGISTRY_* (the registry's
// config), OTEL_* (tracing) and those starting with one of prefixes; tracing
// is switched off.
func CleanEnv(prefixes ...string) []string {
	drop := append([]string{"REGISTRY_", "OTEL_"}, prefixes...)
	var env []string
	for _, kv := range os.Environ() {
		if !slices.ContainsFunc(drop, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			env = append(env, kv)
		}
	}
	return append(env, "OTEL_SDK_DISABLED=true", "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none")
}

// Process is a child process in its own process group, with its output
// (stdout and stderr) kept.
type Process struct {
	cmd      *exec.Cmd
	out      *syncBuffer
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// StartProcess starts argv with env as its whole environment (see CleanEnv).
// The caller stops it with Stop.
func StartProcess(argv, env []string) (*Process, error) {
	p := &Process{out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id (with a Wrapper such as taskset, which execs the
// registry, the registry's own).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop ends the process: SIGTERM, then SIGKILL to its whole group after 5s.
// Safe to call twice.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err waits for the process to exit and returns how it ended (Wait's error).
func (p *Process) Err() error {
	<-p.done
	return p.waitErr
}

// Output returns what the process printed so far.
func (p *Process) Output() string { return p.out.String() }

// FreePort returns a loopback TCP port that was free a moment ago (another
// process may take it before the caller binds it: retry on failure).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Ping is a convenience for tests: GET /v2/ with an optional bearer token,
// returning the status code.
func (r *Registry) Ping(ctx context.Context, bearer string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/v2/", nil)
	if err != nil {
		return 0, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
