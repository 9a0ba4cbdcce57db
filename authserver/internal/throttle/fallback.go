package throttle

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// Fallback is a Limiter that asks Primary (Redis, shared by the replicas)
// and, while Primary fails, Secondary (this replica's memory): Redis is a
// cache, so its outage makes each replica throttle on its own instead of
// refusing every login. The switch is logged once each way.
type Fallback struct {
	primary, secondary Limiter
	log                *slog.Logger
	down               atomic.Bool
}

var _ Limiter = (*Fallback)(nil)

// NewFallback returns a Limiter over primary that falls back to secondary.
func NewFallback(primary, secondary Limiter, log *slog.Logger) *Fallback {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fallback{primary: primary, secondary: secondary, log: log}
}

func (f *Fallback) note(ctx context.Context, err error) {
	if err != nil {
		if !f.down.Swap(true) {
			f.log.WarnContext(ctx, "login throttle: Redis unavailable, throttling on this replica alone until it is back", "error", err)
		}
		return
	}
	if f.down.Swap(false) {
		f.log.InfoContext(ctx, "login throttle: Redis is back, throttling across replicas again")
	}
}

// Reserve implements Limiter.
func (f *Fallback) Reserve(ctx context.Context, key string) (Verdict, error) {
	v, err := f.primary.Reserve(ctx, key)
	f.note(ctx, err)
	if err != nil && ctx.Err() == nil {
		return f.secondary.Reserve(ctx, key)
	}
	return v, err
}

// Release implements Limiter; it releases on both (a reservation may have
// been made on either, and releasing an unknown key is a no-op).
func (f *Fallback) Release(ctx context.Context, key string) error {
	_ = f.secondary.Release(ctx, key)
	err := f.primary.Release(ctx, key)
	f.note(ctx, err)
	return nil
}

// Reset implements Limiter, on both.
func (f *Fallback) Reset(ctx context.Context, key string) error {
	_ = f.secondary.Reset(ctx, key)
	err := f.primary.Reset(ctx, key)
	f.note(ctx, err)
	return nil
}
