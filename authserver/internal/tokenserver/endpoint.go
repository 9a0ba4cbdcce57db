// Package tokenserver is the token service's HTTP side: GET and POST
// /auth/token (Docker Registry v2 token auth and its OAuth2 form), refresh
// tokens, login throttling, the audit of every issue and refusal, and
// /.well-known/jwks.json. Keys and minting live in token; credentials are
// checked by authn.
package tokenserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

// GrantStore is what the token endpoint reads from the database, plus the
// audit trail it writes. *sqlite.Store and *postgres.Store satisfy it.
type GrantStore interface {
	GetSettings(ctx context.Context) (store.Settings, error)
	GetNamespace(ctx context.Context, name string) (store.Namespace, error)
	// NamespaceAccess is the namespace (ErrNotFound when missing) and a
	// user's or robot's roles on it, in one read.
	NamespaceAccess(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (store.Namespace, []rbac.Role, error)
	// GetUser and GetRobot check that the subject of a refresh token is
	// still alive and its credential unchanged.
	GetUser(ctx context.Context, username string) (store.User, error)
	GetRobot(ctx context.Context, name string) (store.Robot, error)
	AppendAudit(ctx context.Context, e store.AuditEvent) error
}

// Authenticator verifies Basic credentials presented from a source address,
// throttled; *authn.Authenticator is one. ErrBadCredentials refuses, a
// *authn.ThrottledError is a 429; any other error means "unavailable".
type Authenticator interface {
	Basic(ctx context.Context, source, username, secret string) (authn.Principal, error)
}

// Defaults of EndpointDeps.
const (
	DefaultMaxRequestBytes = 64 << 10
	DefaultAuditQueue      = 4096
	DefaultAuditInterval   = 250 * time.Millisecond
	// maxUsernameBytes: longer names can never authenticate (authn's limit),
	// so they are refused before any backend is asked.
	maxUsernameBytes = 256
	// maxClientIDBytes bounds what of client_id reaches the audit trail.
	maxClientIDBytes = 64
)

// EndpointDeps is what the token endpoint needs; main wires it.
type EndpointDeps struct {
	// Store, Auth, Keyring, Minter and Service are required.
	Store GrantStore
	Auth  Authenticator
	// Keyring publishes the JWKS; Minter signs (its keyring is the one used
	// for signing). The token lifetime comes from the site settings; the
	// Minter's other settings (issuer, backdate, key header, clock) apply.
	Keyring *token.Keyring
	Minter  *token.Minter
	// Refresh stores refresh tokens; nil disables them (offline requests get
	// no refresh_token, the refresh_token grant answers 400).
	Refresh RefreshStore
	// RefreshLifetime bounds a refresh token's life (default 30 days).
	RefreshLifetime time.Duration
	// Service is the registry's auth.token.service; any other is a 400.
	Service string
	// Realm is sent in `WWW-Authenticate: Basic realm="..."` on a 401.
	Realm string
	// CatalogSubjects are robots (robot$name) that may, besides enabled
	// admins, be granted registry:catalog:*. Only robots: a user is told
	// by the admin flag, never by a name (NewEndpoint panics otherwise).
	CatalogSubjects []string
	Logger          *slog.Logger
	// Now is the clock of decisions and refresh tokens (default time.Now);
	// token times come from the Minter's clock.
	Now func() time.Time
	// ClientAddr is the caller's address for throttling and audit (default:
	// the host of RemoteAddr). Pass server.ClientAddr to honour trusted proxies.
	ClientAddr func(*http.Request) string
	// MaxRequestBytes caps the query string and the form body (default 64 KiB).
	MaxRequestBytes int64
	// AuditQueue is the number of audit events that may wait for the
	// database (default 4096). When it is full, requests write their event
	// themselves: slower, never lost.
	AuditQueue int
	// AuditInterval is how long the audit writer gathers events before it
	// writes them, merging identical ones (default 250ms; negative: write
	// as soon as the database is free).
	AuditInterval time.Duration
	// SettingsTTL is how long token requests reuse the site settings they
	// read (0: read them per request). Call InvalidateSettings after a
	// change so it applies at once on this replica; other replicas see it
	// when told (the app announces changes through Redis), else within the
	// TTL. The app uses DefaultSettingsTTL.
	SettingsTTL time.Duration
	// AccessTTL is how long requests reuse a namespace row and a caller's
	// roles on it (0: read them per request). Call InvalidateAccess after a
	// namespace, team, membership, grant, robot or user changes so that it
	// applies at once on this replica. The app uses DefaultAccessTTL; see
	// there why.
	AccessTTL time.Duration
}

// Endpoint is the registry token service: GET and POST /auth/token and the
// JWKS. Create it with NewEndpoint and Close it to flush the audit queue.
type Endpoint struct {
	d          EndpointDeps
	catalog    map[string]bool
	audit      *auditor
	settings   *ttlcache.Cache[struct{}, store.Settings]
	namespaces *ttlcache.Cache[string, store.Namespace]
	// namespaces serves anonymous requests, access users and robots: the
	// namespace with their roles on it.
	access *ttlcache.Cache[accessKey, namespaceAccess]

	mu      sync.Mutex
	minters map[time.Duration]*token.Minter
}

// NewEndpoint returns the endpoint and starts its audit writer. It panics when
// a required dependency is missing: that is a wiring bug, not a runtime state.
func NewEndpoint(d EndpointDeps) *Endpoint {
	switch {
	case d.Store == nil, d.Auth == nil, d.Keyring == nil, d.Minter == nil:
		panic("tokenserver.NewEndpoint: Store, Auth, Keyring and Minter are required")
	case d.Service == "":
		panic("tokenserver.NewEndpoint: Service is required")
	}
	if d.Realm == "" {
		d.Realm = "dockmaster"
	}
	if d.RefreshLifetime <= 0 {
		d.RefreshLifetime = DefaultRefreshLifetime
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ClientAddr == nil {
		d.ClientAddr = remoteHost
	}
	if d.MaxRequestBytes <= 0 {
		d.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if d.AuditQueue <= 0 {
		d.AuditQueue = DefaultAuditQueue
	}
	e := &Endpoint{d: d, catalog: map[string]bool{}, minters: map[time.Duration]*token.Minter{}}
	for _, s := range d.CatalogSubjects {
		if !strings.HasPrefix(s, rbac.RobotPrefix) {
			panic("tokenserver.NewEndpoint: CatalogSubjects must be robots, not " + s)
		}
		e.catalog[s] = true
	}
	if d.AuditInterval == 0 {
		d.AuditInterval = DefaultAuditInterval
	}
	e.audit = newAuditor(d.Store, d.Logger, d.AuditQueue, d.AuditInterval)
	e.settings = ttlcache.New(func(ctx context.Context, _ struct{}) (store.Settings, error) { return d.Store.GetSettings(ctx) },
		boundedOptions(d.SettingsTTL, 0))
	e.namespaces = ttlcache.New(d.Store.GetNamespace, boundedOptions(d.AccessTTL, 0))
	e.access = newAccessCache(d.Store, d.AccessTTL)
	return e
}

// Register mounts GET and POST /auth/token and GET /.well-known/jwks.json.
func (e *Endpoint) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/token", e.serveGet)
	mux.HandleFunc("POST /auth/token", e.servePost)
	mux.HandleFunc("GET /.well-known/jwks.json", e.serveJWKS)
}

// Close flushes the audit queue and stops its writer; events recorded after
// Close are written synchronously.
func (e *Endpoint) Close(ctx context.Context) error { return e.audit.close(ctx) }

// FlushAudit waits until every audit event recorded so far is written.
func (e *Endpoint) FlushAudit(ctx context.Context) error { return e.audit.flush(ctx) }

// tokenRequest is a GET or POST token request after decoding.
type tokenRequest struct {
	oauth    bool // POST: OAuth2 error and response shapes
	service  string
	scopes   []string // raw scope parameters
	offline  bool
	clientID string

	// Exactly one of: credentials, a refresh token, or neither (anonymous).
	hasCreds bool
	username string
	password string
	refresh  string
	grant    string // "password", "refresh_token", or "" for GET
}

// reqError is a refusal with its status and wire codes; msg is safe to show.
type reqError struct {
	status    int
	code      string // distribution error code (GET)
	oauthCode string // OAuth2 error (POST)
	msg       string
	// retryAfter is sent as Retry-After on 429 and 503.
	retryAfter time.Duration
	// cause is logged, never shown.
	cause error
}

func (e *reqError) Error() string { return e.msg }

var (
	errBadCredentials = &reqError{status: http.StatusUnauthorized, code: "UNAUTHORIZED", oauthCode: "invalid_grant", msg: "invalid credentials"}
	errBadRefresh     = &reqError{status: http.StatusUnauthorized, code: "UNAUTHORIZED", oauthCode: "invalid_grant", msg: "invalid refresh token"}
)

func badRequest(msg string) *reqError {
	return &reqError{status: http.StatusBadRequest, code: "INVALID_REQUEST", oauthCode: "invalid_request", msg: msg}
}

func unavailable(cause error) *reqError {
	return &reqError{status: http.StatusServiceUnavailable, code: "UNAVAILABLE", oauthCode: "temporarily_unavailable",
		msg: "the token service is temporarily unavailable; retry later", retryAfter: 5 * time.Second, cause: cause}
}

var errTooLarge = &reqError{status: http.StatusRequestEntityTooLarge, code: "TOO_LARGE", oauthCode: "invalid_request", msg: "request too large"}

func (e *Endpoint) serveGet(w http.ResponseWriter, r *http.Request) {
	if int64(len(r.URL.RawQuery)) > e.d.MaxRequestBytes {
		e.refuse(w, r, &tokenRequest{}, errTooLarge)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		e.refuse(w, r, &tokenRequest{}, badRequest("malformed query"))
		return
	}
	tr := &tokenRequest{
		service:  q.Get("service"),
		scopes:   q["scope"],
		clientID: q.Get("client_id"),
	}
	tr.offline, _ = strconv.ParseBool(q.Get("offline_token"))
	if r.Header.Get("Authorization") != "" {
		u, p, ok := r.BasicAuth()
		if !ok {
			e.refuse(w, r, tr, errBadCredentials)
			return
		}
		tr.hasCreds, tr.username, tr.password = true, u, p
	}
	e.serve(w, r, tr)
}

func (e *Endpoint) servePost(w http.ResponseWriter, r *http.Request) {
	tr := &tokenRequest{oauth: true}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			e.refuse(w, r, tr, badRequest("the body must be application/x-www-form-urlencoded"))
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.d.MaxRequestBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			e.refuse(w, r, tr, errTooLarge)
		} else {
			e.refuse(w, r, tr, badRequest("unreadable body"))
		}
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		e.refuse(w, r, tr, badRequest("malformed form"))
		return
	}
	tr.service = form.Get("service")
	tr.scopes = form["scope"]
	tr.clientID = form.Get("client_id")
	tr.offline = form.Get("access_type") == "offline"
	tr.grant = form.Get("grant_type")
	switch tr.grant {
	case "password":
		tr.hasCreds, tr.username, tr.password = true, form.Get("username"), form.Get("password")
		if tr.username == "" && form.Get("password") == "" {
			// Clients may send the credentials as Basic instead.
			if u, p, ok := r.BasicAuth(); ok {
				tr.username, tr.password = u, p
			}
		}
	case "refresh_token":
		tr.refresh = form.Get("refresh_token")
		if tr.refresh == "" {
			e.refuse(w, r, tr, badRequest("refresh_token is required"))
			return
		}
	default:
		e.refuse(w, r, tr, &reqError{status: http.StatusBadRequest, code: "UNSUPPORTED", oauthCode: "unsupported_grant_type",
			msg: "grant_type must be password or refresh_token"})
		return
	}
	e.serve(w, r, tr)
}

