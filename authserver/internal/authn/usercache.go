package authn

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// userCache keeps user rows for the password path for a short TTL. It is
// only correct while every change of a user reaches Forget at once, so the
// owner of the Authenticator switches it off (SetUserCacheActive(false))
// whenever that stops being true, e.g. while a cross-replica invalidation
// channel is down; it is then bypassed and emptied.
//
// Only successful reads are kept (an unknown user is asked for every time,
// so a created user is seen at once). A read that overlaps a Forget, or a
// switch on or off, never fills the cache, so an older row cannot outlive
// the change that Forget announced.
type userCache struct {
	ttl    time.Duration
	max    int
	active atomic.Bool

	mu      sync.Mutex
	gen     uint64
	entries map[string]userEntry
}

type userEntry struct {
	user    store.User
	expires time.Time
}

// passwordUser reads username's row for the password path, through the
// cache when it is active.
func (a *Authenticator) passwordUser(ctx context.Context, username string) (store.User, error) {
	c := &a.users
	if !c.active.Load() {
		return a.st.GetUser(ctx, username)
	}
	now := a.now()
	c.mu.Lock()
	if e, ok := c.entries[username]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.user, nil
	}
	gen := c.gen
	c.mu.Unlock()

	u, err := a.st.GetUser(ctx, username)
	if err != nil {
		return u, err
	}
	c.mu.Lock()
	// active is read under mu: SetUserCacheActive changes it under mu too.
	if c.gen == gen && c.active.Load() {
		if c.entries == nil {
			c.entries = map[string]userEntry{}
		} else if _, ok := c.entries[username]; !ok && len(c.entries) >= c.max {
			for k, e := range c.entries {
				if !now.Before(e.expires) {
					delete(c.entries, k)
				}
			}
			if len(c.entries) >= c.max {
				clear(c.entries)
			}
		}
		c.entries[username] = userEntry{user: u, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return u, nil
}

// Forget drops username's cached row: the next password login reads the
// store. Call it after every change of a user (password, enabled, admin,
// bot, deletion). Reads in flight do not fill the cache.
func (a *Authenticator) Forget(username string) {
	c := &a.users
	c.mu.Lock()
	c.gen++
	delete(c.entries, username)
	c.mu.Unlock()
}

// SetUserCacheActive switches the user-row cache on or off (it cannot be
// switched on without a UserCacheTTL). Either way the cache is emptied and
// reads in flight do not fill it: rows kept before a period without
// invalidations cannot be trusted after it.
func (a *Authenticator) SetUserCacheActive(on bool) {
	c := &a.users
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.active.Store(on && c.ttl > 0)
	c.mu.Unlock()
}

// UserCacheActive reports whether the password path reuses user rows now.
func (a *Authenticator) UserCacheActive() bool { return a.users.active.Load() }
