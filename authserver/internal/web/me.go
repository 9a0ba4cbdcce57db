package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

type meData struct {
	User   store.User
	Tokens []store.Token
	Robots []store.Robot
	// Logins are the user's registry sessions (docker login's refresh
	// tokens); never their secrets.
	Logins []store.RefreshToken
	// Teams the user owns: where their robots may belong.
	Teams        []store.Member
	RegistryHost string
	// Secret is a just-created token or robot secret, shown this once;
	// SecretUser the name docker login takes with it.
	Secret     string
	SecretUser string
	SecretWhat string
	Message    string
}

func (w *Web) meData(r *http.Request, v *viewer) (meData, error) {
	a := v.actor()
	u, err := w.d.Service.User(r.Context(), a, v.Name())
	if err != nil {
		return meData{}, err
	}
	d := meData{User: u, RegistryHost: w.d.RegistryHost}
	if d.Tokens, err = w.d.Service.Tokens(r.Context(), a, u.Username, ""); err != nil {
		return d, err
	}
	if d.Robots, err = w.d.Service.Robots(r.Context(), a); err != nil {
		return d, err
	}
	if d.Logins, err = w.d.Service.Sessions(r.Context(), a, u.Username); err != nil {
		return d, err
	}
	_, mine, err := w.d.Service.Teams(r.Context(), a, store.ListOptions{Limit: 1})
	if err != nil {
		return d, err
	}
	for team, role := range mine {
		d.Teams = append(d.Teams, store.Member{Team: team, Role: role})
	}
	sort.Slice(d.Teams, func(i, j int) bool { return d.Teams[i].Team < d.Teams[j].Team })
	return d, nil
}

func (w *Web) me(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	d, err := w.meData(r, v)
	if err != nil {
		return err
	}
	return w.render(rw, r, v, http.StatusOK, "me", "Your account", d)
}

// tokenCreate renders the page with the new secret (never a redirect: the
// secret must not land in a URL or history).
func (w *Web) tokenCreate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	in := service.NewToken{Name: strings.TrimSpace(r.PostForm.Get("name"))}
	if days := r.PostForm.Get("days"); days != "" && days != "0" {
		n, err := parseDays(days)
		if err != nil {
			return err
		}
		exp := w.d.Now().Add(time.Duration(n) * 24 * time.Hour)
		in.ExpiresAt = &exp
	}
	t, secret, err := w.d.Service.CreateToken(r.Context(), v.actor(), v.Name(), in)
	if err != nil {
		return err
	}
	d, err := w.meData(r, v)
	if err != nil {
		return err
	}
	d.Secret, d.SecretUser, d.SecretWhat = secret, v.Name(), "application token "+t.Name
	return w.render(rw, r, v, http.StatusCreated, "me", "Your account", d)
}

func parseDays(s string) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 3650 {
			return 0, service.Invalid("days", "days must be a whole number from 0 to 3650")
		}
		n = n*10 + int(c-'0')
	}
	if n > 3650 {
		return 0, service.Invalid("days", "days must be a whole number from 0 to 3650")
	}
	return n, nil
}

func (w *Web) tokenDelete(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	if err := w.d.Service.DeleteToken(r.Context(), v.actor(), v.Name(), r.PostForm.Get("id")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/me", "Revoked the token.")
	return nil
}

func (w *Web) robotCreate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	f := r.PostForm
	in := service.NewRobot{Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), Team: f.Get("team")}
	if ns := strings.TrimSpace(f.Get("namespace")); ns != "" {
		in.Access = []service.RobotAccess{{Namespace: ns, Role: f.Get("role")}}
	}
	rb, secret, err := w.d.Service.CreateRobot(r.Context(), v.actor(), in)
	if err != nil {
		return err
	}
	d, err := w.meData(r, v)
	if err != nil {
		return err
	}
	d.Secret, d.SecretUser, d.SecretWhat = secret, rb.Name, "robot "+rb.Name
	return w.render(rw, r, v, http.StatusCreated, "me", "Your account", d)
}

func (w *Web) robotDelete(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	name := r.PostForm.Get("name")
	if err := w.d.Service.DeleteRobot(r.Context(), v.actor(), name); err != nil {
		return err
	}
	redirect(rw, r, "/ui/me", "Deleted robot "+name+".")
	return nil
}

// passwordChange ends every session of the user (the store does, with the
// new password), this one included: the user signs in again.
func (w *Web) passwordChange(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	f := r.PostForm
	if f.Get("new_password") != f.Get("confirm_password") {
		return service.Invalid("confirm_password", "the two new passwords differ")
	}
	old, pw := f.Get("current_password"), f.Get("new_password")
	if _, err := w.d.Service.UpdateUser(r.Context(), v.actor(), v.Name(), service.UserChange{Password: &pw, CurrentPassword: &old}); err != nil {
		return err
	}
	w.clearCookie(rw, sessionCookie)
	redirect(rw, r, "/login", "Password changed. Every session of yours has ended: sign in with the new password.")
	return nil
}

// loginEnd ends one registry session (docker login's refresh token), or
// every one with all=1.
func (w *Web) loginEnd(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	if r.PostForm.Get("all") == "1" {
		if err := w.d.Service.DeleteSessions(r.Context(), v.actor(), v.Name()); err != nil {
			return err
		}
		redirect(rw, r, "/ui/me", "Ended every docker login session.")
		return nil
	}
	if err := w.d.Service.DeleteSession(r.Context(), v.actor(), v.Name(), r.PostForm.Get("id")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/me", "Ended the session.")
	return nil
}
