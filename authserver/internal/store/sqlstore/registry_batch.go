package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// applyFresh applies the newly recorded events of a batch, in order; the
// caller holds the locks of their repositories. A run of pushes — what the
// registry mostly sends — is decided from one read and written with a few
// multi-row statements instead of a read and five writes per event: on
// PostgreSQL, statements are what an event costs. Other events are applied
// one by one between the runs.
func applyFresh(t *dbtx, evs []store.RegistryEvent, now time.Time, ownerTeam string) error {
	for i := 0; i < len(evs); {
		j := i
		for j < len(evs) && evs[j].Action == store.ActionPush {
			j++
		}
		if j > i {
			if err := applyPushes(t, evs[i:j], now, ownerTeam); err != nil {
				return err
			}
			i = j
			continue
		}
		if err := applyRecorded(t, evs[i], now, ownerTeam); err != nil {
			return fmt.Errorf("registry event %q: %w", evs[i].ID, err)
		}
		i++
	}
	return nil
}

// pushTarget is what a push may create: its namespace and the team that
// would own it ("" and "" when it may create none).
func pushTarget(repo, ownerTeam string) (namespace, createNS, team string) {
	namespace, global := rbac.NamespaceOf(repo)
	if !global && ownerTeam != "" && rbac.ValidComponent(namespace) && !rbac.IsReserved(namespace) {
		return namespace, namespace, ownerTeam
	}
	return namespace, "", ""
}

// applyPushes applies pushes with the outcome of applying them one after
// the other (a single push is a run of one): each is decided against what
// is recorded plus the pushes before it in evs (a push only changes its
// tag's version and may create its namespace), then all accepted ones are
// written together.
func applyPushes(t *dbtx, evs []store.RegistryEvent, now time.Time, ownerTeam string) error {
	states, err := readPushStates(t, evs, ownerTeam)
	if err != nil {
		return err
	}
	type tagKey struct{ repo, tag string }
	tagSeen := map[tagKey]version{}
	nsMade := map[string]bool{}
	var w pushWrites
	for i, e := range evs {
		st := states[i]
		at := eventTime(e.Timestamp, now)
		k := tagKey{e.Repository, e.Tag}
		if v, ok := tagSeen[k]; ok && e.Tag != "" {
			st.tag = v
		}
		tagOK, _ := st.allowed(e.Tag, e.Digest, at)
		// A newer change of the tag refuses the tag, not the manifest: the
		// registry holds it (untagged, if nothing else points at it).
		manifestOK, _ := st.allowed("", e.Digest, at)
		if !tagOK && !manifestOK {
			continue
		}
		namespace, createNS, team := pushTarget(e.Repository, ownerTeam)
		w.repository(e.Repository, namespace, now)
		if createNS != "" && st.namespaceRows == 0 && st.teamRows > 0 && !nsMade[createNS] {
			nsMade[createNS] = true
			w.namespaces = append(w.namespaces, []any{createNS, team, string(rbac.Private), ts(now), ts(now)})
		}
		if e.Digest != "" {
			w.manifests.add(manifestRow(e.Repository, e.Digest, e.MediaType, e.Size, fallbackSubject(e.Tag), e.Actor, at))
		}
		if !tagOK {
			w.repositoryVersion(e.Repository, at)
			continue
		}
		if e.Tag != "" {
			tagSeen[k] = version{found: true, changedAt: at}
			w.tag(e.Repository, e.Tag, tagArgs(e.Repository, store.TagState{Name: e.Tag, Digest: e.Digest, MediaType: e.MediaType, Size: e.Size}, e.Actor, at),
				tagVersionArgs(e.Repository, e.Tag, at, false))
		}
		w.repositoryVersion(e.Repository, at)
	}
	stmts := w.statements()
	if len(stmts) == 0 {
		return nil
	}
	if err := t.execBatch(stmts...); err != nil {
		return fmt.Errorf("registry events: pushes into %d repositories: %w", len(w.repoIndex), err)
	}
	return nil
}

