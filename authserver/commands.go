package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
)

// loadConfig parses a command's flags (extra ones registered by register)
// together with every setting; -h prints the settings and returns errHelp.
func loadConfig(name string, args []string, getenv func(string) string, out io.Writer, register func(*flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("dockmaster "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if register != nil {
		register(fs)
	}
	cfg, err := config.LoadFlagSet(fs, args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(out, "Usage: dockmaster %s [flags]\n\nFlags (each also DOCKMASTER_<NAME> in the environment and <name> in the --config YAML file):\n", name)
		fs.SetOutput(out)
		fs.PrintDefaults()
		return cfg, errHelp
	}
	return cfg, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig("migrate", args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	kind, _ := cfg.DatabaseKind()
	fmt.Fprintf(stdout, "migrations applied (%s)\n", kind)
	return nil
}

func cmdBootstrap(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var username, passwordFile string
	cfg, err := loadConfig("admin bootstrap", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "admin", "the first admin's username")
		fs.StringVar(&passwordFile, "password-file", "", "file holding the first admin's password (default: generate one)")
	})
	if err != nil {
		return err
	}
	password, err := readPassword(passwordFile, getenv)
	if err != nil {
		return err
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, err := app.BootstrapAdmin(ctx, st, username, password, cfg.BcryptCost)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, adminCreated(username, secret, password != ""))
	return nil
}

// adminCreated is what the first admin's creation prints: the generated
// password, once, or only the name when the password was given.
func adminCreated(username, secret string, given bool) string {
	if given {
		return fmt.Sprintf("Created the first admin %q with the password you provided.\n", username)
	}
	return fmt.Sprintf("Created the first admin.\n  username: %s\n  password: %s\nThis password is shown once; store it now.\n", username, secret)
}

// readPassword takes the bootstrap password from a file or from
// DOCKMASTER_ADMIN_PASSWORD; empty means "generate one".
func readPassword(file string, getenv func(string) string) (string, error) {
	if file == "" {
		return getenv("DOCKMASTER_ADMIN_PASSWORD"), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("--password-file: %s is empty", file)
	}
	return pw, nil
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig("serve", args, getenv, stdout, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// Listen first: start-up against a distant or slow database takes
	// time, and meanwhile /healthz answers, /readyz says what start-up is
	// doing and every other request gets 503 with Retry-After. A port that
	// is taken still fails at once.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	front := server.NewFront()
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(serveCtx, ln, front, server.ServeOptions{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
			Logger: log, ShutdownTimeout: cfg.ShutdownTimeout})
	}()
	fail := func(err error) error {
		stopServing()
		<-served
		return err
	}

	front.SetStage("opening the database and applying migrations")
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	defer st.Close()

	// First start: no default password. An empty database gets an admin
	// whose secret is printed once (or taken from DOCKMASTER_ADMIN_PASSWORD).
	front.SetStage("checking for the first admin")
	msg, err := ensureAdmin(ctx, st, cfg, getenv)
	if err != nil {
		return fail(err)
	}
	fmt.Fprint(stdout, msg)

	front.SetStage("loading the signing keys")
	a, err := app.New(ctx, cfg, st, log)
	if err != nil {
		return fail(err)
	}
	defer a.Close(context.WithoutCancel(ctx))
	log.Info("dockmaster starting", "version", version, "config", cfg)
	front.Ready(a.Server)
	return <-served
}
