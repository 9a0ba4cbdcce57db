package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TagCount is derived from the tags table, so it is always consistent.
const repositoryCols = `name, namespace, description,
	(SELECT count(*) FROM tags WHERE tags.repository = repositories.name AND ` + notFallbackTag + `),
	pull_count, last_pulled_at, created_at, updated_at`

func scanRepository(scan func(...any) error) (store.Repository, error) {
	var r store.Repository
	err := scan(&r.Name, &r.Namespace, &r.Description, &r.TagCount, &r.PullCount,
		tsScan(&r.LastPulledAt), tsScan(&r.CreatedAt), tsScan(&r.UpdatedAt))
	return r, err
}

const tagCols = `repository, name, digest, media_type, size, pushed_by, pushed_at, last_pulled_at, pull_count`

// tagSelect reads tags with what is known of their manifests (scanTag).
const tagSelect = `SELECT tags.repository, tags.name, tags.digest, tags.media_type, tags.size, tags.pushed_by,
	tags.pushed_at, tags.last_pulled_at, tags.pull_count, coalesce(manifests.kind, ''), coalesce(manifests.artifact_type, '')
	FROM tags LEFT JOIN manifests ON manifests.repository = tags.repository AND manifests.digest = tags.digest`

func scanTag(scan func(...any) error) (store.Tag, error) {
	var tg store.Tag
	err := scan(&tg.Repository, &tg.Name, &tg.Digest, &tg.MediaType, &tg.Size, &tg.PushedBy,
		tsScan(&tg.PushedAt), tsScan(&tg.LastPulledAt), &tg.PullCount, &tg.Kind, &tg.ArtifactType)
	return tg, err
}

func repositoryExists(t *dbtx, name string) error {
	return mustExist(t, "repository", `SELECT 1 FROM repositories WHERE name = ?`, name)
}