// readPushStates reads what decides each push of evs — the repository's
// and the manifest's last deletes, the tag's version and, for a push that
// may create its namespace (ownerTeam set), whether that namespace and the
// team exist — in one statement per chunk of rows (see chunks).
func readPushStates(t *dbtx, evs []store.RegistryEvent, ownerTeam string) ([]pushState, error) {
	out := make([]pushState, len(evs))
	for start, n := range chunks(len(evs)) {
		var q strings.Builder
		q.WriteString(`WITH q (i, repo, tag, digest, ns, team) AS (VALUES `)
		args := make([]any, 0, 6*n)
		for i := range n {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(CAST(? AS INTEGER), ?, ?, ?, ?, ?)")
			e := evs[start+i]
			_, ns, team := pushTarget(e.Repository, ownerTeam)
			args = append(args, start+i, e.Repository, e.Tag, e.Digest, ns, team)
		}
		q.WriteString(`) SELECT q.i,
			(SELECT deleted_at FROM repository_versions WHERE name = q.repo),
			(SELECT deleted_at FROM manifest_tombstones WHERE repository = q.repo AND digest = q.digest),
			tv.name IS NOT NULL, tv.changed_at, coalesce(tv.deleted, FALSE),
			(SELECT count(*) FROM namespaces WHERE name = q.ns),
			(SELECT count(*) FROM teams WHERE name = q.team AND protected = TRUE)
			FROM q LEFT JOIN tag_versions tv ON tv.repository = q.repo AND tv.name = q.tag ORDER BY q.i`)
		rows := 0
		err := t.query(q.String(), args, func(scan func(...any) error) error {
			var i int
			var st pushState
			if err := scan(&i, tsScan(&st.repoDeleted), tsScan(&st.manifestDeleted), &st.tag.found, tsScan(&st.tag.changedAt),
				&st.tag.deleted, &st.namespaceRows, &st.teamRows); err != nil {
				return err
			}
			if i < start || i >= start+n {
				return fmt.Errorf("push state row %d outside %d..%d", i, start, start+n-1)
			}
			out[i] = st
			rows++
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("registry events: read push states: %w", err)
		}
		if rows != n {
			return nil, fmt.Errorf("registry events: read push states: %d rows for %d pushes", rows, n)
		}
	}
	return out, nil
}

// pushWrites gathers the rows a run of pushes writes, one per key: the last
// push of a tag wins (it is the newest: a push is accepted only when newer
// than the tag's version), and a repository keeps its newest time.
type pushWrites struct {
	repos      [][]any // name, namespace, created_at, updated_at
	repoIndex  map[string]int
	namespaces [][]any // name, team, visibility, created_at, updated_at
	tags       [][]any // tagCols without the pull columns
	tagVers    [][]any // repository, name, changed_at, deleted
	tagIndex   map[[2]string]int
	repoVers   map[string]time.Time
	repoOrder  []string
	manifests  manifestSet
}

func (w *pushWrites) repository(name, namespace string, now time.Time) {
	if w.repoIndex == nil {
		w.repoIndex, w.tagIndex, w.repoVers = map[string]int{}, map[[2]string]int{}, map[string]time.Time{}
	}
	if _, ok := w.repoIndex[name]; !ok {
		w.repoIndex[name] = len(w.repos)
		w.repos = append(w.repos, []any{name, namespace, ts(now), ts(now)})
	}
}

func (w *pushWrites) tag(repo, tag string, row, ver []any) {
	k := [2]string{repo, tag}
	if i, ok := w.tagIndex[k]; ok {
		w.tags[i], w.tagVers[i] = row, ver
		return
	}
	w.tagIndex[k] = len(w.tags)
	w.tags, w.tagVers = append(w.tags, row), append(w.tagVers, ver)
}

func (w *pushWrites) repositoryVersion(repo string, at time.Time) {
	prev, ok := w.repoVers[repo]
	if !ok {
		w.repoOrder = append(w.repoOrder, repo)
	}
	if !ok || at.After(prev) {
		w.repoVers[repo] = at
	}
}

// statements are the multi-row writes, in this order: repositories (created, or updated_at moved to now), namespaces, manifests, tags and
// their versions, repository versions.
func (w *pushWrites) statements() []Stmt {
	var out []Stmt
	out = appendRows(out, `INSERT INTO repositories (name, namespace, description, pull_count, created_at, updated_at) VALUES `,
		`(?, ?, '', 0, ?, ?)`, ` ON CONFLICT (name) DO UPDATE SET updated_at = excluded.updated_at`, w.repos)
	out = appendRows(out, `INSERT INTO namespaces (name, team, owner, visibility, description, created_at, updated_at) VALUES `,
		`(?, ?, NULL, ?, '', ?, ?)`, ` ON CONFLICT (name) DO NOTHING`, w.namespaces)
	out = upsertManifests(out, w.manifests.rows)
	out = upsertTagVersions(upsertTags(out, w.tags), w.tagVers)
	var repoVers [][]any
	for _, r := range w.repoOrder {
		repoVers = append(repoVers, []any{r, ts(w.repoVers[r]), ts(time.Time{})})
	}
	return appendRows(out, `INSERT INTO repository_versions (name, changed_at, deleted_at) VALUES `, `(?, ?, ?)`,
		touchRepositoryVersionConflict, repoVers)
}

// tagArgs is a row of upsertTags: a tag's manifest fields.
func tagArgs(repo string, tg store.TagState, pushedBy string, at time.Time) []any {
	return []any{repo, tg.Name, tg.Digest, tg.MediaType, tg.Size, pushedBy, ts(at)}
}

// upsertTags appends the statements that upsert rows (tagArgs), keeping the
// tags' pull counters.
func upsertTags(out []Stmt, rows [][]any) []Stmt {
	return appendRows(out, `INSERT INTO tags (`+tagCols+`) VALUES `, `(?, ?, ?, ?, ?, ?, ?, NULL, 0)`,
		` ON CONFLICT (repository, name) DO UPDATE SET digest = excluded.digest, media_type = excluded.media_type,
		size = excluded.size, pushed_by = excluded.pushed_by, pushed_at = excluded.pushed_at`, rows)
}

// tagVersionArgs is a row of upsertTagVersions: a tag's last change.
func tagVersionArgs(repo, tag string, at time.Time, deleted bool) []any {
	return []any{repo, tag, ts(at), deleted}
}

// upsertTagVersions appends the statements that set rows (tagVersionArgs).
func upsertTagVersions(out []Stmt, rows [][]any) []Stmt {
	return appendRows(out, `INSERT INTO tag_versions (repository, name, changed_at, deleted) VALUES `, `(?, ?, ?, ?)`,
		` ON CONFLICT (repository, name) DO UPDATE SET changed_at = excluded.changed_at, deleted = excluded.deleted`, rows)
}

// appendRows appends one multi-row INSERT per chunk of rows.
func appendRows(out []Stmt, head, row, tail string, rows [][]any) []Stmt {
	for start, n := range chunks(len(rows)) {
		var q strings.Builder
		q.WriteString(head)
		var args []any
		for i := range n {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(row)
			args = append(args, rows[start+i]...)
		}
		q.WriteString(tail)
		out = append(out, Stmt{Q: q.String(), Args: args})
	}
	return out
}

// maxChunk bounds the rows of one multi-row statement.
const maxChunk = 64

// chunks splits n rows into runs whose lengths are powers of two (at most
// maxChunk), so that a statement comes in a few texts only and both
// databases' prepared-statement caches keep them: it yields each run's
// start and length.
func chunks(n int) func(yield func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for start := 0; start < n; {
			size := maxChunk
			for size > n-start {
				size /= 2
			}
			if !yield(start, size) {
				return
			}
			start += size
		}
	}
}
