//go:build unix

package registryproc

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

	cmd      *exec.Cmd
	logs     *syncBuffer
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
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
		r, err := start(opts.Binary, dir, opts, attempt)
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

func start(bin, dir string, opts Options, attempt int) (*Registry, error) {
	host := opts.Addr
	if host == "" {
		port, err := freePort()
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

	r := &Registry{
		URL: "http://" + host, Host: host, Port: port,
		ConfigPath: cfgPath, StorageDir: storage,
		logs: &syncBuffer{}, done: make(chan struct{}),
	}
	argv := append(append([]string(nil), opts.Wrapper...), bin, "serve", cfgPath)
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.cmd.Env = cleanEnv()
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		r.waitErr = r.cmd.Wait()
		close(r.done)
	}()
	if err := r.waitReady(opts.StartTimeout); err != nil {
		r.Stop()
		return nil, fmt.Errorf("%w\nconfig:\n%s\nlog:\n%s", err, cfg, r.Logs())
	}
	return r, nil
}

func (r *Registry) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-r.done:
			return fmt.Errorf("registry exited before it was ready: %v", r.waitErr)
		default:
		}
		resp, err := client.Get(r.URL + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("registry not ready after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the registry (SIGTERM, then SIGKILL after 5s). Safe to call twice.
func (r *Registry) Stop() {
	r.stopOnce.Do(func() {
		if r.cmd.Process == nil {
			return
		}
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			<-r.done
		}
	})
}

// Logs returns what the registry printed so far.
func (r *Registry) Logs() string { return r.logs.String() }

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

// cleanEnv drops variables that would override the config (REGISTRY_*) or
// send traces anywhere (OTEL_*).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "REGISTRY_") || strings.HasPrefix(kv, "OTEL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OTEL_SDK_DISABLED=true", "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none")
}

func freePort() (int, error) {
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
