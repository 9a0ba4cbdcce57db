package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/postgres"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
	"github.com/dockmaster/dockmaster/authserver/internal/web"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Store is what the UI's tests need of a store.
type Store interface {
	store.Store
	store.WebSessionStore
	store.SearchStore
	store.ActivityStore
	store.RegistryStore
	store.TokenStore
}

// stores runs fn on SQLite and on PostgreSQL.
func stores(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, newHarness(t, st))
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, newHarness(t, st))
	})
}

type harness struct {
	t       testing.TB
	st      Store
	auth    *authn.Authenticator
	srv     *httptest.Server
	adminPW string
}

func newHarness(t testing.TB, st Store) *harness {
	t.Helper()
	ctx := context.Background()
	secret, err := service.BootstrapAdmin(ctx, st, "admin", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	lim, err := throttle.NewMemory(throttle.Config{})
	if err != nil {
		t.Fatal(err)
	}
	auth := authn.New(st, authn.Options{Limiter: lim, BcryptCost: 10})
	ui, err := web.New(web.Deps{
		Service:      service.New(service.Deps{Store: st, BcryptCost: 10}),
		Auth:         auth,
		Sessions:     st,
		Audit:        st,
		PublicURL:    "http://dockmaster.test",
		RegistryHost: "registry.test:5000",
		ClientAddr:   server.ClientAddr,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Deps{Store: st, Routes: []server.Routes{ui}}))
	t.Cleanup(srv.Close)
	return &harness{t: t, st: st, auth: auth, srv: srv, adminPW: secret}
}

// user creates a user directly in the store; its password is "pw-NAME-secret".
func (h *harness) user(name string, admin bool) string {
	h.t.Helper()
	pw := "pw-" + name + "-secret"
	hash, err := authn.HashPassword(pw, 10)
	if err != nil {
		h.t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := h.st.CreateUser(context.Background(), store.User{Username: name, Email: name + "@example.com",
		PasswordHash: hash, Admin: admin, Enabled: true, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}); err != nil {
		h.t.Fatalf("create user %s: %v", name, err)
	}
	return pw
}

func (h *harness) team(name, owner string, members map[string]rbac.Role) {
	h.t.Helper()
	if err := h.st.CreateTeam(context.Background(), store.Team{Name: name}, owner); err != nil {
		h.t.Fatal(err)
	}
	for u, r := range members {
		if err := h.st.AddMember(context.Background(), store.Member{Team: name, Username: u, Role: r}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) namespace(name, team string, vis rbac.Visibility) {
	h.t.Helper()
	if err := h.st.CreateNamespace(context.Background(), store.Namespace{Name: name, Team: team, Visibility: vis}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) tag(repo, tag, digest string) {
	h.t.Helper()
	if err := h.st.PutTag(context.Background(), store.Tag{Repository: repo, Name: tag, Digest: digest,
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 1234, PushedBy: "admin"}); err != nil {
		h.t.Fatal(err)
	}
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	h   *harness
	c   *http.Client
	jar *cookiejar.Jar
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	body   string
	hdr    http.Header
}

func (b *browser) do(req *http.Request) page {
	b.h.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), hdr: resp.Header}
}

func (b *browser) get(path string) page {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form as a same-origin browser would (Origin set).
func (b *browser) post(path string, form url.Values) page {
	b.h.t.Helper()
	return b.postFrom(b.h.srv.URL, path, form)
}

func (b *browser) postFrom(origin, path string, form url.Values) page {
	b.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the form token of the page at path.
func (b *browser) csrf(path string) string {
	b.h.t.Helper()
	p := b.get(path)
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.h.t.Fatalf("no csrf token on %s (%d): %.300s", path, p.status, p.body)
	}
	return m[1]
}

// form posts fields to path with the CSRF token of the page at from.
func (b *browser) form(from, path string, kv ...string) page {
	b.h.t.Helper()
	v := url.Values{"csrf": {b.csrf(from)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return b.post(path, v)
}

func (b *browser) login(user, pw string) page {
	b.h.t.Helper()
	return b.form("/login", "/login", "username", user, "password", pw)
}

func (b *browser) mustLogin(user, pw string) {
	b.h.t.Helper()
	if p := b.login(user, pw); p.status != http.StatusSeeOther {
		b.h.t.Fatalf("login %s: %d %.500s", user, p.status, p.body)
	}
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.h.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func want(t testing.TB, what string, p page, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d; body: %.800s", what, p.status, status, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Fatalf("%s: body lacks %q: %.1500s", what, c, p.body)
		}
	}
}

func lacks(t testing.TB, what string, p page, absent ...string) {
	t.Helper()
	for _, a := range absent {
		if strings.Contains(p.body, a) {
			t.Fatalf("%s: body shows %q, which it must not", what, a)
		}
	}
}
