package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// listPage is the page size of every list on the UI.
const listPage = 50

type searchData struct {
	service.SearchResult
	RegistryHost string
	PrevPage     int
	NextPage     int
}

func (w *Web) search(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return service.Invalid("page", "page must be a number")
		}
		page = n
	}
	res, err := w.d.Service.Search(r.Context(), v.actor(), q.Get("q"), page)
	if err != nil {
		return err
	}
	d := searchData{SearchResult: res, RegistryHost: w.d.RegistryHost}
	if res.Page > 1 {
		d.PrevPage = res.Page - 1
	}
	if res.HasNext {
		d.NextPage = res.Page + 1
	}
	title := "Search"
	if res.Query != "" {
		title = res.Query + " — search"
	}
	return w.renderView(rw, r, http.StatusOK, "search", view{Title: title, Viewer: v, Data: d, Query: res.Query,
		Flash: q.Get("msg"), Autofocus: true})
}

type repositoryData struct {
	service.RepositoryView
	RegistryHost string
	After        string
	Activity     *chart
}

func (w *Web) repository(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	name := strings.TrimSuffix(r.PathValue("name"), "/")
	after := r.URL.Query().Get("after")
	rv, err := w.d.Service.RepositoryPage(r.Context(), v.actor(), name, store.ListOptions{After: after, Limit: listPage})
	if err != nil {
		return err
	}
	act, err := w.d.Service.RepositoryActivity(r.Context(), v.actor(), rv.Repository.Name)
	if err != nil {
		return err
	}
	c := activityChart(act)
	return w.render(rw, r, v, http.StatusOK, "repository", rv.Repository.Name,
		repositoryData{RepositoryView: rv, RegistryHost: w.d.RegistryHost, After: after, Activity: &c})
}

func (w *Web) deleteTag(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	repo, tag := r.PostForm.Get("repository"), r.PostForm.Get("tag")
	if err := w.d.Service.DeleteTag(r.Context(), v.actor(), repo, tag); err != nil {
		return err
	}
	redirect(rw, r, "/ui/repositories/"+repo, "Deleted tag "+tag+".")
	return nil
}

func (w *Web) deleteRepository(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	repo := r.PostForm.Get("repository")
	if r.PostForm.Get("confirm") != repo {
		return service.Invalid("confirm", "type the repository's full name to confirm the delete")
	}
	if err := w.d.Service.DeleteRepository(r.Context(), v.actor(), repo); err != nil {
		return err
	}
	redirect(rw, r, "/", "Deleted repository "+repo+".")
	return nil
}

