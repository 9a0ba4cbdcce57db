//go:build unix

// Package registryproc builds and runs the real distribution registry (and
// the command-line clients crane and regctl) as child processes: for
// `dockmaster dev` and, through testutil/registry, for integration tests.
package registryproc

import (
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
	// Helm v4 pushes charts as OCI artifacts (the artifact-aware catalog's
	// tests); a cold build takes several minutes.
	HelmPkg     = "helm.sh/helm/v4/cmd/helm"
	HelmVersion = "v4.3.2"
	// oras attaches artifacts with the referrers tag schema on registries
	// without the referrers API (distribution v3.1.2).
	OrasPkg     = "oras.land/oras/cmd/oras"
	OrasVersion = "v1.3.6"
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
// cached as <CacheDir>/<name>-<version> (see Cached).
func Tool(name, pkg, version string, logf func(string, ...any)) (string, error) {
	return Cached(name, version, logf, func(ctx context.Context, work string) (string, error) {
		logf("building %s from %s@%s (once, then cached) ...", name, pkg, version)
		cmd := exec.CommandContext(ctx, "go", "install", pkg+"@"+version)
		// Outside any module, without workspace or -mod flags inherited from the caller.
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GOBIN="+work, "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v\n%s\nTo fix: make sure `go` is on PATH and the Go module proxy is reachable "+
				"(GOPROXY=%q), or build it by hand: GOBIN=/tmp/x go install %s@%s",
				err, strings.TrimSpace(string(out)), os.Getenv("GOPROXY"), pkg, version)
		}
		return filepath.Join(work, name), nil
	})
}

// Cached returns <CacheDir>/<name>-<version>, building it once with build,
// which gets a fresh work directory and returns the path of what it built.
// A lock file serialises builds across processes; the result is moved into
// place atomically, so a reader never sees half a file.
func Cached(name, version string, logf func(string, ...any), build func(ctx context.Context, work string) (string, error)) (string, error) {
	dir, err := CacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: %w", err)
	}
	final := filepath.Join(dir, name+"-"+version)
	if isExecutable(final) {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "."+name+"-"+version+".lock"), func(waited time.Duration) {
		if waited == 0 {
			logf("another process is building %s %s (lock %s); waiting for it ...", name, version, dir)
			return
		}
		logf("still waiting for the other build of %s %s: %s", name, version, waited.Round(time.Second))
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have built it while we waited for the lock.
	if isExecutable(final) {
		return final, nil
	}
	work, err := os.MkdirTemp(dir, ".build-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("temp directory: %w", err)
	}
	defer os.RemoveAll(work)

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	built, err := build(ctx, work)
	if err != nil {
		return "", fmt.Errorf("building %s %s failed after %s: %w", name, version, time.Since(start).Round(time.Second), err)
	}
	if !isExecutable(built) {
		return "", fmt.Errorf("building %s %s produced no executable at %s", name, version, built)
	}
	if err := os.Rename(built, final); err != nil {
		return "", fmt.Errorf("move %s into the cache: %w", name, err)
	}
	logf("built %s %s in %s (cached at %s)", name, version, time.Since(start).Round(time.Second), final)
	return final, nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// waitProgressEvery is how often a caller waiting for another build says so.
var waitProgressEvery = 15 * time.Second

// lockFile takes an exclusive flock on path, waiting for it. When another
// process holds it, waiting (if not nil) is called at once with 0 and then
// every waitProgressEvery with the time waited so far.
func lockFile(path string, waiting func(waited time.Duration)) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("registry: open lock %s: %w", path, err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		if waiting != nil {
			waiting(0)
		}
		start := time.Now()
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(waitProgressEvery)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					if waiting != nil {
						waiting(time.Since(start))
					}
				}
			}
		}()
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
			if !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		close(done)
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
