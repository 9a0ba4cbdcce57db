//go:build unix

package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/registryproc"
	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
)

// The two repositories the suite pushes to, in two namespaces (the second
// is the cross-mount source/target), the same in both runs.
const (
	repo1 = "conformance/repo1"
	repo2 = "crossmount/repo2"

	teamName = "oci-conformance"
	pushUser = "oci-contributor"

	// suiteTimeout bounds one run of the suite (≈10 s here).
	suiteTimeout = 5 * time.Minute
	// minPassed guards against two broken runs being "identical".
	minPassed = 50
)

// outEnv names a directory that keeps both runs' reports (junit.xml,
// report.html, results.yaml, the suite's output); without it they live in
// the test's temporary directory.
const outEnv = "DOCKMASTER_CONFORMANCE_OUT"

// TestOCIConformance runs the OCI distribution-spec conformance suite
// against the bare registry (run A) and against the same registry behind
// Dockmaster token auth, as a contributor of the repositories' namespaces
// (run B), and requires identical results: token auth may not change a
// single outcome, whatever the registry itself gets right or wrong.
func TestOCIConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a registry, the dockmaster server and the OCI conformance suite twice; skipped with -short")
	}
	began := time.Now()
	regBin, err := registryBinary(t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	suiteBin, err := conformanceBinary(t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	out := os.Getenv(outEnv)
	if out == "" {
		out = filepath.Join(tmp, "reports")
	}

	// Run A: the bare registry.
	hostA := startRegistry(t, regBin, mkdir(t, tmp, "registry-bare"), registryproc.Options{})
	bare := runSuite(t, suiteBin, suiteRun{name: "bare", registry: hostA, dir: mkdir(t, out, "bare")})

	// Run B: the same registry behind Dockmaster token auth.
	dm := dmserver.Start(t, dmserver.Options{})
	hostB := startRegistry(t, regBin, mkdir(t, tmp, "registry-token"), registryproc.Options{
		Realm:              dm.URL + "/auth/token",
		Service:            dm.Service,
		Issuer:             dm.Issuer,
		RootCertBundlePath: dm.Bundle,
		SigningAlgorithms:  []string{"ES256", "RS256", "EdDSA"},
	})
	password := provision(t, dm)
	checkGrant(t, dm, hostB, password)
	token := runSuite(t, suiteBin, suiteRun{
		name: "token", registry: hostB, dir: mkdir(t, out, "token"),
		username: pushUser, password: password,
	})

	// Compare.
	sa, sb := bare.summary(), token.summary()
	t.Logf("run A (bare registry):          %s", sa)
	t.Logf("run B (Dockmaster token auth):  %s", sb)
	if fails := bare.names(failed); len(fails) > 0 {
		var lines []string
		for _, n := range fails {
			lines = append(lines, fmt.Sprintf("  %s (%s)", n, bare[n]))
		}
		t.Logf("failing on the bare registry (%d names; the registry's own gaps):\n%s", len(fails), strings.Join(lines, "\n"))
	}
	if sa.Passed <= minPassed {
		t.Errorf("run A (bare registry) passed only %d test cases, want > %d: the run is broken, see %s", sa.Passed, minPassed, filepath.Join(out, "bare"))
	}
	if sb.Passed <= minPassed {
		t.Errorf("run B (token auth) passed only %d test cases, want > %d: see %s", sb.Passed, minPassed, filepath.Join(out, "token"))
	}
	if d := diff(bare, token, "bare", "token"); len(d) > 0 {
		t.Errorf("token auth changed the outcome of %d test case names (reports in %s):\n%s", len(d), out, strings.Join(d, "\n"))
	}
	if os.Getenv(outEnv) != "" {
		t.Logf("reports kept in %s", out)
	}
	t.Logf("suite %s@%s, registry %s; took %s", ConformanceModule, ConformanceVersion, registryproc.RegistryVersion, time.Since(began).Round(100*time.Millisecond))
}

type suiteRun struct {
	name, registry, dir string
	username, password  string
}

// runSuite runs the conformance binary against run.registry (plain HTTP)
// with every API and data test of spec version 1.1 on, and parses the
// junit.xml it writes into run.dir.
func runSuite(t *testing.T, bin string, run suiteRun) results {
	t.Helper()
	resultsDir := filepath.Join(run.dir, "results")
	// The suite reads ./oci-conformance.yaml when present: give it an
	// empty working directory so only the environment configures it.
	work := mkdir(t, run.dir, "work")
	env := []string{
		"OCI_REGISTRY=" + run.registry,
		"OCI_TLS=disabled",
		"OCI_REPO1=" + repo1,
		"OCI_REPO2=" + repo2,
		"OCI_USERNAME=" + run.username,
		"OCI_PASSWORD=" + run.password,
		"OCI_VERSION=1.1",
		"OCI_LOG=warn",
		"OCI_RESULTS_DIR=" + resultsDir,
		"OCI_CACHE_AUTH=true",
		// pull, push, content discovery, content management
		"OCI_API_PING=true",
		"OCI_API_PULL=true",
		"OCI_API_PUSH=true",
		"OCI_API_TAGS_LIST=true",
		"OCI_API_REFERRER=true",
		"OCI_API_BLOBS_DELETE=true",
		"OCI_API_MANIFESTS_DELETE=true",
		"OCI_API_TAGS_DELETE=true",
	}
	ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = work
	cmd.Env = append(cleanEnv(), env...)
	cmd.WaitDelay = 10 * time.Second
	stdout, err := os.Create(filepath.Join(run.dir, "stdout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(run.dir, "stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start).Round(100 * time.Millisecond)
	errOut := func() string { b, _ := os.ReadFile(stderr.Name()); return tail(string(b), 4000) }
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("run %s: the conformance suite did not finish within %s; its stderr:\n%s", run.name, suiteTimeout, errOut())
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		// The suite exits 1 when any check failed: the comparison decides.
	case err != nil:
		t.Fatalf("run %s: the conformance suite: %v\n%s", run.name, err, errOut())
	}
	res, err := parseJUnit(filepath.Join(resultsDir, "junit.xml"))
	if err != nil {
		t.Fatalf("run %s: no results from the conformance suite (%v); its stderr:\n%s", run.name, err, errOut())
	}
	if len(res) == 0 {
		t.Fatalf("run %s: junit.xml holds no test case; the suite's stderr:\n%s", run.name, errOut())
	}
	if summary, err := os.ReadFile(stdout.Name()); err == nil {
		t.Logf("run %s finished in %s; the suite says:\n%s", run.name, took, tail(string(summary), 6000))
	}
	return res
}

// provision makes, through the REST API as the admin, a team owning both
// namespaces with a contributor, and lets contributors delete. It returns
// the contributor's password.
func provision(t *testing.T, dm *dmserver.Server) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := dm.Client(t)
	password := randomSecret(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := admin.CreateUser(ctx, apiv1.CreateUser{Username: pushUser, Email: pushUser + "@example.com", Password: password})
	must("create user "+pushUser, err)
	_, err = admin.CreateTeam(ctx, apiv1.CreateTeam{Name: teamName, Description: "OCI conformance suite"})
	must("create team "+teamName, err)
	_, err = admin.AddMember(ctx, teamName, apiv1.AddMember{Username: pushUser, Role: "contributor"})
	must("add "+pushUser+" to "+teamName, err)
	for _, repo := range []string{repo1, repo2} {
		ns, _, _ := strings.Cut(repo, "/")
		_, err = admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: ns, Team: teamName, Visibility: "private"})
		must("create namespace "+ns, err)
	}
	on := true
	s, err := admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &on, ContributorsMayDelete: &on})
	must("turn on contributors_may_delete", err)
	if !s.DeleteEnabled || !s.ContributorsMayDelete {
		t.Fatalf("settings after PATCH: delete_enabled=%v contributors_may_delete=%v, want both on", s.DeleteEnabled, s.ContributorsMayDelete)
	}
	return password
}

