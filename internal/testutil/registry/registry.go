//go:build unix

// Package registry runs the real distribution registry (and the clients
// crane and regctl) for integration tests; see registryproc for the parts
// that `dockmaster dev` shares.
package registry

import (
	"testing"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// Pinned versions of the tools the tests run.
const (
	RegistryPkg     = registryproc.RegistryPkg
	RegistryVersion = registryproc.RegistryVersion
	CranePkg        = registryproc.CranePkg
	CraneVersion    = registryproc.CraneVersion
	RegctlPkg       = registryproc.RegctlPkg
	RegctlVersion   = registryproc.RegctlVersion
	HelmPkg         = registryproc.HelmPkg
	HelmVersion     = registryproc.HelmVersion
	OrasPkg         = registryproc.OrasPkg
	OrasVersion     = registryproc.OrasVersion
)

// Options configure a test registry. With an empty Realm it runs without
// auth; an empty Binary means Binary(t).
type Options = registryproc.Options

// Registry is a running registry process.
type Registry = registryproc.Registry

// Config renders the registry configuration for opts.
var Config = registryproc.Config

// CacheDir is where built tools are kept.
var CacheDir = registryproc.CacheDir

// Start starts a registry in a temporary directory and stops it when the
// test ends (printing its log if the test failed).
func Start(t testing.TB, opts Options) *Registry {
	t.Helper()
	if opts.Binary == "" {
		opts.Binary = Binary(t)
	}
	r, err := registryproc.Start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("registry %s log:\n%s", r.Host, r.Logs())
		}
	})
	return r
}

// Binary returns the path of the registry binary, building it once.
func Binary(t testing.TB) string {
	t.Helper()
	return Tool(t, "registry", RegistryPkg, RegistryVersion)
}

// Crane returns the path of the crane binary, building it once.
func Crane(t testing.TB) string {
	t.Helper()
	return Tool(t, "crane", CranePkg, CraneVersion)
}

// Regctl returns the path of the regctl binary, building it once.
func Regctl(t testing.TB) string {
	t.Helper()
	return Tool(t, "regctl", RegctlPkg, RegctlVersion)
}

// Helm returns the path of the helm (v4) binary, building it once.
func Helm(t testing.TB) string {
	t.Helper()
	return Tool(t, "helm", HelmPkg, HelmVersion)
}

// Oras returns the path of the oras binary, building it once.
func Oras(t testing.TB) string {
	t.Helper()
	return Tool(t, "oras", OrasPkg, OrasVersion)
}

// Tool returns the path of name built from pkg@version, cached; a build
// failure fails the test with what to do.
func Tool(t testing.TB, name, pkg, version string) string {
	t.Helper()
	path, err := registryproc.Tool(name, pkg, version, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return path
}
