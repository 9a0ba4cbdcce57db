package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// cred is how a test request authenticates: Basic user/password, or a
// Bearer secret; the zero value sends nothing.
type cred struct {
	user, pw, bearer string
}

func (c cred) set(r *http.Request) {
	switch {
	case c.bearer != "":
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	case c.user != "":
		r.SetBasicAuth(c.user, c.pw)
	}
}

var anon = cred{}

type harness struct {
	t     testing.TB
	st    store.Store
	api   *api.API
	srv   *httptest.Server
	admin cred
}

func newHarness(t testing.TB) *harness { return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with a registry for the API's deletes (nil:
// none, the database only).
func newHarnessWith(t testing.TB, reg api.Registry) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return newHarnessOn(t, st, reg)
}

// newHarnessOn is newHarnessWith on a store the test provides (e.g. one
// that counts reads).
func newHarnessOn(t testing.TB, st store.Store, reg api.Registry) *harness {
	t.Helper()
	ctx := context.Background()
	secret, err := service.BootstrapAdmin(ctx, st, "admin", "", 10)
	if err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	mux := http.NewServeMux()
	a := api.New(api.Deps{Store: st, Auth: authn.New(st, authn.Options{}), BcryptCost: 10, Registry: reg})
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &harness{t: t, st: st, api: a, srv: srv, admin: cred{user: "admin", pw: secret}}
}

// user creates a user directly in the store (fast) and returns its credentials.
func (h *harness) user(name string, admin bool) cred {
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
	return cred{user: name, pw: pw}
}

// team creates a team owned by owner, with extra members.
func (h *harness) team(name, owner string, members map[string]rbac.Role) {
	h.t.Helper()
	ctx := context.Background()
	if err := h.st.CreateTeam(ctx, store.Team{Name: name, CreatedAt: time.Now(), UpdatedAt: time.Now()}, owner); err != nil {
		h.t.Fatalf("create team %s: %v", name, err)
	}
	for u, r := range members {
		if err := h.st.AddMember(ctx, store.Member{Team: name, Username: u, Role: r, CreatedAt: time.Now()}); err != nil {
			h.t.Fatalf("add %s to %s: %v", u, name, err)
		}
	}
}

func (h *harness) namespace(name, team string, vis rbac.Visibility) {
	h.t.Helper()
	if err := h.st.CreateNamespace(context.Background(), store.Namespace{Name: name, Team: team, Visibility: vis,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		h.t.Fatalf("create namespace %s: %v", name, err)
	}
}

func (h *harness) tag(repo, tag string) {
	h.t.Helper()
	if err := h.st.PutTag(context.Background(), store.Tag{Repository: repo, Name: tag,
		Digest: "sha256:" + strings.Repeat("a", 64), MediaType: "application/vnd.oci.image.manifest.v1+json",
		Size: 10, PushedBy: "admin", PushedAt: time.Now().UTC()}); err != nil {
		h.t.Fatalf("put tag %s:%s: %v", repo, tag, err)
	}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// err decodes a apiv1.Error body.
func (r resp) err() apiv1.Error {
	var e apiv1.Error
	_ = json.Unmarshal(r.body, &e)
	return e
}

func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request; body is JSON-encoded unless it is a string (sent raw).
func (h *harness) do(c cred, method, path string, body any) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.set(req)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// expect checks the status (and, when field is not empty, the error field).
func expect(t testing.TB, r resp, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if field != "" {
		if e := r.err(); e.Field != field {
			t.Fatalf("error field %q, want %q; body %s", e.Field, field, r.body)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// call is one row of a table of requests: who sends method path body, and
// the status (and, for 400s, the field) expected back.
type call struct {
	name   string
	c      cred
	method string
	path   string
	body   any
	status int
	field  string
}

// run sends every call in order, each as a subtest; later calls see the
// effects of earlier ones.
func (h *harness) run(t *testing.T, calls []call) {
	t.Helper()
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, h.do(tc.c, tc.method, tc.path, tc.body), tc.status, tc.field)
		})
	}
}
