package authn

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/throttle"
)

// ErrThrottled is wrapped by the error of an attempt refused because its
// (username, source) has failed too often; see ThrottledError.
var ErrThrottled = errors.New("too many failed logins")

// ThrottledError refuses an attempt without checking it (429).
type ThrottledError struct {
	// RetryAfter is how long until the key may try again.
	RetryAfter time.Duration
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins; retry in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Basic verifies HTTP Basic credentials presented from source (the client
// address, for the throttle): robot$name with the robot's secret, a username
// with one of that user's application tokens (dmt_…), or a username with the
// user's password.
//
// This is the one throttled path of every credential check — the token
// endpoint (GET and POST), the REST API and the web sign-in all call it.
// Attempts that name a user (passwords and application tokens) reserve one
// try of throttle.Key(username, source) before anything is checked, so a
// burst of concurrent guesses is checked at most MaxFailures times. Robots
// are not throttled: their secrets are 256 random bits, and a CI fleet
// sharing one address must not be locked out by one misconfigured job.
// Errors: ErrBadCredentials, a *ThrottledError (ErrThrottled), or any other
// error for "unavailable" (store or throttle down: fail closed).
func (a *Authenticator) Basic(ctx context.Context, source, username, secret string) (Principal, error) {
	if !plausibleBasic(username, secret) {
		return Principal{}, ErrBadCredentials
	}
	if a.limiter == nil || strings.HasPrefix(username, rbac.RobotPrefix) {
		return a.basic(ctx, username, secret)
	}
	return a.throttled(ctx, throttle.Key(username, source), secret, func(ctx context.Context) (Principal, error) {
		return a.basic(ctx, username, secret)
	})
}

// Bearer verifies a bearer secret: an application token or a robot
// secret — generated, 256 random bits, never a password. The throttle's
// policy lives here with Basic's: nothing presented as a bearer is worth
// guessing, so, like robots on Basic, it is not throttled (one shared
// address must not lock out every CI job behind it).
func (a *Authenticator) Bearer(ctx context.Context, secret string) (Principal, error) {
	return a.bearer(ctx, secret)
}

// throttled runs check under the limiter: reserve first (atomic), check,
// then take the reservation back on success or keep it as the failure.
// Concurrent attempts with the same key and secret share one reservation
// and one check (a client's parallel logins are one guess, not many).
func (a *Authenticator) throttled(ctx context.Context, key, secret string, check func(context.Context) (Principal, error)) (Principal, error) {
	mac := a.mac(secret)
	flight := key + "\x00" + hex.EncodeToString(mac[:])
	v, err, _ := a.attempts.Do(flight, func() (any, error) {
		verdict, err := a.limiter.Reserve(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("authn: %w: %w", ErrThrottleUnavailable, err)
		}
		if !verdict.Allowed {
			return nil, &ThrottledError{RetryAfter: verdict.RetryAfter}
		}
		p, err := check(ctx)
		switch {
		case errors.Is(err, ErrBadCredentials):
			// The reservation stays: it is the failure.
			return nil, err
		case err != nil:
			// An outage is no guess; give the try back (best effort).
			if rerr := a.limiter.Release(ctx, key); rerr != nil {
				a.log.WarnContext(ctx, "releasing a login attempt failed", "error", rerr)
			}
			return nil, err
		}
		if serr := throttle.Succeeded(ctx, a.limiter, key, verdict); serr != nil {
			a.log.WarnContext(ctx, "clearing the failed-login counter failed", "error", serr)
		}
		return p, nil
	})
	if err != nil {
		return Principal{}, err
	}
	p := v.(Principal)
	// Callers share nothing mutable.
	if p.User != nil {
		u := *p.User
		p.User = &u
	}
	if p.Robot != nil {
		r := *p.Robot
		p.Robot = &r
	}
	return p, nil
}
