//go:build unix

package registrytest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	svc "github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

const (
	service = "registry.e2e"
	issuer  = "dockmaster.e2e"
	userPW  = "a long enough password"
)

// clock is the endpoint's and the minter's clock; tests shift it to mint
// tokens that are already expired.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Set(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}

// env is a Dockmaster server with the token endpoint and a registry that
// trusts its keys.
type env struct {
	t         *testing.T
	url       string // Dockmaster base URL (http://127.0.0.1:PORT)
	realm     string // http://localhost:PORT/auth/token
	kr        *token.Keyring
	clock     *clock
	admin     *client.Client
	adminPW   string
	reg       *registry.Registry
	crane     string
	regctl    string
	configDir map[string]string // per identity: DOCKER_CONFIG / HOME
}

func start(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real registry, crane and regctl")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	adminPW, err := svc.BootstrapAdmin(ctx, st, "admin", "", authn.MinBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{}
	kr := token.NewKeyring(token.NewMemoryKeyStore(), issuer)
	if _, err := kr.Ensure(ctx, token.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	minter, err := token.NewMinter(kr, token.MinterConfig{Issuer: issuer, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	limiter, _ := throttle.NewMemory(throttle.Config{})
	auth := authn.New(st, authn.Options{Limiter: limiter})
	ep := tokenserver.NewEndpoint(tokenserver.EndpointDeps{
		Store: st, Auth: auth, Keyring: kr, Minter: minter, Refresh: st,
		Service: service, Realm: "dockmaster", Now: c.Now, ClientAddr: server.ClientAddr,
	})
	rest := api.New(api.Deps{Store: st, Auth: auth, BcryptCost: authn.MinBcryptCost, ClientAddr: server.ClientAddr})
	h := server.New(server.Deps{Store: st, Routes: []server.Routes{rest, ep}})
	t.Cleanup(func() { _ = ep.Close(context.Background()) })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	e := &env{t: t, url: srv.URL, realm: "http://localhost:" + port + "/auth/token", kr: kr, clock: c,
		adminPW: adminPW, crane: registry.Crane(t), regctl: registry.Regctl(t), configDir: map[string]string{}}
	e.admin, err = client.New(srv.URL, client.WithBasic("admin", adminPW))
	if err != nil {
		t.Fatal(err)
	}
	e.reg = e.startRegistry()
	return e
}

// startRegistry starts a registry trusting the keys published now.
func (e *env) startRegistry() *registry.Registry {
	e.t.Helper()
	bundle, err := e.kr.CertBundle(context.Background(), time.Now(), token.DefaultLifetime)
	if err != nil {
		e.t.Fatal(err)
	}
	path := filepath.Join(e.t.TempDir(), "bundle.pem")
	if err := os.WriteFile(path, bundle, 0o600); err != nil {
		e.t.Fatal(err)
	}
	return registry.Start(e.t, registry.Options{Realm: e.realm, Service: service, Issuer: issuer,
		RootCertBundlePath: path, SigningAlgorithms: []string{token.AlgES256}, DeleteEnabled: true})
}

// result is a client run's combined output and error.
type result struct {
	out string
	err error
}

// run runs a client binary as identity (its own config dir); it returns
// the combined output and the error.
func (e *env) run(identity, bin string, args ...string) result {
	e.t.Helper()
	dir, ok := e.configDir[identity]
	if !ok {
		dir = e.t.TempDir()
		e.configDir[identity] = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+dir, "NO_PROXY=*", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	return result{string(out), err}
}

func (e *env) crn(identity string, args ...string) result {
	return e.run(identity, e.crane, append(args, "--insecure")...)
}

func (e *env) rgc(identity string, args ...string) result {
	return e.run(identity, e.regctl, args...)
}

// login stores credentials for identity in crane's and regctl's configs.
func (e *env) login(identity, user, pass string) {
	e.t.Helper()
	if r := e.crn(identity, "auth", "login", e.reg.Host, "-u", user, "-p", pass); r.err != nil {
		e.t.Fatalf("crane auth login %s: %v\n%s", user, r.err, r.out)
	}
	if r := e.rgc(identity, "registry", "set", e.reg.Host, "--tls", "disabled"); r.err != nil {
		e.t.Fatalf("regctl registry set: %v\n%s", r.err, r.out)
	}
	if r := e.rgc(identity, "registry", "login", e.reg.Host, "-u", user, "-p", pass); r.err != nil {
		e.t.Fatalf("regctl registry login %s: %v\n%s", user, r.err, r.out)
	}
}

// anonymous prepares an identity without credentials.
func (e *env) anonymous(identity string) {
	e.t.Helper()
	if r := e.rgc(identity, "registry", "set", e.reg.Host, "--tls", "disabled"); r.err != nil {
		e.t.Fatalf("regctl registry set: %v\n%s", r.err, r.out)
	}
}

func (e *env) ok(what string, r result) string {
	e.t.Helper()
	if r.err != nil {
		e.t.Fatalf("%s: %v\n%s", what, r.err, r.out)
	}
	return r.out
}

// refused: the command failed because the registry or the token service
// said no — not for some unrelated reason.
func (e *env) refused(what string, r result) {
	e.t.Helper()
	out, err := r.out, r.err
	if err == nil {
		e.t.Fatalf("%s succeeded; want refused\n%s", what, out)
	}
	lo := strings.ToLower(out)
	e.t.Logf("%s refused: %s", what, lastLine(out))
	for _, sign := range []string{"denied", "unauthorized", "401", "403", "authentication required", "insufficient_scope", "no credentials"} {
		if strings.Contains(lo, sign) {
			return
		}
	}
	e.t.Fatalf("%s failed, but not with an authorization error: %v\n%s", what, err, out)
}

func (e *env) ref(repo string) string { return e.reg.Host + "/" + repo }

// push appends a fresh layer to an empty base as identity.
func (e *env) push(identity, ref, content string) result {
	return e.crn(identity, "append", "-f", registry.Layer(e.t, content), "-t", ref, "--oci-empty-base")
}

func (e *env) mustAPI(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// seed creates, through the REST API: users alice (owner of team devs),
// bob (contributor), carol (viewer), dave (no team); namespaces devs
// (private) and pub (public), both of devs; robot$ci (contributor on devs).
// It returns robot$ci's secret.
func (e *env) seed() string {
	e.t.Helper()
	ctx := context.Background()
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: u, Password: userPW})
		e.mustAPI("create user "+u, err)
	}
	_, err := e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs", Owner: "alice"})
	e.mustAPI("create team", err)
	_, err = e.admin.AddMember(ctx, "devs", apiv1.AddMember{Username: "bob", Role: "contributor"})
	e.mustAPI("add bob", err)
	_, err = e.admin.AddMember(ctx, "devs", apiv1.AddMember{Username: "carol", Role: "viewer"})
	e.mustAPI("add carol", err)
	_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "devs", Team: "devs", Visibility: "private"})
	e.mustAPI("create namespace devs", err)
	_, err = e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "pub", Team: "devs", Visibility: "public"})
	e.mustAPI("create namespace pub", err)
	rb, err := e.admin.CreateRobot(ctx, apiv1.CreateRobot{Name: "ci", Team: "devs",
		Access: []apiv1.RobotAccess{{Namespace: "devs", Role: "contributor"}}})
	e.mustAPI("create robot", err)
	if rb.Secret == "" || rb.Name != "robot$ci" {
		e.t.Fatalf("robot %+v", rb)
	}
	return rb.Secret
}

