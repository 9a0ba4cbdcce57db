// Package throttle limits failed logins per (username, source address): after
// MaxFailures failures within Window, further attempts with that key are
// refused until the window ends; a successful login resets the key.
//
// Keying on the pair, not the username alone, keeps the real user working
// from their own address while someone guesses passwords from another one,
// and keeps one noisy address from locking out everyone behind it.
package throttle

import (
	"context"
	"errors"
	"time"
)

// Limiter counts failures per key. Implementations are safe for concurrent
// use. An error means the limiter could not be consulted; callers fail
// closed (503), they never treat it as "allowed".
//
// An attempt is reserved before its credential is checked, in one atomic
// step: Reserve counts it as a failure unless the key is already at the
// limit. So N concurrent guesses can never be checked more than MaxFailures
// times, whatever their interleaving (reading the count first and counting
// after the check let every guess of a burst through). A successful attempt
// takes its reservation back (Release) or, when the key had failures
// before, clears the key (Reset).
type Limiter interface {
	// Reserve counts one attempt with key as failed unless the key has
	// reached the limit; Verdict.Allowed tells which.
	Reserve(ctx context.Context, key string) (Verdict, error)
	// Release takes back one reservation of key (its attempt succeeded).
	Release(ctx context.Context, key string) error
	// Reset forgets the failures of key (after a successful login).
	Reset(ctx context.Context, key string) error
}

// Verdict is Reserve's answer.
type Verdict struct {
	// Allowed: the attempt is reserved and may proceed.
	Allowed bool
	// RetryAfter is how long until an attempt may proceed (> 0 when not
	// Allowed).
	RetryAfter time.Duration
	// Failures is the count of recent failures (and reservations in flight)
	// of the key before this attempt; a successful login needs a Reset
	// rather than a Release only when it is not 0.
	Failures int
}

// Succeeded ends a reserved attempt that passed: Reset when the key had
// failures before it, else Release.
func Succeeded(ctx context.Context, l Limiter, key string, v Verdict) error {
	if v.Failures > 0 {
		return l.Reset(ctx, key)
	}
	return l.Release(ctx, key)
}

// Defaults of Config.
const (
	DefaultMaxFailures = 5
	DefaultWindow      = time.Minute
	DefaultMaxKeys     = 100_000
)

// Config tunes a limiter; zero values take the defaults.
type Config struct {
	// MaxFailures is how many failures a key may collect within Window
	// before it is refused (default 5).
	MaxFailures int
	// Window starts at a key's first failure; when it ends the count starts
	// over (default 1 minute).
	Window time.Duration
	// MaxKeys bounds the in-process limiter's memory (default 100 000 keys).
	MaxKeys int
	// Now is the in-process limiter's clock (default time.Now). The Redis
	// limiter uses the server's clock (key expiry).
	Now func() time.Time
}

// withDefaults fills the zero fields and refuses nonsense.
func (c Config) withDefaults() (Config, error) {
	if c.MaxFailures == 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.MaxFailures < 1:
		return c, errors.New("throttle: MaxFailures must be at least 1")
	case c.Window < time.Millisecond:
		return c, errors.New("throttle: Window must be at least 1ms")
	case c.MaxKeys < 1:
		return c, errors.New("throttle: MaxKeys must be at least 1")
	}
	return c, nil
}

// Key is the limiter key of a login attempt by username from source. The NUL
// separator cannot occur in either part of a credential that is worth a
// lookup, so distinct pairs never share a key.
func Key(username, source string) string { return username + "\x00" + source }
