package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// notFallbackTag keeps the tags that are not referrers fallback tags
// (sha256-<hex>[.suffix], see mediatype.FallbackSubject): those are how
// oras and cosign attach accessories on registries without the referrers
// API, not tags anyone pushed, so they are neither listed nor counted.
const notFallbackTag = `NOT ((tags.name LIKE 'sha256-%' AND length(tags.name) >= 71)
	OR (tags.name LIKE 'sha512-%' AND length(tags.name) >= 135))`

// manifestRow is a row of upsertManifests: (repository, digest, media_type,
// size, subject, pushed_by, pushed_at, changed_at).
func manifestRow(repo, digest, mediaType string, size int64, subject, pushedBy string, at time.Time) []any {
	return []any{repo, digest, mediaType, size, subject, pushedBy, ts(at), ts(at)}
}

// fallbackSubject is the subject a push under tag implies ("" for an
// ordinary tag).
func fallbackSubject(tag string) string {
	s, _ := mediatype.FallbackSubject(tag)
	return s
}

// upsertManifests appends the statements that record manifests (rows of
// manifestRow, one per key): a manifest seen again keeps what was read
// from it and moves changed_at forward only.
func upsertManifests(out []Stmt, rows [][]any) []Stmt {
	return appendRows(out, `INSERT INTO manifests (repository, digest, media_type, size, subject, pushed_by, pushed_at, changed_at) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?)`, ` ON CONFLICT (repository, digest) DO UPDATE SET
		changed_at = CASE WHEN excluded.changed_at > manifests.changed_at THEN excluded.changed_at ELSE manifests.changed_at END,
		subject = CASE WHEN manifests.subject = '' THEN excluded.subject ELSE manifests.subject END,
		media_type = CASE WHEN excluded.media_type <> '' THEN excluded.media_type ELSE manifests.media_type END,
		size = CASE WHEN excluded.size > 0 THEN excluded.size ELSE manifests.size END`, rows)
}

// manifestSet collects manifest rows, one per (repository, digest).
type manifestSet struct {
	rows  [][]any
	index map[[2]string]int
}

func (m *manifestSet) add(row []any) {
	if m.index == nil {
		m.index = map[[2]string]int{}
	}
	k := [2]string{row[0].(string), row[1].(string)}
	i, ok := m.index[k]
	if !ok {
		m.index[k] = len(m.rows)
		m.rows = append(m.rows, row)
		return
	}
	// Keep the newest time and any subject a fallback tag gave.
	old := m.rows[i]
	if row[4] == "" {
		row[4] = old[4]
	}
	m.rows[i] = row
}

// deleteManifestBefore removes the catalog's row of a manifest the
// registry deleted at at, unless it was pushed again later.
func deleteManifestBefore(t *dbtx, repo, digest string, at time.Time) error {
	if _, err := t.exec(`DELETE FROM manifests WHERE repository = ? AND digest = ? AND changed_at <= ?`,
		repo, digest, ts(at)); err != nil {
		return fmt.Errorf("repository %q manifest %q: %w", repo, digest, err)
	}
	return nil
}

const manifestCols = `repository, digest, media_type, size, kind, artifact_type, subject, platforms, chart, problem,
	pushed_by, pushed_at`

func scanManifest(scan func(...any) error) (store.Manifest, error) {
	var m store.Manifest
	var platforms, chart string
	if err := scan(&m.Repository, &m.Digest, &m.MediaType, &m.Size, &m.Kind, &m.ArtifactType, &m.Subject,
		&platforms, &chart, &m.Problem, &m.PushedBy, tsScan(&m.PushedAt)); err != nil {
		return m, err
	}
	m.Platforms = []string{}
	if platforms != "" {
		// Written by SetManifestDetails only; a row that does not decode
		// shows no platforms rather than failing the read.
		_ = json.Unmarshal([]byte(platforms), &m.Platforms)
	}
	if chart != "" {
		var c store.Chart
		if json.Unmarshal([]byte(chart), &c) == nil {
			m.Chart = &c
		}
	}
	m.Tags = []string{}
	return m, nil
}

// manifestTags fills the tags (fallback tags left out) of ms, all of repo.
func manifestTags(t *dbtx, repo string, ms []store.Manifest) error {
	if len(ms) == 0 {
		return nil
	}
	index := make(map[string]int, len(ms))
	args := []any{repo}
	for i, m := range ms {
		index[m.Digest] = i
		args = append(args, m.Digest)
	}
	return t.query(`SELECT digest, name FROM tags WHERE repository = ? AND digest IN (?`+strings.Repeat(", ?", len(ms)-1)+`)
		AND `+notFallbackTag+` ORDER BY name`, args, func(scan func(...any) error) error {
		var d, name string
		if err := scan(&d, &name); err != nil {
			return err
		}
		if i, ok := index[d]; ok {
			ms[i].Tags = append(ms[i].Tags, name)
		}
		return nil
	})
}

