package client_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// recorded is what the fake server saw of one request.
type recorded struct {
	Method, RawPath, Path, Query, Auth, UA, ContentType string
	Body                                                string
}

// fake is an httptest server that records requests and answers with a
// canned status and body.
type fake struct {
	mu     sync.Mutex
	reqs   []recorded
	status int
	body   string
	srv    *httptest.Server
}

func newFake(t testing.TB) *fake {
	t.Helper()
	f := &fake{status: http.StatusOK, body: `{}`}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method: r.Method, RawPath: r.URL.EscapedPath(), Path: r.URL.Path, Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), UA: r.Header.Get("User-Agent"),
			ContentType: r.Header.Get("Content-Type"), Body: string(b),
		})
		status, body := f.status, f.body
		f.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) answer(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
}

func (f *fake) last(t testing.TB) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func newClient(t testing.TB, base string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(base, opts...)
	if err != nil {
		t.Fatalf("New(%q): %v", base, err)
	}
	return c
}

func TestNewRejectsBadBaseURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:5001", "ftp://x", "http://", "http://u:p@host", "http://h/?q=1", "http://h/#f", "://bad"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) succeeded, want an error", u)
		}
	}
	if _, err := client.New("http://h", client.WithToken("")); err == nil {
		t.Error("WithToken(\"\") accepted")
	}
	if _, err := client.New("http://h", client.WithHTTPClient(nil)); err == nil {
		t.Error("WithHTTPClient(nil) accepted")
	}
}

