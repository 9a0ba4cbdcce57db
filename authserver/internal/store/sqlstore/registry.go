package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Every change to one repository (events, sync) first takes this lock, so the
// read-compare-write steps below cannot interleave on PostgreSQL; SQLite's
// single writer serializes them anyway.
func lockRepository(t *dbtx, name string) error { return t.lock(repositoryLockKey(name)) }

func repositoryLockKey(name string) string { return "registry-repository:" + name }

// version is what is recorded about a tag, repository or manifest.
type version struct {
	found     bool
	changedAt time.Time // tags and repositories: the last applied change
	deleted   bool      // tags: the last change was a delete (a tombstone)
	deletedAt time.Time // repositories and manifests: the last delete
}

func tagVersion(t *dbtx, repo, tag string) (version, error) {
	var v version
	err := t.get(`SELECT changed_at, deleted FROM tag_versions WHERE repository = ? AND name = ?`,
		[]any{repo, tag}, tsScan(&v.changedAt), &v.deleted)
	if errors.Is(err, ErrNoRows) {
		return v, nil
	}
	v.found = err == nil
	return v, err
}

func setTagVersion(t *dbtx, repo, tag string, at time.Time, deleted bool) error {
	return t.execBatch(upsertTagVersions(nil, [][]any{tagVersionArgs(repo, tag, at, deleted)})...)
}

func repositoryVersion(t *dbtx, repo string) (version, error) {
	var v version
	err := t.get(`SELECT changed_at, deleted_at FROM repository_versions WHERE name = ?`,
		[]any{repo}, tsScan(&v.changedAt), tsScan(&v.deletedAt))
	if errors.Is(err, ErrNoRows) {
		return v, nil
	}
	v.found = err == nil
	return v, err
}

// touchRepositoryVersion moves the repository's changed_at (and, for a
// repository delete, deleted_at) forward to at; it never moves them back.
func touchRepositoryVersion(t *dbtx, repo string, at time.Time, deleted bool) error {
	st := touchRepositoryVersionStmt(repo, at, deleted)
	_, err := t.exec(st.Q, st.Args...)
	return err
}

// touchRepositoryVersionStmt is touchRepositoryVersion's one statement.
func touchRepositoryVersionStmt(repo string, at time.Time, deleted bool) Stmt {
	var del time.Time
	if deleted {
		del = at
	}
	return Stmt{Q: `INSERT INTO repository_versions (name, changed_at, deleted_at) VALUES (?, ?, ?)` + touchRepositoryVersionConflict,
		Args: []any{repo, ts(at), ts(del)}}
}

// touchRepositoryVersionConflict moves changed_at and deleted_at forward only.
const touchRepositoryVersionConflict = ` ON CONFLICT (name) DO UPDATE SET
		changed_at = CASE WHEN repository_versions.changed_at IS NULL OR excluded.changed_at > repository_versions.changed_at
			THEN excluded.changed_at ELSE repository_versions.changed_at END,
		deleted_at = CASE WHEN excluded.deleted_at IS NOT NULL AND
			(repository_versions.deleted_at IS NULL OR excluded.deleted_at > repository_versions.deleted_at)
			THEN excluded.deleted_at ELSE repository_versions.deleted_at END`

func manifestDeletedAt(t *dbtx, repo, digest string) (time.Time, error) {
	var at time.Time
	err := t.get(`SELECT deleted_at FROM manifest_tombstones WHERE repository = ? AND digest = ?`,
		[]any{repo, digest}, tsScan(&at))
	if errors.Is(err, ErrNoRows) {
		return time.Time{}, nil
	}
	return at, err
}

// pushState is what decides a push (readPushStates); with an owner team
// given, also whether the push's namespace and that team exist.
type pushState struct {
	repoDeleted, manifestDeleted time.Time
	tag                          version
	namespaceRows, teamRows      int
}

