package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// activityDay is the day (its UTC start) activity at t counts in.
func activityDay(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// countActivity adds the pushes and pulls among evs, received at now, to
// their repositories' day counters: one multi-row upsert per chunk.
func countActivity(t *dbtx, evs []store.RegistryEvent, now time.Time) error {
	day := ts(activityDay(now))
	type counts struct{ pushes, pulls int }
	byRepo := map[string]*counts{}
	var order []string
	for _, e := range evs {
		if e.Action != store.ActionPush && e.Action != store.ActionPull {
			continue
		}
		c := byRepo[e.Repository]
		if c == nil {
			c = &counts{}
			byRepo[e.Repository] = c
			order = append(order, e.Repository)
		}
		if e.Action == store.ActionPush {
			c.pushes++
		} else {
			c.pulls++
		}
	}
	rows := make([][]any, 0, len(order)) // repository, day, pushes, pulls
	for _, r := range order {
		rows = append(rows, []any{r, day, byRepo[r].pushes, byRepo[r].pulls})
	}
	stmts := appendRows(nil, `INSERT INTO repository_activity (repository, day, pushes, pulls) VALUES `, `(?, ?, ?, ?)`,
		` ON CONFLICT (repository, day) DO UPDATE SET pushes = repository_activity.pushes + excluded.pushes,
		pulls = repository_activity.pulls + excluded.pulls`, rows)
	if len(stmts) == 0 {
		return nil
	}
	if err := t.execBatch(stmts...); err != nil {
		return fmt.Errorf("activity: %w", err)
	}
	return nil
}

// Activity sums the day counters of a repository or a namespace from the
// day Since is in.
func (s *Store) Activity(ctx context.Context, f store.ActivityFilter) ([]store.DayActivity, error) {
	var where string
	var key any
	switch {
	case f.Repository != "":
		where, key = `repository = ?`, f.Repository
	case f.Namespace != "":
		where, key = `repository LIKE ? ESCAPE '\'`, likeEscape(f.Namespace)+"/%"
	default:
		return nil, fmt.Errorf("activity: a repository or a namespace is required")
	}
	var out []store.DayActivity
	err := s.read(ctx, func(t *dbtx) error {
		out = []store.DayActivity{}
		return t.query(`SELECT day, CAST(sum(pushes) AS BIGINT), CAST(sum(pulls) AS BIGINT) FROM repository_activity
			WHERE `+where+` AND day >= ? GROUP BY day ORDER BY day`, []any{key, ts(activityDay(f.Since))},
			func(scan func(...any) error) error {
				var d store.DayActivity
				if err := scan(tsScan(&d.Day), &d.Pushes, &d.Pulls); err != nil {
					return err
				}
				out = append(out, d)
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	return out, nil
}
