package token

import (
	"context"
	"sync"
	"time"
)

// ttlCache remembers successful reads for a short TTL, by key. Only
// successful reads are kept: an error (a store failure, or ErrNotFound) is
// returned to the caller and the next request asks the store again. A read
// that started before an invalidation never fills the cache, so a change
// made on this replica cannot be overwritten by an older read. A TTL of 0
// reads every time.
type ttlCache[K comparable, V any] struct {
	get func(context.Context, K) (V, error)
	ttl time.Duration
	now func() time.Time
	// max bounds the entries kept (0: 1024); when full, the cache is
	// emptied before the next entry is added.
	max int

	mu      sync.Mutex
	gen     uint64
	entries map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	value   V
	expires time.Time
}

func (c *ttlCache[K, V]) load(ctx context.Context, key K) (V, error) {
	if c.ttl <= 0 {
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
	if c.gen == gen {
		limit := c.max
		if limit <= 0 {
			limit = 1024
		}
		if c.entries == nil {
			c.entries = map[K]ttlEntry[V]{}
		} else if _, ok := c.entries[key]; !ok && len(c.entries) >= limit {
			clear(c.entries)
		}
		c.entries[key] = ttlEntry[V]{value: v, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
}

// invalidate drops every entry; reads in flight do not fill the cache.
func (c *ttlCache[K, V]) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}
