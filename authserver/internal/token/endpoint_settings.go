package token

import (
	"context"
	"sync"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// DefaultSettingsTTL is how long the token endpoint reuses the site settings
// it read. A PATCH /settings on this replica takes effect at once
// (InvalidateSettings); one made on another replica within SettingsTTL.
const DefaultSettingsTTL = time.Second

// settingsCache remembers the settings for a short TTL. Only successful
// reads are kept: a store failure is returned to the caller (503) and the
// next request asks the store again. A read that started before an
// invalidation never fills the cache, so a change made here cannot be
// overwritten by an older read.
type settingsCache struct {
	get func(context.Context) (store.Settings, error)
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	gen     uint64
	value   store.Settings
	expires time.Time // zero: empty
}

func (c *settingsCache) load(ctx context.Context) (store.Settings, error) {
	if c.ttl <= 0 {
		return c.get(ctx)
	}
	now := c.now()
	c.mu.Lock()
	if !c.expires.IsZero() && now.Before(c.expires) {
		v := c.value
		c.mu.Unlock()
		return v, nil
	}
	gen := c.gen
	c.mu.Unlock()

	v, err := c.get(ctx)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.value, c.expires = v, now.Add(c.ttl)
	}
	c.mu.Unlock()
	return v, nil
}

func (c *settingsCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.expires = time.Time{}
	c.mu.Unlock()
}

// InvalidateSettings drops the cached site settings, so the next token
// request reads them again. Call it after the settings change (the app does
// for PATCH /api/v1/settings).
func (e *Endpoint) InvalidateSettings() { e.settings.invalidate() }
