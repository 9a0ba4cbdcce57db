// Package apitest is the black-box suite of the REST API: every test talks
// to a real server (server.New over a real store, SQLite and PostgreSQL)
// through internal/client, as the provider and scripts do.
package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/postgres"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
)

// kinds are the stores every test runs on.
var kinds = []string{"sqlite", "postgres"}

// adminName is the bootstrapped admin. The name is reserved for everything
// made through the API (security item 30); only the bootstrap may take it.
const adminName = "admin"

// maxBody is the request body cap the test server runs with.
const maxBody = 64 << 10

// env is one running server over a fresh database.
type env struct {
	kind        string
	st          store.Store
	srv         *httptest.Server
	url         string
	adminSecret string
	// admin is the bootstrapped admin, authenticated with an application token.
	admin *client.Client
	// adminBasic is the same admin with its password.
	adminBasic *client.Client
	// seeded holds the tags seedTag stored, by "repo:tag".
	seeded map[string]store.Tag
}

type startOptions struct{ noBootstrap bool }

// StartOption changes how start builds the environment.
type startOption func(*startOptions)

// withoutBootstrap leaves the database empty (no admin).
func withoutBootstrap() startOption { return func(o *startOptions) { o.noBootstrap = true } }

// start opens a fresh store of the given kind, bootstraps the first admin
// and serves the whole server over httptest.
func start(t *testing.T, kind string, opts ...startOption) *env {
	t.Helper()
	var o startOptions
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	var (
		st  store.Store
		err error
	)
	switch kind {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	case "postgres":
		st, err = postgres.Open(ctx, pgtest.URL(t))
	default:
		t.Fatalf("unknown store kind %q", kind)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	t.Cleanup(func() { _ = st.Close() })

	e := &env{kind: kind, st: st, seeded: map[string]store.Tag{}}
	if !o.noBootstrap {
		secret, err := service.BootstrapAdmin(ctx, st, adminName, "", 10)
		if err != nil {
			t.Fatalf("bootstrap: %v", err)
		}
		e.adminSecret = secret
	}

	logger := slog.New(slog.DiscardHandler)
	rest := api.New(api.Deps{Store: st, Auth: authn.New(st, authn.Options{}), Logger: logger, BcryptCost: 10, ClientAddr: server.ClientAddr})
	h := server.New(server.Deps{Store: st, Logger: logger, MaxBodyBytes: maxBody, Routes: []server.Routes{rest}})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	e.url = e.srv.URL

	if !o.noBootstrap {
		e.adminBasic = e.client(t, client.WithBasic(adminName, e.adminSecret))
		tok, err := e.adminBasic.CreateToken(ctx, adminName, apiv1.CreateToken{Name: "suite"})
		if err != nil {
			t.Fatalf("admin token: %v", err)
		}
		e.admin = e.client(t, client.WithToken(tok.Secret))
	}
	return e
}

// forEachStore runs f as one subtest per store kind, each on a fresh server.
func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) { f(t, start(t, k)) })
	}
}

