package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
)

// ChangesChannel is the Redis channel on which every replica announces what
// it changed ("<id> user <username>", "<id> access", "<id> settings"); every
// replica drops its cached copy when it hears it and acknowledges.
const ChangesChannel = "dockmaster:changes"

// What an announcement names.
const (
	changeUser     = "user"     // a user row (authn's user cache)
	changeAccess   = "access"   // namespaces and roles (the token endpoint's access cache)
	changeSettings = "settings" // the site settings (the token endpoint's settings cache)
)

// changeFeed publishes this replica's changes on Redis and keeps a
// subscription that applies everyone's. While the subscription is not
// confirmed and healthy, the authenticator's user cache is off (every
// password login reads the store): a change announced then would be
// missed. The token endpoint's caches stay on: their 1 s TTL bounds what a
// missed announcement costs.
type changeFeed struct {
	rdb  redis.UniversalClient
	auth *authn.Authenticator
	// drop drops this replica's copy of what an announcement names.
	drop func(kind, name string)
	log  *slog.Logger
	// redis is told whether the subscription holds (one warning per
	// outage, the metric, /readyz).
	redis *redisHealth
	// health is how long the subscription may stay silent before it is
	// pinged; a ping unanswered for another health period counts as down.
	health time.Duration

	cancel context.CancelFunc
	done   chan struct{}
}

func startChangeFeed(rdb redis.UniversalClient, auth *authn.Authenticator, drop func(kind, name string), log *slog.Logger, rh *redisHealth) *changeFeed {
	ctx, cancel := context.WithCancel(context.Background())
	u := &changeFeed{rdb: rdb, auth: auth, drop: drop, log: log, redis: rh, health: time.Second, cancel: cancel, done: make(chan struct{})}
	auth.SetUserCacheActive(false)
	go u.run(ctx)
	return u
}

// changed drops what kind and name name here at once and announces it to
// the others. It returns once every replica whose subscription received the
// announcement has dropped its copy (each acknowledges on a list named
// after the announcement), or after ackWait: the REST API's answer to a
// change then means that no replica serves the old copy any more.
func (u *changeFeed) changed(kind, name string) {
	u.drop(kind, name)
	// Not bound to the request: the write has happened either way.
	ctx, cancel := context.WithTimeout(context.Background(), ackWait)
	defer cancel()
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	ackKey := ackPrefix + hex.EncodeToString(id)
	n, err := u.rdb.Publish(ctx, ChangesChannel, hex.EncodeToString(id)+" "+kind+" "+name).Result()
	if err != nil {
		// Other replicas' subscriptions are then likely down too (and their
		// user caches off); if not, their copy expires within its TTL.
		// During a known outage that is said once, not per change.
		level := slog.LevelWarn
		if u.redis != nil && u.redis.isDown() {
			level = slog.LevelDebug
		}
		u.log.Log(ctx, level, "announcing a change on Redis failed; other replicas drop their cached copy within the cache TTL",
			"kind", kind, "name", name, "error", err)
		return
	}
	for acked := int64(0); acked < n; acked++ {
		if err := u.rdb.BLPop(ctx, ackWait, ackKey).Err(); err != nil {
			u.log.Warn("not every replica acknowledged a change in time; those drop their cached copy within the cache TTL",
				"kind", kind, "name", name, "replicas", n, "acknowledged", acked, "error", err)
			break
		}
	}
	u.rdb.Del(context.WithoutCancel(ctx), ackKey)
}

// ackPrefix names the lists on which replicas acknowledge an announcement;
// ackWait bounds how long a change waits for them.
const (
	ackPrefix = "dockmaster:changes-ack:"
	ackWait   = 2 * time.Second
)

// forget applies an announcement ("id kind name") and acknowledges it.
func (u *changeFeed) forget(ctx context.Context, payload string) {
	id, rest, ok := strings.Cut(payload, " ")
	if !ok {
		return
	}
	kind, name, _ := strings.Cut(rest, " ")
	u.drop(kind, name)
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	_, err := u.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, ackPrefix+id, 1)
		p.Expire(ctx, ackPrefix+id, 2*ackWait)
		return nil
	})
	if err != nil {
		u.log.Warn("acknowledging a change on Redis failed", "kind", kind, "name", name, "error", err)
	}
}

func (u *changeFeed) close(context.Context) error {
	u.cancel()
	<-u.done
	return nil
}

func (u *changeFeed) run(ctx context.Context) {
	defer close(u.done)
	defer u.auth.SetUserCacheActive(false)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if u.subscribe(ctx) {
			backoff = 100 * time.Millisecond
		} else if backoff < 5*time.Second {
			backoff *= 2
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

// subscribe holds one subscription until it fails; it reports whether the
// subscription was ever confirmed.
func (u *changeFeed) subscribe(ctx context.Context) (confirmed bool) {
	ps := u.rdb.Subscribe(ctx, ChangesChannel)
	defer func() {
		u.auth.SetUserCacheActive(false)
		_ = ps.Close()
	}()
	for pingPending := false; ; {
		msg, err := ps.ReceiveTimeout(ctx, u.health)
		if err != nil {
			var ne net.Error
			if confirmed && errors.As(err, &ne) && ne.Timeout() && !pingPending && ctx.Err() == nil {
				if err := ps.Ping(ctx); err == nil {
					pingPending = true
					continue
				}
			}
			if ctx.Err() == nil {
				u.report(ctx, err)
				u.log.Debug("Redis subscription for changes is down; password logins read the store until it is back", "error", err)
			}
			return confirmed
		}
		pingPending = false
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == ChangesChannel && !confirmed {
				confirmed = true
				// Changes made before this point were missed: start empty.
				u.auth.SetUserCacheActive(true)
				u.report(ctx, nil)
				u.log.Debug("Redis subscription for changes is up; password logins reuse user rows")
			}
		case *redis.Message:
			u.forget(ctx, m.Payload)
		}
	}
}

// report tells the Redis health what the subscription saw.
func (u *changeFeed) report(ctx context.Context, err error) {
	if u.redis != nil {
		u.redis.report(ctx, "changes", err)
	}
}
