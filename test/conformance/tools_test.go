//go:build unix

package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Pinned tools. The module proxy serves the conformance suite only as
// pseudo-versions of its own module (the conformance/ folder of
// opencontainers/distribution-spec has its own go.mod, so the repository's
// root module does not contain it).
const (
	ConformanceModule  = "github.com/opencontainers/distribution-spec/conformance"
	ConformanceVersion = "v0.0.0-20260831232431-97274622c111"

	// The same registry, and the same cache entry, as
	// authserver/internal/registryproc (which this package cannot import).
	RegistryPkg     = "github.com/distribution/distribution/v3/cmd/registry"
	RegistryVersion = "v3.1.2"
)

// buildTimeout bounds one build; a cold registry build takes 2–5 minutes.
const buildTimeout = 15 * time.Minute

// cacheDir is $XDG_CACHE_HOME/dockmaster/bin or ~/.cache/dockmaster/bin,
// shared with registryproc.
func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "dockmaster", "bin"), nil
}

// cachedTool returns <cacheDir>/<name>-<version>, building it with build
// (which writes the binary to out, working in the scratch directory work)
// when it is missing. A lock file serialises builds across processes (the
// same lock registryproc takes) and the binary is renamed into place, so a
// reader never sees half a file.
func cachedTool(name, version string, logf func(string, ...any), build func(ctx context.Context, work, out string) error) (string, error) {
	dir, err := cacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: %w", err)
	}
	final := filepath.Join(dir, name+"-"+version)
	if isExecutable(final) {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create the cache directory: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "."+name+"-"+version+".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if isExecutable(final) { // built by another process while we waited
		return final, nil
	}
	work, err := os.MkdirTemp(dir, ".build-"+name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	logf("building %s %s (once; cached at %s) ...", name, version, final)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out := filepath.Join(work, name)
	if err := build(ctx, work, out); err != nil {
		return "", fmt.Errorf("building %s %s failed after %s: %w", name, version, time.Since(start).Round(time.Second), err)
	}
	if !isExecutable(out) {
		return "", fmt.Errorf("building %s %s produced no executable at %s", name, version, out)
	}
	if err := os.Rename(out, final); err != nil {
		return "", fmt.Errorf("move %s into the cache: %w", name, err)
	}
	logf("built %s in %s", name, time.Since(start).Round(time.Second))
	return final, nil
}

// goEnv is the environment of a build outside this module: no workspace,
// no -mod or other flags inherited from the caller, static binaries.
func goEnv(extra ...string) []string {
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	return append(env, extra...)
}

func runGo(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("go %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

// registryBinary is the distribution registry, `go install`ed once.
func registryBinary(logf func(string, ...any)) (string, error) {
	bin, err := cachedTool("registry", RegistryVersion, logf, func(ctx context.Context, work, out string) error {
		gobin := filepath.Join(work, "gobin")
		_, err := runGo(ctx, work, goEnv("GOBIN="+gobin), "install", RegistryPkg+"@"+RegistryVersion)
		if err != nil {
			return err
		}
		return os.Rename(filepath.Join(gobin, "registry"), out)
	})
	if err != nil {
		return "", fmt.Errorf("%w\nTo fix: make sure `go` is on PATH and the Go module proxy (GOPROXY=%q) serves %s@%s", err, os.Getenv("GOPROXY"), RegistryPkg, RegistryVersion)
	}
	return bin, nil
}

// conformanceBinary is the OCI conformance suite built from its module:
// downloaded into the module cache (read-only there), copied into a scratch
// directory and built with its own go.mod and go.sum.
func conformanceBinary(logf func(string, ...any)) (string, error) {
	bin, err := cachedTool("oci-conformance", ConformanceVersion, logf, func(ctx context.Context, work, out string) error {
		js, err := runGo(ctx, work, goEnv("GOFLAGS=-mod=mod"), "mod", "download", "-json", ConformanceModule+"@"+ConformanceVersion)
		var mod struct{ Dir, Error string }
		if jerr := json.Unmarshal(js, &mod); jerr == nil && mod.Error != "" {
			return errors.New(mod.Error)
		}
		if err != nil {
			return err
		}
		if mod.Dir == "" {
			return fmt.Errorf("go mod download printed no Dir:\n%s", js)
		}
		src := filepath.Join(work, "src")
		if err := copyTree(mod.Dir, src); err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
			return fmt.Errorf("%s@%s has no go.mod at its root: %w", ConformanceModule, ConformanceVersion, err)
		}
		// It is a main package (main.go); `go test -c` of its legacy
		// TestLegacy would run the same code, with a deprecation warning.
		_, err = runGo(ctx, src, goEnv("GOFLAGS=-mod=mod"), "build", "-trimpath", "-o", out, ".")
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%w\nTo fix: the Go module proxy (GOPROXY=%q) must serve %s@%s and its dependencies "+
			"(github.com/goccy/go-yaml, github.com/opencontainers/distribution-spec/specs-go, go-digest, image-spec); "+
			"or build it by hand: go mod download -json %[3]s@%[4]s, copy its Dir, `go build -o ~/.cache/dockmaster/bin/oci-conformance-%[4]s .` in the copy",
			err, os.Getenv("GOPROXY"), ConformanceModule, ConformanceVersion)
	}
	return bin, nil
}

// copyTree copies the regular files under src to dst, writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// dockmasterBinary builds ./authserver of this checkout (the code under
// test, so never cached across runs; Go's build cache makes it fast).
func dockmasterBinary(ctx context.Context, out string) error {
	root, err := runGo(ctx, ".", os.Environ(), "env", "GOMOD")
	if err != nil {
		return err
	}
	gomod := strings.TrimSpace(string(root))
	if gomod == "" || gomod == os.DevNull {
		return errors.New("not inside the dockmaster module (go env GOMOD is empty)")
	}
	_, err = runGo(ctx, filepath.Dir(gomod), os.Environ(), "build", "-o", out, "./authserver")
	return err
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