func (e *env) client(t testing.TB, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(e.url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// anon is a client without credentials.
func (e *env) anon(t testing.TB) *client.Client { return e.client(t) }

// user is a person made by the suite, with a password and a token.
type user struct {
	Name     string
	Password string
	Token    apiv1.Token
	C        *client.Client // Bearer with Token
	Basic    *client.Client // Basic with Password
}

// newUser makes a user through the admin (mods adjust the body), then the
// user makes their own application token with their password.
func (e *env) newUser(t testing.TB, name string, mods ...func(*apiv1.CreateUser)) *user {
	t.Helper()
	ctx := context.Background()
	in := apiv1.CreateUser{Username: name, Email: name + "@example.com", DisplayName: strings.ToUpper(name[:1]) + name[1:],
		Password: "pw-" + name + "-Secret1"}
	for _, m := range mods {
		m(&in)
	}
	if _, err := e.admin.CreateUser(ctx, in); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	u := &user{Name: name, Password: in.Password}
	u.Basic = e.client(t, client.WithBasic(name, in.Password))
	if in.Enabled != nil && !*in.Enabled {
		return u
	}
	tok, err := u.Basic.CreateToken(ctx, name, apiv1.CreateToken{Name: "suite"})
	if err != nil {
		t.Fatalf("token of %s: %v", name, err)
	}
	if tok.Secret == "" {
		t.Fatalf("token of %s: no secret in the creation answer", name)
	}
	u.Token = tok
	u.C = e.client(t, client.WithToken(tok.Secret))
	return u
}

func asAdmin(u *apiv1.CreateUser) { u.Admin = true }

// newRobot creates a robot through by and returns it (with its secret) and
// a client that authenticates as the robot.
func (e *env) newRobot(t testing.TB, by *client.Client, in apiv1.CreateRobot) (apiv1.Robot, *client.Client) {
	t.Helper()
	r, err := by.CreateRobot(context.Background(), in)
	if err != nil {
		t.Fatalf("create robot %s: %v", in.Name, err)
	}
	if r.Secret == "" {
		t.Fatalf("create robot %s: no secret in the creation answer", in.Name)
	}
	return r, e.client(t, client.WithToken(r.Secret))
}

// seedTag stores a tag directly: the registry integration is not part of
// this suite.
func (e *env) seedTag(t testing.TB, repo, tag string) store.Tag {
	t.Helper()
	sum := sha256.Sum256([]byte(repo + ":" + tag))
	tg := store.Tag{
		Repository: repo, Name: tag, Digest: "sha256:" + hex.EncodeToString(sum[:]),
		MediaType: "application/vnd.oci.image.manifest.v1+json", Size: 1234,
		PushedBy: adminName, PushedAt: time.Now().UTC().Truncate(time.Second),
	}
	if err := e.st.PutTag(context.Background(), tg); err != nil {
		t.Fatalf("seed %s:%s: %v", repo, tag, err)
	}
	e.seeded[repo+":"+tag] = tg
	return tg
}

// world is the standard cast: team devs (alice owner, carol contributor,
// victor viewer) with private, protected and public namespaces; team ops
// (bob owner) with a private namespace; oscar belongs to no team; a robot of
// devs; repositories in each namespace, the global one and alice's personal one.
type world struct {
	e                                    *env
	alice, bob, carol, victor, oscar     *user
	robot                                apiv1.Robot
	robotC                               *client.Client
	devsPriv, devsProt, devsPub, opsPriv string
}

func (e *env) world(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{e: e, devsPriv: "devs-priv", devsProt: "devs-prot", devsPub: "devs-pub", opsPriv: "ops-priv"}
	w.alice = e.newUser(t, "alice")
	w.bob = e.newUser(t, "bob")
	w.carol = e.newUser(t, "carol")
	w.victor = e.newUser(t, "victor")
	w.oscar = e.newUser(t, "oscar")

	must(t)(w.alice.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs", Description: "developers"}))
	must(t)(w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "carol", Role: "contributor"}))
	must(t)(w.alice.C.AddMember(ctx, "devs", apiv1.AddMember{Username: "victor", Role: "viewer"}))
	must(t)(w.bob.C.CreateTeam(ctx, apiv1.CreateTeam{Name: "ops"}))

	for _, ns := range []apiv1.CreateNamespace{
		{Name: w.devsPriv, Team: "devs", Visibility: "private"},
		{Name: w.devsProt, Team: "devs", Visibility: "protected"},
		{Name: w.devsPub, Team: "devs", Visibility: "public"},
	} {
		must(t)(w.alice.C.CreateNamespace(ctx, ns))
	}
	must(t)(w.bob.C.CreateNamespace(ctx, apiv1.CreateNamespace{Name: w.opsPriv, Team: "ops", Visibility: "private"}))

	w.robot, w.robotC = e.newRobot(t, w.alice.C, apiv1.CreateRobot{
		Name: "devs-ci", Team: "devs", Access: []apiv1.RobotAccess{{Namespace: w.devsPriv, Role: "contributor"}},
	})

	for _, r := range []string{w.devsPriv + "/app", w.devsProt + "/lib", w.devsPub + "/web", w.opsPriv + "/db", "busybox", "alice/tool"} {
		e.seedTag(t, r, "latest")
	}
	e.seedTag(t, w.devsPriv+"/app", "v1")
	return w
}

// ---- assertions ----

// must returns a function that fails the test on a non-nil error and
// otherwise returns the value: must(t)(c.GetUser(ctx, "x")).
func must(t testing.TB) func(v any, err error) any {
	return func(v any, err error) any {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

var codeOf = map[int]string{
	400: "invalid_argument", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
	409: "conflict", 413: "too_large", 503: "unavailable",
}

// wantErr checks that err is an API error with that status, the matching
// code and, when field is not empty, that field.
func wantErr(t testing.TB, err error, status int, field string) {
	t.Helper()
	var e *apiv1.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an API error with status %d", err, status)
	}
	if e.Status != status {
		t.Fatalf("status = %d (%v), want %d", e.Status, e, status)
	}
	if c, known := codeOf[status]; known && e.Code != c {
		t.Errorf("code = %q, want %q", e.Code, c)
	}
	if field != "" && e.Field != field {
		t.Errorf("field = %q (%v), want %q", e.Field, e, field)
	}
	if e.Message == "" {
		t.Errorf("error without a message: %#v", e)
	}
}

// wantOneOf checks that err is an API error with one of the statuses, for
// refusals the spec leaves open between two answers.
func wantOneOf(t testing.TB, err error, statuses ...int) {
	t.Helper()
	var e *apiv1.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an API error with status in %v", err, statuses)
	}
	if !slices.Contains(statuses, e.Status) {
		t.Fatalf("status = %d (%v), want one of %v", e.Status, e, statuses)
	}
}

// ---- raw HTTP, for what the typed client cannot send ----

type rawResp struct {
	Status int
	Header http.Header
	Body   string
}

// raw sends a request to the server as is; auth may be nil.
func (e *env) raw(t testing.TB, method, path, body string, auth func(*http.Request), headers ...string) rawResp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return rawResp{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

func bearer(secret string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret) }
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// wantRaw checks a raw answer's status and, for errors, its JSON code and field.
func wantRaw(t testing.TB, r rawResp, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if status < 300 {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want JSON", ct)
	}
	if c, known := codeOf[status]; known && !strings.Contains(r.Body, `"code":"`+c+`"`) {
		t.Errorf("body %s lacks code %q", r.Body, c)
	}
	if field != "" && !strings.Contains(r.Body, `"field":"`+field+`"`) {
		t.Errorf("body %s lacks field %q", r.Body, field)
	}
}

// ---- lists ----

// collect pages through a list with the given page size, checking the
// envelope on each page, and returns every item.
func collect[T any](t testing.TB, size int, list func(context.Context, client.ListOptions) (apiv1.Page[T], error)) []T {
	t.Helper()
	var all []T
	opt := client.ListOptions{PageSize: size}
	seen := map[string]bool{}
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("more than 1000 pages: the server loops")
		}
		p, err := list(context.Background(), opt)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if size > 0 && len(p.Items) > size {
			t.Fatalf("page %d has %d items, more than page_size %d", i, len(p.Items), size)
		}
		all = append(all, p.Items...)
		if p.NextPageToken == "" {
			return all
		}
		if len(p.Items) == 0 {
			t.Errorf("page %d is empty but has a next page token", i)
		}
		if seen[p.NextPageToken] {
			t.Fatalf("page token %q handed out twice", p.NextPageToken)
		}
		seen[p.NextPageToken] = true
		opt.PageToken = p.NextPageToken
	}
}

