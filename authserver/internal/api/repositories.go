package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listRepositories(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	d, err := a.newDecider(r.Context(), c)
	if err != nil {
		return err
	}
	if err := d.loadRoles(r.Context()); err != nil {
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
	keep := func(rp store.Repository) (bool, error) {
		acts, _, err := d.actions(r.Context(), rp.Namespace)
		return hasAction(acts, rbac.Pull), err
	}
	items, next, err := paginate(r.Context(), opt, fetch, func(rp store.Repository) string { return rp.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toRepository), next)
	return nil
}

// repoFor loads a repository the caller may pull, with the caller's actions
// on it and role on its namespace; one they may not pull answers 404 like
// a missing one.
func (a *API) repoFor(ctx context.Context, c *caller, name string) (store.Repository, []rbac.Action, rbac.Role, error) {
	if !rbac.ValidRepositoryName(name) {
		return store.Repository{}, nil, rbac.RoleNone, notFound("repository %q not found", truncate(name, 300))
	}
	d, err := a.newDecider(ctx, c)
	if err != nil {
		return store.Repository{}, nil, rbac.RoleNone, err
	}
	ns, _ := rbac.NamespaceOf(name)
	acts, t, err := d.actions(ctx, ns)
	if err != nil {
		return store.Repository{}, nil, rbac.RoleNone, err
	}
	if !hasAction(acts, rbac.Pull) {
		return store.Repository{}, nil, rbac.RoleNone, notFound("repository %q not found", name)
	}
	rp, err := a.st.GetRepository(ctx, name)
	if err != nil {
		return rp, nil, rbac.RoleNone, storeErr(err, "repository \""+name+"\"", "")
	}
	return rp, acts, t.Role, nil
}

// mayEditRepository: the push right (contributors and owners under the push
// policy) or the owner role, which keeps descriptions editable even when
// the push policy is admin-only. role is the caller's role on the
// repository's namespace, as repoFor read it (none for the global one).
func mayEditRepository(c *caller, acts []rbac.Action, role rbac.Role) bool {
	return rbac.CanEditRepository(c.p.Subject, acts, role)
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
	rp, _, _, err := a.repoFor(r.Context(), c, name)
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
	obj := "repository/" + truncate(name, 300)
	rp, acts, role, err := a.repoFor(r.Context(), c, name)
	if err != nil {
		return a.deniedLookup(r, c, "repository.update", obj, err)
	}
	if !mayEditRepository(c, acts, role) {
		return a.deny(r, c, "repository.update", obj, forbidden("you may pull %q but not change it", name))
	}
	if req.Description != nil {
		if err := service.CheckText("description", *req.Description, service.MaxDescription); err != nil {
			return err
		}
		rp.Description = *req.Description
	}
	rp.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateRepository(r.Context(), rp); err != nil {
		return a.failed(r, c, "repository.update", obj, storeErr(err, "repository \""+name+"\"", ""))
	}
	a.done(r, c, "repository.update", obj, "description")
	got, err := a.st.GetRepository(r.Context(), name)
	if err != nil {
		got = rp
	}
	writeJSON(w, http.StatusOK, toRepository(got))
	return nil
}

// deleteRepository deletes, when a registry is configured, every manifest
// of the repository there first (each digest its tags resolve to in the
// registry's own listing, plus any digest the database knows), then the
// repository row. A registry failure leaves the database as it was; the
// manifests already deleted stay deleted (their events remove their tags).
func (a *API) deleteRepository(w http.ResponseWriter, r *http.Request, c *caller, name string) error {
	obj := "repository/" + truncate(name, 300)
	rp, acts, _, err := a.repoFor(r.Context(), c, name)
	if err != nil {
		return a.deniedLookup(r, c, "repository.delete", obj, err)
	}
	if !hasAction(acts, rbac.Delete) {
		return a.deny(r, c, "repository.delete", obj, forbidden("you may not delete %q (deleting needs the delete right, and deletes must be enabled)", name))
	}
	detail := "registry: not configured, database only"
	if a.reg != nil {
		digests, err := a.repositoryDigests(r.Context(), rp.Name)
		if err != nil {
			return a.registryFailed(r, c, "repository.delete", obj, err, "listing the registry")
		}
		var deleted, gone []string
		for _, d := range digests {
			err := a.reg.DeleteManifest(r.Context(), rp.Name, d)
			switch {
			case err == nil:
				deleted = append(deleted, d)
			case errors.Is(err, registryclient.ErrNotFound):
				gone = append(gone, d)
			default:
				return a.registryFailed(r, c, "repository.delete", obj, err,
					fmt.Sprintf("deleted %d of %d manifests before the failure: %s", len(deleted), len(digests), digestList(deleted)))
			}
		}
		detail = fmt.Sprintf("registry: deleted %d manifests: %s", len(deleted), digestList(deleted))
		if len(gone) > 0 {
			detail += fmt.Sprintf("; already gone: %s", digestList(gone))
		}
	}
	// The registry's delete events may have removed the row meanwhile.
	if err := a.st.DeleteRepository(r.Context(), rp.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return a.failed(r, c, "repository.delete", obj, storeErr(err, "repository \""+name+"\"", ""))
	}
	a.done(r, c, "repository.delete", obj, detail)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Registry is the registry as the REST API's deletes need it
// (registryclient.Client in production). An error wrapping
// registryclient.ErrNotFound means the registry positively does not have
// it, registryclient.ErrDeleteDisabled that its storage.delete.enabled is
// off; any other error that it is unavailable.
type Registry interface {
	// Tags lists every tag of repo in the registry.
	Tags(ctx context.Context, repo string) ([]string, error)
	// ManifestDigest resolves tag to its manifest's digest.
	ManifestDigest(ctx context.Context, repo, tag string) (string, error)
	// DeleteManifest deletes reference of repo: with a digest the manifest
	// and every tag on it, with a tag only that tag (distribution v3).
	DeleteManifest(ctx context.Context, repo, reference string) error
}

// repositoryDigests is every manifest digest of repo: what the registry's
// tags resolve to, then the digests the database has that the registry
// did not list (a tag the database has missed being deleted). Nothing is
// left out silently: any failure but "not there" is an error.
func (a *API) repositoryDigests(ctx context.Context, repo string) ([]string, error) {
	var digests []string
	seen := map[string]bool{}
	add := func(d string) {
		if d != "" && !seen[d] {
			seen[d] = true
			digests = append(digests, d)
		}
	}
	tags, err := a.reg.Tags(ctx, repo)
	if err != nil && !errors.Is(err, registryclient.ErrNotFound) {
		return nil, err
	}
	for _, tag := range tags {
		d, err := a.reg.ManifestDigest(ctx, repo, tag)
		if errors.Is(err, registryclient.ErrNotFound) {
			continue // deleted since the listing
		}
		if err != nil {
			return nil, err
		}
		add(d)
	}
	after := ""
	for {
		page, err := a.st.ListTags(ctx, repo, store.ListOptions{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			add(t.Digest)
		}
		if len(page) < 1000 {
			return digests, nil
		}
		after = page[len(page)-1].Name
	}
}

// registryFailed answers a delete the registry could not do: 409 when its
// deletes are disabled, 503 otherwise; the database is not touched. The
// attempt is audited with what had been done.
func (a *API) registryFailed(r *http.Request, c *caller, action, object string, err error, progress string) error {
	var e *Error
	switch {
	case errors.Is(err, registryclient.ErrDeleteDisabled):
		e = &Error{Status: http.StatusConflict, Code: codeConflict, cause: err,
			Message: "the registry does not allow deletes: set storage.delete.enabled to true in its configuration (nothing was deleted)"}
	case errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.Canceled):
		e = toError(err)
	default:
		e = &Error{Status: http.StatusServiceUnavailable, Code: codeUnavailable, cause: err,
			Message: "the registry is unavailable; nothing was changed in Dockmaster, retry later"}
	}
	a.audit(r, c, action, object, "error", e.Message+" ("+progress+")")
	return e
}

// digestList formats digests for an audit detail, bounded in length.
func digestList(ds []string) string {
	const shown = 20
	if len(ds) == 0 {
		return "none"
	}
	if len(ds) > shown {
		return strings.Join(ds[:shown], ",") + fmt.Sprintf(",… (%d more)", len(ds)-shown)
	}
	return strings.Join(ds, ",")
}

func (a *API) listTags(w http.ResponseWriter, r *http.Request, c *caller, repo string) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	rp, _, _, err := a.repoFor(r.Context(), c, repo)
	if err != nil {
		return err
	}
	fetch := func(ctx context.Context, o store.ListOptions) ([]store.Tag, error) {
		return a.st.ListTags(ctx, rp.Name, o)
	}
	items, next, err := paginate(r.Context(), opt, fetch, func(t store.Tag) string { return t.Name }, nil)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toTag), next)
	return nil
}

