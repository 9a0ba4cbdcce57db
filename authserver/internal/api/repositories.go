package api

import (
	"context"
	"net/http"
	"slices"
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
	if f.Kind, err = kindParam(r); err != nil {
		return err
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

// repoRef is what a path under /repositories/{namespace}/{name...}
// addresses: the repository, its tag list or a tag, its manifest list or a
// manifest.
type repoRef struct {
	repo         string
	tag          string
	tagList      bool
	manifest     string
	manifestList bool
}

// repoPath splits the {namespace}/{name...} wildcard: a path ending in
// /tags addresses the tag list, one ending in /tags/{tag} a tag, and
// likewise /manifests and /manifests/{digest}. A repository whose own name
// ends that way cannot be addressed by this route; none of the registry's
// tools produce such names in practice.
func repoPath(r *http.Request) repoRef {
	full := r.PathValue("namespace") + "/" + r.PathValue("name")
	if r.PathValue("name") == "" {
		full = r.PathValue("namespace")
	}
	full = strings.TrimSuffix(full, "/")
	if rest, ok := strings.CutSuffix(full, "/tags"); ok && rest != "" {
		return repoRef{repo: rest, tagList: true}
	}
	if rest, ok := strings.CutSuffix(full, "/manifests"); ok && rest != "" {
		return repoRef{repo: rest, manifestList: true}
	}
	if i := strings.LastIndex(full, "/tags/"); i > 0 {
		t := full[i+len("/tags/"):]
		if !strings.Contains(t, "/") {
			return repoRef{repo: full[:i], tag: t}
		}
	}
	if i := strings.LastIndex(full, "/manifests/"); i > 0 {
		d := full[i+len("/manifests/"):]
		if !strings.Contains(d, "/") && d != "" {
			return repoRef{repo: full[:i], manifest: d}
		}
	}
	return repoRef{repo: full}
}

func (a *API) getRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	p := repoPath(r)
	switch {
	case p.tagList:
		return a.listTags(w, r, c, p.repo)
	case p.tag != "":
		return a.getTag(w, r, c, p.repo, p.tag)
	case p.manifestList:
		return a.listManifests(w, r, c, p.repo)
	case p.manifest != "":
		return a.getManifest(w, r, c, p.repo, p.manifest)
	}
	return a.getRepository(w, r, c, p.repo)
}

func (a *API) updateRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	p := repoPath(r)
	switch {
	case p.tagList || p.tag != "":
		w.Header().Set("Allow", "GET, DELETE")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "tags cannot be changed; push instead"}
	case p.manifestList || p.manifest != "":
		w.Header().Set("Allow", "GET, DELETE")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "manifests cannot be changed; push instead"}
	}
	return a.updateRepository(w, r, c, p.repo)
}

func (a *API) deleteRepositoryPath(w http.ResponseWriter, r *http.Request, c *caller) error {
	p := repoPath(r)
	switch {
	case p.tagList:
		w.Header().Set("Allow", "GET")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "delete tags one by one, or the repository"}
	case p.manifestList:
		w.Header().Set("Allow", "GET")
		return &Error{Status: http.StatusMethodNotAllowed, Code: codeInvalid, Message: "delete manifests one by one, or the repository"}
	case p.tag != "":
		return a.deleteTag(w, r, c, p.repo, p.tag)
	case p.manifest != "":
		return a.deleteManifest(w, r, c, p.repo, p.manifest)
	}
	return a.deleteRepository(w, r, c, p.repo)
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

// kindParam is the ?kind= filter: one of apiv1.Kinds, or "".
func kindParam(r *http.Request) (string, error) {
	k := r.URL.Query().Get("kind")
	if k != "" && !slices.Contains(apiv1.Kinds, k) {
		return "", invalid("kind", "kind must be one of %s", strings.Join(apiv1.Kinds, ", "))
	}
	return k, nil
}

// listManifests pages a repository's manifests by digest: ?tagged=false
// keeps those no tag points at, ?kind= one kind. Accessories are listed
// under their subject (GET …/manifests/{digest}), not here.
func (a *API) listManifests(w http.ResponseWriter, r *http.Request, c *caller, repo string) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	f := store.ManifestFilter{}
	if f.Kind, err = kindParam(r); err != nil {
		return err
	}
	switch v := r.URL.Query().Get("tagged"); v {
	case "":
	case "true", "false":
		tagged := v == "true"
		f.Tagged = &tagged
	default:
		return invalid("tagged", "tagged must be true or false")
	}
	rp, err := a.svc.Repository(r.Context(), c.actor(), repo)
	if err != nil {
		return err
	}
	f.Repository = rp.Name
	fetch := func(ctx context.Context, o store.ListOptions) ([]store.Manifest, error) {
		f.ListOptions = o
		return a.st.ListManifests(ctx, f)
	}
	page, err := service.Paginate(r.Context(), opt, fetch, func(m store.Manifest) string { return m.Digest }, nil)
	if err != nil {
		return err
	}
	writePage(w, page, func(m store.Manifest) apiv1.Manifest { return toManifest(m, nil) })
	return nil
}

func (a *API) getManifest(w http.ResponseWriter, r *http.Request, c *caller, repo, digest string) error {
	m, acc, err := a.svc.Manifest(r.Context(), c.actor(), repo, digest)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toManifest(m, acc))
	return nil
}

func (a *API) deleteManifest(w http.ResponseWriter, r *http.Request, c *caller, repo, digest string) error {
	if err := a.svc.DeleteManifest(r.Context(), c.actor(), repo, digest); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