func TestAuthHeaders(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()

	cases := []struct {
		name string
		opts []client.Option
		want string
	}{
		{"anonymous", nil, ""},
		{"bearer", []client.Option{client.WithToken("s3cr3t")}, "Bearer s3cr3t"},
		{"basic", []client.Option{client.WithBasic("alice", "pw:with:colons")}, "Basic YWxpY2U6cHc6d2l0aDpjb2xvbnM="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, f.srv.URL, tc.opts...)
			if _, err := c.Me(ctx); err != nil {
				t.Fatal(err)
			}
			got := f.last(t)
			if got.Auth != tc.want {
				t.Errorf("Authorization = %q, want %q", got.Auth, tc.want)
			}
			if got.UA != client.DefaultUserAgent {
				t.Errorf("User-Agent = %q", got.UA)
			}
			if got.Method != http.MethodGet || got.Path != "/api/v1/me" {
				t.Errorf("request = %s %s", got.Method, got.Path)
			}
		})
	}

	t.Run("user agent", func(t *testing.T) {
		c := newClient(t, f.srv.URL, client.WithUserAgent("tf-provider/1.0"))
		_, _ = c.GetSettings(ctx)
		if ua := f.last(t).UA; ua != "tf-provider/1.0" {
			t.Errorf("User-Agent = %q", ua)
		}
	})

	t.Run("custom http client", func(t *testing.T) {
		used := false
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			used = true
			return http.DefaultTransport.RoundTrip(r)
		})}
		c := newClient(t, f.srv.URL, client.WithHTTPClient(hc))
		if _, err := c.Me(ctx); err != nil {
			t.Fatal(err)
		}
		if !used {
			t.Error("custom http.Client not used")
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRoutes(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	c := newClient(t, f.srv.URL+"/", client.WithToken("t"))
	str := func(s string) *string { return &s }

	cases := []struct {
		name    string
		call    func() error
		method  string
		rawPath string
		query   string
		body    string // substring of the JSON body, "" for none
	}{
		{"CreateUser", func() error {
			_, err := c.CreateUser(ctx, apiv1.CreateUser{Username: "bob", Password: "pw"})
			return err
		},
			"POST", "/api/v1/users", "", `"username":"bob"`},
		{"GetUser", func() error { _, err := c.GetUser(ctx, "bob"); return err }, "GET", "/api/v1/users/bob", "", ""},
		{"ListUsers", func() error {
			_, err := c.ListUsers(ctx, client.ListOptions{PageSize: 7, PageToken: "a b&c", Query: "x"})
			return err
		}, "GET", "/api/v1/users", "page_size=7&page_token=a+b%26c&q=x", ""},
		{"UpdateUser", func() error { _, err := c.UpdateUser(ctx, "bob", apiv1.UpdateUser{Email: str("b@x")}); return err },
			"PATCH", "/api/v1/users/bob", "", `{"email":"b@x"}`},
		{"DeleteUser", func() error { return c.DeleteUser(ctx, "bob") }, "DELETE", "/api/v1/users/bob", "", ""},

		{"CreateToken", func() error { _, err := c.CreateToken(ctx, "bob", apiv1.CreateToken{Name: "ci"}); return err },
			"POST", "/api/v1/users/bob/tokens", "", `"name":"ci"`},
		{"ListTokens", func() error { _, err := c.ListTokens(ctx, "bob", client.ListOptions{}); return err },
			"GET", "/api/v1/users/bob/tokens", "", ""},
		{"DeleteToken", func() error { return c.DeleteToken(ctx, "bob", "tok/1") }, "DELETE", "/api/v1/users/bob/tokens/tok%2F1", "", ""},

		{"CreateTeam", func() error { _, err := c.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs"}); return err },
			"POST", "/api/v1/teams", "", `"name":"devs"`},
		{"GetTeam", func() error { _, err := c.GetTeam(ctx, "devs"); return err }, "GET", "/api/v1/teams/devs", "", ""},
		{"ListTeams", func() error { _, err := c.ListTeams(ctx, client.ListOptions{PageSize: 2}); return err },
			"GET", "/api/v1/teams", "page_size=2", ""},
		{"UpdateTeam", func() error {
			_, err := c.UpdateTeam(ctx, "devs", apiv1.UpdateTeam{Description: str("d")})
			return err
		},
			"PATCH", "/api/v1/teams/devs", "", `{"description":"d"}`},
		{"DeleteTeam", func() error { return c.DeleteTeam(ctx, "devs") }, "DELETE", "/api/v1/teams/devs", "", ""},

		{"AddMember", func() error {
			_, err := c.AddMember(ctx, "devs", apiv1.AddMember{Username: "bob", Role: "viewer"})
			return err
		}, "POST", "/api/v1/teams/devs/members", "", `"role":"viewer"`},
		{"GetMember", func() error { _, err := c.GetMember(ctx, "devs", "bob"); return err }, "GET", "/api/v1/teams/devs/members/bob", "", ""},
		{"ListMembers", func() error { _, err := c.ListMembers(ctx, "devs", client.ListOptions{}); return err },
			"GET", "/api/v1/teams/devs/members", "", ""},
		{"UpdateMember", func() error {
			_, err := c.UpdateMember(ctx, "devs", "bob", apiv1.UpdateMember{Role: "owner"})
			return err
		}, "PATCH", "/api/v1/teams/devs/members/bob", "", `{"role":"owner"}`},
		{"RemoveMember", func() error { return c.RemoveMember(ctx, "devs", "bob") }, "DELETE", "/api/v1/teams/devs/members/bob", "", ""},

		{"CreateNamespace", func() error {
			_, err := c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "ns", Team: "devs"})
			return err
		}, "POST", "/api/v1/namespaces", "", `"team":"devs"`},
		{"GetNamespace", func() error { _, err := c.GetNamespace(ctx, "ns"); return err }, "GET", "/api/v1/namespaces/ns", "", ""},
		{"ListNamespaces", func() error { _, err := c.ListNamespaces(ctx, client.ListOptions{Query: "n"}); return err },
			"GET", "/api/v1/namespaces", "q=n", ""},
		{"UpdateNamespace", func() error {
			_, err := c.UpdateNamespace(ctx, "ns", apiv1.UpdateNamespace{Visibility: str("public")})
			return err
		}, "PATCH", "/api/v1/namespaces/ns", "", `{"visibility":"public"}`},
		{"DeleteNamespace", func() error { return c.DeleteNamespace(ctx, "ns") }, "DELETE", "/api/v1/namespaces/ns", "", ""},

		{"CreatePermission", func() error {
			_, err := c.CreatePermission(ctx, "ns", apiv1.CreatePermission{Kind: "user", Name: "bob", Role: "viewer"})
			return err
		}, "POST", "/api/v1/namespaces/ns/permissions", "", `"kind":"user"`},
		{"GetPermission", func() error { _, err := c.GetPermission(ctx, "ns", "robot", "robot$ci"); return err },
			"GET", "/api/v1/namespaces/ns/permissions/robot/robot$ci", "", ""},
		{"ListPermissions", func() error { _, err := c.ListPermissions(ctx, "ns", client.ListOptions{}); return err },
			"GET", "/api/v1/namespaces/ns/permissions", "", ""},
		{"UpdatePermission", func() error {
			_, err := c.UpdatePermission(ctx, "ns", "team", "devs", apiv1.UpdatePermission{Role: "owner"})
			return err
		}, "PATCH", "/api/v1/namespaces/ns/permissions/team/devs", "", `{"role":"owner"}`},
		{"DeletePermission", func() error { return c.DeletePermission(ctx, "ns", "user", "bob") },
			"DELETE", "/api/v1/namespaces/ns/permissions/user/bob", "", ""},

		{"CreateRobot", func() error {
			_, err := c.CreateRobot(ctx, apiv1.CreateRobot{Name: "ci", Access: []apiv1.RobotAccess{{Namespace: "ns", Role: "viewer"}}})
			return err
		}, "POST", "/api/v1/robots", "", `"access":[{"namespace":"ns","role":"viewer"}]`},
		{"GetRobot", func() error { _, err := c.GetRobot(ctx, "robot$ci"); return err }, "GET", "/api/v1/robots/robot$ci", "", ""},
		{"ListRobots", func() error { _, err := c.ListRobots(ctx, client.ListOptions{}); return err }, "GET", "/api/v1/robots", "", ""},
		{"UpdateRobot", func() error {
			_, err := c.UpdateRobot(ctx, "robot$ci", apiv1.UpdateRobot{Access: &[]apiv1.RobotAccess{}})
			return err
		}, "PATCH", "/api/v1/robots/robot$ci", "", `{"access":[]}`},
		{"DeleteRobot", func() error { return c.DeleteRobot(ctx, "robot$ci") }, "DELETE", "/api/v1/robots/robot$ci", "", ""},
		{"RotateRobotSecret", func() error { _, err := c.RotateRobotSecret(ctx, "robot$ci"); return err },
			"POST", "/api/v1/robots/robot$ci/secret", "", ""},

		{"ListRepositories", func() error { _, err := c.ListRepositories(ctx, "team", client.ListOptions{}); return err },
			"GET", "/api/v1/repositories", "namespace=team", ""},
		{"GetRepository", func() error { _, err := c.GetRepository(ctx, "team/sub/app"); return err },
			"GET", "/api/v1/repositories/team/sub/app", "", ""},
		{"GetRepository escapes segments", func() error { _, err := c.GetRepository(ctx, "team/a b?c#d%e"); return err },
			"GET", "/api/v1/repositories/team/a%20b%3Fc%23d%25e", "", ""},
		{"UpdateRepository", func() error {
			_, err := c.UpdateRepository(ctx, "team/app", apiv1.UpdateRepository{Description: str("x")})
			return err
		}, "PATCH", "/api/v1/repositories/team/app", "", `{"description":"x"}`},
		{"DeleteRepository", func() error { return c.DeleteRepository(ctx, "busybox") }, "DELETE", "/api/v1/repositories/busybox", "", ""},
		{"ListTags", func() error { _, err := c.ListTags(ctx, "team/app", client.ListOptions{PageSize: 1}); return err },
			"GET", "/api/v1/repositories/team/app/tags", "page_size=1", ""},
		{"GetTag", func() error { _, err := c.GetTag(ctx, "team/app", "v1.0"); return err },
			"GET", "/api/v1/repositories/team/app/tags/v1.0", "", ""},
		{"DeleteTag", func() error { return c.DeleteTag(ctx, "team/app", "latest") },
			"DELETE", "/api/v1/repositories/team/app/tags/latest", "", ""},

		{"GetSettings", func() error { _, err := c.GetSettings(ctx); return err }, "GET", "/api/v1/settings", "", ""},
		{"UpdateSettings", func() error {
			_, err := c.UpdateSettings(ctx, apiv1.UpdateSettings{TeamCreation: str("admins")})
			return err
		}, "PATCH", "/api/v1/settings", "", `{"team_creation":"admins"}`},
		{"ListAudit", func() error {
			_, err := c.ListAudit(ctx, client.AuditQuery{
				Actor: "bob", Action: "team.create", Object: "team/", PageSize: 5,
				Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Until: time.Date(2026, 1, 3, 0, 0, 0, 0, time.FixedZone("x", 3600)),
			})
			return err
		}, "GET", "/api/v1/audit",
			"action=team.create&actor=bob&object=team%2F&page_size=5&since=2026-01-02T03%3A04%3A05Z&until=2026-01-02T23%3A00%3A00Z", ""},
		{"Me", func() error { _, err := c.Me(ctx); return err }, "GET", "/api/v1/me", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			got := f.last(t)
			if got.Method != tc.method || got.RawPath != tc.rawPath {
				t.Errorf("request = %s %s, want %s %s", got.Method, got.RawPath, tc.method, tc.rawPath)
			}
			if got.Query != tc.query {
				t.Errorf("query = %q, want %q", got.Query, tc.query)
			}
			if tc.body == "" {
				if got.Body != "" && got.Body != "null" {
					t.Errorf("unexpected body %q", got.Body)
				}
			} else {
				if !strings.Contains(got.Body, tc.body) {
					t.Errorf("body = %s, want it to contain %s", got.Body, tc.body)
				}
				if got.ContentType != "application/json" {
					t.Errorf("Content-Type = %q", got.ContentType)
				}
			}
		})
	}
}

