// Command dockmaster is Dockmaster's server: the registry's token service,
// its notification receiver, the catalog sync, the REST API and the web UI.
//
//	dockmaster serve            run the server
//	dockmaster migrate          apply database migrations and exit
//	dockmaster admin bootstrap  create the first admin on an empty database
//	dockmaster sync             reconcile with the registry's catalog (once or --every)
//	dockmaster keys ...         list, rotate and export the token signing keys
//	dockmaster dev              a registry with token auth + the server (make demo)
//	dockmaster version          print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `dockmaster — the registry's token service, events receiver, catalog sync, REST API and UI

Usage:
  dockmaster serve [flags]                 run the server (bootstraps an admin on an empty database)
  dockmaster migrate [flags]               apply database migrations and exit
  dockmaster admin bootstrap --username NAME [--password-file FILE] [flags]
                                           create the first admin; prints the secret once
  dockmaster admin reset-password --username NAME [--password-file FILE] [flags]
                                           set a user's password on the database (the way back
                                           to a lost admin password); prints a generated one once
  dockmaster sync [--every 5m] [--force] [flags]
                                           reconcile the database with the registry's catalog
  dockmaster keys list|rotate|export-cert|export-jwks
                                           manage the token signing keys
  dockmaster dev                           a real registry with token auth + this server on SQLite (make demo)
  dockmaster version                       print the version

Run "dockmaster serve -h" for the settings every command accepts.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, errHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "dockmaster:", err)
		os.Exit(1)
	}
}

// serverGCPercent is the server's GOGC unless the GOGC environment variable
// sets one. The server's live heap is a few MB, so at the default 100 it
// collected about 50 times a second under token load (allocation and GC were
// ~22 % of a token request's CPU); at 400 the heap may grow to 5x the live
// heap (tens of MB) and collects a quarter as often. GOMEMLIMIT, when set,
// still bounds it (the runtime collects harder near the limit).
const serverGCPercent = 400

func serverGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

// errUsage: the usage was printed because the command line was wrong;
// errHelp: because it was asked for.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		serverGC(getenv)
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout)
	case "admin":
		switch {
		case len(args) >= 2 && args[1] == "bootstrap":
			return cmdBootstrap(ctx, args[2:], getenv, stdout)
		case len(args) >= 2 && args[1] == "reset-password":
			return cmdResetPassword(ctx, args[2:], getenv, stdout)
		}
		fmt.Fprint(stderr, usage)
		return errUsage
	case "sync":
		return cmdSync(ctx, args[1:], getenv, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, args[1:], getenv, stdout, stderr)
	case "dev":
		return cmdDev(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "dockmaster", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
