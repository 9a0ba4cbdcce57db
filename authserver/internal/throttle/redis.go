package throttle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix namespaces the limiter's keys in a shared Redis.
const DefaultRedisPrefix = "dockmaster:login-failures:"

// Redis is a Limiter shared by every replica through Redis: one counter per
// key, created with a TTL of Window by the first failure. Any Redis error is
// returned, so callers fail closed.
type Redis struct {
	rdb    redis.UniversalClient
	cfg    Config
	prefix string
}

var _ Limiter = (*Redis)(nil)

// failScript counts a failure and starts the window on the first one, in one
// atomic step: a counter can never be left without an expiry.
var failScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// NewRedis returns a limiter over rdb; prefix "" means DefaultRedisPrefix.
// cfg.MaxKeys and cfg.Now are not used (Redis expires the keys).
func NewRedis(rdb redis.UniversalClient, prefix string, cfg Config) (*Redis, error) {
	if rdb == nil {
		return nil, errors.New("throttle: nil redis client")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &Redis{rdb: rdb, cfg: cfg, prefix: prefix}, nil
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string) (Verdict, error) {
	k := r.prefix + key
	var count *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		count = p.Get(ctx, k)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return Verdict{Allowed: true}, nil
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("throttle: redis: %w", err)
	}
	n, err := count.Int()
	if err != nil {
		return Verdict{}, fmt.Errorf("throttle: redis counter %q: %w", k, err)
	}
	if n < r.cfg.MaxFailures {
		return Verdict{Allowed: true, Failures: n}, nil
	}
	// PTTL answers -2 (as a raw Duration) when the key expired between the
	// two commands, -1 when it has no expiry (never by our script).
	wait := ttl.Val()
	switch {
	case wait == -2:
		return Verdict{Allowed: true}, nil
	case wait == -1:
		wait = r.cfg.Window
	case wait <= 0:
		wait = time.Millisecond
	}
	return Verdict{RetryAfter: wait, Failures: n}, nil
}

// Fail implements Limiter.
func (r *Redis) Fail(ctx context.Context, key string) error {
	if err := failScript.Run(ctx, r.rdb, []string{r.prefix + key}, r.cfg.Window.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("throttle: redis: %w", err)
	}
	return nil
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("throttle: redis: %w", err)
	}
	return nil
}
