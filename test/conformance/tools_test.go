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

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// Pinned tools. The module proxy serves the conformance suite only as
// pseudo-versions of its own module (the conformance/ folder of
// opencontainers/distribution-spec has its own go.mod, so the repository's
// root module does not contain it).
const (
	ConformanceModule  = "github.com/opencontainers/distribution-spec/conformance"
	ConformanceVersion = "v0.0.0-20260831232431-97274622c111"
)

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
	return registryproc.Tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion, logf)
}

// conformanceBinary is the OCI conformance suite built from its module:
// downloaded into the module cache (read-only there), copied into a scratch
// directory and built with its own go.mod and go.sum.
func conformanceBinary(logf func(string, ...any)) (string, error) {
	bin, err := registryproc.Cached("oci-conformance", ConformanceVersion, logf, func(ctx context.Context, work string) (string, error) {
		out := filepath.Join(work, "oci-conformance")
		js, err := runGo(ctx, work, goEnv("GOFLAGS=-mod=mod"), "mod", "download", "-json", ConformanceModule+"@"+ConformanceVersion)
		var mod struct{ Dir, Error string }
		if jerr := json.Unmarshal(js, &mod); jerr == nil && mod.Error != "" {
			return "", errors.New(mod.Error)
		}
		if err != nil {
			return "", err
		}
		if mod.Dir == "" {
			return "", fmt.Errorf("go mod download printed no Dir:\n%s", js)
		}
		src := filepath.Join(work, "src")
		if err := copyTree(mod.Dir, src); err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
			return "", fmt.Errorf("%s@%s has no go.mod at its root: %w", ConformanceModule, ConformanceVersion, err)
		}
		// It is a main package (main.go); `go test -c` of its legacy
		// TestLegacy would run the same code, with a deprecation warning.
		_, err = runGo(ctx, src, goEnv("GOFLAGS=-mod=mod"), "build", "-trimpath", "-o", out, ".")
		return out, err
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
