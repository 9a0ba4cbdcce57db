// Package registryclient talks to the registry's HTTP API (distribution
// v2/v3, OCI distribution) as Dockmaster itself: listings for the catalog
// sync, manifest lookups and deletes for the REST API. It answers the
// registry's 401 Bearer challenges with tokens from a TokenSource (usually
// token.MinterTokens, the server minting for its own identity) and caches them
// per scope set until near their expiry.
package registryclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "crypto/sha256" // digest.SHA256.Available
	_ "crypto/sha512"
	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/opencontainers/go-digest"
)

// digestRE is the registry's digest grammar (algorithm:encoded). Names and
// tags use rbac's grammar: anything else in a listing or a request is
// refused rather than put into a URL.
var digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)

// validReference: a tag or a digest.
func validReference(ref string) bool {
	return rbac.ValidTag(ref) || (len(ref) <= 256 && digestRE.MatchString(ref))
}

const (
	// DefaultPageSize is n for listings that do not choose one.
	DefaultPageSize = 1000
	// DefaultTimeout bounds each request when Options.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// maxBody caps one listing page; a page of 1000 long names is < 300 KiB.
	maxBody = 16 << 20
	// maxPages bounds a Link chain whatever the registry sends.
	maxPages = 100_000
	// tokenMargin: a cached token this close to its expiry is replaced.
	tokenMargin = 30 * time.Second
	// tokenFallbackLife: how long to reuse a token whose expiry is unknown.
	tokenFallbackLife = time.Minute
	// maxCachedTokens bounds the tokens kept, one per set of scopes.
	maxCachedTokens = 256
)

// Errors the client returns (wrapped); anything else means the registry
// could not be reached or answered unexpectedly (retry later).
var (
	// ErrNotFound is a positive "not there" (404) from the registry.
	ErrNotFound = errors.New("not found in the registry")
	// ErrDeleteDisabled: the registry answered a delete with 405, which it
	// does when storage.delete.enabled is false in its configuration.
	ErrDeleteDisabled = errors.New("the registry does not allow deletes (storage.delete.enabled is false)")
	// ErrDenied: the registry refused the token it asked for (401/403):
	// the token source and the registry's auth config disagree.
	ErrDenied = errors.New("the registry refused Dockmaster's own token")
)

// TokenSource gives registry tokens for the client's identity. A token is
// asked for many scopes at once ("registry:catalog:*",
// "repository:<name>:pull", ...) and is reused until near its expiry.
type TokenSource interface {
	Token(ctx context.Context, scopes []string) (string, error)
}

// Options configure a Client.
type Options struct {
	// Tokens answers the registry's 401 challenges; nil for a registry
	// without auth.
	Tokens TokenSource
	// HTTPClient nil: NewHTTPClient(MaxIdleConnsPerHost 8, Timeout).
	HTTPClient *http.Client
	// Now is the clock for token expiry; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// PageSize is n for the listings of Tags; 0 means DefaultPageSize.
	PageSize int
}

// Client talks to the registry's HTTP API with tokens from a TokenSource
// when the registry asks for them. It is safe for concurrent use.
type Client struct {
	base     *url.URL
	http     *http.Client
	tokens   TokenSource
	now      func() time.Time
	timeout  time.Duration
	pageSize int

	// authRequired turns on after the first 401, so later requests carry
	// a token from the start instead of paying a challenge each.
	authRequired atomic.Bool
	mu           sync.Mutex
	cache        map[string]cachedToken // by sorted, joined scopes
}

type cachedToken struct {
	raw     string
	expires time.Time
}

// NewHTTPClient is a client with sane transport timeouts that does not
// follow redirects: the registry's answers are read as they are, and a
// redirect to elsewhere would carry the token away.
func NewHTTPClient(maxIdlePerHost int, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			MaxIdleConnsPerHost:   maxIdlePerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// New returns a client for the registry at base (http(s)://host[:port]).
func New(base string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registry url %q: want http(s)://host[:port]", base)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient(8, o.Timeout)
	}
	return &Client{base: u, http: o.HTTPClient, tokens: o.Tokens, now: o.Now, timeout: o.Timeout,
		pageSize: o.PageSize, cache: map[string]cachedToken{}}, nil
}

