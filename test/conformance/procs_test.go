//go:build unix

package conformance

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/dockmaster/dockmaster/internal/registryproc"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is a child process in its own process group, with its output kept.
type proc struct {
	name     string
	cmd      *exec.Cmd
	out      *syncBuffer
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
}

// startProc starts bin with args and the clean environment plus env. The
// test stops it at cleanup and prints its output when the test failed.
func startProc(t *testing.T, name, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(cleanEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(p.out.String(), 8000))
		}
	})
	return p
}

// stop ends the process (SIGTERM, SIGKILL to its group after 5 s).
func (p *proc) stop() {
	p.stopOnce.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
}

// waitHTTP polls url until it answers one of the codes, the process exits
// or timeout passes.
func (p *proc) waitHTTP(url string, timeout time.Duration, codes ...int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", p.name, p.waitErr, tail(p.out.String(), 4000))
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
			return fmt.Errorf("%s not ready after %s: %v\n%s", p.name, timeout, err, tail(p.out.String(), 4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanEnv is the environment without anything that would reconfigure the
// children behind the test's back: REGISTRY_* (registry config), OCI_*
// (the conformance suite), DOCKMASTER_* (the server), OTEL_* (tracing).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "REGISTRY_"), strings.HasPrefix(kv, "OCI_"),
			strings.HasPrefix(kv, "DOCKMASTER_"), strings.HasPrefix(kv, "OTEL_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OTEL_SDK_DISABLED=true", "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none")
}

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

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
