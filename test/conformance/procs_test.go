//go:build unix

package conformance

import (
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// cleanEnv is the environment without anything that would reconfigure the
// children behind the test's back: REGISTRY_* (registry config), OCI_*
// (the conformance suite), DOCKMASTER_* (the server), OTEL_* (tracing).
func cleanEnv() []string { return registryproc.CleanEnv("OCI_", "DOCKMASTER_") }

// startRegistry runs the registry binary in dir on a free loopback port,
// with deletes on and the given token auth (none when opts.Realm is empty),
// and stops it when the test ends.
func startRegistry(t *testing.T, bin, dir string, opts registryproc.Options) (host string) {
	t.Helper()
	opts.Binary, opts.DeleteEnabled = bin, true
	r, err := registryproc.Start(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("registry %s output:\n%s", r.Host, tail(r.Logs(), 8000))
		}
	})
	return r.Host
}

func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
