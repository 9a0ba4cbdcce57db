// Package api serves Dockmaster's REST API under /api/v1: one file per
// resource, one route table (routes.go) from which both the mux and the
// OpenAPI document are built. Every route but the OpenAPI document requires
// credentials; authorization is checked per object, and what a caller may
// not see answers exactly like what does not exist.
package api

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Deps is what the API needs from the process.
type Deps struct {
	Store  store.Store
	Auth   *authn.Authenticator
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BcryptCost hashes new passwords; 0 means authn.MinBcryptCost.
	BcryptCost int
	// ClientAddr returns the caller's address (the server resolves trusted
	// proxies); nil means the host of RemoteAddr.
	ClientAddr func(*http.Request) string
	// PublicURL is advertised as the server of the OpenAPI document.
	PublicURL string
	// Registry, when set, is where repository and tag deletes act first
	// (the database follows once the registry has deleted). Nil: no
	// registry is configured and deletes change the database only, so a
	// later catalog sync brings back what the registry still has.
	Registry Registry
}

// API holds the handlers.
type API struct {
	st         store.Store
	auth       *authn.Authenticator
	log        *slog.Logger
	now        func() time.Time
	cost       int
	clientAddr func(*http.Request) string
	publicURL  string
	reg        Registry
	svc        *service.Service
	routes     []Route
	probe      *http.ServeMux // the same patterns, to tell 404 from 405
	openapi    []byte
}

// New builds the API; Register mounts it.
func New(d Deps) *API {
	a := &API{
		st: d.Store, auth: d.Auth, log: d.Logger, now: d.Now, cost: d.BcryptCost,
		clientAddr: d.ClientAddr, publicURL: d.PublicURL, reg: d.Registry,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.cost == 0 {
		a.cost = authn.MinBcryptCost
	}
	if a.clientAddr == nil {
		a.clientAddr = remoteHost
	}
	a.svc = service.New(service.Deps{Store: a.st, Logger: a.log, Now: a.now, BcryptCost: a.cost, Registry: a.reg})
	a.routes = a.table()
	a.probe = http.NewServeMux()
	for _, rt := range a.routes {
		if !rt.Virtual {
			a.probe.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
		}
	}
	a.openapi = a.buildOpenAPI()
	return a
}

// Register registers every route of the table on mux, plus a catch-all
// under /api/v1/ that answers unknown paths and methods in JSON.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.routes {
		if rt.Virtual {
			continue
		}
		mux.Handle(rt.Method+" "+rt.Pattern, a.wrap(rt))
	}
	mux.Handle("/api/v1/", a.wrap(Route{Pattern: "/api/v1/", h: a.noRoute}))
}

// Routes returns the route table (for tests and documentation).
func (a *API) Routes() []Route { return append([]Route(nil), a.routes...) }

// noRoute answers paths no route serves: 405 with Allow when another method
// would be served, 404 otherwise.
func (a *API) noRoute(w http.ResponseWriter, r *http.Request, c *caller) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pat := a.probe.Handler(probe); pat != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		for _, m := range allow {
			w.Header().Add("Allow", m)
		}
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid,
			Message: "method " + r.Method + " is not allowed here (no such route)"}
	}
	return notFound("no such route: %s %s", r.Method, r.URL.Path)
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
