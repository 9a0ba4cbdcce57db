package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// DefaultMaxResponseBytes caps how much of a response body the client reads.
const DefaultMaxResponseBytes int64 = 10 << 20

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "dockmaster-client"

// errExcerpt caps how much of a non-JSON error body ends up in Error.Message.
const errExcerpt = 200

// Client talks to one Dockmaster server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	http      *http.Client
	userAgent string
	maxBytes  int64

	// auth sets credentials on a request; nil means anonymous.
	auth func(*http.Request)
}

// Option configures a Client.
type Option func(*Client) error

// WithToken authenticates every request with an application token or robot
// secret as a Bearer token.
func WithToken(secret string) Option {
	return func(c *Client) error {
		if secret == "" {
			return errors.New("client: empty token")
		}
		c.auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+secret) }
		return nil
	}
}

// WithBasic authenticates every request with HTTP Basic credentials (a
// password, or an application token as the password).
func WithBasic(user, pass string) Option {
	return func(c *Client) error {
		if user == "" {
			return errors.New("client: empty username")
		}
		c.auth = func(r *http.Request) { r.SetBasicAuth(user, pass) }
		return nil
	}
}

// WithHTTPClient replaces http.DefaultClient (TLS settings, timeouts, proxies).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("client: nil http.Client")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

// WithMaxResponseBytes changes the cap on response bodies.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return errors.New("client: max response bytes must be positive")
		}
		c.maxBytes = n
		return nil
	}
}

// New returns a client of the server at baseURL (e.g. "https://dm.example.com"
// or one with a path prefix, "https://example.com/dockmaster").
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("client: base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("client: base URL %q: scheme must be http or https", baseURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q has no host", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: base URL %q must not hold credentials, a query or a fragment", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, http: http.DefaultClient, userAgent: DefaultUserAgent, maxBytes: DefaultMaxResponseBytes}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// BaseURL returns the server's base URL as the client uses it.
func (c *Client) BaseURL() string { return c.base.String() }

// IsNotFound reports whether err is an API error with status 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is an API error with status 409.
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsForbidden reports whether err is an API error with status 403.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsInvalid reports a 400: the request named something malformed.
func IsInvalid(err error) bool { return hasStatus(err, http.StatusBadRequest) }

// IsUnauthenticated reports whether err is an API error with status 401.
func IsUnauthenticated(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// StatusOf returns the HTTP status of an API error, or 0 for other errors.
func StatusOf(err error) int {
	var e *apiv1.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func hasStatus(err error, status int) bool { return StatusOf(err) == status }

// ListOptions pages and filters a list.
type ListOptions struct {
	PageSize  int    // 0: the server's default
	PageToken string // NextPageToken of the previous page
	Query     string // case-insensitive substring of names
}

func (o ListOptions) values() url.Values {
	v := url.Values{}
	if o.PageSize != 0 {
		v.Set("page_size", strconv.Itoa(o.PageSize))
	}
	if o.PageToken != "" {
		v.Set("page_token", o.PageToken)
	}
	if o.Query != "" {
		v.Set("q", o.Query)
	}
	return v
}

// AuditQuery filters the audit log (newest first).
type AuditQuery struct {
	Actor     string
	Action    string
	Object    string // prefix
	Since     time.Time
	Until     time.Time
	PageSize  int
	PageToken string
}

func (q AuditQuery) values() url.Values {
	v := ListOptions{PageSize: q.PageSize, PageToken: q.PageToken}.values()
	for k, s := range map[string]string{"actor": q.Actor, "action": q.Action, "object": q.Object} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.UTC().Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.UTC().Format(time.RFC3339Nano))
	}
	return v
}

// Collect follows NextPageToken until the last page and returns every item.
// list is one of the client's List methods, bound to its other arguments:
//
//	members, err := client.Collect(ctx, opt, func(ctx context.Context, o client.ListOptions) (apiv1.Page[apiv1.Member], error) {
//		return c.ListMembers(ctx, "devs", o)
//	})
func Collect[T any](ctx context.Context, opt ListOptions, list func(context.Context, ListOptions) (apiv1.Page[T], error)) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for {
		p, err := list(ctx, opt)
		if err != nil {
			return all, err
		}
		all = append(all, p.Items...)
		if p.NextPageToken == "" {
			return all, nil
		}
		// A server that hands out the same token twice would loop forever.
		if seen[p.NextPageToken] {
			return all, fmt.Errorf("client: server repeated page token %q", p.NextPageToken)
		}
		seen[p.NextPageToken] = true
		opt.PageToken = p.NextPageToken
	}
}

