package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// pinned returns the command line that runs argv on one CPU core (taskset
// from util-linux), or argv itself when there is no taskset or core < 0.
func pinned(core int, argv ...string) []string {
	if core < 0 || !haveTaskset() {
		return argv
	}
	return append([]string{"taskset", "-c", strconv.Itoa(core)}, argv...)
}

func haveTaskset() bool {
	_, err := exec.LookPath("taskset")
	return err == nil
}

// proc is a server child process (Dockmaster or the reference).
type proc struct {
	name string
	url  string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	log  string // path of its stdout+stderr
	done chan struct{}
	err  error
}

// startProc starts argv with env added to ours, output to logPath, and
// waits until GET url+readyPath answers 200.
func startProc(name, url, readyPath, logPath string, env []string, argv []string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, url: url, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	if err := registryproc.WaitHTTP(url+readyPath, 60*time.Second, p.done); err != nil {
		p.stop()
		return nil, fmt.Errorf("%s did not become ready: %w\n%s", name, err, tailFile(logPath, 3000))
	}
	return p, nil
}

// stop ends the process (SIGTERM to its group, SIGKILL after 10 s).
func (p *proc) stop() {
	if p == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// freeAddr is a free loopback address (see registryproc.FreePort).
func freeAddr() (string, error) {
	port, err := registryproc.FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

func tailFile(path string, n int) string {
	b, _ := os.ReadFile(path)
	s := string(b)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}

// buildDockmaster builds ./authserver into dir. With pprof, an overlay adds
// one file to package main that serves net/http/pprof on the address in
// DOCKMASTER_BENCH_PPROF — the checkout itself is not touched.
func buildDockmaster(ctx context.Context, root, dir string, pprof bool) (string, error) {
	bin := filepath.Join(dir, "dockmaster")
	args := []string{"build", "-o", bin}
	if pprof {
		bin = filepath.Join(dir, "dockmaster-pprof")
		src := filepath.Join(dir, "zz_bench_pprof.go")
		if err := os.WriteFile(src, []byte(pprofOverlay), 0o644); err != nil {
			return "", err
		}
		ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, "authserver", "zz_bench_pprof.go"): src}})
		ovPath := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
			return "", err
		}
		args = []string{"build", "-overlay", ovPath, "-o", bin}
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./authserver")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./authserver: %w\n%s", err, out)
	}
	return bin, nil
}

const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("DOCKMASTER_BENCH_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
`

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
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

// postgres is a throwaway PostgreSQL server (the same recipe as
// internal/testutil/pgtest, which serves tests, not programs; here the
// server is pinned to a core).
type postgres struct {
	dir    string
	pgCtl  string
	asUser string
	url    string
}

func findPG() (initdb, pgCtl string, err error) {
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return initdb, pgCtl, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first, by number: "16" is newer than "9.6".
	pgMajor := func(binDir string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(pgMajor(b), pgMajor(a)) })
	for _, d := range dirs {
		in, pc := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if _, e1 := os.Stat(in); e1 == nil {
			if _, e2 := os.Stat(pc); e2 == nil {
				return in, pc, nil
			}
		}
	}
	return "", "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's postgresql package")
}

// startPostgres starts a server pinned to core (it and every backend it
// forks inherit the affinity), durable (fsync on) with
// synchronous_commit=off — the counterpart of SQLite's WAL +
// synchronous=NORMAL that the SQLite store uses.
func startPostgres(core int) (*postgres, error) {
	initdb, pgCtl, err := findPG()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dockmaster-bench-pg-")
	if err != nil {
		return nil, err
	}
	pg := &postgres{dir: dir, pgCtl: pgCtl}
	if os.Geteuid() == 0 {
		pg.asUser = "postgres"
		u, err := user.Lookup(pg.asUser)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root needs a %q user to run PostgreSQL: %w", pg.asUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := pg.run(-1, initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	var last error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		opts := fmt.Sprintf("-k %s -p %s -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=200", dir, port)
		out, err := pg.run(core, pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "90", "start")
		if err == nil {
			pg.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", port)
			return pg, nil
		}
		last = fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, tailFile(filepath.Join(dir, "server.log"), 2000))
		_, _ = pg.run(-1, pgCtl, "-D", data, "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(dir)
	return nil, last
}

func (pg *postgres) stop() {
	if pg == nil {
		return
	}
	_, _ = pg.run(-1, pg.pgCtl, "-D", filepath.Join(pg.dir, "data"), "-m", "fast", "-w", "-t", "30", "stop")
	os.RemoveAll(pg.dir)
}

func (pg *postgres) run(core int, bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{bin}, args...)
	if pg.asUser != "" {
		argv = append([]string{"runuser", "-u", pg.asUser, "--"}, argv...)
	}
	argv = pinned(core, argv...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = pg.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // the server pg_ctl starts must not hold our pipes
	err := cmd.Run()
	return out.Bytes(), err
}

// tokenAccess fetches url (a token request) once and returns the `access`
// claim of the token it answers, to check that a figure measures real grants.
func tokenAccess(url, user, pw string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	var tr struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", err
	}
	parts := strings.Split(tr.Token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a JWT: %q", tr.Token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims struct {
		Access json.RawMessage `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", err
	}
	return string(claims.Access), nil
}
