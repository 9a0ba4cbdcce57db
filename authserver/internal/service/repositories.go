package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/opencontainers/go-digest"
)

// Registry is the registry as the repository and tag deletes need it
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

// RepositoryFilter returns the filter of the repositories a may pull (the
// list shows only those).
func (s *Service) RepositoryFilter(ctx context.Context, a Actor) (func(store.Repository) (bool, error), error) {
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := d.LoadRoles(ctx); err != nil {
		return nil, err
	}
	return func(rp store.Repository) (bool, error) {
		acts, _, err := d.Actions(ctx, rp.Namespace)
		return HasAction(acts, rbac.Pull), err
	}, nil
}

// repository loads a repository a may pull, with a's actions on it and
// role on its namespace; one a may not pull is not found like a missing
// one.
func (s *Service) repository(ctx context.Context, a Actor, name string) (store.Repository, []rbac.Action, rbac.Role, error) {
	if !rbac.ValidRepositoryName(name) {
		return store.Repository{}, nil, rbac.RoleNone, NotFound("repository %q not found", Truncate(name, 300))
	}
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return store.Repository{}, nil, rbac.RoleNone, err
	}
	ns, _ := rbac.NamespaceOf(name)
	acts, t, err := d.Actions(ctx, ns)
	if err != nil {
		return store.Repository{}, nil, rbac.RoleNone, err
	}
	if !HasAction(acts, rbac.Pull) {
		return store.Repository{}, nil, rbac.RoleNone, NotFound("repository %q not found", name)
	}
	rp, err := s.st.GetRepository(ctx, name)
	if err != nil {
		return rp, nil, rbac.RoleNone, StoreError(err, "repository \""+name+"\"", "")
	}
	return rp, acts, t.Role, nil
}

// Repository loads a repository a may pull.
func (s *Service) Repository(ctx context.Context, a Actor, name string) (store.Repository, error) {
	rp, _, _, err := s.repository(ctx, a, name)
	return rp, err
}

// UpdateRepository changes a repository's description (nil keeps it), as
// a: the push right (contributors and owners under the push policy) or
// the owner role, which keeps descriptions editable even when the push
// policy is admin-only.
func (s *Service) UpdateRepository(ctx context.Context, a Actor, name string, description *string) (store.Repository, error) {
	obj := "repository/" + Truncate(name, 300)
	rp, acts, role, err := s.repository(ctx, a, name)
	if err != nil {
		return store.Repository{}, s.deniedLookup(ctx, a, "repository.update", obj, err)
	}
	if !rbac.CanEditRepository(a.subject(), acts, role) {
		return store.Repository{}, s.deny(ctx, a, "repository.update", obj, Forbidden("you may pull %q but not change it", name))
	}
	if description != nil {
		if err := CheckText("description", *description, MaxDescription); err != nil {
			return store.Repository{}, err
		}
		rp.Description = *description
	}
	rp.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateRepository(ctx, rp); err != nil {
		return store.Repository{}, s.failed(ctx, a, "repository.update", obj, StoreError(err, "repository \""+name+"\"", ""))
	}
	s.done(ctx, a, "repository.update", obj, "description")
	got, err := s.st.GetRepository(ctx, name)
	if err != nil {
		got = rp
	}
	return got, nil
}

