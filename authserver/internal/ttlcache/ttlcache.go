// Package ttlcache keeps successful reads for a short time, for the hot
// paths that would otherwise read the same rows on every request (the
// token endpoint's settings, namespaces and roles; the password path's
// user rows).
//
// Concurrent misses of one key share one read: when an entry expires under
// load, one request reads the store and the others wait for its answer
// instead of queueing a read each in front of the database's pool. A
// value's life counts from when it arrived, so reads slower than the TTL
// are still reused.
//
// Where staleness is allowed anyway (Options.MaxAge), the cache serves the
// value it has while one request refreshes it (Options.Refresh), but never
// a value whose read began more than MaxAge ago, however slow the database:
// MaxAge is the bound the README promises for changes made on another
// replica without Redis.
//
// Only successful reads are kept: an error (a store failure, or "not
// found") goes back to the caller and the next load asks again, so a row
// created after a miss is seen at once. A read that overlaps a Forget,
// Clear or SetActive never fills the cache and is never joined by a load
// that began after it, so an older value cannot outlive the change that
// announced itself. The cache is bounded: when full, expired entries go
// first, then everything.
package ttlcache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMax bounds a cache whose Options.Max is 0.
const DefaultMax = 1024

// Options configure a Cache.
type Options struct {
	// TTL is how long a read is reused, counted from when it arrived; 0
	// reads every time (the cache is off and cannot be switched on).
	TTL time.Duration
	// MaxAge, when > 0, bounds the age of what is served counted from when
	// its read began: a change committed on another replica is seen within
	// MaxAge whatever the database's latency. 0: only TTL applies.
	MaxAge time.Duration
	// Refresh, when > 0, is stale-while-revalidate: a load that finds a
	// value within Refresh of its expiry returns it at once and starts one
	// read in the background to replace it, so a steady stream of requests
	// never waits for the database on this key.
	Refresh time.Duration
	// Max bounds the entries kept (0: DefaultMax).
	Max int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Cache is a TTL cache of get's successful results, by key. It starts
// active when it has a TTL.
type Cache[K comparable, V any] struct {
	get     func(context.Context, K) (V, error)
	ttl     time.Duration
	maxAge  time.Duration
	refresh time.Duration
	max     int
	now     func() time.Time
	active  atomic.Bool

	mu      sync.Mutex
	gen     uint64
	entries map[K]entry[V]
	// flights are the reads in progress, one per key and generation. The
	// generation is part of the key so that a load after an invalidation
	// never joins a read that began before it. (Not x/sync/singleflight:
	// its keys are strings, and the flight must be found and the
	// generation checked under the same lock as the entries.)
	flights map[flightKey[K]]*flight[V]
	reads   atomic.Int64
}

type entry[V any] struct {
	value   V
	expires time.Time
}

type flightKey[K comparable] struct {
	key K
	gen uint64
}

// flight is one read that every concurrent miss of its key waits for.
type flight[V any] struct {
	done  chan struct{}
	value V
	err   error
}

// New returns a cache over get.
func New[K comparable, V any](get func(context.Context, K) (V, error), o Options) *Cache[K, V] {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Cache[K, V]{get: get, ttl: o.TTL, maxAge: o.MaxAge, refresh: o.Refresh, max: o.Max, now: o.Now}
	c.active.Store(o.TTL > 0)
	return c
}

// Load returns key's value, from the cache while it is fresh and the cache
// active, else from get — shared with the loads of key already waiting for
// one. A load that gives up (ctx done) leaves the shared read running for
// the others.
func (c *Cache[K, V]) Load(ctx context.Context, key K) (V, error) {
	if !c.active.Load() {
		c.reads.Add(1)
		return c.get(ctx, key)
	}
	now := c.now()
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && now.Before(e.expires) {
		if c.refresh > 0 && !now.Before(e.expires.Add(-c.refresh)) {
			// Serve what we have; one read replaces it meanwhile.
			c.startLocked(ctx, key)
		}
		c.mu.Unlock()
		return e.value, nil
	}
	f := c.startLocked(ctx, key)
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.value, f.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// startLocked returns the read of key in progress in this generation,
// starting one if there is none; c.mu is held. The read runs on its own
// goroutine, detached from ctx's cancellation (not from its values or the
// store's own deadline), because other loads may come to wait for it.
func (c *Cache[K, V]) startLocked(ctx context.Context, key K) *flight[V] {
	fk := flightKey[K]{key: key, gen: c.gen}
	if f, ok := c.flights[fk]; ok {
		return f
	}
	if c.flights == nil {
		c.flights = map[flightKey[K]]*flight[V]{}
	}
	f := &flight[V]{done: make(chan struct{})}
	c.flights[fk] = f
	rctx := context.WithoutCancel(ctx)
	go func() {
		started := c.now()
		c.reads.Add(1)
		v, err := c.get(rctx, key)
		f.value, f.err = v, err
		c.mu.Lock()
		delete(c.flights, fk)
		if err == nil {
			c.fillLocked(fk, v, started)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

// fillLocked keeps v, read from started on, unless an invalidation came in
// between; c.mu is held.
func (c *Cache[K, V]) fillLocked(fk flightKey[K], v V, started time.Time) {
	// active is read under mu: SetActive changes it under mu too.
	if c.gen != fk.gen || !c.active.Load() {
		return
	}
	now := c.now()
	expires := now.Add(c.ttl)
	if c.maxAge > 0 && started.Add(c.maxAge).Before(expires) {
		expires = started.Add(c.maxAge)
	}
	if !now.Before(expires) {
		return // slower than MaxAge: too old to serve anyone else
	}
	if c.entries == nil {
		c.entries = map[K]entry[V]{}
	} else if _, ok := c.entries[fk.key]; !ok && len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[fk.key] = entry[V]{value: v, expires: expires}
}

// Forget drops key; reads in flight do not fill the cache.
func (c *Cache[K, V]) Forget(key K) {
	c.mu.Lock()
	c.gen++
	delete(c.entries, key)
	c.mu.Unlock()
}

// Clear drops every entry; reads in flight do not fill the cache.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}

// SetActive switches the cache on or off (never on without a TTL). Either
// way it is emptied and reads in flight do not fill it: what was kept
// before a period without invalidations cannot be trusted after it.
func (c *Cache[K, V]) SetActive(on bool) {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.active.Store(on && c.ttl > 0)
	c.mu.Unlock()
}

// Active reports whether loads reuse values now.
func (c *Cache[K, V]) Active() bool { return c.active.Load() }

// Len is the number of entries kept, fresh or not.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Reads is how many times get was called (for tests and metrics).
func (c *Cache[K, V]) Reads() int64 { return c.reads.Load() }
