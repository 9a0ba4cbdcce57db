package sync

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
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// The registry's name grammar (distribution/reference): anything else in a
// listing is refused rather than put into a URL.
var (
	repoNameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$`)
	tagNameRE  = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
)

const (
	maxNameLength = 255
	// maxBody caps one listing page; a page of 1000 long names is < 300 KiB.
	maxBody = 16 << 20
	// maxPages bounds a Link chain whatever the registry sends.
	maxPages = 100_000
	// tokenMargin: a cached token this close to its expiry is replaced.
	tokenMargin = 30 * time.Second
	// tokenFallbackLife: how long to reuse a token whose expiry is unknown.
	tokenFallbackLife = time.Minute
)

// errGone is a positive "not there" (404) from the registry.
var errGone = errors.New("not found in the registry")

// registryClient talks to the registry's HTTP API with tokens from a
// TokenSource when the registry asks for them.
type registryClient struct {
	base    *url.URL
	http    *http.Client
	tokens  TokenSource
	now     func() time.Time
	timeout time.Duration

	// authRequired turns on after the first 401, so later requests carry
	// a token from the start instead of paying a challenge each.
	authRequired atomic.Bool
	mu           gosync.Mutex
	cache        map[string]cachedToken // by sorted, joined scopes
}

type cachedToken struct {
	raw     string
	expires time.Time
}

func newRegistryClient(base string, hc *http.Client, tokens TokenSource, now func() time.Time, timeout time.Duration) (*registryClient, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registry url %q: want http(s)://host[:port]", base)
	}
	return &registryClient{base: u, http: hc, tokens: tokens, now: now, timeout: timeout, cache: map[string]cachedToken{}}, nil
}

// token returns a token for scopes, reusing a cached one until near its
// expiry; fresh forces a new one (the cached one was refused).
func (c *registryClient) token(ctx context.Context, scopes []string, fresh bool) (string, error) {
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
func (c *registryClient) do(ctx context.Context, method, rawURL string, header http.Header, scopes []string) (*http.Response, error) {
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

// statusError describes an unexpected answer.
func statusError(what string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%s: %s: %w", what, resp.Status, errGone)
	}
	return fmt.Errorf("%s: %s: %s", what, resp.Status, strings.TrimSpace(string(body)))
}

// pager follows a chain of Link rel="next" pages, refusing to leave the
// registry's origin, to revisit a page, or to go on forever.
type pager struct {
	c    *registryClient
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
		return "", fmt.Errorf("Link %q leaves the registry", link)
	}
	s := u.String()
	if p.seen[s] {
		return "", fmt.Errorf("Link %q repeats a page", link)
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
func (c *registryClient) pageURL(path string, n int) string {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawQuery = url.Values{"n": {strconv.Itoa(n)}}.Encode()
	return u.String()
}

// list follows the pages of a listing; each page yields its names. A page
// that adds no new name but links on means a looping or broken registry
// (registries order names differently, so only novelty is checked).
func (c *registryClient) list(ctx context.Context, what, path string, n int, scopes []string,
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

// catalog lists every repository.
func (c *registryClient) catalog(ctx context.Context, n int) ([]string, error) {
	return c.list(ctx, "catalog", "/v2/_catalog", n, []string{"registry:catalog:*"}, func(resp *http.Response) ([]string, error) {
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

func pullScope(repo string) string { return "repository:" + repo + ":pull" }

// tags lists every tag of repo (sorted as the registry sorts them). scopes
// is the token's scope set: repo's pull scope among others, so that one
// token serves many repositories.
func (c *registryClient) tags(ctx context.Context, repo string, n int, scopes []string) ([]string, error) {
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

var acceptManifests = strings.Join(events.ManifestMediaTypes, ", ")

// manifest resolves a tag with HEAD: digest, media type and size.
func (c *registryClient) manifest(ctx context.Context, repo, tag string, scopes []string) (store.TagState, error) {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + "/v2/" + repo + "/manifests/" + tag
	h := http.Header{"Accept": {acceptManifests}}
	resp, err := c.do(ctx, http.MethodHead, u.String(), h, scopes)
	if err != nil {
		return store.TagState{}, fmt.Errorf("manifest %s:%s: %w", repo, tag, err)
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return store.TagState{}, statusError("manifest "+repo+":"+tag, resp)
	}
	ts := store.TagState{Name: tag, Digest: resp.Header.Get("Docker-Content-Digest"), Size: resp.ContentLength}
	if ts.Digest == "" || !strings.Contains(ts.Digest, ":") || len(ts.Digest) > 256 {
		return store.TagState{}, fmt.Errorf("manifest %s:%s: no usable Docker-Content-Digest", repo, tag)
	}
	ts.MediaType = resp.Header.Get("Content-Type")
	if i := strings.IndexByte(ts.MediaType, ';'); i >= 0 {
		ts.MediaType = strings.TrimSpace(ts.MediaType[:i])
	}
	if ts.Size < 0 {
		ts.Size = 0
	}
	return ts, nil
}
