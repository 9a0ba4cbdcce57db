package token

import (
	"context"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// DefaultSettingsTTL is how long the token endpoint reuses the site settings
// it read. A PATCH /settings on this replica takes effect at once
// (InvalidateSettings); one made on another replica within SettingsTTL.
const DefaultSettingsTTL = time.Second

// DefaultNamespaceTTL is how long the token endpoint reuses a namespace row
// (team, owner, visibility) it read for a request without roles to look up
// (anonymous). A namespace created, changed or deleted through this
// replica's API takes effect at once (InvalidateNamespaces); one changed on
// another replica within the TTL. That adds nothing material: a token
// already issued stays valid for the token lifetime (at least MinLifetime,
// 60 s), so making a namespace private can never take effect faster than
// that for whoever holds a token. Only namespaces that exist are cached (a
// new namespace is seen at once, and made-up names cannot fill the cache).
// Users, robots, roles and grants are still read per request.
const DefaultNamespaceTTL = time.Second

// settingsCache is the site settings under a ttlCache with a single key.
type settingsCache = ttlCache[struct{}, store.Settings]

func newSettingsCache(get func(context.Context) (store.Settings, error), ttl time.Duration, now func() time.Time) *settingsCache {
	return &settingsCache{get: func(ctx context.Context, _ struct{}) (store.Settings, error) { return get(ctx) }, ttl: ttl, now: now}
}

// InvalidateSettings drops the cached site settings, so the next token
// request reads them again. Call it after the settings change (the app does
// for PATCH /api/v1/settings).
func (e *Endpoint) InvalidateSettings() { e.settings.invalidate() }

// InvalidateNamespaces drops the cached namespaces, so the next token
// request reads them again. Call it after a namespace is created, changed
// or deleted (the app does for the REST API's namespace and user writes).
func (e *Endpoint) InvalidateNamespaces() { e.namespaces.invalidate() }
