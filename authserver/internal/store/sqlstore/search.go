package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// SearchRepositories ranks in SQL so that only one page of rows leaves the
// database, however many repositories match.
func (s *Store) SearchRepositories(ctx context.Context, q store.RepositorySearch) ([]store.Repository, int, error) {
	out := []store.Repository{}
	if q.Namespaces != nil && len(q.Namespaces) == 0 {
		return out, 0, nil
	}
	var f filter
	if q.Namespaces != nil {
		args := make([]any, len(q.Namespaces))
		for i, ns := range q.Namespaces {
			args[i] = ns
		}
		f.add("namespace IN (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	}
	// Repository names are lowercase by the grammar (rbac names, as the
	// registry's), so lowering the query alone is case-insensitive, and
	// no lower() runs per row.
	lq := strings.ToLower(q.Query)
	esc := likeEscape(lq)
	rank := `0`
	var rankArgs []any
	if lq != "" {
		f.add(`name LIKE ? ESCAPE '\'`, "%"+esc+"%")
		rank = `CASE WHEN name = ? OR name LIKE ? ESCAPE '\' THEN 0
			WHEN name LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\' THEN 1 ELSE 2 END`
		rankArgs = []any{lq, "%/" + esc, esc + "%", "%/" + esc + "%"}
	}
	offset := max(q.Offset, 0)
	total := -1
	// The page is ranked on the bare rows first, counting every match in
	// the same pass; only the page's rows then pay for the full columns
	// (the tag count is a subquery per row).
	ranked := `SELECT name AS n, ` + rank + ` AS rk, updated_at AS u, count(*) OVER () AS total FROM repositories` +
		f.where() + ` ORDER BY rk, u DESC, n LIMIT ? OFFSET ?`
	err := s.read(ctx, func(t *dbtx) error {
		out, total = out[:0], -1
		args := append(append(append([]any{}, rankArgs...), f.args...), limit(q.Limit), offset)
		err := t.query(`SELECT `+repositoryCols+`, page.total FROM (`+ranked+`) page JOIN repositories ON repositories.name = page.n
			ORDER BY page.rk, page.u DESC, page.n`,
			args, func(scan func(...any) error) error {
				r, err := scanRepository(func(dest ...any) error { return scan(append(dest, &total)...) })
				out = append(out, r)
				return err
			})
		if err != nil || total >= 0 {
			return err
		}
		// A page past the end: count on its own.
		return t.get(`SELECT count(*) FROM repositories`+f.where(), f.args, &total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search repositories: %w", err)
	}
	return out, total, nil
}
