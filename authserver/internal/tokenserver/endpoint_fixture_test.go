package tokenserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/tokenserver"
)

const (
	service  = "registry.test"
	issuer   = "dockmaster.test"
	realm    = "http://auth.test/auth/token"
	password = "correct horse battery"
)

// fx is one endpoint over a fresh SQLite database holding:
//
//	admin (admin); alice owner, bob contributor, carol viewer of team devs;
//	dave (no membership); eve (disabled);
//	namespaces devs (private), pub (public), prot (protected), all of devs;
//	robot$ci (contributor on devs), robot$sync (no grants, catalog subject).
type fx struct {
	st      *sqlite.Store
	ep      *tokenserver.Endpoint
	srv     *httptest.Server
	refresh *tokenserver.MemoryRefreshStore
	auth    *countingAuth
	authn   *authn.Authenticator // under auth; throttled with limiter
	limiter throttle.Limiter
	robotCI string // robot$ci's secret
	robotSy string // robot$sync's secret
}

type fxOptions struct {
	auditInterval time.Duration
	limiter       throttle.Limiter
	store         func(tokenserver.GrantStore) tokenserver.GrantStore
	auth          func(tokenserver.Authenticator) tokenserver.Authenticator
}

// countingAuth counts how often the backend is asked.
type countingAuth struct {
	next  tokenserver.Authenticator
	calls atomic.Int64
}

func (c *countingAuth) Basic(ctx context.Context, src, u, p string) (authn.Principal, error) {
	c.calls.Add(1)
	return c.next.Basic(ctx, src, u, p)
}

var passwordHash string // bcrypt of password, computed once per test binary

