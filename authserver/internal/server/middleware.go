package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

type ctxKey int

const infoKey ctxKey = iota

// reqInfo travels in the context from the outermost middleware to the mux
// and back: the mux records the matched pattern in it (requests the mux sees
// may be copies, so r.Pattern alone would not reach the outer layers).
type reqInfo struct {
	client  string
	pattern string
}

// ClientAddr is the caller's address as resolved by the server (trusted
// proxies applied); every component of Deps.Routes uses it.
func ClientAddr(r *http.Request) string {
	if info, ok := r.Context().Value(infoKey).(*reqInfo); ok && info.client != "" {
		return info.client
	}
	return hostOf(r.RemoteAddr)
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// clientAddr takes the peer address unless the peer is a trusted proxy; then
// it walks X-Forwarded-For from the right and returns the first address that
// is not itself a trusted proxy. Malformed entries stop the walk at the last
// trusted hop.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := hostOf(r.RemoteAddr)
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	cur := addr.Unmap().String()
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			// The hop is not an IP (obfuscated or garbage): stop at the
			// last address a trusted proxy vouched for.
			return cur
		}
		cur = a.Unmap().String()
		if !isTrusted(a, trusted) {
			return cur
		}
	}
	return cur
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func withClientAddr(next http.Handler, trusted []netip.Prefix) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &reqInfo{client: clientAddr(r, trusted)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), infoKey, info)))
	})
}

// routeRecorder runs the mux and records the pattern it matched.
type routeRecorder struct{ mux *http.ServeMux }

func (rr routeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Deferred so that a panicking handler is still counted by its route.
	defer func() {
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			info.pattern = r.Pattern
		}
	}()
	rr.mux.ServeHTTP(w, r)
}

// statusWriter remembers the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		if s.status == 0 {
			s.status = http.StatusOK
		}
		f.Flush()
	}
}

// observe logs and measures every request by route pattern. It logs the
// method, pattern, path, status, duration and client address — never
// headers (Authorization) or bodies.
func observe(next http.Handler, log *slog.Logger, m *metrics, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := now()
		sw := &statusWriter{ResponseWriter: w}
		m.inflight.Inc()
		defer m.inflight.Dec()
		next.ServeHTTP(sw, r)
		dur := now().Sub(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		route, client := "unmatched", hostOf(r.RemoteAddr)
		if info, ok := r.Context().Value(infoKey).(*reqInfo); ok {
			client = info.client
			if info.pattern != "" {
				route = info.pattern // the mux's patterns keep the label set bounded
			}
		}
		method := methodLabel(r.Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		m.latency.WithLabelValues(route, method).Observe(dur.Seconds())
		if status >= 500 {
			m.errors.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
		}
		level := accessLevel(route, status)
		if !log.Enabled(r.Context(), level) {
			return
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Duration("duration", dur), slog.String("client", client),
			slog.Int64("bytes", sw.bytes))
	})
}

// quietRoutes are the machine routes hit many times a second (registry
// clients' token requests, the registry's notifications, probes, scrapes):
// their successful requests are logged at Debug. Their metrics are kept
// either way, and their failures (4xx: refused logins, bad secrets; 5xx)
// stay at Info/Warn. Each token request is also in the audit trail.
var quietRoutes = map[string]bool{
	"GET /auth/token":       true,
	"POST /auth/token":      true,
	"POST /registry/events": true,
	"GET /healthz":          true,
	"GET /readyz":           true,
	"GET /metrics":          true,
}

// accessLevel is the level of a request's access-log line.
func accessLevel(route string, status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelWarn
	case status >= 400:
		return slog.LevelInfo
	case status >= 200 && status < 300 && quietRoutes[route]:
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recoverer turns a panic into a logged 500 with code internal.
func recoverer(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path,
				"panic", v, "stack", string(debug.Stack()))
			if sw.status == 0 {
				writeError(sw, http.StatusInternalServerError, apiv1.CodeInternal, "internal error; it has been logged")
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps request bodies. Handlers that read past the cap get an
// *http.MaxBytesError (the API answers 413); a declared Content-Length over
// the cap is refused before any handler runs.
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, http.StatusRequestEntityTooLarge, apiv1.CodeTooLarge,
				"request body larger than "+strconv.FormatInt(max, 10)+" bytes")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(apiv1.Error{Code: code, Message: msg})
}