// DeleteRepository deletes a repository as a (the delete right). When a
// registry is configured every manifest of the repository goes there first (each
// digest its tags resolve to in the registry's own listing, plus any
// digest the database knows), then the repository row. A registry failure
// leaves the database as it was; the manifests already deleted stay
// deleted (their events remove their tags).
func (s *Service) DeleteRepository(ctx context.Context, a Actor, name string) error {
	obj := "repository/" + Truncate(name, 300)
	rp, acts, _, err := s.repository(ctx, a, name)
	if err != nil {
		return s.deniedLookup(ctx, a, "repository.delete", obj, err)
	}
	if !HasAction(acts, rbac.Delete) {
		return s.deny(ctx, a, "repository.delete", obj, Forbidden("you may not delete %q (deleting needs the delete right, and deletes must be enabled)", name))
	}
	detail := "registry: not configured, database only"
	if reg := s.reg; reg != nil {
		digests, err := s.repositoryDigests(ctx, reg, rp.Name)
		if err != nil {
			return s.registryFailed(ctx, a, "repository.delete", obj, err, "listing the registry")
		}
		var deleted, gone []string
		for _, d := range digests {
			err := reg.DeleteManifest(ctx, rp.Name, d)
			switch {
			case err == nil:
				deleted = append(deleted, d)
			case errors.Is(err, registryclient.ErrNotFound):
				gone = append(gone, d)
			default:
				return s.registryFailed(ctx, a, "repository.delete", obj, err,
					fmt.Sprintf("deleted %d of %d manifests before the failure: %s", len(deleted), len(digests), digestList(deleted)))
			}
		}
		detail = fmt.Sprintf("registry: deleted %d manifests: %s", len(deleted), digestList(deleted))
		if len(gone) > 0 {
			detail += fmt.Sprintf("; already gone: %s", digestList(gone))
		}
	}
	// The registry's delete events may have removed the row meanwhile.
	if err := s.st.DeleteRepository(ctx, rp.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.failed(ctx, a, "repository.delete", obj, StoreError(err, "repository \""+name+"\"", ""))
	}
	s.done(ctx, a, "repository.delete", obj, detail)
	return nil
}

