package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// A row of the table. Value and ref are the numbers; pct is value as a
// percentage of ref when that comparison is the target.
type row struct {
	figure string
	value  string
	ref    string
	pct    string
	target string
	pass   *bool // nil: no target (informational)
}

type bench struct {
	o       options
	root    string
	tmp     string
	self    string
	bin     string // dockmaster
	secret  string // events secret
	adminPW string
	rows    []row
	notes   []string
	procs   []*proc
	// registryURL, when set, is an empty registry every `dockmaster
	// serve` is pointed at (--registry-url), so the event figures run
	// with the enrichment behind them.
	registryURL string
}

const (
	service   = "dockmaster"
	userName  = "alice"
	teamName  = "team"
	pushScope = "repository:team/app:pull,push"
	pullScope = "repository:pub/app:pull"
)

func newBench(ctx context.Context, o options) (*bench, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "dockmaster-bench-")
	if err != nil {
		return nil, err
	}
	if o.src != "" {
		root = o.src
	}
	b := &bench{o: o, root: root, tmp: tmp, self: self, secret: randomHex(24), adminPW: randomHex(16)}
	fmt.Fprintln(os.Stderr, "bench: building ./authserver ...")
	if b.bin, err = buildDockmaster(ctx, root, tmp, o.profileDir != ""); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *bench) close() {
	for _, p := range b.procs {
		p.stop()
	}
	os.RemoveAll(b.tmp)
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// server is a running server under test or reference, with what the load
// needs to reach it.
type server struct {
	*proc
	pprof string // host:port of net/http/pprof, when profiling
}

// startReference starts `bench reference` pinned to the server core.
func (b *bench) startReference(name string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	argv := pinned(b.o.serverCore, b.self, "reference", "-listen", addr, "-events-secret", b.secret)
	p, err := startProc(name, "http://"+addr, "/healthz", filepath.Join(b.tmp, name+".log"), nil, argv)
	if err != nil {
		return nil, err
	}
	b.procs = append(b.procs, p)
	return &server{proc: p}, nil
}

// startDockmaster starts `dockmaster serve` pinned to the server core, on
// SQLite in a fresh data directory or on database (a postgres:// URL).
func (b *bench) startDockmaster(name, database string, extraEnv ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(b.tmp, name+"-data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	env := []string{
		"DOCKMASTER_ADMIN_PASSWORD=" + b.adminPW,
		"DOCKMASTER_EVENTS_SECRET=" + b.secret,
	}
	if database != "" {
		env = append(env, "DOCKMASTER_DATABASE="+database)
	}
	env = append(env, extraEnv...)
	if b.registryURL != "" {
		env = append(env, "DOCKMASTER_REGISTRY_URL="+b.registryURL)
	}
	s := &server{}
	if b.o.profileDir != "" {
		if s.pprof, err = freeAddr(); err != nil {
			return nil, err
		}
		env = append(env, "DOCKMASTER_BENCH_PPROF="+s.pprof)
	}
	argv := pinned(b.o.serverCore, b.bin, "serve", "--listen", addr, "--data-dir", dataDir, "--public-url", "http://"+addr)
	p, err := startProc(name, "http://"+addr, "/readyz", filepath.Join(b.tmp, name+".log"), env, argv)
	if err != nil {
		return nil, err
	}
	b.procs = append(b.procs, p)
	s.proc = p
	return s, nil
}

func (b *bench) admin(s *server) (*client.Client, error) {
	return client.New(s.url, client.WithBasic("admin", b.adminPW))
}

// setupTokens creates the user, team, namespaces and settings the token
// figures need: alice owns team "team" (private namespace team) and the
// public namespace pub; anonymous pulls are on.
func (b *bench) setupTokens(ctx context.Context, s *server, user, pw string) error {
	c, err := b.admin(s)
	if err != nil {
		return err
	}
	if _, err := c.CreateUser(ctx, apiv1.CreateUser{Username: user, Password: pw}); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if _, err := c.CreateTeam(ctx, apiv1.CreateTeam{Name: teamName, Owner: user}); err != nil {
		return fmt.Errorf("create team: %w", err)
	}
	if _, err := c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "team", Team: teamName, Visibility: "private"}); err != nil {
		return fmt.Errorf("create namespace team: %w", err)
	}
	if _, err := c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "pub", Team: teamName, Visibility: "public"}); err != nil {
		return fmt.Errorf("create namespace pub: %w", err)
	}
	on := true
	if _, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{AnonymousPull: &on}); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// load runs cfg in a child process pinned to the load core; with a pprof
