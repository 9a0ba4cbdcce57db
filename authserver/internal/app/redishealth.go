package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// quietRedisLog sends go-redis's own log lines (one per failed dial or
// retry: dozens a second during an outage) to slog at debug level; the
// outage itself is said once, by redisHealth. go-redis keeps its logger in
// a package variable, so the last app built sets it.
func quietRedisLog(log *slog.Logger) { redis.SetLogger(redisLog{log}) }

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// redisHealth is this replica's one view of whether Redis answers, fed by
// its two users (the login throttle and the change feed). An outage is
// said loudly but once: one warning when it starts, one note when it ends,
// the gauge dockmaster_redis_up, the counter of outages, and a line of
// /readyz. While it lasts each replica throttles on its own and cached
// settings, namespaces and roles of other replicas' changes expire by
// their TTL (≤ 1 s), unless the operator chose fail-closed.
type redisHealth struct {
	log        *slog.Logger
	failClosed bool
	now        func() time.Time

	mu      sync.Mutex
	down    map[string]error // by user: "throttle", "changes"
	since   time.Time
	up      prometheus.Gauge
	outages prometheus.Counter
}

func newRedisHealth(reg prometheus.Registerer, log *slog.Logger, failClosed bool) *redisHealth {
	h := &redisHealth{
		log: log, failClosed: failClosed, now: time.Now, down: map[string]error{},
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dockmaster_redis_up",
			Help: "1 while Redis answers this replica, 0 during an outage (logins then throttle per replica and caches expire by TTL, or 503 with --redis-fail-closed).",
		}),
		outages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dockmaster_redis_outages_total",
			Help: "Redis outages this replica has seen (each also logged once as a warning).",
		}),
	}
	h.up.Set(1)
	reg.MustRegister(h.up, h.outages)
	return h
}

// report records what user saw: err non-nil when Redis failed it, nil when
// it answered. Both users talk to the same Redis, so the latest word wins:
// an answer to either ends the outage (the throttle, which probes only
// when a login comes, must not keep it open after the subscription is
// back). Only the first failure of an outage and its end are logged.
func (h *redisHealth) report(ctx context.Context, user string, err error) {
	h.mu.Lock()
	wasDown := h.isDownLocked()
	if err != nil {
		h.down[user] = err
	} else {
		clear(h.down)
	}
	isDown := h.isDownLocked()
	if isDown && !wasDown {
		h.since = h.now()
	}
	since := h.since
	h.mu.Unlock()
	switch {
	case isDown && !wasDown:
		h.up.Set(0)
		h.outages.Inc()
		if h.failClosed {
			h.log.WarnContext(ctx, "Redis unavailable: refusing logins with 503 until it is back (--redis-fail-closed)", "seen_by", user, "error", err)
		} else {
			h.log.WarnContext(ctx, "Redis unavailable: throttling logins on this replica alone and letting cached settings, namespaces and roles expire by their TTL (≤ 1 s) until it is back",
				"seen_by", user, "error", err)
		}
	case wasDown && !isDown:
		h.up.Set(1)
		h.log.InfoContext(ctx, "Redis is back: throttling and cache invalidation across replicas again", "seen_by", user, "outage", h.now().Sub(since).Round(time.Millisecond))
	}
}

func (h *redisHealth) isDownLocked() bool { return len(h.down) > 0 }

// check is /readyz's line for Redis. During an outage the replica stays
// ready either way: it serves (fallback), or with fail-closed it still
// serves everything but password logins, and a load balancer that took
// every replica out for a Redis outage would refuse even those requests.
func (h *redisHealth) check(context.Context) (bool, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.down) == 0 {
		return true, "ok"
	}
	since := h.since.UTC().Format(time.RFC3339)
	if h.failClosed {
		return true, "unavailable since " + since + "; refusing password logins (fail-closed)"
	}
	return true, "unavailable since " + since + "; throttling per replica, caches expire by TTL"
}

// isDown reports whether an outage is under way.
func (h *redisHealth) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.down) > 0
}
