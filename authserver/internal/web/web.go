// Package web is Dockmaster's server-rendered UI: html/template pages over
// the same use cases as the REST API (service) and the same credential
// checks (authn). It decides no access itself, and works without
// JavaScript; the one small script only adds copy buttons.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Authenticator is what the UI needs of authn: the one throttled password
// check (the token endpoint's) and the principal of a session's user.
type Authenticator interface {
	Basic(ctx context.Context, source, username, secret string) (authn.Principal, error)
	SessionUser(ctx context.Context, username string) (authn.Principal, error)
}

// Deps is what the UI needs from the app.
type Deps struct {
	Service  *service.Service
	Auth     Authenticator
	Sessions store.WebSessionStore
	// Audit records sign-ins and sign-in failures.
	Audit interface {
		AppendAudit(ctx context.Context, e store.AuditEvent) error
	}
	// PublicURL is this server's external URL; its origin is the one
	// trusted for forms, and an https URL makes the cookie Secure.
	PublicURL string
	// TLS: the server itself serves TLS (the cookie is Secure).
	TLS bool
	// RegistryHost is the host[:port] of docker pull lines (default: the
	// host of PublicURL).
	RegistryHost string
	ClientAddr   func(*http.Request) string
	Logger       *slog.Logger
	Now          func() time.Time
	// SessionTTL bounds a session's life from sign-in (default 12h).
	SessionTTL time.Duration
}

// Web serves the UI.
type Web struct {
	d      Deps
	pages  map[string]*pageTemplate
	static http.Handler
	secure bool
	origin *http.CrossOriginProtection
}

// DefaultSessionTTL is how long a sign-in lasts.
const DefaultSessionTTL = 12 * time.Hour

// New builds the UI; it fails only on a broken template (a bug).
func New(d Deps) (*Web, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = DefaultSessionTTL
	}
	if d.ClientAddr == nil {
		d.ClientAddr = func(r *http.Request) string { return r.RemoteAddr }
	}
	w := &Web{d: d, origin: http.NewCrossOriginProtection()}
	if u, err := url.Parse(d.PublicURL); err == nil && u.Host != "" {
		w.secure = u.Scheme == "https"
		if d.RegistryHost == "" {
			w.d.RegistryHost = u.Host
		}
		// Forms posted from the public URL's origin are ours even when the
		// Host header differs (a proxy in front).
		_ = w.origin.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	w.secure = w.secure || d.TLS
	w.origin.SetDenyHandler(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.renderError(rw, r, nil, http.StatusForbidden, errCrossSite)
	}))
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	w.pages = pages
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	w.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	return w, nil
}

// Register mounts the UI's routes.
func (w *Web) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", cacheStatic(w.static))
	get := func(pattern string, h handler) { mux.Handle("GET "+pattern, w.wrap(h, false)) }
	post := func(pattern string, h handler) { mux.Handle("POST "+pattern, w.wrap(h, true)) }
	get("/{$}", w.search)
	get("/search", w.search)
	get("/login", w.loginForm)
	post("/login", w.login)
	post("/logout", w.logout)
	get("/ui/repositories/{name...}", w.repository)
	post("/ui/tags/delete", w.deleteTag)
	post("/ui/repositories/delete", w.deleteRepository)
	get("/ui/namespaces/{name}", w.namespace)
	post("/ui/namespaces/{name}/visibility", w.namespaceVisibility)
	post("/ui/namespaces/{name}/grants", w.grantAdd)
	post("/ui/namespaces/{name}/grants/update", w.grantUpdate)
	post("/ui/namespaces/{name}/grants/delete", w.grantDelete)
	get("/ui/teams", w.teams)
	post("/ui/teams", w.teamCreate)
	get("/ui/teams/{name}", w.team)
	post("/ui/teams/{name}/members", w.memberAdd)
	post("/ui/teams/{name}/members/update", w.memberUpdate)
	post("/ui/teams/{name}/members/remove", w.memberRemove)
	post("/ui/teams/{name}/namespaces", w.namespaceCreate)
	get("/ui/me", w.me)
	post("/ui/me/tokens", w.tokenCreate)
	post("/ui/me/tokens/delete", w.tokenDelete)
	post("/ui/me/robots", w.robotCreate)
	post("/ui/me/robots/delete", w.robotDelete)
	post("/ui/me/password", w.passwordChange)
	post("/ui/me/logins/end", w.loginEnd)
	get("/ui/admin/users", w.adminUsers)
	post("/ui/admin/users", w.adminUserCreate)
	post("/ui/admin/users/update", w.adminUserUpdate)
	get("/ui/admin/settings", w.adminSettings)
	post("/ui/admin/settings", w.adminSettingsUpdate)
	get("/ui/admin/audit", w.adminAudit)
	get("/ui/admin/audit.csv", w.adminAuditCSV)
	// Anything else under /ui/ is a page that does not exist: say so in
	// the UI's own words, not the mux's plain text.
	mux.Handle("/ui/", w.wrap(func(http.ResponseWriter, *http.Request, *viewer) error {
		return &service.Error{Code: apiv1.CodeNotFound, Message: "there is no such page"}
	}, false))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(rw, r)
	})
}