// token returns a token for scopes, reusing a cached one until near its
// expiry; fresh forces a new one (the cached one was refused).
func (c *Client) token(ctx context.Context, scopes []string, fresh bool) (string, error) {
	if c.tokens == nil {
		return "", errors.New("the registry asks for a token and no token source is configured")
	}
	scopes = slices.Clone(scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	key := strings.Join(scopes, " ")
	c.mu.Lock()
	ct, ok := c.cache[key]
	c.mu.Unlock()
	if ok && !fresh && c.now().Add(tokenMargin).Before(ct.expires) {
		return ct.raw, nil
	}
	raw, err := c.tokens.Token(ctx, scopes)
	if err != nil {
		return "", fmt.Errorf("token for %v: %w", scopes, err)
	}
	exp := jwtExpiry(raw)
	if exp.IsZero() {
		exp = c.now().Add(tokenFallbackLife + tokenMargin)
	}
	c.mu.Lock()
	if _, ok := c.cache[key]; !ok && len(c.cache) >= maxCachedTokens {
		// Scope sets vary (the sync asks per batch of repositories): drop
		// the expired ones so the map does not grow for the process's life.
		now := c.now()
		for k, t := range c.cache {
			if !now.Before(t.expires) {
				delete(c.cache, k)
			}
		}
		if len(c.cache) >= maxCachedTokens {
			clear(c.cache)
		}
	}
	c.cache[key] = cachedToken{raw: raw, expires: exp}
	c.mu.Unlock()
	return raw, nil
}

// jwtExpiry reads exp from a JWT without verifying it (it is our own token,
// only used to know when to replace it); zero when there is none.
func jwtExpiry(raw string) time.Time {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(claims.Exp, 0)
}

// challengeScope returns the scope of a Bearer challenge, if any.
func challengeScope(h string) []string {
	if !strings.HasPrefix(strings.ToLower(h), "bearer ") {
		return nil
	}
	for _, part := range splitParams(h[len("bearer "):]) {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "scope") {
			return strings.Fields(strings.Trim(strings.TrimSpace(v), `"`))
		}
	}
	return nil
}

// splitParams splits auth-params on commas outside quotes.
func splitParams(s string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, b.String())
			b.Reset()
			continue
		}
		b.WriteRune(r)
	}
	return append(out, b.String())
}

// do sends one request (with a per-request timeout), answering one 401
// challenge with a token for scopes plus the challenge's scope. The caller
// closes the body; cancel runs when it does.
func (c *Client) do(ctx context.Context, method, rawURL string, header http.Header, scopes []string) (*http.Response, error) {
	send := func(bearer string) (*http.Response, error) {
		rctx, cancel := context.WithTimeout(ctx, c.timeout)
		req, err := http.NewRequestWithContext(rctx, method, rawURL, nil)
		if err != nil {
			cancel()
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			cancel()
			return nil, err
		}
		resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		return resp, nil
	}
	var bearer string
	if c.authRequired.Load() {
		var err error
		if bearer, err = c.token(ctx, scopes, false); err != nil {
			return nil, err
		}
	}
	resp, err := send(bearer)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	challenge := resp.Header.Get("WWW-Authenticate")
	drain(resp)
	c.authRequired.Store(true)
	want := append(slices.Clone(scopes), challengeScope(challenge)...)
	if bearer, err = c.token(ctx, want, bearer != ""); err != nil {
		return nil, err
	}
	return send(bearer)
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// statusError describes an unexpected answer: 404 wraps ErrNotFound, 405
// ErrDeleteDisabled (the only method the client sends that a registry may
// refuse with 405 is DELETE), 401 and 403 ErrDenied.
func statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch resp.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%s: %s: %w", what, resp.Status, ErrNotFound)
	case http.StatusMethodNotAllowed:
		return fmt.Errorf("%s: %s: %w", what, resp.Status, ErrDeleteDisabled)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s: %s: %w: %s", what, resp.Status, ErrDenied, strings.TrimSpace(string(body)))
	}
	return fmt.Errorf("%s: %s: %s", what, resp.Status, strings.TrimSpace(string(body)))
}

