package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// maxActivityEvents bounds one activity read; a busier month is drawn
// from its most recent events.
const maxActivityEvents = 200_000

// Activity groups in Go: day boundaries are the same on both dialects
// that way, and the rows are one index range.
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
	days := map[time.Time]*store.DayActivity{}
	err := s.read(ctx, func(t *dbtx) error {
		clear(days)
		return t.query(`SELECT action, received_at FROM registry_events WHERE `+where+` AND received_at >= ?
			ORDER BY received_at DESC LIMIT ?`, []any{key, ts(f.Since), maxActivityEvents},
			func(scan func(...any) error) error {
				var action string
				var at time.Time
				if err := scan(&action, tsScan(&at)); err != nil {
					return err
				}
				day := at.UTC().Truncate(24 * time.Hour)
				d := days[day]
				if d == nil {
					d = &store.DayActivity{Day: day}
					days[day] = d
				}
				switch action {
				case store.ActionPush:
					d.Pushes++
				case store.ActionPull:
					d.Pulls++
				}
				return nil
			})
	})
	if err != nil {
		return nil, fmt.Errorf("activity: %w", err)
	}
	out := make([]store.DayActivity, 0, len(days))
	for _, d := range days {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b store.DayActivity) int { return a.Day.Compare(b.Day) })
	return out, nil
}