// PutTag creates the repository if needed and upserts the tag; a zero
// PushedAt means now.
func (s *Store) PutTag(ctx context.Context, tg store.Tag) error {
	now := s.now()
	tg.PushedAt = orNow(tg.PushedAt, now)
	namespace, _ := rbac.NamespaceOf(tg.Repository)
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`INSERT INTO repositories (name, namespace, description, pull_count, created_at, updated_at)
			VALUES (?, ?, '', 0, ?, ?) ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`,
			tg.Repository, namespace, ts(now), ts(now)); err != nil {
			return fmt.Errorf("repository %q: %w", tg.Repository, err)
		}
		if _, err := t.exec(`INSERT INTO tags (`+tagCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, media_type = excluded.media_type,
			size = excluded.size, pushed_by = excluded.pushed_by, pushed_at = excluded.pushed_at,
			last_pulled_at = excluded.last_pulled_at, pull_count = excluded.pull_count`,
			tg.Repository, tg.Name, tg.Digest, tg.MediaType, tg.Size, tg.PushedBy,
			ts(tg.PushedAt), ts(tg.LastPulledAt), tg.PullCount); err != nil {
			return fmt.Errorf("repository %q tag %q: %w", tg.Repository, tg.Name, err)
		}
		if tg.Digest != "" {
			if err := t.execBatch(upsertManifests(nil, [][]any{manifestRow(tg.Repository, tg.Digest, tg.MediaType, tg.Size,
				fallbackSubject(tg.Name), tg.PushedBy, tg.PushedAt)})...); err != nil {
				return fmt.Errorf("repository %q manifest %q: %w", tg.Repository, tg.Digest, err)
			}
		}
		return nil
	})
}

// GetRepository returns one repository.
func (s *Store) GetRepository(ctx context.Context, name string) (store.Repository, error) {
	var r store.Repository
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		r, err = scanRepository(func(dest ...any) error {
			return t.get(`SELECT `+repositoryCols+` FROM repositories WHERE name = ?`, []any{name}, dest...)
		})
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return r, fmt.Errorf("repository %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("repository %q: %w", name, err)
	}
	return r, nil
}

// ListRepositories pages repositories by name. Namespace, when set, is an
// exact match; Namespaces, when non-nil, restricts to that set ("" is the
// global namespace; an empty set matches nothing).
func (s *Store) ListRepositories(ctx context.Context, rf store.RepositoryFilter) ([]store.Repository, error) {
	out := []store.Repository{}
	if rf.Namespaces != nil && len(rf.Namespaces) == 0 {
		return out, nil
	}
	var f filter
	if rf.Namespace != "" {
		f.add("namespace = ?", rf.Namespace)
	}
	if rf.Namespaces != nil {
		args := make([]any, len(rf.Namespaces))
		for i, ns := range rf.Namespaces {
			args[i] = ns
		}
		f.add("namespace IN (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	}
	if rf.Kind != "" {
		kinds := []any{rf.Kind, rf.Kind}
		if rf.Kind == mediatype.KindUnknown {
			kinds[1] = ""
		}
		f.add(`EXISTS (SELECT 1 FROM manifests WHERE manifests.repository = repositories.name AND manifests.kind IN (?, ?))`, kinds...)
	}
	f.page("name", rf.ListOptions)
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+repositoryCols+` FROM repositories`+f.where()+` ORDER BY name LIMIT ?`,
			append(f.args, limit(rf.Limit)), func(scan func(...any) error) error {
				r, err := scanRepository(scan)
				out = append(out, r)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	return out, nil
}

// UpdateRepository replaces Description, PullCount and LastPulledAt.
func (s *Store) UpdateRepository(ctx context.Context, r store.Repository) error {
	r.UpdatedAt = orNow(r.UpdatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("repository %q", r.Name),
			`UPDATE repositories SET description = ?, pull_count = ?, last_pulled_at = ?, updated_at = ?
			WHERE name = ?`, r.Description, r.PullCount, ts(r.LastPulledAt), ts(r.UpdatedAt), r.Name)
	})
}

// DeleteRepository removes the repository and its tags.
func (s *Store) DeleteRepository(ctx context.Context, name string) error {
	return s.write(ctx, func(t *dbtx) error {
		return t.execFound(fmt.Sprintf("repository %q", name), `DELETE FROM repositories WHERE name = ?`, name)
	})
}

// GetTag returns one tag.
func (s *Store) GetTag(ctx context.Context, repo, tag string) (store.Tag, error) {
	var tg store.Tag
	err := s.readOne(ctx, func(t *dbtx) (err error) {
		tg, err = scanTag(func(dest ...any) error {
			return t.get(tagSelect+` WHERE tags.repository = ? AND tags.name = ?`, []any{repo, tag}, dest...)
		})
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return tg, fmt.Errorf("repository %q tag %q: %w", repo, tag, store.ErrNotFound)
	}
	if err != nil {
		return tg, fmt.Errorf("repository %q tag %q: %w", repo, tag, err)
	}
	return tg, nil
}

// ListTags pages a repository's tags by name.
func (s *Store) ListTags(ctx context.Context, repo string, opt store.ListOptions) ([]store.Tag, error) {
	var f filter
	f.add("tags.repository = ?", repo)
	f.add(notFallbackTag)
	f.page("tags.name", opt)
	out := []store.Tag{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := repositoryExists(t, repo); err != nil {
			return err
		}
		return t.query(tagSelect+f.where()+` ORDER BY tags.name LIMIT ?`,
			append(f.args, limit(opt.Limit)), func(scan func(...any) error) error {
				tg, err := scanTag(scan)
				out = append(out, tg)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return out, nil
}

// DeleteTag removes one tag; the repository stays.
func (s *Store) DeleteTag(ctx context.Context, repo, tag string) error {
	now := s.now()
	return s.write(ctx, func(t *dbtx) error {
		if err := t.execFound(fmt.Sprintf("repository %q tag %q", repo, tag),
			`DELETE FROM tags WHERE repository = ? AND name = ?`, repo, tag); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE repositories SET updated_at = ? WHERE name = ?`, ts(now), repo); err != nil {
			return fmt.Errorf("repository %q: %w", repo, err)
		}
		return nil
	})
}
