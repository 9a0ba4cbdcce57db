package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// caller is the authenticated identity of a request and where it came from.
type caller struct {
	p   authn.Principal
	src string
}

// actor is the caller as the use cases see it.
func (c *caller) actor() service.Actor { return service.Actor{Principal: c.p, Source: c.src} }

// isUser: a person (or bot user), not a robot.
func (c *caller) isUser() bool { return c.p.Subject.Kind == rbac.UserKind }

// handler is the shape of every API handler: it writes a success itself and
// returns any failure, which the wrapper writes.
type handler func(w http.ResponseWriter, r *http.Request, c *caller) error

// wrap authenticates (unless the route is public), runs the handler and
// writes its error.
func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &caller{src: a.clientAddr(r)}
		if !rt.Public {
			p, err := a.authenticate(r, c.src)
			if err != nil {
				a.writeError(w, r, err)
				return
			}
			c.p = p
		}
		if err := rt.h(w, r, c); err != nil {
			a.writeError(w, r, err)
		}
	})
}

// authenticate resolves the Authorization header. Missing, malformed and
// wrong credentials all give the same 401; a store failure gives 503 so that
// clients never read an outage as a bad password.
func (a *API) authenticate(r *http.Request, src string) (authn.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return authn.Principal{}, errUnauthenticated
	}
	scheme, rest, _ := strings.Cut(h, " ")
	var (
		p       authn.Principal
		err     error
		attempt string
	)
	switch strings.ToLower(scheme) {
	case "bearer":
		secret := strings.TrimSpace(rest)
		if secret == "" || strings.ContainsAny(secret, "\x00 \t") {
			return authn.Principal{}, errUnauthenticated
		}
		attempt = "bearer token"
		p, err = a.auth.Bearer(r.Context(), secret)
	case "basic":
		user, pw, ok := r.BasicAuth()
		if !ok || user == "" || strings.TrimSpace(pw) == "" || strings.ContainsRune(pw, 0) || strings.ContainsRune(user, 0) {
			return authn.Principal{}, errUnauthenticated
		}
		attempt = "(malformed name)"
		if rbac.ValidComponent(strings.TrimPrefix(user, rbac.RobotPrefix)) {
			attempt = user
		}
		p, err = a.auth.Basic(r.Context(), src, user, pw)
	default:
		return authn.Principal{}, errUnauthenticated
	}
	if err != nil {
		var throttled *authn.ThrottledError
		if errors.As(err, &throttled) {
			a.appendAudit(r, store.AuditEvent{Actor: "anonymous", Source: src, Action: "api.authenticate",
				Object: "user/" + truncate(attempt, 64), Outcome: "denied", Detail: "throttled"})
			return authn.Principal{}, tooManyAttempts(throttled.RetryAfter)
		}
		if errors.Is(err, authn.ErrBadCredentials) {
			a.appendAudit(r, store.AuditEvent{Actor: "anonymous", Source: src, Action: "api.authenticate",
				Object: "user/" + truncate(attempt, 64), Outcome: "denied", Detail: "bad credentials"})
			return authn.Principal{}, errUnauthenticated
		}
		return authn.Principal{}, toError(err)
	}
	if !p.Subject.Active(a.now()) {
		return authn.Principal{}, errUnauthenticated
	}
	return p, nil
}

func (a *API) appendAudit(r *http.Request, e store.AuditEvent) {
	e.Time = a.now().UTC()
	if err := a.st.AppendAudit(r.Context(), e); err != nil {
		a.log.ErrorContext(r.Context(), "audit append failed", "action", e.Action, "object", e.Object,
			"outcome", e.Outcome, "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// usersOnly refuses robots on routes meant for people.
func usersOnly(c *caller) error {
	if !c.isUser() {
		return forbidden("robot accounts cannot use this endpoint")
	}
	return nil
}