// pager follows a chain of Link rel="next" pages, refusing to leave the
// registry's origin, to revisit a page, or to go on forever.
type pager struct {
	c    *Client
	seen map[string]bool
}

// next resolves the Link header of resp against its request URL; "" when
// there is no next page.
func (p *pager) next(resp *http.Response) (string, error) {
	link := nextLink(resp.Header.Values("Link"))
	if link == "" {
		return "", nil
	}
	u, err := resp.Request.URL.Parse(link)
	if err != nil {
		return "", fmt.Errorf("bad Link %q: %w", link, err)
	}
	if u.Scheme != p.c.base.Scheme || u.Host != p.c.base.Host {
		return "", fmt.Errorf("link %q leaves the registry", link)
	}
	s := u.String()
	if p.seen[s] {
		return "", fmt.Errorf("link %q repeats a page", link)
	}
	if len(p.seen) >= maxPages {
		return "", fmt.Errorf("more than %d pages", maxPages)
	}
	p.seen[s] = true
	return s, nil
}

// nextLink extracts the rel="next" target of Link header values.
func nextLink(values []string) string {
	for _, v := range values {
		for _, part := range splitParams(v) {
			part = strings.TrimSpace(part)
			end := strings.Index(part, ">")
			if !strings.HasPrefix(part, "<") || end < 0 {
				continue
			}
			for _, param := range strings.Split(part[end+1:], ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(k, "rel") && slices.Contains(strings.Fields(strings.ToLower(strings.Trim(val, `"`))), "next") {
					return part[1:end]
				}
			}
		}
	}
	return ""
}

// getJSON reads one listing page into v; a body that does not decode in full
// (cut short, too long) is an error.
func getJSON(resp *http.Response, v any) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("reading page: %w", err)
	}
	if len(body) > maxBody {
		return fmt.Errorf("page larger than %d bytes", maxBody)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return fmt.Errorf("page truncated: %d of %d bytes", len(body), resp.ContentLength)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding page: %w", err)
	}
	return nil
}

// pageURL is base + path with n set.
func (c *Client) pageURL(path string, n int) string {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawQuery = url.Values{"n": {strconv.Itoa(n)}}.Encode()
	return u.String()
}

