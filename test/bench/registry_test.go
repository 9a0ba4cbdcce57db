package main

import (
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// TestRegistryFigureSmoke runs figure 6's parts briefly against the real
// registry: the image push, then manifest HEAD load with a token of each key
// header mode (all answered 200), and the registry's CPU read from /proc.
func TestRegistryFigureSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real registry")
	}
	bin, err := registryproc.Tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	key, err := newRefKey(regIssuer)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: key.cert}), 0o600); err != nil {
		t.Fatal(err)
	}
	reg, err := registryproc.Start(dir, registryproc.Options{Realm: "http://localhost:1/auth/token", Service: service,
		Issuer: regIssuer, RootCertBundlePath: bundle, SigningAlgorithms: []string{"ES256"}, Binary: bin, LogLevel: "error"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	access := []refAccess{{Type: "repository", Name: regRepo, Actions: []string{"pull", "push"}}}
	kid, err := signRef(key, access, false, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	x5c, err := signRef(key, access, true, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(x5c) <= len(kid)+len(key.cert) {
		t.Errorf("x5c token %d bytes, kid token %d: the certificate (%d bytes DER) is not in it", len(x5c), len(kid), len(key.cert))
	}
	if err := pushRefImage(t.Context(), reg.URL, kid, "v1"); err != nil {
		t.Fatal(err)
	}
	before, err := procCPU(reg.PID())
	if err != nil {
		t.Fatal(err)
	}
	for mode, tok := range map[string]string{"kid": kid, "x5c": x5c} {
		res, err := RunLoad(t.Context(), LoadConfig{Mode: "registry", Method: http.MethodHead, URL: reg.URL + "/v2/" + regRepo + "/manifests/v1",
			Bearer: tok, Conns: 2, Duration: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests == 0 || res.Errors != 0 || res.BadStatus != 0 {
			t.Errorf("%s: %s (%s)", mode, res.summary(), res.LastError)
		}
	}
	if after, err := procCPU(reg.PID()); err != nil || after <= before {
		t.Errorf("registry CPU %s -> %s (%v)", before, after, err)
	}
}

// TestProcCPU: our own CPU time grows after busy work.
func TestProcCPU(t *testing.T) {
	// The kernel's own account of this process (getrusage) is the oracle;
	// busy work until it has grown by 100 ms of CPU, however long a loaded
	// machine makes that take (bounded), so the figure never depends on
	// how much of the wall clock the scheduler gave us.
	rusage := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start, x := rusage(), 0
	for deadline := time.Now().Add(30 * time.Second); rusage()-start < 100*time.Millisecond; x++ {
		if time.Now().After(deadline) {
			t.Fatal("100 ms of CPU not reached in 30 s")
		}
	}
	after, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	got, want := after-before, rusage()-start
	// /proc counts in clock ticks (10 ms): allow a few ticks each way.
	if d := got - want; d < -40*time.Millisecond || d > 40*time.Millisecond {
		t.Errorf("procCPU grew by %s while getrusage grew by %s (x=%d)", got, want, x)
	}
	if _, err := procCPU(-1); err == nil {
		t.Error("no error for a missing process")
	}
}

// TestRegistryLoadRequest: the registry mode sends Method with the bearer.
func TestRegistryLoadRequest(t *testing.T) {
	mk, err := LoadConfig{Mode: "registry", Method: http.MethodHead, URL: "http://127.0.0.1:1/v2/a/manifests/v1", Bearer: "tok"}.requestFunc()
	if err != nil {
		t.Fatal(err)
	}
	req, err := mk(0)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodHead || req.Header.Get("Authorization") != "Bearer tok" || req.Header.Get("Accept") == "" {
		t.Errorf("request %s %v", req.Method, req.Header)
	}
}