func (a *API) tagFor(r *http.Request, c *caller, repo, tag string) (store.Tag, []rbac.Action, error) {
	_, acts, _, err := a.repoFor(r.Context(), c, repo)
	if err != nil {
		return store.Tag{}, nil, err
	}
	if !rbac.ValidTag(tag) {
		return store.Tag{}, nil, notFound("tag %q not found", truncate(tag, 130))
	}
	t, err := a.st.GetTag(r.Context(), repo, tag)
	if err != nil {
		return t, nil, storeErr(err, "tag \""+repo+":"+tag+"\"", "")
	}
	return t, acts, nil
}

func (a *API) getTag(w http.ResponseWriter, r *http.Request, c *caller, repo, tag string) error {
	t, _, err := a.tagFor(r, c, repo, tag)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTag(t))
	return nil
}

// deleteTag deletes, when a registry is configured, the tag in the
// registry first: DELETE /v2/<repo>/manifests/<tag>, which in distribution
// v3 removes that tag only; the manifest and its other tags stay (an
// untagged manifest goes at the registry's next garbage collection). Then
// the tag row. The audit records the digest the registry resolved.
func (a *API) deleteTag(w http.ResponseWriter, r *http.Request, c *caller, repo, tag string) error {
	obj := "repository/" + truncate(repo, 300) + "/tag/" + truncate(tag, 130)
	t, acts, err := a.tagFor(r, c, repo, tag)
	if err != nil {
		return a.deniedLookup(r, c, "tag.delete", obj, err)
	}
	if !hasAction(acts, rbac.Delete) {
		return a.deny(r, c, "tag.delete", obj, forbidden("you may not delete tags of %q", repo))
	}
	detail := "digest=" + t.Digest + "; registry: not configured, database only"
	if a.reg != nil {
		digest, err := a.reg.ManifestDigest(r.Context(), t.Repository, t.Name)
		if err == nil {
			err = a.reg.DeleteManifest(r.Context(), t.Repository, t.Name)
		}
		switch {
		case err == nil:
			detail = "digest=" + digest + "; registry: tag deleted"
		case errors.Is(err, registryclient.ErrNotFound):
			detail = "digest=" + t.Digest + "; registry: already gone"
		default:
			return a.registryFailed(r, c, "tag.delete", obj, err, "digest="+t.Digest)
		}
	}
	// The registry's tag-delete event may have removed the row meanwhile.
	if err := a.st.DeleteTag(r.Context(), t.Repository, t.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return a.failed(r, c, "tag.delete", obj, storeErr(err, "tag \""+repo+":"+tag+"\"", ""))
	}
	a.done(r, c, "tag.delete", obj, detail)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