// list follows the pages of a listing; each page yields its names. A page
// that adds no new name but links on means a looping or broken registry
// (registries order names differently, so only novelty is checked).
func (c *Client) list(ctx context.Context, what, path string, n int, scopes []string,
	names func(body *http.Response) ([]string, error)) ([]string, error) {
	p := &pager{c: c, seen: map[string]bool{}}
	next := c.pageURL(path, n)
	p.seen[next] = true
	all := []string{}
	seen := map[string]bool{}
	for next != "" {
		resp, err := c.do(ctx, http.MethodGet, next, nil, scopes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if resp.StatusCode != http.StatusOK {
			err := statusError(what, resp)
			drain(resp)
			return nil, err
		}
		page, err := names(resp)
		if err == nil {
			next, err = p.next(resp)
		}
		drain(resp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		added := 0
		for _, name := range page {
			if !seen[name] {
				seen[name] = true
				all = append(all, name)
				added++
			}
		}
		if added == 0 && next != "" {
			return nil, fmt.Errorf("%s: a page with nothing new links to another (%d names so far)", what, len(all))
		}
	}
	return all, nil
}

// Catalog lists every repository, n per page.
func (c *Client) Catalog(ctx context.Context, n int) ([]string, error) {
	return c.list(ctx, "catalog", "/v2/_catalog", n, []string{CatalogScope}, func(resp *http.Response) ([]string, error) {
		var page struct {
			Repositories *[]string `json:"repositories"`
		}
		if err := getJSON(resp, &page); err != nil {
			return nil, err
		}
		if page.Repositories == nil {
			return nil, errors.New("page without repositories")
		}
		return *page.Repositories, nil
	})
}

// CatalogScope is the scope of the catalog listing.
const CatalogScope = "registry:catalog:*"

// PullScope is the scope that lists and reads repo.
func PullScope(repo string) string { return "repository:" + repo + ":pull" }

// DeleteScope is the scope that reads and deletes repo's manifests.
func DeleteScope(repo string) string { return "repository:" + repo + ":pull,delete" }

// ListTags lists every tag of repo (sorted as the registry sorts them), n
// per page. scopes is the token's scope set: repo's pull scope among
// others, so that one token serves many repositories.
func (c *Client) ListTags(ctx context.Context, repo string, n int, scopes []string) ([]string, error) {
	if !rbac.ValidRepositoryName(repo) {
		return nil, fmt.Errorf("repository %q: not a valid repository name", truncate(repo, 80))
	}
	return c.list(ctx, "tags of "+repo, "/v2/"+repo+"/tags/list", n, scopes, func(resp *http.Response) ([]string, error) {
		var page struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if err := getJSON(resp, &page); err != nil {
			return nil, err
		}
		if page.Name != "" && page.Name != repo {
			return nil, fmt.Errorf("listing names repository %q", page.Name)
		}
		return page.Tags, nil
	})
}

var acceptManifests = strings.Join(mediatype.Manifests, ", ")

// Descriptor is what HEAD on a manifest tells.
type Descriptor struct {
	Digest    string
	MediaType string
	Size      int64
}

// refName names a reference of repo as a client would: repo:tag or
// repo@digest.
func refName(repo, ref string) string {
	if strings.Contains(ref, ":") {
		return repo + "@" + ref
	}
	return repo + ":" + ref
}

func (c *Client) manifestURL(repo, ref string) string {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + "/v2/" + repo + "/manifests/" + ref
	return u.String()
}

// HeadManifest resolves a tag (or digest) of repo with HEAD: digest, media
// type and size.
func (c *Client) HeadManifest(ctx context.Context, repo, ref string, scopes []string) (Descriptor, error) {
	what := "manifest " + refName(repo, ref)
	if !rbac.ValidRepositoryName(repo) || !validReference(ref) {
		return Descriptor{}, fmt.Errorf("%s: not a valid reference", truncate(what, 200))
	}
	h := http.Header{"Accept": {acceptManifests}}
	resp, err := c.do(ctx, http.MethodHead, c.manifestURL(repo, ref), h, scopes)
	if err != nil {
		return Descriptor{}, fmt.Errorf("%s: %w", what, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return Descriptor{}, statusError(what, resp)
	}
	d := Descriptor{Digest: resp.Header.Get("Docker-Content-Digest"), Size: resp.ContentLength}
	if d.Digest == "" || !strings.Contains(d.Digest, ":") || len(d.Digest) > 256 {
		return Descriptor{}, fmt.Errorf("%s: no usable Docker-Content-Digest", what)
	}
	d.MediaType = resp.Header.Get("Content-Type")
	if i := strings.IndexByte(d.MediaType, ';'); i >= 0 {
		d.MediaType = strings.TrimSpace(d.MediaType[:i])
	}
	if d.Size < 0 {
		d.Size = 0
	}
	return d, nil
}

// Delete sends DELETE /v2/<repo>/manifests/<ref>. With a digest the
// registry deletes the manifest and every tag pointing at it; with a tag,
// distribution v3 deletes only that tag and keeps the manifest (untagged,
// until garbage collection). 404 wraps ErrNotFound, 405 ErrDeleteDisabled.
func (c *Client) Delete(ctx context.Context, repo, ref string, scopes []string) error {
	what := "delete " + refName(repo, ref)
	if !rbac.ValidRepositoryName(repo) || !validReference(ref) {
		return fmt.Errorf("%s: not a valid reference", truncate(what, 200))
	}
	resp, err := c.do(ctx, http.MethodDelete, c.manifestURL(repo, ref), nil, scopes)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	}
	return statusError(what, resp)
}

// The repository-level operations the REST API uses: one token per
// repository with pull and delete, pages of the configured size.

// Tags lists every tag of repo; a repository the registry does not know
// wraps ErrNotFound.
func (c *Client) Tags(ctx context.Context, repo string) ([]string, error) {
	return c.ListTags(ctx, repo, c.pageSize, []string{DeleteScope(repo)})
}

// ManifestDigest resolves tag (or a digest) of repo to its digest.
func (c *Client) ManifestDigest(ctx context.Context, repo, tag string) (string, error) {
	d, err := c.HeadManifest(ctx, repo, tag, []string{DeleteScope(repo)})
	return d.Digest, err
}

// DeleteManifest deletes reference (a tag or a digest) of repo; see Delete.
func (c *Client) DeleteManifest(ctx context.Context, repo, reference string) error {
	return c.Delete(ctx, repo, reference, []string{DeleteScope(repo)})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// ErrTooLarge: a manifest or blob is larger than the caller's cap.
var ErrTooLarge = errors.New("larger than allowed")

// ErrContent: the registry answered with content that does not match the
// digest asked for.
var ErrContent = errors.New("content does not match its digest")

// readCapped reads resp's body, at most max bytes (ErrTooLarge beyond),
// and checks it against digest (a registry answering other content is an
// error, never recorded).
func readCapped(resp *http.Response, dgst string, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%d bytes: %w (%d)", resp.ContentLength, ErrTooLarge, max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	d, err := digest.Parse(dgst)
	if err != nil {
		return nil, fmt.Errorf("digest %q: %w", truncate(dgst, 80), err)
	}
	if d.Algorithm().Available() && d.Algorithm().FromBytes(body) != d {
		return nil, fmt.Errorf("%s: %w", d, ErrContent)
	}
	return body, nil
}

// Manifest reads the manifest dgst of repo (at most max bytes) with
// repo's pull scope: its body and media type.
func (c *Client) Manifest(ctx context.Context, repo, dgst string, max int64) ([]byte, string, error) {
	what := "manifest " + refName(repo, dgst)
	if !rbac.ValidRepositoryName(repo) || !digestRE.MatchString(dgst) || len(dgst) > 256 {
		return nil, "", fmt.Errorf("%s: not a valid reference", truncate(what, 200))
	}
	h := http.Header{"Accept": {acceptManifests}}
	resp, err := c.do(ctx, http.MethodGet, c.manifestURL(repo, dgst), h, []string{PullScope(repo)})
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, "", statusError(what, resp)
	}
	body, err := readCapped(resp, dgst, max)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	return body, mediatype.Base(resp.Header.Get("Content-Type")), nil
}

// Blob reads the blob dgst of repo (at most max bytes). A redirect (object
// storage) is followed once, without the registry's token.
func (c *Client) Blob(ctx context.Context, repo, dgst string, max int64) ([]byte, error) {
	what := "blob " + repo + "@" + dgst
	if !rbac.ValidRepositoryName(repo) || !digestRE.MatchString(dgst) || len(dgst) > 256 {
		return nil, fmt.Errorf("%s: not a valid reference", truncate(what, 200))
	}
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + "/v2/" + repo + "/blobs/" + dgst
	resp, err := c.do(ctx, http.MethodGet, u.String(), nil, []string{PullScope(repo)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusTemporaryRedirect, http.StatusFound, http.StatusSeeOther, http.StatusMovedPermanently, http.StatusPermanentRedirect:
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil || (loc.Scheme != "http" && loc.Scheme != "https") {
			return nil, fmt.Errorf("%s: bad redirect", what)
		}
		rctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, loc.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		redirected, err := c.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		defer drain(redirected)
		if redirected.StatusCode != http.StatusOK {
			return nil, statusError(what, redirected)
		}
		resp = redirected
	default:
		return nil, statusError(what, resp)
	}
	body, err := readCapped(resp, dgst, max)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return body, nil
}