// allowed reports whether a push (or a listed tag) at time at is newer
// than every delete recorded for the repository, the manifest and the tag,
// and than the tag's last change; equal times keep what is recorded. A
// missing record reads as the zero time, older than any change.
func (st pushState) allowed(tag, digest string, at time.Time) (bool, version) {
	if !at.After(st.repoDeleted) {
		return false, version{}
	}
	if digest != "" && !at.After(st.manifestDeleted) {
		return false, version{}
	}
	if tag == "" {
		return true, version{}
	}
	if st.tag.found && !at.After(st.tag.changedAt) {
		return false, st.tag
	}
	return true, st.tag
}

// ensureRepository creates the repository row if it is missing, and its
// namespace (private, owned by ownerTeam) when that is missing too.
func ensureRepository(t *dbtx, repo, ownerTeam string, now time.Time) (created bool, err error) {
	namespace, global := rbac.NamespaceOf(repo)
	n, err := t.exec(`INSERT INTO repositories (name, namespace, description, pull_count, created_at, updated_at)
		VALUES (?, ?, '', 0, ?, ?) ON CONFLICT (name) DO NOTHING`, repo, namespace, ts(now), ts(now))
	if err != nil {
		return false, fmt.Errorf("repository %q: %w", repo, err)
	}
	if global || ownerTeam == "" || !rbac.ValidComponent(namespace) || rbac.IsReserved(namespace) {
		return n > 0, nil
	}
	exists, err := t.exists(`SELECT 1 FROM namespaces WHERE name = ?`, namespace)
	if err != nil || exists {
		return n > 0, err
	}
	// Only the protected team (security 40): a team that merely carries
	// the name gets nothing.
	team, err := t.exists(`SELECT 1 FROM teams WHERE name = ? AND protected = TRUE`, ownerTeam)
	if err != nil || !team {
		return n > 0, err
	}
	if _, err := t.exec(`INSERT INTO namespaces (name, team, owner, visibility, description, created_at, updated_at)
		VALUES (?, ?, NULL, ?, '', ?, ?) ON CONFLICT (name) DO NOTHING`,
		namespace, ownerTeam, string(rbac.Private), ts(now), ts(now)); err != nil {
		return false, fmt.Errorf("namespace %q: %w", namespace, err)
	}
	return n > 0, nil
}

// removeTag deletes a tag and leaves a tombstone at at.
func removeTag(t *dbtx, repo, tag string, at time.Time) error {
	if _, err := t.exec(`DELETE FROM tags WHERE repository = ? AND name = ?`, repo, tag); err != nil {
		return fmt.Errorf("repository %q tag %q: %w", repo, tag, err)
	}
	return setTagVersion(t, repo, tag, at, true)
}

// orEpoch stands in for an unknown time: older than any change.
func orEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t
}

// tagLastChanges returns the last recorded change of every tag of repo: its
// version, or its pushed_at when no event or sync has touched it.
func tagLastChanges(t *dbtx, repo string) (map[string]tagRow, error) {
	out := map[string]tagRow{}
	err := t.query(`SELECT tags.name, tags.digest, tags.media_type, tags.size, tags.pushed_at, tag_versions.changed_at
		FROM tags LEFT JOIN tag_versions ON tag_versions.repository = tags.repository AND tag_versions.name = tags.name
		WHERE tags.repository = ?`, []any{repo}, func(scan func(...any) error) error {
		var r tagRow
		var pushedAt, changedAt time.Time
		if err := scan(&r.Name, &r.Digest, &r.MediaType, &r.Size, tsScan(&pushedAt), tsScan(&changedAt)); err != nil {
			return err
		}
		r.changedAt = changedAt
		if changedAt.IsZero() {
			r.changedAt = pushedAt
		}
		out[r.Name] = r
		return nil
	})
	return out, err
}

type tagRow struct {
	store.TagState
	changedAt time.Time
}