func TestBaseURLWithPrefix(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL+"/dock%20master/")
	if _, err := c.GetTeam(context.Background(), "a/b"); err != nil {
		t.Fatal(err)
	}
	if got := f.last(t).RawPath; got != "/dock%20master/api/v1/teams/a%2Fb" {
		t.Errorf("path = %q", got)
	}
}

func TestSegmentEscaping(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	c := newClient(t, f.srv.URL)

	// A name holding '/' stays one segment, so it cannot reach another route.
	if _, err := c.GetUser(ctx, "alice/tokens"); err != nil {
		t.Fatal(err)
	}
	got := f.last(t)
	if got.RawPath != "/api/v1/users/alice%2Ftokens" {
		t.Errorf("escaped path = %q", got.RawPath)
	}

	// Empty names and dot segments never leave the client.
	before := f.count()
	bad := []func() error{
		func() error { _, err := c.GetUser(ctx, ""); return err },
		func() error { _, err := c.GetUser(ctx, ".."); return err },
		func() error { _, err := c.GetTeam(ctx, "."); return err },
		func() error { return c.DeleteToken(ctx, "bob", "") },
		func() error { _, err := c.GetRepository(ctx, "a//b"); return err },
		func() error { _, err := c.GetRepository(ctx, "team/../users"); return err },
		func() error { _, err := c.GetRepository(ctx, "/a"); return err },
		func() error { _, err := c.GetTag(ctx, "team/app", ""); return err },
		func() error { _, err := c.GetPermission(ctx, "ns", "", "bob"); return err },
	}
	for i, call := range bad {
		err := call()
		var e *apiv1.Error
		if !errors.As(err, &e) || e.Code != "invalid_argument" {
			t.Errorf("bad call %d: err = %v, want a client-side invalid_argument", i, err)
		}
	}
	if n := f.count(); n != before {
		t.Errorf("%d bad calls reached the server", n-before)
	}
}

