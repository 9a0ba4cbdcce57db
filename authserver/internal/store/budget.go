package store

import (
	"context"
	"sync/atomic"
	"time"
)

type budgetKey struct{}

// budget is what is left of a request's time for the database.
type budget struct{ left atomic.Int64 }

// WithBudget gives ctx a budget of d for waiting on the database in total:
// the server gives each request the database timeout, so a request that
// makes several store calls waits for the database no longer than that
// altogether, not that long per call. Only time spent in store calls
// counts: work in between (a password hash, writing the response) does
// not use it up and is not cut.
func WithBudget(ctx context.Context, d time.Duration) context.Context {
	b := &budget{}
	b.left.Store(int64(d))
	return context.WithValue(ctx, budgetKey{}, b)
}

// Budget is what is left of ctx's budget, if it has one (≤ 0: spent).
func Budget(ctx context.Context) (time.Duration, bool) {
	b, ok := ctx.Value(budgetKey{}).(*budget)
	if !ok {
		return 0, false
	}
	return time.Duration(b.left.Load()), true
}

// Spend takes d off ctx's budget, if it has one (store implementations call
// it with the time each call took).
func Spend(ctx context.Context, d time.Duration) {
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		b.left.Add(-int64(d))
	}
}