// ApplyEvent records e.ID and applies e once; see store.RegistryStore.
func (s *Store) ApplyEvent(ctx context.Context, e store.RegistryEvent, ownerTeam string) (bool, error) {
	if err := checkEvent(e); err != nil {
		return false, err
	}
	now := s.now()
	var applied bool
	err := s.write(ctx, func(t *dbtx) (err error) {
		applied, err = applyEvent(t, e, now, ownerTeam)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("registry event %q: %w", e.ID, err)
	}
	return applied, nil
}

// ApplyEvents is ApplyEvent for many events in one transaction (group
// commit): either all of them are durable when it returns nil, or none is.
// They are applied in order, each id once — also when an id appears twice
// in evs. applied[i] tells whether evs[i] was new.
func (s *Store) ApplyEvents(ctx context.Context, evs []store.RegistryEvent, ownerTeam string) ([]bool, error) {
	for _, e := range evs {
		if err := checkEvent(e); err != nil {
			return nil, err
		}
	}
	// The repositories' locks are taken up front in one order, so two
	// batches touching the same repositories cannot deadlock (PostgreSQL).
	repos := make([]string, 0, len(evs))
	for _, e := range evs {
		repos = append(repos, e.Repository)
	}
	slices.Sort(repos)
	repos = slices.Compact(repos)
	now := s.now()
	applied := make([]bool, len(evs))
	keys := make([]string, len(repos))
	for i, r := range repos {
		keys[i] = repositoryLockKey(r)
	}
	err := s.write(ctx, func(t *dbtx) error {
		clear(applied)
		if err := t.lockAll(keys); err != nil {
			return err
		}
		fresh, err := insertEventIDs(t, evs, now)
		if err != nil {
			return err
		}
		todo := make([]store.RegistryEvent, 0, len(fresh))
		for i, e := range evs {
			if !fresh[e.ID] {
				continue // seen before, or earlier in this batch
			}
			delete(fresh, e.ID)
			todo = append(todo, e)
			applied[i] = true
		}
		if err := countActivity(t, todo, now); err != nil {
			return err
		}
		return applyFresh(t, todo, now, ownerTeam)
	})
	if err != nil {
		return nil, fmt.Errorf("registry events (%d): %w", len(evs), err)
	}
	return applied, nil
}

func checkEvent(e store.RegistryEvent) error {
	if e.ID == "" || e.Repository == "" {
		return errors.New("registry event: id and repository are required")
	}
	return nil
}

// insertEventIDs records the ids of evs, one statement per chunk of rows
// (see chunks), and returns those that were not recorded before.
func insertEventIDs(t *dbtx, evs []store.RegistryEvent, now time.Time) (map[string]bool, error) {
	fresh := make(map[string]bool, len(evs))
	for start, n := range chunks(len(evs)) {
		var q strings.Builder
		q.WriteString(`INSERT INTO registry_events (id, action, repository, received_at) VALUES `)
		args := make([]any, 0, 4*n)
		for i, e := range evs[start : start+n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, e.ID, e.Action, e.Repository, ts(now))
		}
		q.WriteString(` ON CONFLICT (id) DO NOTHING RETURNING id`)
		err := t.query(q.String(), args, func(scan func(...any) error) error {
			var id string
			if err := scan(&id); err != nil {
				return err
			}
			fresh[id] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

// applyEvent records e.ID and, when it is new, applies e in t.
func applyEvent(t *dbtx, e store.RegistryEvent, now time.Time, ownerTeam string) (bool, error) {
	n, err := t.exec(`INSERT INTO registry_events (id, action, repository, received_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, e.ID, e.Action, e.Repository, ts(now))
	if err != nil || n == 0 {
		return false, err
	}
	if err := lockRepository(t, e.Repository); err != nil {
		return false, err
	}
	if err := countActivity(t, []store.RegistryEvent{e}, now); err != nil {
		return false, err
	}
	if err := applyRecorded(t, e, now, ownerTeam); err != nil {
		return false, err
	}
	return true, nil
}

// applyRecorded applies e, whose id was just recorded; the caller holds
// its repository's lock.
func applyRecorded(t *dbtx, e store.RegistryEvent, now time.Time, ownerTeam string) (err error) {
	at := eventTime(e.Timestamp, now)
	switch e.Action {
	case store.ActionPush:
		err = applyPushes(t, []store.RegistryEvent{e}, now, ownerTeam)
	case store.ActionPull:
		err = applyPull(t, e, at)
	case store.ActionDelete:
		switch {
		case e.Tag != "":
			err = applyTagDelete(t, e.Repository, e.Tag, at)
		case e.Digest != "":
			err = applyManifestDelete(t, e.Repository, e.Digest, at)
		default:
			err = applyRepositoryDelete(t, e.Repository, at)
		}
	}
	// other actions: only the id is kept
	return err
}

// applyPull counts a pull; pulls of repositories or tags not (yet) known are
// only recorded by id.
func applyPull(t *dbtx, e store.RegistryEvent, at time.Time) error {
	if _, err := t.exec(`UPDATE repositories SET pull_count = pull_count + 1,
		last_pulled_at = CASE WHEN last_pulled_at IS NULL OR last_pulled_at < ? THEN ? ELSE last_pulled_at END
		WHERE name = ?`, ts(at), ts(at), e.Repository); err != nil {
		return fmt.Errorf("repository %q: %w", e.Repository, err)
	}
	if e.Tag == "" {
		return nil
	}
	if _, err := t.exec(`UPDATE tags SET pull_count = pull_count + 1,
		last_pulled_at = CASE WHEN last_pulled_at IS NULL OR last_pulled_at < ? THEN ? ELSE last_pulled_at END
		WHERE repository = ? AND name = ?`, ts(at), ts(at), e.Repository, e.Tag); err != nil {
		return fmt.Errorf("repository %q tag %q: %w", e.Repository, e.Tag, err)
	}
	return nil
}

func applyTagDelete(t *dbtx, repo, tag string, at time.Time) error {
	tv, err := tagVersion(t, repo, tag)
	if err != nil {
		return err
	}
	if tv.found && !at.After(tv.changedAt) {
		return nil
	}
	if err := removeTag(t, repo, tag, at); err != nil {
		return err
	}
	return touchRepositoryVersion(t, repo, at, false)
}

func applyManifestDelete(t *dbtx, repo, digest string, at time.Time) error {
	tags, err := tagLastChanges(t, repo)
	if err != nil {
		return err
	}
	for _, tg := range tags {
		if tg.Digest == digest && !tg.changedAt.After(at) {
			// The tombstone keeps the tag's own time: the manifest
			// tombstone below stops older pushes of this digest, while a
			// retag to another digest that happened before this delete
			// but arrives after it must still apply.
			if err := removeTag(t, repo, tg.Name, orEpoch(tg.changedAt)); err != nil {
				return err
			}
		}
	}
	if err := deleteManifestBefore(t, repo, digest, at); err != nil {
		return err
	}
	del, err := manifestDeletedAt(t, repo, digest)
	if err != nil {
		return err
	}
	if at.After(del) {
		if _, err := t.exec(`INSERT INTO manifest_tombstones (repository, digest, deleted_at) VALUES (?, ?, ?)
			ON CONFLICT (repository, digest) DO UPDATE SET deleted_at = excluded.deleted_at`,
			repo, digest, ts(at)); err != nil {
			return err
		}
	}
	return touchRepositoryVersion(t, repo, at, false)
}

// applyRepositoryDelete removes every tag not changed after at, and the
// repository itself unless something in it is newer than at.
func applyRepositoryDelete(t *dbtx, repo string, at time.Time) error {
	rv, err := repositoryVersion(t, repo)
	if err != nil {
		return err
	}
	_, err = removeRepositoryBefore(t, repo, at, rv.found && rv.changedAt.After(at))
	if err != nil {
		return err
	}
	return touchRepositoryVersion(t, repo, at, true)
}

// removeRepositoryBefore deletes the tags of repo last changed at or before
// at (leaving tombstones at at) and then the repository row, unless keepRow
// or a newer tag remains.
func removeRepositoryBefore(t *dbtx, repo string, at time.Time, keepRow bool) (store.ReconcileResult, error) {
	var res store.ReconcileResult
	tags, err := tagLastChanges(t, repo)
	if err != nil {
		return res, err
	}
	remaining := 0
	for _, tg := range tags {
		if tg.changedAt.After(at) {
			remaining++
			continue
		}
		if err := removeTag(t, repo, tg.Name, at); err != nil {
			return res, err
		}
		res.Deleted++
	}
	if remaining > 0 || keepRow {
		// The row stays: so do the manifests pushed after at.
		if _, err := t.exec(`DELETE FROM manifests WHERE repository = ? AND changed_at <= ?`, repo, ts(at)); err != nil {
			return res, fmt.Errorf("repository %q: manifests: %w", repo, err)
		}
		return res, nil
	}
	n, err := t.exec(`DELETE FROM repositories WHERE name = ?`, repo)
	if err != nil {
		return res, fmt.Errorf("repository %q: %w", repo, err)
	}
	res.RepositoryDeleted = n > 0
	return res, nil
}

// RegistryState returns every repository with its tags, sorted by name.
func (s *Store) RegistryState(ctx context.Context) ([]store.RepositoryState, error) {
	var out []store.RepositoryState
	err := s.readN(ctx, bulkFactor, func(t *dbtx) error {
		out = []store.RepositoryState{}
		index := map[string]int{}
		if err := t.query(`SELECT name FROM repositories ORDER BY name`, nil, func(scan func(...any) error) error {
			var name string
			if err := scan(&name); err != nil {
				return err
			}
			index[name] = len(out)
			out = append(out, store.RepositoryState{Name: name, Tags: []store.TagState{}})
			return nil
		}); err != nil {
			return err
		}
		return t.query(`SELECT repository, name, digest, media_type, size FROM tags ORDER BY repository, name`, nil,
			func(scan func(...any) error) error {
				var repo string
				var tg store.TagState
				if err := scan(&repo, &tg.Name, &tg.Digest, &tg.MediaType, &tg.Size); err != nil {
					return err
				}
				if i, ok := index[repo]; ok {
					out[i].Tags = append(out[i].Tags, tg)
				}
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("registry state: %w", err)
	}
	return out, nil
}

// ReconcileRepository makes one repository match a complete tag listing; see
// store.RegistryStore.
func (s *Store) ReconcileRepository(ctx context.Context, r store.Reconcile) (store.ReconcileResult, error) {
	var res store.ReconcileResult
	if r.Repository == "" || r.Snapshot.IsZero() {
		return res, errors.New("reconcile: repository and snapshot are required")
	}
	now := s.now()
	at := r.Snapshot.UTC().Truncate(time.Microsecond)
	err := s.write(ctx, func(t *dbtx) error {
		res = store.ReconcileResult{}
		if err := lockRepository(t, r.Repository); err != nil {
			return err
		}
		if err := forgetFutureVersions(t, r.Repository, now); err != nil {
			return err
		}
		rv, err := repositoryVersion(t, r.Repository)
		if err != nil {
			return err
		}
		if rv.found && !at.After(rv.deletedAt) {
			return nil // deleted after the snapshot: the listing is stale
		}
		res.RepositoryCreated, err = ensureRepository(t, r.Repository, r.OwnerTeam, now)
		if err != nil {
			return err
		}
		current, err := tagLastChanges(t, r.Repository)
		if err != nil {
			return err
		}
		// What decides each listed tag, read in one statement per chunk.
		var tags []store.TagState
		var keys []store.RegistryEvent
		listed := make(map[string]bool, len(r.Tags))
		for _, tg := range r.Tags {
			if !listed[tg.Name] {
				listed[tg.Name] = true
				tags = append(tags, tg)
				keys = append(keys, store.RegistryEvent{Repository: r.Repository, Tag: tg.Name, Digest: tg.Digest})
			}
		}
		states, err := readPushStates(t, keys, "")
		if err != nil {
			return err
		}
		var tagRows, versionRows [][]any
		var manifests manifestSet
		for i, tg := range tags {
			old, exists := current[tg.Name]
			ok, tv := states[i].allowed(tg.Name, tg.Digest, at)
			// An unchanged tag's manifest is recorded already (with the
			// tag, or by migration 0008): no write on a no-change run.
			unchanged := ok && exists && old.TagState == tg
			if manifestOK, _ := states[i].allowed("", tg.Digest, at); manifestOK && tg.Digest != "" && !unchanged {
				manifests.add(manifestRow(r.Repository, tg.Digest, tg.MediaType, tg.Size, fallbackSubject(tg.Name), "", at))
			}
			if !ok {
				continue // something newer than the snapshot is recorded
			}
			if exists && old.TagState == tg {
				// Unchanged: record that it was current at the snapshot, so
				// older events arriving late do not override it.
				if !tv.found || at.After(tv.changedAt) {
					versionRows = append(versionRows, tagVersionArgs(r.Repository, tg.Name, at, false))
				}
				continue
			}
			tagRows = append(tagRows, tagArgs(r.Repository, tg, "", at))
			versionRows = append(versionRows, tagVersionArgs(r.Repository, tg.Name, at, false))
			if exists {
				res.Updated++
			} else {
				res.Added++
			}
		}
		if stmts := upsertTagVersions(upsertTags(upsertManifests(nil, manifests.rows), tagRows), versionRows); len(stmts) > 0 {
			if err := t.execBatch(stmts...); err != nil {
				return fmt.Errorf("repository %q: tags: %w", r.Repository, err)
			}
		}
		for name, tg := range current {
			if r.KeepUnlisted || listed[name] || tg.changedAt.After(at) {
				continue
			}
			if err := removeTag(t, r.Repository, name, at); err != nil {
				return err
			}
			res.Deleted++
		}
		// The listing is the repository's state as of the snapshot; a late
		// repository delete older than that must not remove it.
		if err := touchRepositoryVersion(t, r.Repository, at, false); err != nil {
			return err
		}
		if res.Added+res.Updated+res.Deleted > 0 || res.RepositoryCreated {
			if _, err := t.exec(`UPDATE repositories SET updated_at = ? WHERE name = ?`, ts(now), r.Repository); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return store.ReconcileResult{}, fmt.Errorf("reconcile %q: %w", r.Repository, err)
	}
	return res, nil
}

// RemoveRepository deletes a repository the registry no longer lists, unless
// it or one of its tags changed after snapshot.
func (s *Store) RemoveRepository(ctx context.Context, name string, snapshot time.Time) (store.ReconcileResult, error) {
	var res store.ReconcileResult
	if snapshot.IsZero() {
		return res, errors.New("remove repository: snapshot is required")
	}
	at := snapshot.UTC().Truncate(time.Microsecond)
	err := s.write(ctx, func(t *dbtx) error {
		res = store.ReconcileResult{}
		if err := lockRepository(t, name); err != nil {
			return err
		}
		if err := forgetFutureVersions(t, name, s.now()); err != nil {
			return err
		}
		exists, err := t.exists(`SELECT 1 FROM repositories WHERE name = ?`, name)
		if err != nil || !exists {
			return err
		}
		// Registry times (events, sync snapshots) decide, not created_at:
		// that is the store's clock, and a repository created by a late
		// event may well be older than the snapshot.
		rv, err := repositoryVersion(t, name)
		if err != nil {
			return err
		}
		if rv.found && rv.changedAt.After(at) {
			return nil
		}
		tags, err := tagLastChanges(t, name)
		if err != nil {
			return err
		}
		for _, tg := range tags {
			if tg.changedAt.After(at) {
				return nil
			}
		}
		res, err = removeRepositoryBefore(t, name, at, false)
		if err != nil {
			return err
		}
		return touchRepositoryVersion(t, name, at, true)
	})
	if err != nil {
		return store.ReconcileResult{}, fmt.Errorf("remove repository %q: %w", name, err)
	}
	return res, nil
}

// PruneRegistryHistory forgets event ids and tombstones older than before.
// Live tags keep their versions.
func (s *Store) PruneRegistryHistory(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := s.writeN(ctx, bulkFactor, func(t *dbtx) error {
		total = 0
		for _, q := range []string{
			`DELETE FROM registry_events WHERE received_at < ?`,
			`DELETE FROM tag_versions WHERE deleted = TRUE AND changed_at < ?`,
			`DELETE FROM manifest_tombstones WHERE deleted_at < ?`,
			`DELETE FROM repository_versions WHERE changed_at < ?
				AND NOT EXISTS (SELECT 1 FROM repositories WHERE repositories.name = repository_versions.name)`,
		} {
			n, err := t.exec(q, ts(before))
			if err != nil {
				return err
			}
			total += n
		}
		// The day before is in stays whole.
		n, err := t.exec(`DELETE FROM repository_activity WHERE day < ?`, ts(activityDay(before)))
		total += n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune registry history: %w", err)
	}
	return total, nil
}