func TestErrorDecoding(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	c := newClient(t, f.srv.URL)

	cases := []struct {
		name      string
		status    int
		body      string
		want      apiv1.Error
		msgPrefix string
		is        func(error) bool
	}{
		{"json not found", 404, `{"code":"not_found","message":"no team devs"}`,
			apiv1.Error{Code: "not_found", Message: "no team devs", Status: 404}, "", client.IsNotFound},
		{"json conflict with field", 409, `{"code":"conflict","message":"exists","field":"name"}`,
			apiv1.Error{Code: "conflict", Message: "exists", Field: "name", Status: 409}, "", client.IsConflict},
		{"json forbidden", 403, `{"code":"forbidden","message":"no"}`,
			apiv1.Error{Code: "forbidden", Message: "no", Status: 403}, "", client.IsForbidden},
		{"json unauthenticated", 401, `{"code":"unauthenticated","message":"sign in"}`,
			apiv1.Error{Code: "unauthenticated", Message: "sign in", Status: 401}, "", client.IsUnauthenticated},
		{"html from a proxy", 502, "<html><body>Bad Gateway</body></html>",
			apiv1.Error{Code: "http_502", Message: "<html><body>Bad Gateway</body></html>", Status: 502}, "", nil},
		{"json without code", 500, `{"error":"boom"}`,
			apiv1.Error{Code: "http_500", Message: `{"error":"boom"}`, Status: 500}, "", nil},
		{"empty body", 503, "",
			apiv1.Error{Code: "http_503", Message: "Service Unavailable", Status: 503}, "", nil},
		{"long body is cut", 500, strings.Repeat("x", 5000),
			apiv1.Error{Code: "http_500", Status: 500}, strings.Repeat("x", 200), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.answer(tc.status, tc.body)
			_, err := c.GetTeam(ctx, "devs")
			var e *apiv1.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *apiv1.Error", err, err)
			}
			if tc.msgPrefix != "" {
				if !strings.HasPrefix(e.Message, tc.msgPrefix) || len(e.Message) > 300 {
					t.Errorf("message = %.50q… (len %d)", e.Message, len(e.Message))
				}
				e.Message = ""
			}
			if *e != tc.want {
				t.Errorf("error = %#v, want %#v", *e, tc.want)
			}
			if client.StatusOf(err) != tc.status {
				t.Errorf("StatusOf = %d", client.StatusOf(err))
			}
			if tc.is != nil && !tc.is(err) {
				t.Error("status helper says no")
			}
		})
	}

	if client.IsNotFound(errors.New("x")) || client.IsNotFound(nil) {
		t.Error("IsNotFound true for a non-API error")
	}
}

