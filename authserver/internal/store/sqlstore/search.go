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
	lq := strings.ToLower(q.Query)
	esc := likeEscape(lq)
	order := `updated_at DESC, name`
	var orderArgs []any
	if lq != "" {
		f.add(`lower(name) LIKE ? ESCAPE '\'`, "%"+esc+"%")
		order = `CASE WHEN lower(name) = ? OR lower(name) LIKE ? ESCAPE '\' THEN 0
			WHEN lower(name) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\' THEN 1 ELSE 2 END, ` + order
		orderArgs = []any{lq, "%/" + esc, esc + "%", "%/" + esc + "%"}
	}
	offset := max(q.Offset, 0)
	var total int
	err := s.read(ctx, func(t *dbtx) error {
		out = out[:0]
		if err := t.get(`SELECT count(*) FROM repositories`+f.where(), f.args, &total); err != nil {
			return err
		}
		args := append(append(append([]any{}, f.args...), orderArgs...), limit(q.Limit), offset)
		return t.query(`SELECT `+repositoryCols+` FROM repositories`+f.where()+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
			args, func(scan func(...any) error) error {
				r, err := scanRepository(scan)
				out = append(out, r)
				return err
			})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("search repositories: %w", err)
	}
	return out, total, nil
}
