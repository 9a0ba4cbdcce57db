//go:build unix

// Package registryproc builds and runs the real distribution registry (and
// the command-line clients crane and regctl) as child processes: for
// `dockmaster dev` and, through testutil/registry, for integration tests.
package registryproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Pinned versions of the tools the tests run.
const (
	RegistryPkg     = "github.com/distribution/distribution/v3/cmd/registry"
	RegistryVersion = "v3.1.2"
	CranePkg        = "github.com/google/go-containerregistry/cmd/crane"
	CraneVersion    = "v0.22.1"
	RegctlPkg       = "github.com/regclient/regclient/cmd/regctl"
	RegctlVersion   = "v0.11.7"
)

// buildTimeout bounds one `go install`; a cold registry build takes 2–5 minutes.
const buildTimeout = 15 * time.Minute

// CacheDir is where built tools are kept: $XDG_CACHE_HOME/dockmaster/bin or
// ~/.cache/dockmaster/bin.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "dockmaster", "bin"), nil
}

// Tool returns the path of `name` built from pkg@version with `go install`,
// cached as <CacheDir>/<name>-<version>. A lock file serialises builds across
// processes; the binary is moved into place atomically, so a reader never
// sees half a file. logf reports a build (which takes minutes, once).
func Tool(name, pkg, version string, logf func(string, ...any)) (string, error) {
	return tool(name, pkg, version, logf)
}

func tool(name, pkg, version string, logf func(string, ...any)) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", fmt.Errorf("registry: no cache directory: %w", err)
	}
	final := filepath.Join(dir, name+"-"+version)
	if isExecutable(final) {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("registry: create cache directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "."+name+"-"+version+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if isExecutable(final) {
		return final, nil
	}

	gobin, err := os.MkdirTemp(dir, ".build-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("registry: temp directory: %w", err)
	}
	defer os.RemoveAll(gobin)

	logf("building %s from %s@%s (once; cached at %s) ...", name, pkg, version, final)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", pkg+"@"+version)
	// Outside any module, without workspace or -mod flags inherited from the caller.
	cmd.Dir = gobin
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("registry: building %s failed after %s: %v\n%s\n"+
			"To fix: make sure `go` is on PATH and the Go module proxy is reachable "+
			"(GOPROXY=%q), or build it by hand:\n  GOBIN=/tmp/x go install %s@%s && mv /tmp/x/%s %s",
			name, time.Since(start).Round(time.Second), err, strings.TrimSpace(out.String()),
			os.Getenv("GOPROXY"), pkg, version, name, final)
	}
	built := filepath.Join(gobin, name)
	if !isExecutable(built) {
		return "", fmt.Errorf("registry: go install %s@%s produced no %s in %s\n%s", pkg, version, name, gobin, out.String())
	}
	if err := os.Rename(built, final); err != nil {
		return "", fmt.Errorf("registry: move %s into the cache: %w", name, err)
	}
	logf("built %s in %s", name, time.Since(start).Round(time.Second))
	return final, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("registry: open lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("registry: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
