package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

type usersData struct {
	Users   []store.User
	Next    string
	Created string
}

func (w *Web) adminUsers(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	users, err := w.d.Service.Users(r.Context(), v.actor(), store.ListOptions{After: r.URL.Query().Get("after"),
		Query: r.URL.Query().Get("filter"), Limit: listPage + 1})
	if err != nil {
		return err
	}
	d := usersData{Users: users}
	if len(users) > listPage {
		d.Users = users[:listPage]
		d.Next = users[listPage-1].Username
	}
	return w.render(rw, r, v, http.StatusOK, "users", "Users", d)
}

func (w *Web) adminUserCreate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	f := r.PostForm
	u, err := w.d.Service.CreateUser(r.Context(), v.actor(), service.NewUser{Username: strings.TrimSpace(f.Get("username")),
		Email: strings.TrimSpace(f.Get("email")), DisplayName: f.Get("display_name"), Password: f.Get("password"),
		Admin: f.Get("admin") == "on"})
	if err != nil {
		return err
	}
	redirect(rw, r, "/ui/admin/users", "Created user "+u.Username+".")
	return nil
}

func (w *Web) adminUserUpdate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	f := r.PostForm
	name := f.Get("username")
	var in service.UserChange
	msg := ""
	switch f.Get("change") {
	case "disable", "enable":
		b := f.Get("change") == "enable"
		in.Enabled, msg = &b, name+" is now "+f.Get("change")+"d."
	case "admin", "unadmin":
		b := f.Get("change") == "admin"
		in.Admin, msg = &b, "Changed "+name+"'s admin flag."
	default:
		return service.Invalid("change", "change must be enable, disable, admin or unadmin")
	}
	if _, err := w.d.Service.UpdateUser(r.Context(), v.actor(), name, in); err != nil {
		return err
	}
	redirect(rw, r, "/ui/admin/users", msg)
	return nil
}

type settingsData struct {
	Settings     store.Settings
	PushPolicies []rbac.PushPolicy
	TeamRules    []rbac.TeamCreation
	NSRules      []rbac.NamespaceCreation
}

func (w *Web) adminSettings(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	st, err := w.d.Service.Settings(r.Context(), v.actor())
	if err != nil {
		return err
	}
	return w.render(rw, r, v, http.StatusOK, "settings", "Settings", settingsData{Settings: st,
		PushPolicies: rbac.PushPolicies, TeamRules: rbac.TeamCreations, NSRules: rbac.NamespaceCreations})
}

func (w *Web) adminSettingsUpdate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	f := r.PostForm
	on := func(k string) *bool { b := f.Get(k) == "on"; return &b }
	str := func(k string) *string { s := f.Get(k); return &s }
	in := service.SettingsChange{PushPolicy: str("push_policy"), AnonymousPull: on("anonymous_pull"),
		DeleteEnabled: on("delete_enabled"), ContributorsMayDelete: on("contributors_may_delete"),
		TeamCreation: str("team_creation"), NamespaceCreation: str("namespace_creation")}
	if s := f.Get("token_lifetime_seconds"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return service.Invalid("token_lifetime_seconds", "token lifetime must be a whole number of seconds")
		}
		in.TokenLifetimeSeconds = &n
	}
	if _, err := w.d.Service.UpdateSettings(r.Context(), v.actor(), in); err != nil {
		return err
	}
	redirect(rw, r, "/ui/admin/settings", "Settings saved.")
	return nil
}

type auditData struct {
	Events []store.AuditEvent
	Filter service.AuditQuery
	Next   string
	CSV    string
}

func auditQuery(r *http.Request, limit int) service.AuditQuery {
	q := r.URL.Query()
	return service.AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"),
		Since: q.Get("since"), Until: q.Get("until"), PageToken: q.Get("page_token"), Limit: limit}
}

func (w *Web) adminAudit(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	q := auditQuery(r, listPage)
	events, next, err := w.d.Service.Audit(r.Context(), v.actor(), q)
	if err != nil {
		return err
	}
	csvQ := r.URL.Query()
	csvQ.Del("page_token")
	return w.render(rw, r, v, http.StatusOK, "audit", "Audit log", auditData{Events: events, Filter: q, Next: next,
		CSV: "/ui/admin/audit.csv?" + csvQ.Encode()})
}

// adminAuditCSV streams the filtered audit log (up to maxCSVRows events,
// newest first) as CSV.
func (w *Web) adminAuditCSV(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	events, err := w.d.Service.AuditCSVRows(r.Context(), v.actor(), auditQuery(r, 0))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="dockmaster-audit.csv"`)
	return service.WriteAuditCSV(rw, events)
}