// address it records a CPU profile of the measured part into profile.
func (b *bench) load(ctx context.Context, cfg LoadConfig, s *server, profile string) (LoadResult, error) {
	in, _ := json.Marshal(cfg)
	argv := pinned(b.o.loadCore, b.self, "load")
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	profDone := make(chan error, 1)
	if s != nil && s.pprof != "" && profile != "" && cfg.Mode != "burst" {
		go func() {
			profDone <- fetchProfile(ctx, s.pprof, cfg.Warmup+200*time.Millisecond, cfg.Duration-400*time.Millisecond, profile)
		}()
	} else {
		profDone <- nil
	}
	err := cmd.Run()
	if perr := <-profDone; perr != nil {
		b.logf("profile %s: %v", profile, perr)
	}
	if err != nil {
		return LoadResult{}, fmt.Errorf("load generator: %w\n%s", err, errb.String())
	}
	var res LoadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return LoadResult{}, fmt.Errorf("load generator output: %w", err)
	}
	return res, nil
}

func fetchProfile(ctx context.Context, addr string, after, d time.Duration, path string) error {
	select {
	case <-time.After(after):
	case <-ctx.Done():
		return ctx.Err()
	}
	secs := max(1, int(d/time.Second))
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func (b *bench) profilePath(name string) string {
	if b.o.profileDir == "" {
		return ""
	}
	return filepath.Join(b.o.profileDir, name+".pprof")
}

// measure runs the same load against the reference and Dockmaster.
func (b *bench) measure(ctx context.Context, name string, cfg LoadConfig, ref, dm *server, path string) (r, d LoadResult, err error) {
	cfg.Duration, cfg.Warmup = b.o.duration, b.o.warmup
	rc := cfg
	rc.URL = ref.url + path
	if r, err = b.load(ctx, rc, nil, ""); err != nil {
		return r, d, err
	}
	b.logf("%-28s reference:  %s", name, r.summary())
	dc := cfg
	dc.URL = dm.url + path
	if d, err = b.load(ctx, dc, dm, b.profilePath(name)); err != nil {
		return r, d, err
	}
	b.logf("%-28s dockmaster: %s", name, d.summary())
	if d.Errors > 0 || d.BadStatus > 0 {
		b.notes = append(b.notes, fmt.Sprintf("%s: Dockmaster answered %d errors and %d non-2xx (last: %s); the rate counts only 2xx",
			name, d.Errors, d.BadStatus, d.LastError))
	}
	if r.Errors > 0 || r.BadStatus > 0 {
		b.notes = append(b.notes, fmt.Sprintf("%s: the reference answered %d errors and %d non-2xx (last: %s)",
			name, r.Errors, r.BadStatus, r.LastError))
	}
	return r, d, nil
}

func (b *bench) add(r row) { b.rows = append(b.rows, r) }

func rate(v float64) string { return fmt.Sprintf("%.0f/s", v) }

func pctOf(v, ref float64) (float64, string) {
	if ref <= 0 {
		return 0, "-"
	}
	p := 100 * v / ref
	return p, fmt.Sprintf("%.0f %%", p)
}

func ptr(b bool) *bool { return &b }

func (b *bench) rateRow(figure string, d, r LoadResult, minPct float64) {
	p, ps := pctOf(d.Rate(), r.Rate())
	b.add(row{figure: figure, value: rate(d.Rate()), ref: rate(r.Rate()), pct: ps,
		target: fmt.Sprintf("≥ %.0f %% of ref", minPct), pass: ptr(p >= minPct && d.Errors == 0 && d.BadStatus == 0)})
}

func (b *bench) latencyRow(figure string, d, r LoadResult, p float64, max time.Duration, strict bool) {
	v := d.Percentile(p)
	_, ps := pctOf(float64(v), float64(r.Percentile(p)))
	op := "≤"
	ok := v <= max
	if strict {
		op, ok = "<", v < max
	}
	b.add(row{figure: figure, value: fmtDur(v), ref: fmtDur(r.Percentile(p)), pct: ps,
		target: op + " " + fmtDur(max), pass: ptr(ok && d.Errors == 0 && d.BadStatus == 0)})
}

// eventFigures is -events-only: figure 4 on SQLite (served by dm, which
// it stops) and on PostgreSQL.
func (b *bench) eventFigures(ctx context.Context, ref, dm *server) error {
	err := b.events(ctx, "SQLite", ref, dm)
	dm.stop()
	if err != nil {
		return err
	}
	b.eventsPostgresFigure(ctx, ref)
	return nil
}

// eventsPostgresFigure is figure 4 on PostgreSQL; a failure is a row.
func (b *bench) eventsPostgresFigure(ctx context.Context, ref *server) {
	if b.o.skipPostgres {
		b.add(row{figure: "4. events, PostgreSQL", value: "skipped (-skip-postgres)"})
	} else if err := b.eventsPostgres(ctx, ref); err != nil {
		b.logf("PostgreSQL event figure: %v", err)
		b.add(row{figure: "4. events, PostgreSQL", value: "not measured: " + firstLine(err.Error())})
	}
}

func (b *bench) runAll(ctx context.Context) error {
	o := b.o
	b.logf("%s", machineLine())
	b.logf("load average at the start: %s", loadAvg())
	b.logf("%d s per figure (+%s warm-up), %d and %d connections", int(o.duration/time.Second), o.warmup, o.conns, o.lowConns)
	if o.syncOnly {
		return b.syncFigure(ctx)
	}
	if o.registryOnly {
		return b.registryFigure(ctx)
	}
	if o.slowDBOnly {
		return b.slowDBFigure(ctx)
	}

	ref, err := b.startReference("reference")
	if err != nil {
		return err
	}
	// The event figures run with the enrichment: every push is read
	// back from this registry behind the answer.
	if o.noEnrich {
		b.notes = append(b.notes, "events measured without enrichment (-no-enrich)")
	} else if stop, err := b.enrichmentRegistry(); err != nil {
		b.notes = append(b.notes, "events measured WITHOUT enrichment: no registry: "+firstLine(err.Error()))
	} else {
		defer stop()
	}
	dm, err := b.startDockmaster("dockmaster-sqlite", "")
	if err != nil {
		return err
	}
	if o.eventsOnly {
		return b.eventFigures(ctx, ref, dm)
	}
	pw := randomHex(12)
	if err := b.setupTokens(ctx, dm, userName, pw); err != nil {
		return err
	}
	pushPath := "/auth/token?service=" + service + "&scope=" + pushScope
	pullPath := "/auth/token?service=" + service + "&scope=" + pullScope
	for _, chk := range []struct{ path, user, want string }{
		{pushPath, userName, `"actions":["pull","push"]`},
		{pullPath, "", `"actions":["pull"]`},
	} {
		acc, err := tokenAccess(dm.url+chk.path, chk.user, pw)
		if err != nil {
			return err
		}
		if !strings.Contains(acc, chk.want) {
			return fmt.Errorf("GET %s granted %s, want %s: the figure would measure an empty grant", chk.path, acc, chk.want)
		}
	}

	// 1. Authenticated token requests, the same credentials repeated.
	auth := LoadConfig{Mode: "token", Conns: o.conns, User: userName, Password: pw}
	r, d, err := b.measure(ctx, "token-basic-50", auth, ref, dm, pushPath)
	if err != nil {
		return err
	}
	b.rateRow(fmt.Sprintf("1. token, Basic, %d conns: rate", o.conns), d, r, 60)
	b.latencyRow(fmt.Sprintf("1. token, Basic, %d conns: p99", o.conns), d, r, 99, 25*time.Millisecond, false)
	auth.Conns = o.lowConns
	r, d, err = b.measure(ctx, "token-basic-10", auth, ref, dm, pushPath)
	if err != nil {
		return err
	}
	b.latencyRow(fmt.Sprintf("1. token, Basic, %d conns: p99", o.lowConns), d, r, 99, 5*time.Millisecond, false)
	b.add(row{figure: fmt.Sprintf("   (%d conns: rate)", o.lowConns), value: rate(d.Rate()), ref: rate(r.Rate()), pct: pctStr(d.Rate(), r.Rate())})

	// 3. Anonymous public pulls.
	anon := LoadConfig{Mode: "token", Conns: o.conns}
	r, d, err = b.measure(ctx, "token-anonymous-50", anon, ref, dm, pullPath)
	if err != nil {
		return err
	}
	b.rateRow(fmt.Sprintf("3. token, anonymous pull, %d conns: rate", o.conns), d, r, 70)
	b.add(row{figure: "   (p99)", value: fmtDur(d.Percentile(99)), ref: fmtDur(r.Percentile(99)), pct: pctStr(float64(d.Percentile(99)), float64(r.Percentile(99)))})

	// 4. Event ingestion on SQLite.
	if err := b.events(ctx, "SQLite", ref, dm); err != nil {
		return err
	}
	dm.stop()

	// 2. Cold start: a fresh process, a user created just before, 50 first
	// tokens at the same moment.
	if err := b.coldStart(ctx); err != nil {
		return err
	}

	// 4. Event ingestion on PostgreSQL.
	b.eventsPostgresFigure(ctx, ref)

	// 5. Cron sync.
	if o.skipSync {
		b.add(row{figure: "5. cron sync", value: "skipped (-skip-sync)"})
	} else if err := b.syncFigure(ctx); err != nil {
		return err
	}

	// 6. The registry's cost of verifying each kind of token.
	if o.skipRegistry {
		b.add(row{figure: "6. registry verification", value: "skipped (-skip-registry)"})
	} else if err := b.registryFigure(ctx); err != nil {
		return err
	}

	// 7. Token requests with a slow database, as clients grow.
	if o.skipSlowDB || o.skipPostgres {
		b.add(row{figure: "7. slow database", value: "skipped (-skip-slowdb)"})
	} else if err := b.slowDBFigure(ctx); err != nil {
		return err
	}
	return nil
}

func pctStr(v, ref float64) string { _, s := pctOf(v, ref); return s }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func (b *bench) events(ctx context.Context, db string, ref, dm *server) error {
	cfg := LoadConfig{Mode: "events", Conns: b.o.conns, Bearer: b.secret, Repos: 100, RepoPrefix: "team/svc"}
	r, d, err := b.measure(ctx, "events-"+strings.ToLower(db), cfg, ref, dm, "/registry/events")
	if err != nil {
		return err
	}
	figure := fmt.Sprintf("4. events, %s, %d conns", db, b.o.conns)
	p, ps := pctOf(d.Rate(), r.Rate())
	_ = p
	ok := d.Errors == 0 && d.BadStatus == 0
	b.add(row{figure: figure + ": rate", value: fmt.Sprintf("%.0f ev/s", d.Rate()), ref: fmt.Sprintf("%.0f ev/s", r.Rate()), pct: ps,
		target: "≥ 2000 ev/s", pass: ptr(ok && d.Rate() >= 2000)})
	b.latencyRow(figure+": p99", d, r, 99, 50*time.Millisecond, false)
	b.enrichmentNote(ctx, dm, db)
	return b.checkEvents(ctx, dm, d)
}

// checkEvents confirms the events were applied (not just acknowledged):
// the repositories they name exist with tags.
func (b *bench) checkEvents(ctx context.Context, dm *server, d LoadResult) error {
	c, err := b.admin(dm)
	if err != nil {
		return err
	}
	page, err := c.ListRepositories(ctx, "team", client.ListOptions{})
	if err != nil {
		b.notes = append(b.notes, fmt.Sprintf("could not list repositories after the event figure: %v", err))
		return nil
	}
	if len(page.Items) == 0 && d.Requests > 0 {
		b.notes = append(b.notes, "the event figure left no repository in namespace team: events were acknowledged but not applied?")
	}
	return nil
}

func (b *bench) eventsPostgres(ctx context.Context, ref *server) error {
	b.logf("starting PostgreSQL ...")
	pg, err := startPostgres(b.o.serverCore)
	if err != nil {
		return err
	}
	defer pg.stop()
	dm, err := b.startDockmaster("dockmaster-postgres", pg.url)
	if err != nil {
		return err
	}
	defer dm.stop()
	if err := b.setupTokens(ctx, dm, userName, randomHex(12)); err != nil {
		return err
	}
	return b.events(ctx, "PostgreSQL", ref, dm)
}

// coldStart measures 50 connections asking for one user's first token at
// the same moment, against a fresh server whose user was created just before.
func (b *bench) coldStart(ctx context.Context) error {
	dm, err := b.startDockmaster("dockmaster-cold", "")
	if err != nil {
		return err
	}
	defer dm.stop()
	ref, err := b.startReference("reference-cold")
	if err != nil {
		return err
	}
	defer ref.stop()
	pw := randomHex(12)
	if err := b.setupTokens(ctx, dm, userName, pw); err != nil {
		return err
	}
	path := "/auth/token?service=" + service + "&scope=" + pushScope
	cfg := LoadConfig{Mode: "burst", Conns: b.o.conns, User: userName, Password: pw}
	rc, dc := cfg, cfg
	rc.URL, rc.WarmURL = ref.url+path, ref.url+"/healthz"
	dc.URL, dc.WarmURL = dm.url+path, dm.url+"/healthz"
	r, err := b.load(ctx, rc, nil, "")
	if err != nil {
		return err
	}
	b.logf("%-28s reference:  %s", "cold-start", r.summary())
	// The admin's logins above ran compares of their own: count the burst's.
	before, beforeOK := hashChecks(dm.url)
	d, err := b.load(ctx, dc, nil, "")
	if err != nil {
		return err
	}
	after, afterOK := hashChecks(dm.url)
	b.logf("%-28s dockmaster: %s", "cold-start", d.summary())
	b.latencyRow(fmt.Sprintf("2. cold start, %d first tokens at once: p99", b.o.conns), d, r, 99, 250*time.Millisecond, true)
	b.add(row{figure: "   (p50)", value: fmtDur(d.Percentile(50)), ref: fmtDur(r.Percentile(50)), pct: pctStr(float64(d.Percentile(50)), float64(r.Percentile(50)))})
	if beforeOK && afterOK {
		n := after - before
		b.add(row{figure: fmt.Sprintf("2. cold start: password hash checks during the burst (%s)", hashMetric),
			value: fmt.Sprintf("%.0f", n), target: "1", pass: ptr(n == 1)})
	} else {
		b.add(row{figure: "2. cold start: password hash checks during the burst", value: "not exported on /metrics",
			target: "1", pass: ptr(false)})
	}
	if d.Errors > 0 || d.BadStatus > 0 {
		b.notes = append(b.notes, fmt.Sprintf("cold start: %d errors, %d non-2xx (last: %s)", d.Errors, d.BadStatus, d.LastError))
	}
	return nil
}

// hashMetric counts the server's password hash compares.
const hashMetric = "dockmaster_password_checks_total"

// hashChecks reads hashMetric from the server's /metrics.
func hashChecks(url string) (float64, bool) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, hashMetric+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

func (b *bench) misses() int {
	n := 0
	for _, r := range b.rows {
		if r.pass != nil && !*r.pass {
			n++
		}
	}
	return n
}

// print writes the table.
func (b *bench) print(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, machineLine())
	fmt.Fprintf(w, "%s per figure after %s warm-up; loopback; keep-alive connections, closed loop\n\n", b.o.duration, b.o.warmup)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tdockmaster\treference\t%\ttarget\tresult")
	for _, r := range b.rows {
		verdict := ""
		if r.pass != nil {
			verdict = "MISS"
			if *r.pass {
				verdict = "PASS"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.figure, r.value, dash(r.ref), dash(r.pct), dash(r.target), verdict)
	}
	tw.Flush()
	fmt.Fprintf(w, "load average at the end: %s (other processes on the machine share core 0 and skew the figures)\n", loadAvg())
	for _, n := range b.notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