// repositoryDigests is every manifest digest of repo: what the registry's
// tags resolve to, then the digests the database has that the registry
// did not list (a tag the database has missed being deleted). Nothing is
// left out silently: any failure but "not there" is an error.
func (s *Service) repositoryDigests(ctx context.Context, reg Registry, repo string) ([]string, error) {
	var digests []string
	seen := map[string]bool{}
	add := func(d string) {
		if d != "" && !seen[d] {
			seen[d] = true
			digests = append(digests, d)
		}
	}
	tags, err := reg.Tags(ctx, repo)
	if err != nil && !errors.Is(err, registryclient.ErrNotFound) {
		return nil, err
	}
	for _, tag := range tags {
		d, err := reg.ManifestDigest(ctx, repo, tag)
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
		page, err := s.st.ListTags(ctx, repo, store.ListOptions{After: after, Limit: 1000})
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

// registryFailed answers a delete the registry could not do: conflict when
// its deletes are disabled, unavailable otherwise; the database is not
// touched. The attempt is audited with what had been done.
func (s *Service) registryFailed(ctx context.Context, a Actor, action, object string, err error, progress string) error {
	var e *Error
	switch {
	case errors.Is(err, registryclient.ErrDeleteDisabled):
		e = &Error{Code: apiv1.CodeConflict, Err: err,
			Message: "the registry does not allow deletes: set storage.delete.enabled to true in its configuration (nothing was deleted)"}
	case errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.Canceled):
		e = AsError(err)
	default:
		e = &Error{Code: apiv1.CodeUnavailable, Err: err,
			Message: "the registry is unavailable; nothing was changed in Dockmaster, retry later"}
	}
	s.audit(ctx, a, action, object, "error", e.Message+" ("+progress+")")
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

// tag loads a tag of a repository a may pull, with a's actions on it.
func (s *Service) tag(ctx context.Context, a Actor, repo, tag string) (store.Tag, []rbac.Action, error) {
	_, acts, _, err := s.repository(ctx, a, repo)
	if err != nil {
		return store.Tag{}, nil, err
	}
	if !rbac.ValidTag(tag) {
		return store.Tag{}, nil, NotFound("tag %q not found", Truncate(tag, 130))
	}
	t, err := s.st.GetTag(ctx, repo, tag)
	if err != nil {
		return t, nil, StoreError(err, "tag \""+repo+":"+tag+"\"", "")
	}
	return t, acts, nil
}

// Tag loads a tag of a repository a may pull.
func (s *Service) Tag(ctx context.Context, a Actor, repo, tag string) (store.Tag, error) {
	t, _, err := s.tag(ctx, a, repo, tag)
	return t, err
}

// DeleteTag deletes a tag as a (the delete right). When a registry is configured
// the tag goes there first: DELETE /v2/<repo>/manifests/<tag>, which in
// distribution v3 removes that tag only; the manifest and its other tags
// stay (an untagged manifest goes at the registry's next garbage
// collection). Then the tag row. The audit records the digest the
// registry resolved.
func (s *Service) DeleteTag(ctx context.Context, a Actor, repo, tag string) error {
	obj := "repository/" + Truncate(repo, 300) + "/tag/" + Truncate(tag, 130)
	t, acts, err := s.tag(ctx, a, repo, tag)
	if err != nil {
		return s.deniedLookup(ctx, a, "tag.delete", obj, err)
	}
	if !HasAction(acts, rbac.Delete) {
		return s.deny(ctx, a, "tag.delete", obj, Forbidden("you may not delete tags of %q", repo))
	}
	detail := "digest=" + t.Digest + "; registry: not configured, database only"
	if reg := s.reg; reg != nil {
		digest, err := reg.ManifestDigest(ctx, t.Repository, t.Name)
		if err == nil {
			err = reg.DeleteManifest(ctx, t.Repository, t.Name)
		}
		switch {
		case err == nil:
			detail = "digest=" + digest + "; registry: tag deleted"
		case errors.Is(err, registryclient.ErrNotFound):
			detail = "digest=" + t.Digest + "; registry: already gone"
		default:
			return s.registryFailed(ctx, a, "tag.delete", obj, err, "digest="+t.Digest)
		}
	}
	// The registry's tag-delete event may have removed the row meanwhile.
	if err := s.st.DeleteTag(ctx, t.Repository, t.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.failed(ctx, a, "tag.delete", obj, StoreError(err, "tag \""+repo+":"+tag+"\"", ""))
	}
	s.done(ctx, a, "tag.delete", obj, detail)
	return nil
}

// checkDigest refuses what is not a digest (400 naming the field).
func checkDigest(d string) error {
	if len(d) > 256 {
		return Invalid("digest", "digest is longer than 256 characters")
	}
	if _, err := digest.Parse(d); err != nil {
		return Invalid("digest", "%q is not a digest (algorithm:hex, e.g. sha256:…)", Truncate(d, 100))
	}
	return nil
}

// maxAccessories bounds the accessories shown and deleted with a subject.
const maxAccessories = 1000

// Manifest loads a manifest of a repository a may pull, with its
// accessories (signatures, SBOMs, … that refer to it).
func (s *Service) Manifest(ctx context.Context, a Actor, repo, dgst string) (store.Manifest, []store.Manifest, error) {
	rp, _, _, err := s.repository(ctx, a, repo)
	if err != nil {
		return store.Manifest{}, nil, err
	}
	if err := checkDigest(dgst); err != nil {
		return store.Manifest{}, nil, err
	}
	m, err := s.st.GetManifest(ctx, rp.Name, dgst)
	if err != nil {
		return m, nil, StoreError(err, "manifest \""+repo+"@"+dgst+"\"", "")
	}
	all, err := s.st.ListManifests(ctx, store.ManifestFilter{Repository: rp.Name, Subject: dgst,
		ListOptions: store.ListOptions{Limit: maxAccessories}})
	if err != nil {
		return m, nil, StoreError(err, "manifest \""+repo+"@"+dgst+"\"", "")
	}
	// The referrers fallback index (tag sha256-<hex>) only lists the
	// accessories: shown are they, not it (it goes with them on delete).
	acc := all[:0]
	for _, a := range all {
		if !(mediatype.IsIndex(a.MediaType) && a.ArtifactType == "") {
			acc = append(acc, a)
		}
	}
	return m, acc, nil
}

// accessoryDigests is every accessory of dgst the catalog knows (and
// theirs, a few levels down), then what the registry's fallback tags of
// dgst resolve to: what must go before the subject.
func (s *Service) accessoryDigests(ctx context.Context, reg Registry, repo, dgst string) ([]string, error) {
	var out []string
	seen := map[string]bool{dgst: true}
	level := []string{dgst}
	for depth := 0; depth < 4 && len(level) > 0; depth++ {
		var next []string
		for _, d := range level {
			acc, err := s.st.ListManifests(ctx, store.ManifestFilter{Repository: repo, Subject: d,
				ListOptions: store.ListOptions{Limit: maxAccessories}})
			if err != nil {
				return nil, err
			}
			for _, m := range acc {
				if !seen[m.Digest] {
					seen[m.Digest] = true
					next = append(next, m.Digest)
				}
			}
		}
		out = append(out, next...)
		level = next
	}
	if reg == nil {
		return out, nil
	}
	tags, err := reg.Tags(ctx, repo)
	if err != nil && !errors.Is(err, registryclient.ErrNotFound) {
		return nil, err
	}
	for _, tag := range tags {
		if sub, ok := mediatype.FallbackSubject(tag); !ok || sub != dgst {
			continue
		}
		d, err := reg.ManifestDigest(ctx, repo, tag)
		if errors.Is(err, registryclient.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

// DeleteManifest deletes a manifest by digest as a (the delete right):
// its accessories first, then the manifest — in the registry first (which
// removes every tag on them, fallback tags included), then in the
// catalog. A registry failure leaves the catalog as it was.
func (s *Service) DeleteManifest(ctx context.Context, a Actor, repo, dgst string) error {
	obj := "repository/" + Truncate(repo, 300) + "/manifest/" + Truncate(dgst, 100)
	rp, acts, _, err := s.repository(ctx, a, repo)
	if err != nil {
		return s.deniedLookup(ctx, a, "manifest.delete", obj, err)
	}
	if err := checkDigest(dgst); err != nil {
		return err
	}
	if !HasAction(acts, rbac.Delete) {
		return s.deny(ctx, a, "manifest.delete", obj, Forbidden("you may not delete manifests of %q", repo))
	}
	if _, err := s.st.GetManifest(ctx, rp.Name, dgst); err != nil {
		return s.deniedLookup(ctx, a, "manifest.delete", obj, StoreError(err, "manifest \""+repo+"@"+dgst+"\"", ""))
	}
	var reg Registry
	if s.reg != nil {
		reg = s.reg
	}
	acc, err := s.accessoryDigests(ctx, reg, rp.Name, dgst)
	if err != nil {
		if reg != nil {
			return s.registryFailed(ctx, a, "manifest.delete", obj, err, "listing accessories")
		}
		return s.failed(ctx, a, "manifest.delete", obj, StoreError(err, "manifest \""+repo+"@"+dgst+"\"", ""))
	}
	detail := "accessories: " + digestList(acc) + "; registry: not configured, database only"
	if reg != nil {
		var deleted []string
		// Accessories of accessories came last: delete from the end, so
		// nothing is left pointing at a deleted manifest.
		for i := len(acc) - 1; i >= -1; i-- {
			d := dgst
			if i >= 0 {
				d = acc[i]
			}
			err := reg.DeleteManifest(ctx, rp.Name, d)
			if err != nil && !errors.Is(err, registryclient.ErrNotFound) {
				return s.registryFailed(ctx, a, "manifest.delete", obj, err,
					fmt.Sprintf("deleted %d of %d manifests before the failure: %s", len(deleted), len(acc)+1, digestList(deleted)))
			}
			deleted = append(deleted, d)
		}
		detail = "accessories: " + digestList(acc) + "; registry: deleted"
	}
	if err := s.st.DeleteManifest(ctx, rp.Name, dgst); err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.failed(ctx, a, "manifest.delete", obj, StoreError(err, "manifest \""+repo+"@"+dgst+"\"", ""))
	}
	s.done(ctx, a, "manifest.delete", obj, detail)
	return nil
}