// names maps items to a key.
func names[T any](items []T, key func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, key(it))
	}
	return out
}

// checkPaging lists with small pages and with one big page and checks that
// both give the same items, in strictly ascending key order, without
// duplicates, and that they include want.
func checkPaging[T any](t testing.TB, list func(context.Context, client.ListOptions) (apiv1.Page[T], error), key func(T) string, want ...string) {
	t.Helper()
	whole := names(collect(t, 200, list), key)
	for _, size := range []int{1, 2, 3} {
		paged := names(collect(t, size, list), key)
		if !slices.Equal(paged, whole) {
			t.Errorf("page_size %d gives %v, one page gives %v", size, paged, whole)
		}
	}
	for i := 1; i < len(whole); i++ {
		if whole[i-1] >= whole[i] {
			t.Errorf("list not in strictly ascending order at %d: %q then %q", i, whole[i-1], whole[i])
		}
	}
	for _, w := range want {
		if !slices.Contains(whole, w) {
			t.Errorf("list %v lacks %q", whole, w)
		}
	}
}

func contains[T any](items []T, key func(T) string, want string) bool {
	return slices.Contains(names(items, key), want)
}

func userName(u apiv1.User) string       { return u.Username }
func teamName(x apiv1.Team) string       { return x.Name }
func memberName(m apiv1.Member) string   { return m.Username }
func nsName(n apiv1.Namespace) string    { return n.Name }
func permKey(p apiv1.Permission) string  { return p.Kind + "/" + p.Name }
func robotName(r apiv1.Robot) string     { return r.Name }
func repoName(r apiv1.Repository) string { return r.Name }
func tagName(x apiv1.Tag) string         { return x.Name }
func tokenName(x apiv1.Token) string     { return x.Name }
func auditKey(a apiv1.AuditEvent) string { return fmt.Sprint(a.ID) }
func ptr[T any](v T) *T                  { return &v }
func bigString(n int) string             { return string(bytes.Repeat([]byte("x"), n)) }
func errStatus(err error) int            { return client.StatusOf(err) }
