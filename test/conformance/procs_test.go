//go:build unix

package conformance

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// proc is a child process in its own process group, with its output kept.
type proc struct {
	name string
	*registryproc.Process
}

// startProc starts bin with args and the clean environment plus env. The
// test stops it at cleanup and prints its output when the test failed.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	rp, err := registryproc.StartProcess(append([]string{bin}, args...), append(cleanEnv(), env...))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := &proc{name: name, Process: rp}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(p.Output(), 8000))
		}
	})
	return p
}

// waitHTTP polls url until it answers one of the codes, the process exits
// or timeout passes.
func (p *proc) waitHTTP(url string, timeout time.Duration, codes ...int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.Done():
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", p.name, p.Err(), tail(p.Output(), 4000))
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			for _, c := range codes {
				if resp.StatusCode == c {
					return nil
				}
			}
			err = fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v\n%s", p.name, timeout, err, tail(p.Output(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

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

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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
