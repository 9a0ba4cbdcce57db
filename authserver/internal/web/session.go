package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Cookie names. The session cookie carries a random secret whose hash
// names the stored session; the pre-session cookie carries the CSRF token
// of the sign-in form (double submit), so a login cannot be forged either.
const (
	sessionCookie = "dm_session"
	csrfCookie    = "dm_csrf"
	csrfField     = "csrf"
)

// touchEvery limits how often a session's last-seen time is written.
const touchEvery = time.Minute

// viewer is who is looking at a page.
type viewer struct {
	P       authn.Principal
	Session *store.WebSession
	// CSRF is the token forms carry: the session's, or the pre-session
	// cookie's when signed out.
	CSRF   string
	Source string
}

func (v *viewer) SignedIn() bool { return v.Session != nil }
func (v *viewer) Name() string   { return v.P.Subject.Name }
func (v *viewer) Admin() bool    { return v.P.Subject.IsAdmin() }
func (v *viewer) actor() service.Actor {
	return service.Actor{Principal: v.P, Source: v.Source}
}

// handler is every page's shape: it writes a success itself and returns a
// failure, which wrap renders as an error page.
type handler func(rw http.ResponseWriter, r *http.Request, v *viewer) error

// wrap resolves the viewer, refuses cross-site and token-less form posts
// (security 28), and renders a returned error.
func (w *Web) wrap(h handler, post bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		hdr := rw.Header()
		hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Cache-Control", "no-store")
		v, err := w.viewer(rw, r)
		if err != nil {
			w.renderError(rw, r, &viewer{P: authn.Anonymous()}, 0, err)
			return
		}
		if post {
			if err := w.checkForm(r, v); err != nil {
				w.renderError(rw, r, v, http.StatusForbidden, err)
				return
			}
		}
		if err := h(rw, r, v); err != nil {
			w.renderError(rw, r, v, 0, err)
		}
	})
}

// notice is an error whose text is a sentence shown to people as it is.
type notice string

func (n notice) Error() string { return string(n) }

// errCrossSite refuses a form posted from another origin.
var errCrossSite error = notice("This form came from another site and was refused. Open the page here and submit it again.")

// errCSRF refuses a form without this session's token.
var errCSRF error = notice("This form has expired or did not come from this site. Reload the page and submit it again.")

// checkForm is the CSRF defence of every POST: a same-origin check
// (Sec-Fetch-Site / Origin, and Referer when a browser sent neither) and
// the form's token against the session's.
func (w *Web) checkForm(r *http.Request, v *viewer) error {
	if err := w.origin.Check(r); err != nil {
		return errCrossSite
	}
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		if ref := r.Header.Get("Referer"); ref != "" && !w.sameOrigin(r, ref) {
			return errCrossSite
		}
	}
	if err := r.ParseForm(); err != nil {
		return notice("The form could not be read (too large or malformed).")
	}
	got := r.PostForm.Get(csrfField)
	if v.CSRF == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.CSRF)) != 1 {
		return errCSRF
	}
	return nil
}

// sameOrigin reports whether ref (a Referer) is this server: the request's
// own host or the public URL's.
func (w *Web) sameOrigin(r *http.Request, ref string) bool {
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	pu, err := url.Parse(w.d.PublicURL)
	return err == nil && pu.Host != "" && u.Scheme == pu.Scheme && u.Host == pu.Host
}

