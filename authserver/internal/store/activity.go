package store

import (
	"context"
	"time"
)

// ActivityFilter selects registry events: those of one repository, or of
// every repository of one namespace, received on the day Since is in (UTC)
// or later.
type ActivityFilter struct {
	Repository string
	Namespace  string
	Since      time.Time
}

// DayActivity counts one UTC day's pushes and pulls.
type DayActivity struct {
	Day    time.Time
	Pushes int
	Pulls  int
}

// ActivityStore reads the activity view's counts from the registry events
// the store already records (each event once, by id).
type ActivityStore interface {
	// Activity counts pushes and pulls per UTC day, oldest first, only
	// days with events.
	Activity(ctx context.Context, f ActivityFilter) ([]DayActivity, error)
}