// redirect answers a successful form with 303 to target, carrying a short
// message shown once (never a secret: those are rendered, not redirected).
func redirect(rw http.ResponseWriter, r *http.Request, target, msg string) {
	if msg != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "msg=" + url.QueryEscape(msg)
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

type namespaceData struct {
	service.NamespaceView
	Activity     *chart
	RegistryHost string
	Roles        []rbac.Role
	Visibilities []rbac.Visibility
}

var (
	allRoles        = []rbac.Role{rbac.RoleViewer, rbac.RoleContributor, rbac.RoleOwner}
	allVisibilities = []rbac.Visibility{rbac.Public, rbac.Protected, rbac.Private}
)

func (w *Web) namespace(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	nv, err := w.d.Service.NamespacePage(r.Context(), v.actor(), r.PathValue("name"),
		store.ListOptions{After: r.URL.Query().Get("after"), Limit: listPage})
	if err != nil {
		return err
	}
	d := namespaceData{NamespaceView: nv, RegistryHost: w.d.RegistryHost, Roles: allRoles, Visibilities: allVisibilities}
	// The chart counts repositories the viewer may pull: none, no chart.
	act, err := w.d.Service.NamespaceActivity(r.Context(), v.actor(), nv.Namespace.Name)
	switch {
	case err == nil:
		c := activityChart(act)
		d.Activity = &c
	case service.AsError(err).Code != apiv1.CodeNotFound:
		return err
	}
	return w.render(rw, r, v, http.StatusOK, "namespace", nv.Namespace.Name, d)
}

func (w *Web) namespaceVisibility(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	name := r.PathValue("name")
	vis := r.PostForm.Get("visibility")
	desc := r.PostForm.Get("description")
	in := service.NamespaceChange{Visibility: &vis}
	if _, ok := r.PostForm["description"]; ok {
		in.Description = &desc
	}
	// Only admins get the team field; the service refuses anyone else.
	if team := strings.TrimSpace(r.PostForm.Get("team")); team != "" {
		in.Team = &team
	}
	if _, err := w.d.Service.UpdateNamespace(r.Context(), v.actor(), name, in); err != nil {
		return err
	}
	redirect(rw, r, "/ui/namespaces/"+name, "Saved.")
	return nil
}

func (w *Web) grantAdd(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	name := r.PathValue("name")
	f := r.PostForm
	if _, err := w.d.Service.CreatePermission(r.Context(), v.actor(), name,
		service.NewPermission{Kind: f.Get("kind"), Name: strings.TrimSpace(f.Get("grantee")), Role: f.Get("role")}); err != nil {
		return err
	}
	redirect(rw, r, "/ui/namespaces/"+name, "Granted "+f.Get("role")+" to "+f.Get("kind")+" "+f.Get("grantee")+".")
	return nil
}

func (w *Web) grantUpdate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	name := r.PathValue("name")
	f := r.PostForm
	if _, err := w.d.Service.UpdatePermission(r.Context(), v.actor(), name, f.Get("kind"), f.Get("grantee"), f.Get("role")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/namespaces/"+name, "Changed the role of "+f.Get("kind")+" "+f.Get("grantee")+" to "+f.Get("role")+".")
	return nil
}

func (w *Web) grantDelete(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	name := r.PathValue("name")
	f := r.PostForm
	if err := w.d.Service.DeletePermission(r.Context(), v.actor(), name, f.Get("kind"), f.Get("grantee")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/namespaces/"+name, "Revoked the grant of "+f.Get("kind")+" "+f.Get("grantee")+".")
	return nil
}

type teamsData struct {
	Teams []store.Team
	Mine  map[string]rbac.Role
	Next  string
}

func (w *Web) teams(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	teams, mine, err := w.d.Service.Teams(r.Context(), v.actor(), store.ListOptions{After: r.URL.Query().Get("after"), Limit: listPage + 1})
	if err != nil {
		return err
	}
	d := teamsData{Teams: teams, Mine: mine}
	if len(teams) > listPage {
		d.Teams = teams[:listPage]
		d.Next = teams[listPage-1].Name
	}
	return w.render(rw, r, v, http.StatusOK, "teams", "Teams", d)
}

func signInFirst() error {
	return &service.Error{Code: apiv1.CodeUnauthenticated, Message: "sign in to see this page"}
}

func (w *Web) teamCreate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	t, err := w.d.Service.CreateTeam(r.Context(), v.actor(), service.NewTeam{
		Name: strings.TrimSpace(r.PostForm.Get("name")), Description: r.PostForm.Get("description")})
	if err != nil {
		return err
	}
	redirect(rw, r, "/ui/teams/"+t.Name, "Created team "+t.Name+"; you are its owner.")
	return nil
}

type teamData struct {
	service.TeamView
	Roles        []rbac.Role
	Visibilities []rbac.Visibility
}

func (w *Web) team(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	if !v.SignedIn() {
		return signInFirst()
	}
	tv, err := w.d.Service.TeamPage(r.Context(), v.actor(), r.PathValue("name"),
		store.ListOptions{After: r.URL.Query().Get("after"), Limit: listPage})
	if err != nil {
		return err
	}
	return w.render(rw, r, v, http.StatusOK, "team", tv.Team.Name, teamData{TeamView: tv, Roles: allRoles, Visibilities: allVisibilities})
}

func (w *Web) memberAdd(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	team := r.PathValue("name")
	user := strings.TrimSpace(r.PostForm.Get("username"))
	if _, err := w.d.Service.AddMember(r.Context(), v.actor(), team, user, r.PostForm.Get("role")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/teams/"+team, "Added "+user+" as "+r.PostForm.Get("role")+".")
	return nil
}

func (w *Web) memberUpdate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	team := r.PathValue("name")
	user := r.PostForm.Get("username")
	if _, err := w.d.Service.UpdateMember(r.Context(), v.actor(), team, user, r.PostForm.Get("role")); err != nil {
		return err
	}
	redirect(rw, r, "/ui/teams/"+team, "Changed "+user+"'s role to "+r.PostForm.Get("role")+".")
	return nil
}

func (w *Web) memberRemove(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	team := r.PathValue("name")
	user := r.PostForm.Get("username")
	if err := w.d.Service.RemoveMember(r.Context(), v.actor(), team, user); err != nil {
		return err
	}
	redirect(rw, r, "/ui/teams/"+team, "Removed "+user+".")
	return nil
}

// namespaceCreate makes a namespace owned by the team (the site's namespace
// creation rule decides who may).
func (w *Web) namespaceCreate(rw http.ResponseWriter, r *http.Request, v *viewer) error {
	f := r.PostForm
	n, err := w.d.Service.CreateNamespace(r.Context(), v.actor(), service.NewNamespace{Name: strings.TrimSpace(f.Get("name")),
		Team: r.PathValue("name"), Visibility: f.Get("visibility"), Description: f.Get("description")})
	if err != nil {
		return err
	}
	redirect(rw, r, "/ui/namespaces/"+n.Name, "Created namespace "+n.Name+".")
	return nil
}