// TestRegistryEndToEnd drives the real registry through the token endpoint
// with crane and regctl, as each kind of identity.
func TestRegistryEndToEnd(t *testing.T) {
	e := start(t)
	ciSecret := e.seed()
	ctx := context.Background()
	for _, who := range []string{"alice", "bob", "carol", "dave"} {
		e.login(who, who, userPW)
	}
	e.login("admin", "admin", e.adminPW)
	e.login("ci", "robot$ci", ciSecret)
	e.anonymous("anon")

	t.Run("contributor pushes and pulls", func(t *testing.T) {
		e.ok("bob crane push", e.push("bob", e.ref("devs/app:v1"), "bob v1"))
		e.ok("bob crane pull", e.crn("bob", "pull", e.ref("devs/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.ok("bob regctl copy", e.rgc("bob", "image", "copy", e.ref("devs/app:v1"), e.ref("devs/app:v2")))
		out := e.ok("bob regctl tag ls", e.rgc("bob", "tag", "ls", e.ref("devs/app")))
		if !strings.Contains(out, "v1") || !strings.Contains(out, "v2") {
			t.Fatalf("tags: %q", out)
		}
		e.ok("bob crane copy to pub", e.crn("bob", "copy", e.ref("devs/app:v1"), e.ref("pub/app:v1")))
	})

	t.Run("viewer pulls but cannot push", func(t *testing.T) {
		e.ok("carol crane pull", e.crn("carol", "pull", e.ref("devs/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.ok("carol regctl manifest", e.rgc("carol", "manifest", "get", e.ref("devs/app:v1")))
		e.refused("carol crane push", e.push("carol", e.ref("devs/app:carol"), "carol"))
		e.refused("carol regctl copy", e.rgc("carol", "image", "copy", e.ref("devs/app:v1"), e.ref("devs/app:carol")))
	})

	t.Run("non-member sees neither private pulls nor pushes", func(t *testing.T) {
		e.refused("dave crane pull", e.crn("dave", "pull", e.ref("devs/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.ok("dave pulls public", e.crn("dave", "pull", e.ref("pub/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.ok("dave pushes to his own namespace", e.push("dave", e.ref("dave/tool:v1"), "dave"))
	})

	t.Run("anonymous pulls public, not private", func(t *testing.T) {
		e.ok("anon crane pull public", e.crn("anon", "pull", e.ref("pub/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.ok("anon regctl public", e.rgc("anon", "manifest", "get", e.ref("pub/app:v1")))
		e.refused("anon crane pull private", e.crn("anon", "pull", e.ref("devs/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
		e.refused("anon regctl private", e.rgc("anon", "manifest", "get", e.ref("devs/app:v1")))
		e.refused("anon push", e.push("anon", e.ref("pub/app:anon"), "anon"))
	})

	t.Run("delete only where allowed", func(t *testing.T) {
		e.ok("push del1", e.push("bob", e.ref("devs/del:one"), "delete me one"))
		e.ok("push del2", e.push("bob", e.ref("devs/del:two"), "delete me two"))
		d1 := strings.TrimSpace(e.ok("digest", e.crn("bob", "digest", e.ref("devs/del:one"))))
		d2 := strings.TrimSpace(e.ok("digest", e.crn("bob", "digest", e.ref("devs/del:two"))))
		// Contributors may not delete (the site default).
		e.refused("bob crane delete", e.crn("bob", "delete", e.ref("devs/del@"+d1)))
		e.refused("bob regctl delete", e.rgc("bob", "manifest", "delete", e.ref("devs/del@"+d2)))
		// The owner may.
		e.ok("alice crane delete", e.crn("alice", "delete", e.ref("devs/del@"+d1)))
		e.ok("alice regctl delete", e.rgc("alice", "manifest", "delete", e.ref("devs/del@"+d2)))
		if r := e.crn("alice", "digest", e.ref("devs/del:one")); r.err == nil {
			t.Fatalf("devs/del:one still there after delete: %s", r.out)
		}
		// With deletes switched off site-wide, not even the owner.
		e.ok("push del3", e.push("bob", e.ref("devs/del:three"), "delete me three"))
		d3 := strings.TrimSpace(e.ok("digest", e.crn("bob", "digest", e.ref("devs/del:three"))))
		off := false
		_, err := e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &off})
		e.mustAPI("disable deletes", err)
		e.refused("alice delete with deletes off", e.crn("alice", "delete", e.ref("devs/del@"+d3)))
		on := true
		_, err = e.admin.UpdateSettings(ctx, apiv1.UpdateSettings{DeleteEnabled: &on})
		e.mustAPI("enable deletes", err)
	})

	t.Run("catalog only for admins", func(t *testing.T) {
		out := e.ok("admin crane catalog", e.crn("admin", "catalog", e.reg.Host))
		if !strings.Contains(out, "devs/app") || !strings.Contains(out, "pub/app") {
			t.Fatalf("catalog: %q", out)
		}
		out = e.ok("admin regctl repo ls", e.rgc("admin", "repo", "ls", e.reg.Host))
		if !strings.Contains(out, "devs/app") {
			t.Fatalf("regctl repo ls: %q", out)
		}
		for _, who := range []string{"bob", "alice", "anon", "ci"} {
			e.refused(who+" crane catalog", e.crn(who, "catalog", e.reg.Host))
			e.refused(who+" regctl repo ls", e.rgc(who, "repo", "ls", e.reg.Host))
		}
	})

	t.Run("robot with a grant pushes; disabled or expired it cannot", func(t *testing.T) {
		e.ok("robot crane push", e.push("ci", e.ref("devs/robot:v1"), "robot v1"))
		e.ok("robot regctl copy", e.rgc("ci", "image", "copy", e.ref("devs/robot:v1"), e.ref("devs/robot:v2")))
		e.refused("robot push without a grant", e.push("ci", e.ref("pub/robot:v1"), "robot elsewhere"))

		off := false
		_, err := e.admin.UpdateRobot(ctx, "robot$ci", apiv1.UpdateRobot{Enabled: &off})
		e.mustAPI("disable robot", err)
		e.refused("disabled robot push", e.push("ci", e.ref("devs/robot:v3"), "robot v3"))
		e.refused("disabled robot pull", e.crn("ci", "pull", e.ref("devs/robot:v1"), filepath.Join(t.TempDir(), "img.tar")))

		exp := time.Now().Add(2 * time.Second)
		rb, err := e.admin.CreateRobot(ctx, apiv1.CreateRobot{Name: "shortlived", Team: "devs", ExpiresAt: &exp,
			Access: []apiv1.RobotAccess{{Namespace: "devs", Role: "contributor"}}})
		e.mustAPI("create short-lived robot", err)
		e.login("short", rb.Name, rb.Secret)
		e.ok("short-lived robot push while valid", e.push("short", e.ref("devs/robot:short"), "short"))
		time.Sleep(time.Until(exp) + 500*time.Millisecond)
		e.refused("expired robot push", e.push("short", e.ref("devs/robot:late"), "late"))
	})

	t.Run("a disabled user stops at once", func(t *testing.T) {
		off := false
		_, err := e.admin.UpdateUser(ctx, "carol", apiv1.UpdateUser{Enabled: &off})
		e.mustAPI("disable carol", err)
		e.refused("disabled carol pull", e.crn("carol", "pull", e.ref("devs/app:v1"), filepath.Join(t.TempDir(), "img.tar")))
	})
}

// TestKeyRotation: tokens signed with a rotated-out key keep working at a
// registry that trusts the published keys, until they expire; new tokens
// come from the new key.
func TestKeyRotation(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "alice", Password: userPW})
	e.mustAPI("create alice", err)

	get := func() (raw, kid string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.url+"/auth/token?service="+service+"&scope=repository:alice/app:pull,push", nil)
		req.SetBasicAuth("alice", userPW)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Token string `json:"token"`
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("token: %s", res.Status)
		}
		if err := decodeJSON(res, &body); err != nil {
			t.Fatal(err)
		}
		return body.Token, headerKID(t, body.Token)
	}
	// Pushing with a raw bearer token: start an upload (POST blobs/uploads).
	accepted := func(tok string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, e.reg.URL+"/v2/alice/app/tags/list", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	// A token whose lifetime (5 min) plus the registry's 60 s leeway is over.
	e.clock.Set(-(token.DefaultLifetime + 2*time.Minute))
	expired, kidA := get()
	e.clock.Set(0)
	old, kidOld := get()
	if kidOld != kidA {
		t.Fatal("two keys before rotation")
	}
	// The registry knows only key A so far: the live token works, the
	// expired one not (404 NAME_UNKNOWN: authorized, nothing pushed yet).
	if s := accepted(old); s == http.StatusUnauthorized {
		t.Fatalf("fresh token refused: %d", s)
	}
	if s := accepted(expired); s != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", s)
	}

	if _, err := e.kr.Rotate(ctx, token.AlgES256, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The operator rolls out the bundle published after the rotation: the
	// new key and the retired one.
	e.reg = e.startRegistry()
	fresh, kidB := get()
	if kidB == kidA {
		t.Fatal("still signing with the old key after rotation")
	}
	if s := accepted(fresh); s == http.StatusUnauthorized {
		t.Fatalf("token of the new key refused: %d", s)
	}
	if s := accepted(old); s == http.StatusUnauthorized {
		t.Fatalf("token of the rotated-out key refused before it expired: %d", s)
	}
	if s := accepted(expired); s != http.StatusUnauthorized {
		t.Fatalf("expired token of the rotated-out key: %d, want 401", s)
	}
	// crane end to end with the new key.
	e.login("alice", "alice", userPW)
	e.ok("alice push after rotation", e.push("alice", e.ref("alice/app:v1"), "after rotation"))

	// The JWKS still publishes both keys.
	res, err := http.Get(e.url + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set token.JWKSet
	if err := decodeJSON(res, &set); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KID)
	}
	if len(kids) != 2 || !contains(kids, kidA) || !contains(kids, kidB) {
		t.Fatalf("jwks kids %v, want %s and %s", kids, kidA, kidB)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

var errNotJSON = errors.New("not JSON")

func decodeJSON(res *http.Response, v any) error {
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		return fmt.Errorf("%w: %s", errNotJSON, res.Header.Get("Content-Type"))
	}
	return jsonDecode(res.Body, v)
}
