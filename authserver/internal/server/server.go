// Package server is Dockmaster's HTTP front: routing (Go 1.22 ServeMux
// patterns), the middleware every request passes through (recover, logging,
// metrics, body cap, client address) and the probes. It builds none of the
// components it serves: the app hands it the REST API, the token endpoint
// and the events receiver as Routes.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// DefaultMaxBodyBytes caps request bodies unless Deps says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Routes is a component that mounts its routes on the server's mux, behind
// the server's middleware.
type Routes interface {
	Register(mux *http.ServeMux)
}

// RoutesFunc adapts a function to Routes.
type RoutesFunc func(mux *http.ServeMux)

// Register calls f(mux).
func (f RoutesFunc) Register(mux *http.ServeMux) { f(mux) }

// Pinger answers /readyz: whether the database is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Check is one more line of /readyz beyond the database: a dependency
// (Redis) or a stage of start-up. Ready false makes /readyz answer 503;
// Detail says what state it is in either way (never a secret).
type Check struct {
	Name  string
	Check func(ctx context.Context) (ready bool, detail string)
}

// Deps is what the server needs from main.
type Deps struct {
	// Store is pinged by /readyz.
	Store Pinger
	// Checks are the other lines of /readyz, in order.
	Checks []Check
	// DatabaseBudget, when > 0, is how long in total a request may wait for
	// the database across its store calls (store.WithBudget), so a slow
	// database answers 503 within it.
	DatabaseBudget time.Duration
	Logger         *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes caps every request body; 0 means 1 MiB.
	MaxBodyBytes int64
	// TrustedProxies may set X-Forwarded-For; everyone else's is ignored.
	TrustedProxies []netip.Prefix
	// Registry receives the HTTP metrics and is served at /metrics; nil
	// means a new one (with the Go and process collectors).
	Registry *prometheus.Registry
	// ShutdownTimeout bounds how long requests in flight may finish once
	// ListenAndServe's context ends; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// Routes are the components served (REST API, token endpoint, events
	// receiver, later the UI), registered in order.
	Routes []Routes
}

// Server is the whole HTTP surface of the authserver.
type Server struct {
	handler  http.Handler
	mux      *http.ServeMux
	log      *slog.Logger
	shutdown time.Duration
}

// DefaultShutdownTimeout is Deps.ShutdownTimeout's default (the same as
// --shutdown-timeout's).
const DefaultShutdownTimeout = 15 * time.Second

// New wires the mux and the middleware.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if d.ShutdownTimeout <= 0 {
		d.ShutdownTimeout = DefaultShutdownTimeout
	}
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{mux: http.NewServeMux(), log: d.Logger, shutdown: d.ShutdownTimeout}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// The first line is the verdict ("ok" or what is down); the
		// others say how each dependency is, for operators.
		var lines []string
		down := ""
		if err := d.Store.Ping(ctx); err != nil {
			d.Logger.WarnContext(r.Context(), "readiness check failed", "err", err)
			down = "database unavailable"
			lines = append(lines, "database: unavailable")
		} else {
			lines = append(lines, "database: ok")
		}
		for _, c := range d.Checks {
			ready, detail := c.Check(ctx)
			lines = append(lines, c.Name+": "+detail)
			if !ready && down == "" {
				down = c.Name + " " + detail
			}
		}
		verdict := "ok"
		if down != "" {
			verdict = down
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(verdict + "\n" + strings.Join(lines, "\n") + "\n"))
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	for _, r := range d.Routes {
		r.Register(s.mux)
	}
	m := newMetrics(reg)
	var h http.Handler = routeRecorder{s.mux}
	h = limitBody(h, d.MaxBodyBytes)
	if d.DatabaseBudget > 0 {
		h = withBudget(h, d.DatabaseBudget)
	}
	h = recoverer(h, d.Logger)
	h = observe(h, d.Logger, m, d.Now)
	h = withClientAddr(h, d.TrustedProxies)
	s.handler = h
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ListenAndServe serves on addr (TLS when certFile and keyFile are set)
// until ctx is canceled, then shuts down gracefully, letting requests in
// flight finish for up to Deps.ShutdownTimeout; past it, the connections
// are closed and the deadline is the error.
func (s *Server) ListenAndServe(ctx context.Context, addr, certFile, keyFile string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, s, ServeOptions{CertFile: certFile, KeyFile: keyFile, Logger: s.log, ShutdownTimeout: s.shutdown})
}

// ServeOptions are Serve's settings besides the listener and handler.
type ServeOptions struct {
	CertFile, KeyFile string // TLS when both are set
	Logger            *slog.Logger
	ShutdownTimeout   time.Duration // 0: DefaultShutdownTimeout
}

// Serve serves h on ln until ctx is canceled, then shuts down gracefully
// (see ListenAndServe). main binds the listener before the server is built
// and serves a Front meanwhile: start-up against a distant database takes
// time, and the probes should answer during it.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, o ServeOptions) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() {
		if o.CertFile != "" || o.KeyFile != "" {
			errc <- srv.ServeTLS(ln, o.CertFile, o.KeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	o.Logger.Info("listening", "addr", ln.Addr().String(), "tls", o.CertFile != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("requests still running after the %s shutdown timeout were cut off: %w", o.ShutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Front is what the listener serves: while the server is being built,
// /healthz answers 200, /readyz 503 with the stage of start-up, and every
// other request 503 with Retry-After (clients retry, load balancers wait);
// once Ready, the server itself.
type Front struct {
	h     atomic.Pointer[http.Handler]
	stage atomic.Pointer[string]
}

// NewFront returns a Front in its starting state.
func NewFront() *Front {
	f := &Front{}
	f.SetStage("starting")
	return f
}

// SetStage names what start-up is doing (shown by /readyz).
func (f *Front) SetStage(stage string) { f.stage.Store(&stage) }

// Ready hands every request from now on to h.
func (f *Front) Ready(h http.Handler) { f.h.Store(&h) }

// ServeHTTP implements http.Handler.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := f.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	stage := *f.stage.Load()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch r.URL.Path {
	case "/healthz":
		_, _ = w.Write([]byte("ok\n"))
		return
	case "/readyz":
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting: " + stage + "\n"))
		return
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`{"code":"unavailable","message":"the server is starting; retry shortly"}` + "\n"))
}

// withBudget gives each request its budget of time for the database (see
// Deps.DatabaseBudget).
func withBudget(next http.Handler, budget time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(store.WithBudget(r.Context(), budget)))
	})
}