func TestResponseDecodingAndLimits(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()

	t.Run("page", func(t *testing.T) {
		f.answer(200, `{"items":[{"name":"a","kind":"team","visibility":"private"},{"name":"b"}],"next_page_token":"tok"}`)
		p, err := newClient(t, f.srv.URL).ListNamespaces(ctx, client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 2 || p.Items[0].Name != "a" || p.Items[0].Visibility != "private" || p.NextPageToken != "tok" {
			t.Errorf("page = %+v", p)
		}
	})

	t.Run("no content", func(t *testing.T) {
		f.answer(http.StatusNoContent, "")
		if err := newClient(t, f.srv.URL).DeleteTeam(ctx, "x"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("bad json", func(t *testing.T) {
		f.answer(200, `{"name":`)
		if _, err := newClient(t, f.srv.URL).GetTeam(ctx, "x"); err == nil {
			t.Fatal("truncated JSON accepted")
		}
	})

	t.Run("size cap", func(t *testing.T) {
		f.answer(200, `{"name":"`+strings.Repeat("a", 2000)+`"}`)
		c := newClient(t, f.srv.URL, client.WithMaxResponseBytes(1000))
		_, err := c.GetTeam(ctx, "x")
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("err = %v, want a size error", err)
		}
		c = newClient(t, f.srv.URL, client.WithMaxResponseBytes(5000))
		if _, err := c.GetTeam(ctx, "x"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("context", func(t *testing.T) {
		f.answer(200, `{}`)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := newClient(t, f.srv.URL).Me(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestCollect(t *testing.T) {
	pages := map[string]string{
		"":   `{"items":[{"name":"a"},{"name":"b"}],"next_page_token":"p2"}`,
		"p2": `{"items":[{"name":"c"}],"next_page_token":"p3"}`,
		"p3": `{"items":[],"next_page_token":""}`,
	}
	var sizes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sizes = append(sizes, r.URL.Query().Get("page_size"))
		_, _ = io.WriteString(w, pages[r.URL.Query().Get("page_token")])
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	ctx := context.Background()

	teams, err := client.Collect(ctx, client.ListOptions{PageSize: 2}, c.ListTeams)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range teams {
		names = append(names, tm.Name)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("names = %v", names)
	}
	if strings.Join(sizes, ",") != "2,2,2" {
		t.Errorf("page sizes sent = %v", sizes)
	}

	// A server that repeats a token must not make Collect loop forever.
	pages["p3"] = `{"items":[{"name":"d"}],"next_page_token":"p2"}`
	if _, err := client.Collect(ctx, client.ListOptions{}, c.ListTeams); err == nil {
		t.Error("Collect looped without error on a repeated token")
	}
}

func TestWireTypesRoundTrip(t *testing.T) {
	// The Secret of a robot shows up only when set: the type must not leak
	// an empty "secret" key that a reader could confuse with one.
	b, err := json.Marshal(apiv1.Robot{Name: "robot$x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret") {
		t.Errorf("empty secret encoded: %s", b)
	}
}

func TestRoutesReadsOpenAPI(t *testing.T) {
	f := newFake(t)
	f.answer(http.StatusOK, `{"paths":{"/api/v1/teams":{"get":{},"post":{}},"/api/v1/teams/{team}":{"patch":{}}}}`)
	c, err := client.New(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := c.Routes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GET /api/v1/teams", "POST /api/v1/teams", "PATCH /api/v1/teams/{team}"} {
		if !routes[want] {
			t.Errorf("routes lack %q: %v", want, routes)
		}
	}
	if len(routes) != 3 {
		t.Errorf("routes = %v, want 3", routes)
	}
	if got := f.reqs[0].Path; got != "/api/v1/openapi.json" {
		t.Errorf("path = %q", got)
	}
}

func TestIsNoRoute(t *testing.T) {
	f := newFake(t)
	c, err := client.New(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	f.answer(http.StatusNotFound, `{"code":"not_found","message":"no such route: GET /api/v1/x"}`)
	_, err = c.GetTeam(context.Background(), "x")
	if !client.IsNoRoute(err) || !client.IsNotFound(err) {
		t.Fatalf("IsNoRoute(%v) = false", err)
	}
	f.answer(http.StatusNotFound, `{"code":"not_found","message":"team \"x\" not found"}`)
	_, err = c.GetTeam(context.Background(), "x")
	if client.IsNoRoute(err) || !client.IsNotFound(err) {
		t.Fatalf("a missing object reads as a missing route: %v", err)
	}
}

func TestNewHTTPClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"kind":"user","name":"a"}`)
	}))
	t.Cleanup(srv.Close)
	get := func(o client.TransportOptions) error {
		hc, err := client.NewHTTPClient(o)
		if err != nil {
			return err
		}
		c, err := client.New(srv.URL, client.WithHTTPClient(hc))
		if err != nil {
			return err
		}
		_, err = c.Me(context.Background())
		return err
	}
	if err := get(client.TransportOptions{Timeout: 5 * time.Second}); err == nil {
		t.Fatal("an unknown CA was trusted")
	}
	caPEM := string(pemOf(srv.Certificate().Raw))
	if err := get(client.TransportOptions{CAPEM: caPEM}); err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	if err := get(client.TransportOptions{Insecure: true}); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	if _, err := client.NewHTTPClient(client.TransportOptions{CAPEM: "not pem"}); err == nil {
		t.Fatal("a CA without certificates was accepted")
	}
}

func TestRegistryToken(t *testing.T) {
	var gotUser, gotPass, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		gotQuery = r.URL.RawQuery
		if r.URL.Path != "/auth/token" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"token":"tok","expires_in":300}`)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tok, ttl, err := c.RegistryToken(context.Background(), "robot$ci", "s3cret", "dockmaster", []string{"repository:a/b:pull"})
	if err != nil || tok != "tok" || ttl != 300*time.Second {
		t.Fatalf("RegistryToken = %q, %v, %v", tok, ttl, err)
	}
	if gotUser != "robot$ci" || gotPass != "s3cret" || !strings.Contains(gotQuery, "scope=repository%3Aa%2Fb%3Apull") {
		t.Fatalf("request: user %q pass %q query %q", gotUser, gotPass, gotQuery)
	}
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
