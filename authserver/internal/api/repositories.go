package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Registry is the registry as the repository and tag deletes need it
// (registryclient.Client in production): service.Registry.
type Registry = service.Registry

func (a *API) listRepositories(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	keep, err := a.svc.RepositoryFilter(r.Context(), c.actor())
	if err != nil {
		return err
	}
	f := store.RepositoryFilter{}
	if ns := r.URL.Query().Get("namespace"); ns != "" {
		if !rbac.ValidComponent(ns) {
			return invalid("namespace", "namespace %q is not valid", ns)
		}
		f.Namespace = ns
	}
	fetch := func(ctx context.Context, o store.ListOptions) ([]store.Repository, error) {
		f.ListOptions = o
		return a.st.ListRepositories(ctx, f)
	}
	page, err := service.Paginate(r.Context(), opt, fetch, func(rp store.Repository) string { return rp.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, page, toRepository)
	return nil
}

// repoPath splits the {namespace}/{name...} wildcard: a path ending in
// /tags addresses the tag list, one ending in /tags/{tag} a tag. A
// repository whose own name ends that way cannot be addressed by this
// route; none of the registry's tools produce such names in practice.
func repoPath(r *http.Request) (repo, tag string, tagList bool) {
	full := r.PathValue("namespace") + "/" + r.PathValue("name")
	if r.PathValue("name") == "" {
		full = r.PathValue("namespace")
	}
	full = strings.TrimSuffix(full, "/")
	if rest, ok := strings.CutSuffix(full, "/tags"); ok && rest != "" {
		return rest, "", true
	}
	if i := strings.LastIndex(full, "/tags/"); i > 0 {
		t := full[i+len("/tags/"):]
		if !strings.Contains(t, "/") {
			return full[:i], t, false
		}
	}
	return full, "", false
}

func (a *API) getRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	repo, tag, list := repoPath(r)
	switch {
	case list:
		return a.listTags(w, r, c, repo)
	case tag != "":
		return a.getTag(w, r, c, repo, tag)
	}
	return a.getRepository(w, r, c, repo)
}

func (a *API) updateRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	repo, tag, list := repoPath(r)
	if list || tag != "" {
		w.Header().Set("Allow", "GET, DELETE")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "tags cannot be changed; push instead"}
	}
	return a.updateRepository(w, r, c, repo)
}

func (a *API) deleteRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	repo, tag, list := repoPath(r)
	switch {
	case list:
		w.Header().Set("Allow", "GET")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "delete tags one by one, or the repository"}
	case tag != "":
		return a.deleteTag(w, r, c, repo, tag)
	}
	return a.deleteRepository(w, r, c, repo)
}

func (a *API) getGlobalRepository(w http.ResponseWriter, r *http.Request, c *caller) error {
	return a.getRepository(w, r, c, r.PathValue("name"))
}

func (a *API) updateGlobalRepository(w http.ResponseWriter, r *http.Request, c *caller) error {
	return a.updateRepository(w, r, c, r.PathValue("name"))
}

func (a *API) deleteGlobalRepository(w http.ResponseWriter, r *http.Request, c *caller) error {
	return a.deleteRepository(w, r, c, r.PathValue("name"))
}

func (a *API) getRepository(w http.ResponseWriter, r *http.Request, c *caller, name string) error {
	rp, err := a.svc.Repository(r.Context(), c.actor(), name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRepository(rp))
	return nil
}

func (a *API) updateRepository(w http.ResponseWriter, r *http.Request, c *caller, name string) error {
	var req apiv1.UpdateRepository
	if err := decode(r, &req); err != nil {
		return err
	}
	rp, err := a.svc.UpdateRepository(r.Context(), c.actor(), name, req.Description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRepository(rp))
	return nil
}

func (a *API) deleteRepository(w http.ResponseWriter, r *http.Request, c *caller, name string) error {
	if err := a.svc.DeleteRepository(r.Context(), c.actor(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listTags(w http.ResponseWriter, r *http.Request, c *caller, repo string) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	rp, err := a.svc.Repository(r.Context(), c.actor(), repo)
	if err != nil {
		return err
	}
	fetch := func(ctx context.Context, o store.ListOptions) ([]store.Tag, error) {
		return a.st.ListTags(ctx, rp.Name, o)
	}
	page, err := service.Paginate(r.Context(), opt, fetch, func(t store.Tag) string { return t.Name }, nil)
	if err != nil {
		return err
	}
	writePage(w, page, toTag)
	return nil
}

func (a *API) getTag(w http.ResponseWriter, r *http.Request, c *caller, repo, tag string) error {
	t, err := a.svc.Tag(r.Context(), c.actor(), repo, tag)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTag(t))
	return nil
}

func (a *API) deleteTag(w http.ResponseWriter, r *http.Request, c *caller, repo, tag string) error {
	if err := a.svc.DeleteTag(r.Context(), c.actor(), repo, tag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