// checkGrant fails early, with a clear message, when the contributor's
// token would not carry pull, push and delete on both repositories: the
// suite would then report hundreds of failures instead of one cause. It
// also checks that the registry sends clients to Dockmaster's realm.
func checkGrant(t *testing.T, dm *dmserver.Server, registry, password string) {
	t.Helper()
	resp, err := http.Get("http://" + registry + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ch := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(ch, dm.URL+"/auth/token") {
		t.Fatalf("registry GET /v2/: %s, WWW-Authenticate %q; want 401 with realm %s/auth/token", resp.Status, ch, dm.URL)
	}
	q := url.Values{"service": {dm.Service}}
	for _, repo := range []string{repo1, repo2} {
		q.Add("scope", "repository:"+repo+":pull,push,delete")
	}
	req, err := http.NewRequest(http.MethodGet, dm.URL+"/auth/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(pushUser, password)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token for %s: %s (%v)", pushUser, resp.Status, err)
	}
	parts := strings.Split(body.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("token for %s is not a JWT: %q", pushUser, body.Token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims struct {
		Access []struct {
			Type, Name string
			Actions    []string
		} `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("token claims: %v", err)
	}
	for _, repo := range []string{repo1, repo2} {
		var got []string
		for _, a := range claims.Access {
			if a.Type == "repository" && a.Name == repo {
				got = append(got, a.Actions...)
			}
		}
		for _, want := range []string{"pull", "push", "delete"} {
			if !slices.Contains(got, want) {
				t.Fatalf("%s's token grants %v on %s, want pull, push and delete (claims %s)", pushUser, got, repo, payload)
			}
		}
	}
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
