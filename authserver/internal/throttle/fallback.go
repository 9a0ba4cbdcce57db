package throttle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Fallback is a Limiter that asks Primary (Redis, shared by the replicas)
// and, while Primary fails, Secondary (this replica's memory): Redis is a
// cache, so its outage makes each replica throttle on its own instead of
// refusing every login. While Primary is down it is asked again at most
// once per probe interval (a hung Redis must not add its timeout to every
// login); the first success switches back. With FailClosed, Primary's
// errors are returned instead (the caller answers 503).
type Fallback struct {
	primary, secondary Limiter
	o                  FallbackOptions

	mu        sync.Mutex
	down      bool
	lastProbe time.Time
}

// FallbackOptions tune a Fallback; zero values take the defaults.
type FallbackOptions struct {
	// Log gets one warning when Primary goes down and one note when it is
	// back (unless Report is set: then Report says it).
	Log *slog.Logger
	// Report, when set, is told every change of Primary's state: err
	// non-nil when it went down, nil when it came back.
	Report func(ctx context.Context, err error)
	// FailClosed returns Primary's errors instead of falling back.
	FailClosed bool
	// Probe is how often Primary is tried while down (default 1 s).
	Probe time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

var _ Limiter = (*Fallback)(nil)

// NewFallback returns a Limiter over primary that falls back to secondary.
func NewFallback(primary, secondary Limiter, log *slog.Logger) *Fallback {
	return NewFallbackWith(primary, secondary, FallbackOptions{Log: log})
}

// NewFallbackWith is NewFallback with options.
func NewFallbackWith(primary, secondary Limiter, o FallbackOptions) *Fallback {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Probe <= 0 {
		o.Probe = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Fallback{primary: primary, secondary: secondary, o: o}
}

// ErrPrimaryDown is returned with FailClosed while Primary is down and not
// due for a probe.
var ErrPrimaryDown = errors.New("throttle: the shared limiter (Redis) is unavailable")

// skipPrimary reports whether Primary is down and not due for a probe.
func (f *Fallback) skipPrimary() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down {
		return false
	}
	now := f.o.Now()
	if now.Sub(f.lastProbe) >= f.o.Probe {
		f.lastProbe = now
		return false
	}
	return true
}

func (f *Fallback) note(ctx context.Context, err error) {
	if err != nil && ctx.Err() != nil {
		return // the caller gave up: says nothing about Redis
	}
	f.mu.Lock()
	changed := f.down != (err != nil)
	f.down = err != nil
	if err != nil && changed {
		f.lastProbe = f.o.Now()
	}
	f.mu.Unlock()
	if !changed {
		return
	}
	if f.o.Report != nil {
		f.o.Report(ctx, err)
		return
	}
	if err != nil {
		if f.o.FailClosed {
			f.o.Log.WarnContext(ctx, "login throttle: Redis unavailable, refusing logins (503) until it is back (fail-closed)", "error", err)
		} else {
			f.o.Log.WarnContext(ctx, "login throttle: Redis unavailable, throttling on this replica alone until it is back", "error", err)
		}
		return
	}
	f.o.Log.InfoContext(ctx, "login throttle: Redis is back, throttling across replicas again")
}

// Down reports whether Primary is considered down.
func (f *Fallback) Down() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

// Reserve implements Limiter.
func (f *Fallback) Reserve(ctx context.Context, key string) (Verdict, error) {
	if f.skipPrimary() {
		if f.o.FailClosed {
			return Verdict{}, ErrPrimaryDown
		}
		return f.secondary.Reserve(ctx, key)
	}
	v, err := f.primary.Reserve(ctx, key)
	f.note(ctx, err)
	if err != nil && ctx.Err() == nil && !f.o.FailClosed {
		return f.secondary.Reserve(ctx, key)
	}
	return v, err
}

// Release implements Limiter; it releases on both (a reservation may have
// been made on either, and releasing an unknown key is a no-op).
func (f *Fallback) Release(ctx context.Context, key string) error {
	_ = f.secondary.Release(ctx, key)
	if f.skipPrimary() {
		return nil
	}
	f.note(ctx, f.primary.Release(ctx, key))
	return nil
}

// Reset implements Limiter, on both.
func (f *Fallback) Reset(ctx context.Context, key string) error {
	_ = f.secondary.Reset(ctx, key)
	if f.skipPrimary() {
		return nil
	}
	f.note(ctx, f.primary.Reset(ctx, key))
	return nil
}