// GetManifest returns one manifest of repo with its tags.
func (s *Store) GetManifest(ctx context.Context, repo, digest string) (store.Manifest, error) {
	var m store.Manifest
	err := s.read(ctx, func(t *dbtx) (err error) {
		m, err = scanManifest(func(dest ...any) error {
			return t.get(`SELECT `+manifestCols+` FROM manifests WHERE repository = ? AND digest = ?`, []any{repo, digest}, dest...)
		})
		if err != nil {
			return err
		}
		ms := []store.Manifest{m}
		err = manifestTags(t, repo, ms)
		m = ms[0]
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return m, fmt.Errorf("repository %q manifest %q: %w", repo, digest, store.ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("repository %q manifest %q: %w", repo, digest, err)
	}
	return m, nil
}

// ListManifests pages the manifests of f.Repository by digest.
func (s *Store) ListManifests(ctx context.Context, mf store.ManifestFilter) ([]store.Manifest, error) {
	var f filter
	f.add("repository = ?", mf.Repository)
	// Spelled out so that the partial index on subjects serves it.
	if mf.Subject != "" {
		f.add("subject = ? AND subject <> ''", mf.Subject)
	} else {
		f.add("subject = ''")
	}
	if mf.Tagged != nil {
		// One read of the repository's tags, not one per manifest.
		cond := `digest IN (SELECT digest FROM tags WHERE tags.repository = ?)`
		if !*mf.Tagged {
			cond = "NOT " + cond
		}
		f.add(cond, mf.Repository)
	}
	switch mf.Kind {
	case "":
	case mediatype.KindUnknown:
		f.add("kind IN ('', ?)", mf.Kind)
	default:
		f.add("kind = ?", mf.Kind)
	}
	f.page("digest", mf.ListOptions)
	out := []store.Manifest{}
	err := s.read(ctx, func(t *dbtx) error {
		if err := repositoryExists(t, mf.Repository); err != nil {
			return err
		}
		if err := t.query(`SELECT `+manifestCols+` FROM manifests`+f.where()+` ORDER BY digest LIMIT ?`,
			append(f.args, limit(mf.Limit)), func(scan func(...any) error) error {
				m, err := scanManifest(scan)
				out = append(out, m)
				return err
			}); err != nil {
			return err
		}
		return manifestTags(t, mf.Repository, out)
	})
	if err != nil {
		return nil, fmt.Errorf("list manifests: %w", err)
	}
	return out, nil
}

// Bounds on what SetManifestDetails keeps of what the registry said.
const (
	maxDetailField = 255
	maxPlatforms   = 64
	maxProblem     = 300
)

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// detailsRow is a row of detailsStmts: what reading d's manifest told.
func detailsRow(d store.ManifestDetails) []any {
	platforms := ""
	if len(d.Platforms) > 0 {
		ps := slices.Clone(d.Platforms[:min(len(d.Platforms), maxPlatforms)])
		for i := range ps {
			ps[i] = clip(ps[i], 100)
		}
		b, _ := json.Marshal(ps)
		platforms = string(b)
	}
	chart := ""
	if d.Chart != nil {
		b, _ := json.Marshal(d.Chart)
		chart = string(b)
	}
	return []any{d.Repository, d.Digest, clip(d.Kind, 32), clip(d.ArtifactType, maxDetailField),
		clip(d.Subject, maxDetailField), platforms, chart, clip(d.Problem, maxProblem)}
}

// detailsStmts are the UPDATEs that record rows (of detailsRow) at now,
// one per chunk: a batch of the enrichment's results costs the database a
// statement or two, not one per manifest. A subject the manifest does not
// name keeps the one its fallback tag gave.
func detailsStmts(rows [][]any, now time.Time) []Stmt {
	var out []Stmt
	for start, n := range chunks(len(rows)) {
		var q strings.Builder
		q.WriteString(`UPDATE manifests SET kind = v.column3, artifact_type = v.column4,
			subject = CASE WHEN v.column5 <> '' THEN v.column5 ELSE manifests.subject END,
			platforms = v.column6, chart = v.column7, problem = v.column8, enriched_at = ?
			FROM (VALUES `)
		args := []any{ts(now)}
		for i := range n {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, rows[start+i]...)
		}
		q.WriteString(`) AS v WHERE manifests.repository = v.column1 AND manifests.digest = v.column2`)
		out = append(out, Stmt{Q: q.String(), Args: args})
	}
	return out
}

// SetManifestDetails records what reading a manifest told.
func (s *Store) SetManifestDetails(ctx context.Context, d store.ManifestDetails) (bool, error) {
	now := s.now()
	var ok bool
	err := s.write(ctx, func(t *dbtx) error {
		st := detailsStmts([][]any{detailsRow(d)}, now)[0]
		n, err := t.exec(st.Q, st.Args...)
		ok = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("repository %q manifest %q: details: %w", d.Repository, d.Digest, err)
	}
	return ok, nil
}

// SetManifestDetailsBatch is SetManifestDetails for many manifests in one
// transaction; those the catalog no longer has are left alone.
func (s *Store) SetManifestDetailsBatch(ctx context.Context, ds []store.ManifestDetails) error {
	rows := make([][]any, len(ds))
	for i, d := range ds {
		rows[i] = detailsRow(d)
	}
	stmts := detailsStmts(rows, s.now())
	err := s.write(ctx, func(t *dbtx) error {
		return t.execBatch(stmts...)
	})
	if err != nil {
		return fmt.Errorf("manifest details (%d): %w", len(ds), err)
	}
	return nil
}

// PendingManifests returns up to limit manifests not read yet, oldest
// change first.
func (s *Store) PendingManifests(ctx context.Context, n int) ([]store.ManifestRef, error) {
	out := []store.ManifestRef{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT repository, digest FROM manifests WHERE enriched_at IS NULL ORDER BY changed_at, repository, digest LIMIT ?`,
			[]any{limit(n)}, func(scan func(...any) error) error {
				var r store.ManifestRef
				err := scan(&r.Repository, &r.Digest)
				out = append(out, r)
				return err
			})
	})
	if err != nil {
		return nil, fmt.Errorf("pending manifests: %w", err)
	}
	return out, nil
}

// maxAccessoryDepth bounds how far accessories of accessories (a signature
// of an SBOM) are followed.
const maxAccessoryDepth = 4

// accessoryClosure is digest and every manifest of repo that refers to it,
// directly or through other accessories (depth-bounded, loop-safe).
func accessoryClosure(t *dbtx, repo, digest string) ([]string, error) {
	all := []string{digest}
	seen := map[string]bool{digest: true}
	level := []string{digest}
	for depth := 0; depth < maxAccessoryDepth && len(level) > 0; depth++ {
		args := []any{repo}
		for _, d := range level {
			args = append(args, d)
		}
		var next []string
		err := t.query(`SELECT digest FROM manifests WHERE repository = ? AND subject <> '' AND subject IN (?`+strings.Repeat(", ?", len(level)-1)+`)
			ORDER BY digest`, args, func(scan func(...any) error) error {
			var d string
			if err := scan(&d); err != nil {
				return err
			}
			if !seen[d] {
				seen[d] = true
				next = append(next, d)
				all = append(all, d)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		level = next
	}
	return all, nil
}

// DeleteManifest removes a manifest and its accessories from the catalog,
// with tombstones at now so that older events do not bring them back.
func (s *Store) DeleteManifest(ctx context.Context, repo, digest string) error {
	now := s.now()
	err := s.write(ctx, func(t *dbtx) error {
		if err := lockRepository(t, repo); err != nil {
			return err
		}
		digests, err := accessoryClosure(t, repo, digest)
		if err != nil {
			return err
		}
		changed := 0
		for _, d := range digests {
			var names []string
			prefix := mediatype.FallbackTagPrefix(d)
			err := t.query(`SELECT name FROM tags WHERE repository = ? AND (digest = ? OR name = ? OR name LIKE ? ESCAPE '\')`,
				[]any{repo, d, prefix, likeEscape(prefix) + ".%"}, func(scan func(...any) error) error {
					var n string
					err := scan(&n)
					names = append(names, n)
					return err
				})
			if err != nil {
				return err
			}
			slices.Sort(names)
			for _, n := range slices.Compact(names) {
				if err := removeTag(t, repo, n, now); err != nil {
					return err
				}
				changed++
			}
			n, err := t.exec(`DELETE FROM manifests WHERE repository = ? AND digest = ?`, repo, d)
			if err != nil {
				return err
			}
			changed += int(n)
			if _, err := t.exec(`INSERT INTO manifest_tombstones (repository, digest, deleted_at) VALUES (?, ?, ?)
				ON CONFLICT (repository, digest) DO UPDATE SET deleted_at = excluded.deleted_at`, repo, d, ts(now)); err != nil {
				return err
			}
		}
		if changed == 0 {
			return store.ErrNotFound
		}
		_, err = t.exec(`UPDATE repositories SET updated_at = ? WHERE name = ?`, ts(now), repo)
		return err
	})
	if err != nil {
		return fmt.Errorf("repository %q manifest %q: %w", repo, digest, err)
	}
	return nil
}

// OrphanAccessories returns up to n accessories changed at or before
// before whose subject the catalog does not have.
func (s *Store) OrphanAccessories(ctx context.Context, before time.Time, n int) ([]store.Manifest, error) {
	out := []store.Manifest{}
	err := s.read(ctx, func(t *dbtx) error {
		return t.query(`SELECT `+manifestCols+` FROM manifests WHERE subject <> '' AND changed_at <= ?
			AND NOT EXISTS (SELECT 1 FROM manifests s WHERE s.repository = manifests.repository AND s.digest = manifests.subject)
			ORDER BY repository, digest LIMIT ?`, []any{ts(before), limit(n)}, func(scan func(...any) error) error {
			m, err := scanManifest(scan)
			out = append(out, m)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("orphan accessories: %w", err)
	}
	return out, nil
}
