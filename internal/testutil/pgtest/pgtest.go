// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// With DOCKMASTER_TEST_POSTGRES_URL set (a postgres:// URL of a role that may
// CREATE DATABASE), each test gets a new database on that server. Otherwise
// the first test to ask starts a throwaway server from Debian's PostgreSQL
// binaries (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin),
// shared by the whole test binary and stopped by Main. Tests never skip: a
// missing server is a failure that says how to provide one.
//
// A package using it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		s, err := postgres.Open(t.Context(), pgtest.URL(t))
//		...
//	}
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// EnvURL names the environment variable of an existing server to use.
const EnvURL = "DOCKMASTER_TEST_POSTGRES_URL"

const (
	startTimeout = 90 * time.Second
	stopTimeout  = 30 * time.Second
	dbTimeout    = 30 * time.Second
)

// The server is per test binary, so it lives in package state: Main stops
// what URL started.
var (
	mu       sync.Mutex
	mainRuns bool
	srv      *server
	srvErr   error
)

// Main runs the package's tests and then stops the server URL started, if
// any. Call it from TestMain.
func Main(m *testing.M) {
	mu.Lock()
	mainRuns = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
		srv = nil
	}
	mu.Unlock()
	os.Exit(code)
}

// URL returns the URL of a new, empty database that is dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		var err error
		if base, err = serverURL(); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL (got %q)", EnvURL, base)
	}
	name := "dockmaster_test_" + randomHex(8)

	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	if err := adminExec(ctx, base, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
		defer cancel()
		// FORCE ends connections a test left open.
		if err := adminExec(ctx, base, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func adminExec(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// serverURL starts the shared server on first use.
func serverURL() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if srv != nil {
		return srv.url, nil
	}
	if srvErr != nil {
		return "", srvErr
	}
	if !mainRuns {
		// Without Main nobody would stop the server.
		srvErr = errors.New("call pgtest.Main(m) from the package's TestMain (or set " + EnvURL + ")")
		return "", srvErr
	}
	srv, srvErr = start()
	if srvErr != nil {
		return "", srvErr
	}
	return srv.url, nil
}

type server struct {
	dir    string // temporary directory: data/, socket, log
	pgCtl  string
	asUser string // run binaries as this user (when we are root)
	url    string
}

var errNoBinaries = errors.New("PostgreSQL server binaries not found: install Debian's postgresql package or set " + EnvURL)

// findBinaries looks on PATH, then under /usr/lib/postgresql/*/bin (newest first).
func findBinaries() (initdb, pgCtl string, err error) {
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return initdb, pgCtl, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		i, c := filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")
		if isExec(i) && isExec(c) {
			return i, c, nil
		}
	}
	return "", "", errNoBinaries
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func start() (*server, error) {
	initdb, pgCtl, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "dockmaster-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, pgCtl: pgCtl}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		s.asUser = "postgres"
		u, err := user.Lookup(s.asUser)
		if err != nil {
			return nil, fmt.Errorf("running as root needs a %q user to run PostgreSQL: %w", s.asUser, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(startTimeout, initdb, "-D", data, "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A free port can be taken between probing and binding; try a few.
	var lastErr error
	for range 3 {
		port, err := registryproc.FreePort()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
			"-c full_page_writes=off -c max_connections=300", dir, port)
		out, err := s.run(startTimeout, pgCtl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "server.log"),
			"-w", "-t", strconv.Itoa(int(startTimeout/time.Second)), "start")
		if err == nil {
			s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			ok = true
			return s, nil
		}
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		lastErr = fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, tail(log, 2000))
		s.run(stopTimeout, pgCtl, "-D", data, "-m", "immediate", "-w", "stop")
	}
	return nil, lastErr
}

func (s *server) stop() error {
	defer os.RemoveAll(s.dir)
	out, err := s.run(stopTimeout, s.pgCtl, "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w",
		"-t", strconv.Itoa(int(stopTimeout/time.Second)), "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return nil
}

// run runs a PostgreSQL binary (as s.asUser when set) with a deadline.
func (s *server) run(timeout time.Duration, bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if s.asUser != "" {
		args = append([]string{"-u", s.asUser, "--", bin}, args...)
		bin = "runuser"
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The server pg_ctl starts must not keep our pipes open.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.Bytes(), err
}

func tail(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