// tokenResponse is the JSON answer of both methods.
type tokenResponse struct {
	Token        string `json:"token"`
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	IssuedAt     string `json:"issued_at"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Scope is the granted scopes, space-separated (OAuth2 POST only).
	Scope string `json:"scope,omitempty"`
}

// serve authenticates, decides, mints and answers.
func (e *Endpoint) serve(w http.ResponseWriter, r *http.Request, tr *tokenRequest) {
	ctx := r.Context()
	if tr.service != e.d.Service {
		e.refuse(w, r, tr, badRequest("unknown service"))
		return
	}
	if tr.refresh != "" && e.d.Refresh == nil {
		e.refuse(w, r, tr, badRequest("refresh tokens are not enabled"))
		return
	}

	var (
		p     authn.Principal
		rterr *reqError
		rt    RefreshToken
	)
	switch {
	case tr.refresh != "":
		p, rt, rterr = e.redeem(ctx, tr)
		if rterr == nil {
			e.touchSession(ctx, rt, e.d.ClientAddr(r))
		}
	case tr.hasCreds:
		p, rterr = e.login(ctx, r, tr)
	default:
		p = authn.Anonymous()
	}
	if rterr != nil {
		e.refuse(w, r, tr, rterr)
		return
	}

	settings, err := e.settings.Load(ctx, struct{}{})
	if err != nil {
		e.refuse(w, r, tr, unavailable(fmt.Errorf("get settings: %w", err)))
		return
	}
	requested := rbac.ParseScopes(tr.scopes)
	g := &granter{e: e, settings: settings, subject: p.Subject, now: e.d.Now(), byNS: map[string]nsDecision{}}
	access, err := g.grant(ctx, requested)
	if err != nil {
		e.refuse(w, r, tr, unavailable(err))
		return
	}

	tok, err := e.minterFor(settings.TokenLifetime).MintToken(ctx, token.Claims{Subject: subjectClaim(p), Service: e.d.Service, Access: access})
	if err != nil {
		e.refuse(w, r, tr, unavailable(fmt.Errorf("mint: %w", err)))
		return
	}
	resp := tokenResponse{
		Token: tok.Raw, AccessToken: tok.Raw,
		ExpiresIn: int(tok.ExpiresAt.Sub(tok.IssuedAt) / time.Second),
		IssuedAt:  tok.IssuedAt.UTC().Format(time.RFC3339),
	}
	if tr.offline {
		switch {
		case tr.refresh != "":
			// The client keeps the secret it already holds; no new row per refresh.
			resp.RefreshToken = tr.refresh
		case e.d.Refresh != nil && refreshable(p):
			secret, err := e.issueRefresh(ctx, p, sessionClient(tr.clientID), e.d.ClientAddr(r))
			if err != nil {
				e.refuse(w, r, tr, unavailable(fmt.Errorf("store refresh token: %w", err)))
				return
			}
			resp.RefreshToken = secret
		}
	}
	if tr.oauth {
		resp.Scope = scopeString(access)
	}
	e.recordIssue(r, tr, p, rt, requested, access)

	writeTokenResponse(w, &resp)
}

// login verifies credentials: plausibility first (no backend is touched for
// what can never authenticate), then the Authenticator, which throttles every
// credential check in one place (shared with the REST API).
func (e *Endpoint) login(ctx context.Context, r *http.Request, tr *tokenRequest) (authn.Principal, *reqError) {
	if tr.username == "" || len(tr.username) > maxUsernameBytes || strings.ContainsRune(tr.username, 0) ||
		strings.TrimSpace(tr.password) == "" || strings.ContainsRune(tr.password, 0) {
		return authn.Principal{}, errBadCredentials
	}
	p, err := e.d.Auth.Basic(ctx, e.d.ClientAddr(r), tr.username, tr.password)
	var throttled *authn.ThrottledError
	switch {
	case errors.Is(err, authn.ErrBadCredentials):
		return authn.Principal{}, errBadCredentials
	case errors.As(err, &throttled):
		return authn.Principal{}, &reqError{status: http.StatusTooManyRequests, code: "TOOMANYREQUESTS", oauthCode: "slow_down",
			msg: "too many failed logins; retry later", retryAfter: throttled.RetryAfter}
	case err != nil:
		return authn.Principal{}, unavailable(fmt.Errorf("authenticate: %w", err))
	}
	return p, nil
}

// refreshable: refresh tokens stand for a password or robot login only. An
// application-token login gets none — the client keeps the revocable token,
// and deleting it must not leave a refresh token alive.
func refreshable(p authn.Principal) bool {
	return p.Method == authn.MethodPassword && p.User != nil || p.Method == authn.MethodRobot && p.Robot != nil
}

func (e *Endpoint) issueRefresh(ctx context.Context, p authn.Principal, clientID, source string) (string, error) {
	now := e.d.Now()
	secret, hash := NewRefreshSecret()
	rt := RefreshToken{
		ID: authn.NewID(), Hash: hash, SubjectKind: string(p.Subject.Kind), Subject: p.Subject.Name,
		Service: e.d.Service, CreatedAt: now.UTC(), ExpiresAt: now.Add(e.d.RefreshLifetime).UTC(),
		ClientID: clientID, Source: source, LastUsedAt: now.UTC(),
	}
	switch {
	case p.User != nil:
		rt.CredentialAt = credentialVersion(p.User.PasswordChangedAt, p.User.CreatedAt)
	case p.Robot != nil:
		rt.CredentialAt = credentialVersion(p.Robot.SecretChangedAt, p.Robot.CreatedAt)
		if !p.Robot.ExpiresAt.IsZero() && p.Robot.ExpiresAt.Before(rt.ExpiresAt) {
			rt.ExpiresAt = p.Robot.ExpiresAt.UTC()
		}
	}
	if err := e.d.Refresh.CreateRefreshToken(ctx, rt); err != nil {
		return "", err
	}
	return secret, nil
}

// redeem turns a refresh token back into its subject, if the token is
// valid for this service and the subject still exists, is enabled and has
// not changed its credential since.
func (e *Endpoint) redeem(ctx context.Context, tr *tokenRequest) (authn.Principal, RefreshToken, *reqError) {
	if !wellFormedRefresh(tr.refresh) {
		return authn.Principal{}, RefreshToken{}, errBadRefresh
	}
	rt, err := e.d.Refresh.GetRefreshTokenByHash(ctx, HashRefreshToken(tr.refresh))
	if errors.Is(err, store.ErrNotFound) {
		return authn.Principal{}, RefreshToken{}, errBadRefresh
	}
	if err != nil {
		return authn.Principal{}, RefreshToken{}, unavailable(fmt.Errorf("get refresh token: %w", err))
	}
	now := e.d.Now()
	if rt.Service != tr.service || !now.Before(rt.ExpiresAt) {
		return authn.Principal{}, rt, errBadRefresh
	}
	stale := func(changed, created time.Time) bool {
		return credentialVersion(changed, created).After(rt.CredentialAt.Truncate(time.Microsecond))
	}
	var p authn.Principal
	switch kindOf(rt.SubjectKind) {
	case rbac.UserKind:
		u, err := e.d.Store.GetUser(ctx, rt.Subject)
		if errors.Is(err, store.ErrNotFound) {
			e.revoke(ctx, rt)
			return authn.Principal{}, rt, errBadRefresh
		}
		if err != nil {
			return authn.Principal{}, rt, unavailable(fmt.Errorf("get user: %w", err))
		}
		if !u.Enabled || stale(u.PasswordChangedAt, u.CreatedAt) {
			return authn.Principal{}, rt, errBadRefresh
		}
		p = authn.Principal{Subject: rbac.Subject{Kind: rbac.UserKind, Name: u.Username, Admin: u.Admin, Enabled: u.Enabled},
			User: &u, Method: authn.MethodPassword}
	case rbac.RobotKind:
		rb, err := e.d.Store.GetRobot(ctx, rt.Subject)
		if errors.Is(err, store.ErrNotFound) {
			e.revoke(ctx, rt)
			return authn.Principal{}, rt, errBadRefresh
		}
		if err != nil {
			return authn.Principal{}, rt, unavailable(fmt.Errorf("get robot: %w", err))
		}
		s := rbac.Subject{Kind: rbac.RobotKind, Name: rb.Name, Enabled: rb.Enabled, ExpiresAt: rb.ExpiresAt}
		if !s.Active(now) || stale(rb.SecretChangedAt, rb.CreatedAt) {
			return authn.Principal{}, rt, errBadRefresh
		}
		p = authn.Principal{Subject: s, Robot: &rb, Method: authn.MethodRobot}
	default:
		return authn.Principal{}, rt, errBadRefresh
	}
	return p, rt, nil
}

// revoke drops the tokens of a subject found gone; best effort (the next
// redeem finds it gone again).
func (e *Endpoint) revoke(ctx context.Context, rt RefreshToken) {
	if err := e.d.Refresh.DeleteRefreshTokens(ctx, rt.SubjectKind, rt.Subject); err != nil {
		e.d.Logger.WarnContext(ctx, "deleting refresh tokens of a deleted subject failed", "subject", rt.Subject, "error", err)
	}
}

// minterFor returns a Minter like Deps.Minter with the settings' lifetime
// (never below MinLifetime). Derived minters are cached by lifetime.
func (e *Endpoint) minterFor(lifetime time.Duration) *token.Minter {
	base := e.d.Minter
	if lifetime < token.MinLifetime {
		lifetime = token.MinLifetime
	}
	if lifetime == base.Lifetime() {
		return base
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.minters[lifetime]
	if !ok {
		if len(e.minters) >= 16 {
			clear(e.minters)
		}
		m = base.WithLifetime(lifetime)
		e.minters[lifetime] = m
	}
	return m
}

// serveJWKS publishes every key a verifier may still need.
func (e *Endpoint) serveJWKS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lifetime := e.d.Minter.Lifetime()
	if s, err := e.settings.Load(ctx, struct{}{}); err == nil {
		lifetime = max(lifetime, s.TokenLifetime)
	} else {
		// Publishing a retired key longer than needed is harmless.
		lifetime = max(lifetime, 24*time.Hour)
	}
	b, err := e.d.Keyring.JWKS(ctx, e.d.Now(), lifetime)
	if err != nil {
		e.d.Logger.WarnContext(ctx, "jwks unavailable", "error", err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "keys temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=60")
	_, _ = w.Write(b)
}

// refuse answers an error in the shape of the request's method and audits it.
func (e *Endpoint) refuse(w http.ResponseWriter, r *http.Request, tr *tokenRequest, re *reqError) {
	h := w.Header()
	switch re.status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="`+quoteEscape(e.d.Realm)+`"`)
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(max(re.retryAfter, time.Second).Seconds()))))
	}
	if re.cause != nil {
		e.d.Logger.WarnContext(r.Context(), "token request failed", "status", re.status, "error", re.cause)
	}
	e.recordRefusal(r, tr, re)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(re.status)
	var body any
	if tr.oauth {
		body = map[string]string{"error": re.oauthCode, "error_description": re.msg}
	} else {
		body = map[string]any{"errors": []map[string]string{{"code": re.code, "message": re.msg}}}
	}
	_ = json.NewEncoder(w).Encode(body)
}

// subjectClaim is `sub`: the authenticated identity (never the `account`
// parameter), "anonymous" — a reserved name no user can take — without one.
func subjectClaim(p authn.Principal) string { return p.Name() }

func quoteEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
