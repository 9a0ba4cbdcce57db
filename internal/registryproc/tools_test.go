//go:build unix

package registryproc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCachedBuildsOnce: two callers of Cached for the same tool at once —
// the lock makes one wait while the other builds, the build runs once and
// both get the same executable; a later call finds it in the cache.
func TestCachedBuildsOnce(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var builds atomic.Int32
	build := func(_ context.Context, work string) (string, error) {
		builds.Add(1)
		time.Sleep(200 * time.Millisecond) // the other caller waits on the lock meanwhile
		p := filepath.Join(work, "tool")
		return p, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	}
	var wg sync.WaitGroup
	paths := make([]string, 2)
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := Cached("tool", "v1", t.Logf, build)
			if err != nil {
				t.Error(err)
			}
			paths[i] = p
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds, want 1", n)
	}
	if paths[0] != paths[1] || !isExecutable(paths[0]) {
		t.Fatalf("paths %q (executable: %v)", paths, isExecutable(paths[0]))
	}
	if p, err := Cached("tool", "v1", t.Logf, build); err != nil || p != paths[0] || builds.Load() != 1 {
		t.Fatalf("cached call: %q, %v, %d builds", p, err, builds.Load())
	}
}

// TestProcessStopAndOutput: a Process keeps its output, reports its exit,
// and Stop ends one that is still running (and may be called twice).
func TestProcessStopAndOutput(t *testing.T) {
	p, err := StartProcess([]string{"sh", "-c", "echo hello; exec sleep 60"}, CleanEnv())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Output() != "hello\n" {
		if time.Now().After(deadline) {
			t.Fatalf("output %q", p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop()
	p.Stop()
	select {
	case <-p.Done():
	default:
		t.Fatal("not done after Stop")
	}
	if p.Err() == nil {
		t.Error("a process ended by SIGTERM reports no error")
	}
}

// TestCleanEnv drops the registry's and tracing variables and the given
// prefixes, and keeps the rest.
func TestCleanEnv(t *testing.T) {
	t.Setenv("REGISTRY_HTTP_ADDR", "x")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "x")
	t.Setenv("OCI_REPO1", "x")
	t.Setenv("KEEP_ME", "1")
	env := CleanEnv("OCI_")
	for _, kv := range []string{"REGISTRY_HTTP_ADDR=x", "OTEL_EXPORTER_OTLP_ENDPOINT=x", "OCI_REPO1=x"} {
		if slices.Contains(env, kv) {
			t.Errorf("%s kept", kv)
		}
	}
	if !slices.Contains(env, "KEEP_ME=1") || !slices.Contains(env, "OTEL_SDK_DISABLED=true") {
		t.Errorf("env = %q", env)
	}
}

// TestCachedSaysWhileItWaits (issue 8): a caller that waits for another
// process's build of the same tool says so at once and reports its wait.
func TestCachedSaysWhileItWaits(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, err := CacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Another process: holds the lock for a while, then builds.
	unlock, err := lockFile(filepath.Join(dir, ".tool-v1.lock"), nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		unlock()
	}()
	var mu sync.Mutex
	var said []string
	logf := func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, fmt.Sprintf(f, a...))
	}
	waitProgressEvery = 100 * time.Millisecond
	_, err = Cached("tool", "v1", logf, func(_ context.Context, work string) (string, error) {
		p := filepath.Join(work, "tool")
		return p, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755)
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	waiting, still := 0, 0
	for _, s := range said {
		if strings.Contains(s, "another process is building tool v1") {
			waiting++
		}
		if strings.Contains(s, "still waiting") {
			still++
		}
	}
	if waiting != 1 || still < 1 {
		t.Errorf("said %q; want one 'another process is building' and progress", said)
	}
}
