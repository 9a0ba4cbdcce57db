// Command bench is `make bench`: it measures Dockmaster's token service and
// events receiver as a user would run them — the real `dockmaster serve`
// binary as a separate process pinned to one core, a load generator (this
// program, as a child) pinned to the other — and prints every figure next to
// a REFERENCE measured in the same run: a minimal server (`bench reference`)
// that signs the same claims with the same kind of key and does nothing else.
//
//	go run ./test/bench [-duration 10s] [-quick] [-profile DIR] [-skip-postgres] [-skip-registry|-registry-only]
//	go run ./test/bench reference -listen 127.0.0.1:PORT   (the reference server)
//	go run ./test/bench load < config.json                 (one load run; JSON result on stdout)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	args := os.Args[1:]
	switch {
	case len(args) > 0 && args[0] == "reference":
		err = cmdReference(ctx, args[1:])
	case len(args) > 0 && args[0] == "load":
		err = cmdLoad(ctx, os.Stdin, os.Stdout)
	default:
		err = cmdRun(ctx, args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func cmdReference(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("reference", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:5002", "address to listen on")
	secret := fs.String("events-secret", os.Getenv("DOCKMASTER_EVENTS_SECRET"), "bearer secret of POST /registry/events")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return serveReference(ctx, *listen, *secret)
}

// cmdLoad runs one LoadConfig read from in and writes the LoadResult to out.
func cmdLoad(ctx context.Context, in io.Reader, out io.Writer) error {
	var cfg LoadConfig
	if err := json.NewDecoder(in).Decode(&cfg); err != nil {
		return fmt.Errorf("load: config: %w", err)
	}
	res, err := RunLoad(ctx, cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(res)
}

type options struct {
	duration     time.Duration
	warmup       time.Duration
	conns        int
	lowConns     int
	profileDir   string
	skipPostgres bool
	skipSync     bool
	syncOnly     bool
	skipRegistry bool
	registryOnly bool
	skipSlowDB   bool
	slowDBOnly   bool
	serverCore   int
	noEnrich     bool
	eventsOnly   bool
	src          string
	loadCore     int
}

func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var o options
	quick := fs.Bool("quick", false, "smoke run: 2s per figure")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured duration of each figure")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each figure")
	fs.IntVar(&o.conns, "conns", 50, "connections of the load figures")
	fs.IntVar(&o.lowConns, "low-conns", 10, "connections of the low-concurrency latency figure")
	fs.StringVar(&o.profileDir, "profile", "", "write CPU profiles of the server under test (one per figure) into this directory")
	fs.BoolVar(&o.skipPostgres, "skip-postgres", false, "skip the PostgreSQL event figure")
	fs.BoolVar(&o.skipSync, "skip-sync", false, "skip the cron sync figure")
	fs.BoolVar(&o.syncOnly, "sync-only", false, "measure only the cron sync figure")
	fs.BoolVar(&o.skipRegistry, "skip-registry", false, "skip the registry's verification cost figure")
	fs.BoolVar(&o.registryOnly, "registry-only", false, "measure only the registry's verification cost figure (kid vs x5c tokens)")
	fs.BoolVar(&o.skipSlowDB, "skip-slowdb", false, "skip the slow-database figure (PostgreSQL 25 ms away, 1/10/100 connections)")
	fs.BoolVar(&o.slowDBOnly, "slowdb-only", false, "measure only the slow-database figure")
	fs.BoolVar(&o.eventsOnly, "events-only", false, "measure only the event figures (SQLite and PostgreSQL)")
	fs.BoolVar(&o.noEnrich, "no-enrich", false, "run the event figures without the enrichment behind them (no registry URL), for comparison")
	fs.StringVar(&o.src, "src", "", "module directory to build ./authserver from (default: this checkout)")
	fs.IntVar(&o.serverCore, "server-core", 0, "CPU core of the server under test (-1: no pinning)")
	fs.IntVar(&o.loadCore, "load-core", 1, "CPU core of the load generator (-1: no pinning)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		o.duration, o.warmup = 2*time.Second, 500*time.Millisecond
	}
	if runtime.NumCPU() < 2 && (o.serverCore >= 0 || o.loadCore >= 0) {
		fmt.Fprintln(os.Stderr, "bench: fewer than 2 CPUs: not pinning")
		o.serverCore, o.loadCore = -1, -1
	}
	if !haveTaskset() {
		fmt.Fprintln(os.Stderr, "bench: taskset (util-linux) not found: server and load generator are NOT pinned")
	}
	b, err := newBench(ctx, o)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.runAll(ctx); err != nil {
		b.print(os.Stdout)
		return err
	}
	b.print(os.Stdout)
	if n := b.misses(); n > 0 {
		fmt.Printf("\n%d target(s) missed.\n", n)
	}
	return nil
}

// machineLine describes where the figures were taken.
func machineLine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	pin := "server on core 0, load generator on core 1 (taskset)"
	if !haveTaskset() {
		pin = "NOT pinned (no taskset)"
	}
	return fmt.Sprintf("machine: %s, %d cores, %s %s/%s; %s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, pin)
}
