package service

import (
	"context"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// ActivityDays is how far back the activity view looks.
const ActivityDays = 30

// Activity is pushes and pulls per day for the last ActivityDays days,
// oldest first, one entry per day (zeros included).
type Activity []store.DayActivity

// RepositoryActivity is the activity of a repository a may pull (one a
// may not pull is not found, like Repository).
func (s *Service) RepositoryActivity(ctx context.Context, a Actor, name string) (Activity, error) {
	if _, _, _, err := s.repository(ctx, a, name); err != nil {
		return nil, err
	}
	return s.activity(ctx, store.ActivityFilter{Repository: name})
}

// NamespaceActivity is the activity of every repository of a namespace
// whose repositories a may pull; for anyone else it is not found.
func (s *Service) NamespaceActivity(ctx context.Context, a Actor, ns string) (Activity, error) {
	if _, _, err := s.Namespace(ctx, a, ns); err != nil {
		return nil, err
	}
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return nil, err
	}
	acts, _, err := d.Actions(ctx, ns)
	if err != nil {
		return nil, err
	}
	if !HasAction(acts, rbac.Pull) {
		return nil, NotFound("namespace %q has no repositories you may see", ns)
	}
	return s.activity(ctx, store.ActivityFilter{Namespace: ns})
}

func (s *Service) activity(ctx context.Context, f store.ActivityFilter) (Activity, error) {
	as, ok := s.st.(store.ActivityStore)
	if !ok {
		return nil, fmt.Errorf("activity: the store %T cannot count activity", s.st)
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(ActivityDays - 1))
	f.Since = first
	days, err := as.Activity(ctx, f)
	if err != nil {
		return nil, err
	}
	byDay := map[time.Time]store.DayActivity{}
	for _, d := range days {
		byDay[d.Day] = d
	}
	out := make(Activity, ActivityDays)
	for i := range out {
		day := first.AddDate(0, 0, i)
		out[i] = byDay[day]
		out[i].Day = day
	}
	return out, nil
}
