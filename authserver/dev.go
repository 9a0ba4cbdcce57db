package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// cmdDev runs the whole thing on one machine: a real distribution registry
// (built once from the Go module proxy and cached) configured for token auth
// and notifications against this server, which runs on SQLite. Ctrl-C stops
// both. It is what `make demo` runs.
func cmdDev(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	registryAddr := "127.0.0.1:5000"
	// Defaults of the demo differ from serve's: its own data directory.
	if getenv(config.EnvPrefix+"DATA_DIR") == "" && !hasFlag(args, "data-dir") {
		args = append([]string{"--data-dir", "./data/dev"}, args...)
	}
	cfg, err := loadConfig("dev", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&registryAddr, "registry-listen", registryAddr, "address the registry listens on")
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	_, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	// crane refuses a token realm on a loopback IP literal other than the
	// registry's own host; "localhost" is what clients expect anyway.
	if !hasFlag(args, "public-url") && getenv(config.EnvPrefix+"PUBLIC_URL") == "" {
		cfg.PublicURL = "http://localhost:" + port
	}
	cfg.RegistryURL = "http://" + registryAddr
	if cfg.RegistryHost == "" {
		cfg.RegistryHost = "localhost:" + portOf(registryAddr)
	}
	secret, err := devSecret(filepath.Join(cfg.DataDir, "events-secret"))
	if err != nil {
		return err
	}
	cfg.EventsSecret = config.Secret(secret)

	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	admin, err := ensureAdmin(ctx, st, cfg, getenv)
	if err != nil {
		return err
	}
	// Print it now, before the registry build that may take minutes, fail
	// or be interrupted: the secret exists once, and the next run cannot
	// show it again.
	if admin != "" {
		fmt.Fprint(stdout, admin)
	} else {
		fmt.Fprintf(stdout, "The admin exists already: its password was printed when it was created. Lost it? "+
			"dockmaster admin reset-password --data-dir %s --username %s\n", cfg.DataDir, adminName(getenv))
	}
	a, err := app.New(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))

	settings, err := st.GetSettings(ctx)
	if err != nil {
		return err
	}
	regDir := filepath.Join(cfg.DataDir, "registry")
	if err := os.MkdirAll(regDir, 0o700); err != nil {
		return err
	}
	bundle, err := a.Keyring.CertBundle(ctx, time.Now(), settings.TokenLifetime)
	if err != nil {
		return err
	}
	jwks, err := a.Keyring.JWKS(ctx, time.Now(), settings.TokenLifetime)
	if err != nil {
		return err
	}
	bundlePath, jwksPath := filepath.Join(regDir, "rootcertbundle.pem"), filepath.Join(regDir, "jwks.json")
	if err := os.WriteFile(bundlePath, bundle, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(jwksPath, jwks, 0o644); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "Preparing the registry %s (the first run builds it from the Go module proxy: a few minutes, then cached)...\n", registryproc.RegistryVersion)
	bin, err := registryproc.Tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion, func(f string, a ...any) { log.Info(fmt.Sprintf(f, a...)) })
	if err != nil {
		return err
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Server.ListenAndServe(ctx, cfg.Listen, cfg.TLSCert, cfg.TLSKey) }()
	if err := waitHTTP(ctx, "http://"+cfg.Listen+"/healthz", serveErr); err != nil {
		return err
	}

	reg, err := registryproc.Start(regDir, registryproc.Options{
		Binary:             bin,
		Addr:               registryAddr,
		Realm:              cfg.PublicURL + "/auth/token",
		Service:            cfg.Service,
		Issuer:             cfg.Issuer,
		RootCertBundlePath: bundlePath,
		JWKSPath:           jwksPath,
		SigningAlgorithms:  []string{"ES256", "RS256", "EdDSA"},
		NotifyURL:          "http://" + cfg.Listen + "/registry/events",
		NotifySecret:       secret,
		DeleteEnabled:      true,
	})
	if err != nil {
		return err
	}
	defer reg.Stop()

	host := "localhost:" + portOf(registryAddr)
	fmt.Fprintf(stdout, `
Dockmaster is running.
  registry  http://%[1]s      (distribution %[2]s, token auth, notifications to Dockmaster)
  dockmaster %[3]s   (REST API %[3]s/api/v1, token realm %[3]s/auth/token)
  web UI    %[3]s/   (sign in as %[5]s with the password printed above)
  data      %[4]s

Try (the admin's password was printed above; lost it? dockmaster admin reset-password --data-dir %[4]s --username %[5]s):
  crane auth login %[1]s -u %[5]s -p '<password>'
  echo hello > hello.txt && tar -cf layer.tar hello.txt   # any tar file is a layer
  crane append -f layer.tar -t %[1]s/%[5]s/hello:1   # %[5]s's personal namespace; a new one (demo/...) is created, owned by admins
  crane ls %[1]s/%[5]s/hello
  docker login %[1]s -u %[5]s   # docker allows plain HTTP on localhost
  docker tag busybox %[1]s/%[5]s/busybox && docker push %[1]s/%[5]s/busybox
  curl -u %[5]s:'<password>' %[3]s/api/v1/repositories

Ctrl-C stops the registry and the server.
`, host, registryproc.RegistryVersion, cfg.PublicURL, cfg.DataDir, adminName(getenv))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return err
	}
	fmt.Fprintln(stdout, "stopping...")
	reg.Stop()
	return <-serveErr
}

// ensureAdmin bootstraps the first admin on an empty database and returns
// what to print about the admin's credentials (nothing when users exist:
// there is no default password, and a secret is shown only once).
func ensureAdmin(ctx context.Context, st app.Store, cfg config.Config, getenv func(string) string) (string, error) {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return "", fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	username := adminName(getenv)
	password := getenv("DOCKMASTER_ADMIN_PASSWORD")
	secret, err := app.BootstrapAdmin(ctx, st, username, password, cfg.BcryptCost)
	if err != nil {
		return "", err
	}
	return adminCreated(username, secret, password != ""), nil
}

func adminName(getenv func(string) string) string {
	if u := getenv("DOCKMASTER_ADMIN_USERNAME"); u != "" {
		return u
	}
	return "admin"
}

// devSecret reads the demo's notification secret, creating it on first use.
func devSecret(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	s := hex.EncodeToString(buf)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	return s, os.WriteFile(path, []byte(s+"\n"), 0o600)
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// waitHTTP polls url until it answers 200, the server fails, or 10 s pass.
func waitHTTP(ctx context.Context, url string, failed <-chan error) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-failed:
			return fmt.Errorf("the server stopped: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not answer %s within 10s", url)
		}
	}
}