// ---- users ----

func (c *Client) CreateUser(ctx context.Context, in apiv1.CreateUser) (apiv1.User, error) {
	var out apiv1.User
	return out, c.do(ctx, http.MethodPost, "/users", nil, in, &out)
}

func (c *Client) GetUser(ctx context.Context, username string) (apiv1.User, error) {
	var out apiv1.User
	p, err := path("users", username)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListUsers(ctx context.Context, opt ListOptions) (apiv1.Page[apiv1.User], error) {
	var out apiv1.Page[apiv1.User]
	return out, c.do(ctx, http.MethodGet, "/users", opt.values(), nil, &out)
}

func (c *Client) UpdateUser(ctx context.Context, username string, in apiv1.UpdateUser) (apiv1.User, error) {
	var out apiv1.User
	p, err := path("users", username)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeleteUser(ctx context.Context, username string) error {
	p, err := path("users", username)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- application tokens ----

// apiv1.CreateToken makes an application token for username; the answer holds the
// secret, which the server never shows again.
func (c *Client) CreateToken(ctx context.Context, username string, in apiv1.CreateToken) (apiv1.Token, error) {
	var out apiv1.Token
	p, err := path("users", username, "tokens")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPost, p, nil, in, &out)
}

func (c *Client) ListTokens(ctx context.Context, username string, opt ListOptions) (apiv1.Page[apiv1.Token], error) {
	var out apiv1.Page[apiv1.Token]
	p, err := path("users", username, "tokens")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, opt.values(), nil, &out)
}

// GetToken reads an application token (never its secret).
func (c *Client) GetToken(ctx context.Context, username, id string) (apiv1.Token, error) {
	var out apiv1.Token
	p, err := path("users", username, "tokens", id)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) DeleteToken(ctx context.Context, username, id string) error {
	p, err := path("users", username, "tokens", id)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ListSessions lists a user's sessions (refresh tokens).
func (c *Client) ListSessions(ctx context.Context, username string) (apiv1.Page[apiv1.Session], error) {
	var out apiv1.Page[apiv1.Session]
	p, err := path("users", username, "sessions")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

// DeleteSession ends one session of a user.
func (c *Client) DeleteSession(ctx context.Context, username, id string) error {
	p, err := path("users", username, "sessions", id)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// DeleteSessions ends every session of a user.
func (c *Client) DeleteSessions(ctx context.Context, username string) error {
	p, err := path("users", username, "sessions")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- teams ----

func (c *Client) CreateTeam(ctx context.Context, in apiv1.CreateTeam) (apiv1.Team, error) {
	var out apiv1.Team
	return out, c.do(ctx, http.MethodPost, "/teams", nil, in, &out)
}

func (c *Client) GetTeam(ctx context.Context, name string) (apiv1.Team, error) {
	var out apiv1.Team
	p, err := path("teams", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListTeams(ctx context.Context, opt ListOptions) (apiv1.Page[apiv1.Team], error) {
	var out apiv1.Page[apiv1.Team]
	return out, c.do(ctx, http.MethodGet, "/teams", opt.values(), nil, &out)
}

func (c *Client) UpdateTeam(ctx context.Context, name string, in apiv1.UpdateTeam) (apiv1.Team, error) {
	var out apiv1.Team
	p, err := path("teams", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeleteTeam(ctx context.Context, name string) error {
	p, err := path("teams", name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- team members ----

func (c *Client) AddMember(ctx context.Context, team string, in apiv1.AddMember) (apiv1.Member, error) {
	var out apiv1.Member
	p, err := path("teams", team, "members")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPost, p, nil, in, &out)
}

func (c *Client) GetMember(ctx context.Context, team, username string) (apiv1.Member, error) {
	var out apiv1.Member
	p, err := path("teams", team, "members", username)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListMembers(ctx context.Context, team string, opt ListOptions) (apiv1.Page[apiv1.Member], error) {
	var out apiv1.Page[apiv1.Member]
	p, err := path("teams", team, "members")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, opt.values(), nil, &out)
}

func (c *Client) UpdateMember(ctx context.Context, team, username string, in apiv1.UpdateMember) (apiv1.Member, error) {
	var out apiv1.Member
	p, err := path("teams", team, "members", username)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) RemoveMember(ctx context.Context, team, username string) error {
	p, err := path("teams", team, "members", username)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- namespaces ----

func (c *Client) CreateNamespace(ctx context.Context, in apiv1.CreateNamespace) (apiv1.Namespace, error) {
	var out apiv1.Namespace
	return out, c.do(ctx, http.MethodPost, "/namespaces", nil, in, &out)
}

func (c *Client) GetNamespace(ctx context.Context, name string) (apiv1.Namespace, error) {
	var out apiv1.Namespace
	p, err := path("namespaces", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListNamespaces(ctx context.Context, opt ListOptions) (apiv1.Page[apiv1.Namespace], error) {
	var out apiv1.Page[apiv1.Namespace]
	return out, c.do(ctx, http.MethodGet, "/namespaces", opt.values(), nil, &out)
}

func (c *Client) UpdateNamespace(ctx context.Context, name string, in apiv1.UpdateNamespace) (apiv1.Namespace, error) {
	var out apiv1.Namespace
	p, err := path("namespaces", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeleteNamespace(ctx context.Context, name string) error {
	p, err := path("namespaces", name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- permissions ----

func (c *Client) CreatePermission(ctx context.Context, namespace string, in apiv1.CreatePermission) (apiv1.Permission, error) {
	var out apiv1.Permission
	p, err := path("namespaces", namespace, "permissions")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPost, p, nil, in, &out)
}

// GetPermission reads the grant to kind (user, team or robot) name on namespace.
func (c *Client) GetPermission(ctx context.Context, namespace, kind, name string) (apiv1.Permission, error) {
	var out apiv1.Permission
	p, err := path("namespaces", namespace, "permissions", kind, name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListPermissions(ctx context.Context, namespace string, opt ListOptions) (apiv1.Page[apiv1.Permission], error) {
	var out apiv1.Page[apiv1.Permission]
	p, err := path("namespaces", namespace, "permissions")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, opt.values(), nil, &out)
}

func (c *Client) UpdatePermission(ctx context.Context, namespace, kind, name string, in apiv1.UpdatePermission) (apiv1.Permission, error) {
	var out apiv1.Permission
	p, err := path("namespaces", namespace, "permissions", kind, name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeletePermission(ctx context.Context, namespace, kind, name string) error {
	p, err := path("namespaces", namespace, "permissions", kind, name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- robots ----

// apiv1.CreateRobot makes a robot account; the answer holds its secret, once.
func (c *Client) CreateRobot(ctx context.Context, in apiv1.CreateRobot) (apiv1.Robot, error) {
	var out apiv1.Robot
	return out, c.do(ctx, http.MethodPost, "/robots", nil, in, &out)
}

// GetRobot reads a robot by name, with or without the robot$ prefix.
func (c *Client) GetRobot(ctx context.Context, name string) (apiv1.Robot, error) {
	var out apiv1.Robot
	p, err := path("robots", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) ListRobots(ctx context.Context, opt ListOptions) (apiv1.Page[apiv1.Robot], error) {
	var out apiv1.Page[apiv1.Robot]
	return out, c.do(ctx, http.MethodGet, "/robots", opt.values(), nil, &out)
}

func (c *Client) UpdateRobot(ctx context.Context, name string, in apiv1.UpdateRobot) (apiv1.Robot, error) {
	var out apiv1.Robot
	p, err := path("robots", name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeleteRobot(ctx context.Context, name string) error {
	p, err := path("robots", name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// RotateRobotSecret replaces a robot's secret; the answer holds the new one.
func (c *Client) RotateRobotSecret(ctx context.Context, name string) (apiv1.Robot, error) {
	var out apiv1.Robot
	p, err := path("robots", name, "secret")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPost, p, nil, nil, &out)
}

// ---- repositories and tags ----

// ListRepositories lists the repositories the caller may pull; namespace,
// when set, restricts the list to one namespace.
func (c *Client) ListRepositories(ctx context.Context, namespace string, opt ListOptions) (apiv1.Page[apiv1.Repository], error) {
	var out apiv1.Page[apiv1.Repository]
	v := opt.values()
	if namespace != "" {
		v.Set("namespace", namespace)
	}
	return out, c.do(ctx, http.MethodGet, "/repositories", v, nil, &out)
}

// GetRepository reads a repository by its full name ("team/app").
func (c *Client) GetRepository(ctx context.Context, name string) (apiv1.Repository, error) {
	var out apiv1.Repository
	p, err := repoPath(name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) UpdateRepository(ctx context.Context, name string, in apiv1.UpdateRepository) (apiv1.Repository, error) {
	var out apiv1.Repository
	p, err := repoPath(name)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodPatch, p, nil, in, &out)
}

func (c *Client) DeleteRepository(ctx context.Context, name string) error {
	p, err := repoPath(name)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ListTags lists the tags of a repository.
func (c *Client) ListTags(ctx context.Context, repo string, opt ListOptions) (apiv1.Page[apiv1.Tag], error) {
	var out apiv1.Page[apiv1.Tag]
	p, err := repoPath(repo, "tags")
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, opt.values(), nil, &out)
}

func (c *Client) GetTag(ctx context.Context, repo, tag string) (apiv1.Tag, error) {
	var out apiv1.Tag
	p, err := repoPath(repo, "tags", tag)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

func (c *Client) DeleteTag(ctx context.Context, repo, tag string) error {
	p, err := repoPath(repo, "tags", tag)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// RepositoryQuery filters ListRepositoriesWhere.
type RepositoryQuery struct {
	Namespace string
	// Kind keeps repositories holding a manifest of this kind
	// (apiv1.Kinds).
	Kind string
}

// ListRepositoriesWhere is ListRepositories with every filter.
func (c *Client) ListRepositoriesWhere(ctx context.Context, q RepositoryQuery, opt ListOptions) (apiv1.Page[apiv1.Repository], error) {
	var out apiv1.Page[apiv1.Repository]
	v := opt.values()
	if q.Namespace != "" {
		v.Set("namespace", q.Namespace)
	}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	return out, c.do(ctx, http.MethodGet, "/repositories", v, nil, &out)
}

// ManifestQuery filters ListManifests.
type ManifestQuery struct {
	// Untagged keeps manifests no tag points at.
	Untagged bool
	Kind     string
}

// ListManifests pages a repository's manifests by digest (accessories are
// listed under their subject, by GetManifest).
func (c *Client) ListManifests(ctx context.Context, repo string, q ManifestQuery, opt ListOptions) (apiv1.Page[apiv1.Manifest], error) {
	var out apiv1.Page[apiv1.Manifest]
	p, err := repoPath(repo, "manifests")
	if err != nil {
		return out, err
	}
	v := opt.values()
	if q.Untagged {
		v.Set("tagged", "false")
	}
	if q.Kind != "" {
		v.Set("kind", q.Kind)
	}
	return out, c.do(ctx, http.MethodGet, p, v, nil, &out)
}

// GetManifest reads a manifest by digest, with its tags and accessories.
func (c *Client) GetManifest(ctx context.Context, repo, digest string) (apiv1.Manifest, error) {
	var out apiv1.Manifest
	p, err := repoPath(repo, "manifests", digest)
	if err != nil {
		return out, err
	}
	return out, c.do(ctx, http.MethodGet, p, nil, nil, &out)
}

// DeleteManifest deletes a manifest by digest with its accessories.
func (c *Client) DeleteManifest(ctx context.Context, repo, digest string) error {
	p, err := repoPath(repo, "manifests", digest)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil, nil)
}

// ---- settings, audit, me ----

func (c *Client) GetSettings(ctx context.Context) (apiv1.Settings, error) {
	var out apiv1.Settings
	return out, c.do(ctx, http.MethodGet, "/settings", nil, nil, &out)
}

func (c *Client) UpdateSettings(ctx context.Context, in apiv1.UpdateSettings) (apiv1.Settings, error) {
	var out apiv1.Settings
	return out, c.do(ctx, http.MethodPatch, "/settings", nil, in, &out)
}

// ListAudit reads the audit log, newest first (admins only).
func (c *Client) ListAudit(ctx context.Context, q AuditQuery) (apiv1.Page[apiv1.AuditEvent], error) {
	var out apiv1.Page[apiv1.AuditEvent]
	return out, c.do(ctx, http.MethodGet, "/audit", q.values(), nil, &out)
}

// apiv1.Me tells who the credentials belong to and what they may do.
func (c *Client) Me(ctx context.Context) (apiv1.Me, error) {
	var out apiv1.Me
	return out, c.do(ctx, http.MethodGet, "/me", nil, nil, &out)
}

// ---- plumbing ----

// path joins a route's fixed words and caller-given names into an API path,
// escaping each name as one segment.
func path(parts ...string) (string, error) {
	var b strings.Builder
	for _, p := range parts {
		if err := checkSegment(p); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String(), nil
}

// repoPath builds /repositories/<name>[/<suffix>...]: a repository name keeps
// its '/' separators, each segment escaped on its own.
func repoPath(name string, suffix ...string) (string, error) {
	segs := append([]string{"repositories"}, strings.Split(name, "/")...)
	return path(append(segs, suffix...)...)
}

// checkSegment refuses names that would change which route a request reaches:
// empty ones (".../users/" is another route) and dot segments, which servers
// and proxies resolve before routing.
func checkSegment(s string) error {
	switch s {
	case "":
		return &apiv1.Error{Code: apiv1.CodeInvalidArgument, Message: "empty name in request path"}
	case ".", "..":
		return &apiv1.Error{Code: apiv1.CodeInvalidArgument, Message: fmt.Sprintf("%q is not a valid name", s)}
	}
	return nil
}

// do sends one request to /api/v1+p and decodes a 2xx JSON answer into out
// (when out is not nil), or a non-2xx one into an *Error.
func (c *Client) do(ctx context.Context, method, p string, query url.Values, in, out any) error {
	u := *c.base
	u.Path = c.base.Path + "/api/v1" + unescapeForPath(p)
	u.RawPath = c.base.EscapedPath() + "/api/v1" + p
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}

	var body io.Reader
	if in != nil {
		buf, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encode %s %s: %w", method, p, err)
		}
		body = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, p, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.auth != nil {
		c.auth(req)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("client: %s %s: %w", method, p, err)
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return fmt.Errorf("client: %s %s: read response: %w", method, p, err)
	}
	if int64(len(data)) > c.maxBytes {
		return fmt.Errorf("client: %s %s: response larger than %d bytes", method, p, c.maxBytes)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: decode response: %w", method, p, err)
	}
	return nil
}

// unescapeForPath turns the escaped path back into URL.Path form; URL.String
// then uses RawPath because it is a valid encoding of Path.
func unescapeForPath(p string) string {
	s, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return s
}

// decodeError builds the *apiv1.Error of a non-2xx answer: the server's JSON error
// when there is one, else a code from the status and an excerpt of the body.
func decodeError(status int, data []byte) error {
	var e apiv1.Error
	if err := json.Unmarshal(data, &e); err == nil && e.Code != "" {
		e.Status = status
		return &e
	}
	msg := strings.TrimSpace(strings.ToValidUTF8(string(data), "\uFFFD"))
	if len(msg) > errExcerpt {
		msg = strings.ToValidUTF8(msg[:errExcerpt], "") + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &apiv1.Error{Code: "http_" + strconv.Itoa(status), Message: msg, Status: status}
}

func errMessage(err error) string {
	var e *apiv1.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
