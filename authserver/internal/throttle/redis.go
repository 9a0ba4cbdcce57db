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

// reserveScript checks and counts an attempt in one atomic step: a key at
// the limit answers {count, pttl, 0}; otherwise the attempt is counted (the
// first one starts the window, and a counter is never left without an
// expiry) and the answer is {count before, 0, 1}.
var reserveScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then
  return {n, redis.call('PTTL', KEYS[1]), 0}
end
local m = redis.call('INCR', KEYS[1])
if m == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {m - 1, 0, 1}
`)

// releaseScript takes one reservation back; the last one deletes the key.
var releaseScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
return redis.call('DECR', KEYS[1])
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

// Reserve implements Limiter with one script run: one round trip, atomic
// against every replica's concurrent attempts.
func (r *Redis) Reserve(ctx context.Context, key string) (Verdict, error) {
	k := r.prefix + key
	res, err := reserveScript.Run(ctx, r.rdb, []string{k}, r.cfg.Window.Milliseconds(), r.cfg.MaxFailures).Int64Slice()
	if err != nil {
		return Verdict{}, fmt.Errorf("throttle: redis: %w", err)
	}
	if len(res) != 3 {
		return Verdict{}, fmt.Errorf("throttle: redis: reserve answered %d values, want 3", len(res))
	}
	if res[2] == 1 {
		return Verdict{Allowed: true, Failures: int(res[0])}, nil
	}
	// PTTL answers -2 when the key is gone, -1 without an expiry (never by
	// our script); either way wait one window at most.
	wait := time.Duration(res[1]) * time.Millisecond
	switch {
	case res[1] < 0:
		wait = r.cfg.Window
	case wait <= 0:
		wait = time.Millisecond
	}
	return Verdict{RetryAfter: wait, Failures: int(res[0])}, nil
}

// Release implements Limiter.
func (r *Redis) Release(ctx context.Context, key string) error {
	if err := releaseScript.Run(ctx, r.rdb, []string{r.prefix + key}).Err(); err != nil {
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
