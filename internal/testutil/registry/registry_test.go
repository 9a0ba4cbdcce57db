//go:build unix

package registry

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestStartWithoutAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real registry")
	}
	r := Start(t, Options{DeleteEnabled: true})
	code, err := r.Ping(context.Background(), "")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /v2/ = %d, %v; want 200", code, err)
	}
	cfg, err := os.ReadFile(r.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), `"enabled": true`) {
		t.Errorf("delete not enabled in config:\n%s", cfg)
	}
}

func TestStartWithAuthChallenges(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real registry")
	}
	// A certificate-less JWKS key is enough for the registry to start.
	jwks := t.TempDir() + "/jwks.json"
	if err := os.WriteFile(jwks, []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := Start(t, Options{
		Realm: "http://localhost:1/auth/token", Service: "svc", Issuer: "iss",
		JWKSPath: jwks, SigningAlgorithms: []string{"EdDSA"},
		NotifyURL: "http://localhost:1/events", NotifySecret: "s3cret",
	})
	resp, err := http.Get(r.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `Bearer realm="http://localhost:1/auth/token",service="svc"`
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("GET /v2/ = %d %q; want 401 %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
	}
}

// TestTools: the pinned crane, regctl and registry binaries run. That the
// cache lock lets one of two concurrent callers build is tested in
// registryproc (TestCachedBuildsOnce), where the cache is empty.
func TestTools(t *testing.T) {
	if testing.Short() {
		t.Skip("may build tools from the module proxy")
	}
	out, err := exec.Command(Regctl(t), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), RegctlVersion) {
		t.Fatalf("regctl version: %v\n%s", err, out)
	}
	for _, p := range []string{Crane(t), Binary(t)} {
		if out, err := exec.Command(p, "--help").CombinedOutput(); err != nil {
			t.Fatalf("%s --help: %v\n%s", p, err, out)
		}
	}
}
