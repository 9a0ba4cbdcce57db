package store

import (
	"context"
	"time"
)

type budgetKey struct{}

// WithBudget marks ctx with the time by which every store call made with it
// must be done: the server stamps each request with its arrival plus the
// database timeout, so a request that makes several calls waits for the
// database no longer than that in total, not that long per call. It is a
// value, not a deadline: work that is not a store call (writing the
// response, a hash check) is not cut.
func WithBudget(ctx context.Context, by time.Time) context.Context {
	return context.WithValue(ctx, budgetKey{}, by)
}

// Budget is the time set by WithBudget, if any.
func Budget(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(budgetKey{}).(time.Time)
	return t, ok
}