// viewer resolves the session cookie. A missing, unknown, expired or
// revoked session is a signed-out viewer (the cookie is cleared); a store
// outage is an error (503), never a silent sign-out.
func (w *Web) viewer(rw http.ResponseWriter, r *http.Request) (*viewer, error) {
	v := &viewer{P: authn.Anonymous(), Source: w.d.ClientAddr(r)}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && len(c.Value) < 200 {
		id := authn.HashSecret(c.Value)
		ws, err := w.d.Sessions.GetWebSession(r.Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			w.clearCookie(rw, sessionCookie)
		case err != nil:
			return nil, err
		case !w.d.Now().Before(ws.ExpiresAt):
			_ = w.d.Sessions.DeleteWebSession(r.Context(), id)
			w.clearCookie(rw, sessionCookie)
		default:
			p, err := w.d.Auth.SessionUser(r.Context(), ws.Username)
			if errors.Is(err, authn.ErrBadCredentials) {
				// Disabled or deleted: the session ends for good.
				_ = w.d.Sessions.DeleteWebSession(r.Context(), id)
				w.clearCookie(rw, sessionCookie)
				break
			}
			if err != nil {
				return nil, err
			}
			now := w.d.Now()
			if now.Sub(ws.LastSeenAt) >= touchEvery {
				if err := w.d.Sessions.TouchWebSession(r.Context(), id, now); err != nil {
					w.d.Logger.WarnContext(r.Context(), "recording a web session's use failed", "user", ws.Username, "err", err)
				}
			}
			v.P, v.Session, v.CSRF = p, &ws, ws.CSRF
			return v, nil
		}
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		v.CSRF = c.Value
	} else if r.Method == http.MethodGet || r.Method == http.MethodHead {
		v.CSRF = randomToken()
		w.setCookie(rw, csrfCookie, v.CSRF, 0)
	}
	return v, nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (w *Web) setCookie(rw http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true,
		Secure: w.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

func (w *Web) clearCookie(rw http.ResponseWriter, name string) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true,
		Secure: w.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type loginData struct {
	Username string
	Next     string
	Message  string
}

func (w *Web) loginForm(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.SignedIn() {
		http.Redirect(rw, r, next, http.StatusSeeOther)
		return nil
	}
	return w.render(rw, r, v, http.StatusOK, "login", "Sign in", loginData{Next: next})
}

// login checks the password through authn.Basic — the token endpoint's
// throttled path — and opens a new session: a new secret every time, and
// the old session (if any) deleted, so a planted cookie never becomes a
// signed-in one (fixation).
func (w *Web) login(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	next := localPath(r.PostForm.Get("next"))
	form := loginData{Username: username, Next: next}
	attempt := "(malformed name)"
	if rbac.ValidComponent(username) {
		attempt = username
	}
	if username == "" || password == "" {
		form.Message = "Enter your username and password."
		return w.render(rw, r, v, http.StatusBadRequest, "login", "Sign in", form)
	}
	p, err := w.d.Auth.Basic(r.Context(), v.Source, username, password)
	if err == nil && (p.Subject.Kind != rbac.UserKind || p.Method != authn.MethodPassword) {
		// Robots and application tokens are for machines, not browsers.
		err = authn.ErrBadCredentials
	}
	var throttled *authn.ThrottledError
	switch {
	case errors.As(err, &throttled):
		w.auditLogin(r, v, attempt, "denied", "throttled")
		rw.Header().Set("Retry-After", retryAfter(throttled.RetryAfter))
		form.Message = "Too many failed sign-ins. Wait " + throttled.RetryAfter.Round(time.Second).String() + " and try again."
		return w.render(rw, r, v, http.StatusTooManyRequests, "login", "Sign in", form)
	case errors.Is(err, authn.ErrBadCredentials):
		w.auditLogin(r, v, attempt, "denied", "bad credentials")
		form.Message = "Wrong username or password."
		return w.render(rw, r, v, http.StatusUnauthorized, "login", "Sign in", form)
	case err != nil:
		return err
	}
	if v.Session != nil {
		_ = w.d.Sessions.DeleteWebSession(r.Context(), v.Session.ID)
	}
	// Sessions nobody ends expire; each sign-in sweeps them, which
	// bounds the table without a background job.
	if _, err := w.d.Sessions.DeleteExpiredWebSessions(r.Context(), w.d.Now()); err != nil {
		w.d.Logger.WarnContext(r.Context(), "deleting expired web sessions failed", "err", err)
	}
	secret, id := authn.NewSessionSecret()
	now := w.d.Now()
	ws := store.WebSession{ID: id, Username: p.Subject.Name, CSRF: randomToken(), Source: v.Source,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(w.d.SessionTTL)}
	if err := w.d.Sessions.CreateWebSession(r.Context(), ws); err != nil {
		return err
	}
	w.setCookie(rw, sessionCookie, secret, w.d.SessionTTL)
	w.clearCookie(rw, csrfCookie)
	w.auditLogin(r, v, p.Subject.Name, "success", "")
	http.Redirect(rw, r, next, http.StatusSeeOther)
	return nil
}

func (w *Web) logout(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if v.Session != nil {
		if err := w.d.Sessions.DeleteWebSession(r.Context(), v.Session.ID); err != nil {
			return err
		}
		w.audit(r, v, "web.logout", "user/"+v.Name(), "success", "")
	}
	w.clearCookie(rw, sessionCookie)
	http.Redirect(rw, r, "/", http.StatusSeeOther)
	return nil
}

func (w *Web) auditLogin(r *http.Request, v *viewer, name, outcome, detail string) {
	actor := "anonymous"
	if outcome == "success" {
		actor = name
	}
	w.appendAudit(r, store.AuditEvent{Actor: actor, Source: v.Source, Action: "web.login",
		Object: "user/" + service.Truncate(name, 64), Outcome: outcome, Detail: detail})
}

func (w *Web) audit(r *http.Request, v *viewer, action, object, outcome, detail string) {
	w.appendAudit(r, store.AuditEvent{Actor: v.P.Name(), Source: v.Source, Action: action, Object: object,
		Outcome: outcome, Detail: detail})
}

func (w *Web) appendAudit(r *http.Request, e store.AuditEvent) {
	if w.d.Audit == nil {
		return
	}
	e.Time = w.d.Now().UTC()
	if err := w.d.Audit.AppendAudit(r.Context(), e); err != nil {
		w.d.Logger.ErrorContext(r.Context(), "audit append failed", "action", e.Action, "object", e.Object, "err", err)
	}
}

func retryAfter(d time.Duration) string {
	s := int(d.Seconds() + 0.999)
	if s < 1 {
		s = 1
	}
	return itoa(s)
}

// localPath keeps a redirect target on this site: a path, never
// "//host" or a URL.
func localPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") ||
		strings.ContainsAny(p, "\r\n\x00") {
		return "/"
	}
	return p
}