func newFx(t testing.TB, opts ...func(*fxOptions)) *fx {
	t.Helper()
	var o fxOptions
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if passwordHash == "" {
		if passwordHash, err = authn.HashPassword(password, authn.MinBcryptCost); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-time.Hour).UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []store.User{
		{Username: "admin", Admin: true, Enabled: true},
		{Username: "alice", Enabled: true}, {Username: "bob", Enabled: true}, {Username: "carol", Enabled: true},
		{Username: "dave", Enabled: true}, {Username: "eve", Enabled: false},
	} {
		u.PasswordHash, u.PasswordChangedAt, u.CreatedAt = passwordHash, past, past
		must(st.CreateUser(ctx, u))
	}
	must(st.CreateTeam(ctx, store.Team{Name: "devs"}, "alice"))
	must(st.AddMember(ctx, store.Member{Team: "devs", Username: "bob", Role: rbac.RoleContributor}))
	must(st.AddMember(ctx, store.Member{Team: "devs", Username: "carol", Role: rbac.RoleViewer}))
	for name, vis := range map[string]rbac.Visibility{"devs": rbac.Private, "pub": rbac.Public, "prot": rbac.Protected} {
		must(st.CreateNamespace(ctx, store.Namespace{Name: name, Team: "devs", Visibility: vis}))
	}
	ciSecret, ciHash := authn.NewRobotSecret()
	must(st.CreateRobot(ctx, store.Robot{Name: "robot$ci", Team: "devs", SecretHash: ciHash, Enabled: true, CreatedBy: "alice",
		Access: []store.Access{{Namespace: "devs", Role: rbac.RoleContributor}}, CreatedAt: past, SecretChangedAt: past}))
	sySecret, syHash := authn.NewRobotSecret()
	must(st.CreateRobot(ctx, store.Robot{Name: "robot$sync", SecretHash: syHash, Enabled: true, CreatedBy: "admin", CreatedAt: past, SecretChangedAt: past}))

	kr := token.NewKeyring(token.NewMemoryKeyStore(), issuer)
	if _, err := kr.Ensure(ctx, token.KeySpec{Alg: token.AlgES256}, time.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := token.NewMinter(kr, token.MinterConfig{Issuer: issuer})
	if err != nil {
		t.Fatal(err)
	}
	f := &fx{st: st, refresh: tokenserver.NewMemoryRefreshStore(), robotCI: ciSecret, robotSy: sySecret, limiter: o.limiter}
	if f.limiter == nil {
		f.limiter, _ = throttle.NewMemory(throttle.Config{})
	}
	var gs tokenserver.GrantStore = st
	if o.store != nil {
		gs = o.store(st)
	}
	f.authn = authn.New(st, authn.Options{Limiter: f.limiter})
	var a tokenserver.Authenticator = f.authn
	if o.auth != nil {
		a = o.auth(a)
	}
	f.auth = &countingAuth{next: a}
	f.ep = tokenserver.NewEndpoint(tokenserver.EndpointDeps{
		Store: gs, Auth: f.auth, Keyring: kr, Minter: m, Refresh: f.refresh,
		Service: service, Realm: realm, CatalogSubjects: []string{"robot$sync"}, AuditInterval: o.auditInterval,
		// Tests choose their source address; the server would use server.ClientAddr.
		ClientAddr: func(r *http.Request) string {
			if a := r.Header.Get("X-Test-Source"); a != "" {
				return a
			}
			return "192.0.2.1"
		},
	})
	t.Cleanup(func() { _ = f.ep.Close(context.Background()) })
	mux := http.NewServeMux()
	f.ep.Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// req describes one token request.
type req struct {
	user, pass string // Basic credentials when user != ""
	source     string
	query      url.Values // GET
	form       url.Values // POST when not nil
}

// resp is an answer with the token decoded (unverified: the registry tests
// prove the signatures).
type resp struct {
	status int
	header http.Header
	body   []byte
	tok    map[string]any
	claims claims
}

type claims struct {
	Iss    string                  `json:"iss"`
	Sub    string                  `json:"sub"`
	Aud    string                  `json:"aud"`
	Exp    int64                   `json:"exp"`
	Nbf    int64                   `json:"nbf"`
	Iat    int64                   `json:"iat"`
	Access []token.ResourceActions `json:"access"`
}

// rawAccess is the access claim exactly as sent.
func (r resp) rawAccess(t testing.TB) string {
	t.Helper()
	parts := strings.Split(r.tok["token"].(string), ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	return string(m["access"])
}

// grants maps name → actions of the access claim.
func (r resp) grants() map[string]string {
	out := map[string]string{}
	for _, ra := range r.claims.Access {
		out[ra.Type+":"+ra.Name] = strings.Join(ra.Actions, ",")
	}
	return out
}

func (f *fx) do(t testing.TB, q req) resp {
	t.Helper()
	var hr *http.Request
	if q.form != nil {
		hr, _ = http.NewRequest(http.MethodPost, f.srv.URL+"/auth/token", strings.NewReader(q.form.Encode()))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		hr, _ = http.NewRequest(http.MethodGet, f.srv.URL+"/auth/token?"+q.query.Encode(), nil)
	}
	if q.user != "" {
		hr.SetBasicAuth(q.user, q.pass)
	}
	if q.source != "" {
		hr.Header.Set("X-Test-Source", q.source)
	}
	hres, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer hres.Body.Close()
	b, _ := io.ReadAll(hres.Body)
	out := resp{status: hres.StatusCode, header: hres.Header, body: b}
	if hres.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, &out.tok); err != nil {
			t.Fatalf("response %s: %v", b, err)
		}
		raw, _ := out.tok["access_token"].(string)
		parts := strings.Split(raw, ".")
		if len(parts) != 3 {
			t.Fatalf("access_token %q is not a JWT", raw)
		}
		pb, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(pb, &out.claims); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// get is a GET with the service and the given scope parameters.
func get(user, pass string, scopes ...string) req {
	return req{user: user, pass: pass, query: url.Values{"service": {service}, "scope": scopes}}
}

func wantStatus(t testing.TB, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// failingStore makes chosen methods fail as a database outage would.
type failingStore struct {
	tokenserver.GrantStore
	fail map[string]bool
}

var errDown = errors.New("connection refused: " + store.ErrUnavailable.Error())

func (s failingStore) GetSettings(ctx context.Context) (store.Settings, error) {
	if s.fail["GetSettings"] {
		return store.Settings{}, errDown
	}
	return s.GrantStore.GetSettings(ctx)
}

func (s failingStore) GetNamespace(ctx context.Context, name string) (store.Namespace, error) {
	if s.fail["GetNamespace"] {
		return store.Namespace{}, errDown
	}
	return s.GrantStore.GetNamespace(ctx, name)
}

func (s failingStore) NamespaceAccess(ctx context.Context, ns string, k rbac.SubjectKind, n string) (store.Namespace, []rbac.Role, error) {
	if s.fail["NamespaceAccess"] {
		return store.Namespace{}, nil, errDown
	}
	return s.GrantStore.NamespaceAccess(ctx, ns, k, n)
}

func (s failingStore) GetUser(ctx context.Context, name string) (store.User, error) {
	if s.fail["GetUser"] {
		return store.User{}, errDown
	}
	return s.GrantStore.GetUser(ctx, name)
}

type atomicCounter = atomic.Int64
