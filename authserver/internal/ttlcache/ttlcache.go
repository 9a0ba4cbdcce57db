// Package ttlcache keeps successful reads for a short time, for the hot
// paths that would otherwise read the same rows on every request (the
// token endpoint's settings, namespaces and roles; the password path's
// user rows).
//
// Only successful reads are kept: an error (a store failure, or "not
// found") goes back to the caller and the next load asks again, so a row
// created after a miss is seen at once. A read that overlaps a Forget,
// Clear or SetActive never fills the cache, so an older value cannot
// outlive the change that announced itself. The cache is bounded: when
// full, expired entries go first, then everything.
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
	// TTL is how long a read is reused; 0 reads every time (the cache is
	// off and cannot be switched on).
	TTL time.Duration
	// Max bounds the entries kept (0: DefaultMax).
	Max int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Cache is a TTL cache of get's successful results, by key. It starts
// active when it has a TTL.
type Cache[K comparable, V any] struct {
	get    func(context.Context, K) (V, error)
	ttl    time.Duration
	max    int
	now    func() time.Time
	active atomic.Bool

	mu      sync.Mutex
	gen     uint64
	entries map[K]entry[V]
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns a cache over get.
func New[K comparable, V any](get func(context.Context, K) (V, error), o Options) *Cache[K, V] {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Cache[K, V]{get: get, ttl: o.TTL, max: o.Max, now: o.Now}
	c.active.Store(o.TTL > 0)
	return c
}

// Load returns key's value, from the cache while it is fresh and the cache
// active, else from get.
func (c *Cache[K, V]) Load(ctx context.Context, key K) (V, error) {
	if !c.active.Load() {
		return c.get(ctx, key)
	}
	now := c.now()
	c.mu.Lock()
	if e, ok := c.entries[key]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.value, nil
	}
	gen := c.gen
	c.mu.Unlock()

	v, err := c.get(ctx, key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	// active is read under mu: SetActive changes it under mu too.
	if c.gen == gen && c.active.Load() {
		if c.entries == nil {
			c.entries = map[K]entry[V]{}
		} else if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
			for k, e := range c.entries {
				if !now.Before(e.expires) {
					delete(c.entries, k)
				}
			}
			if len(c.entries) >= c.max {
				clear(c.entries)
			}
		}
		c.entries[key] = entry[V]{value: v, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
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
