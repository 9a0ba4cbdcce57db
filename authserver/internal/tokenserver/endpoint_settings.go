package tokenserver

import (
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

// boundedOptions are the caches' options for a staleness bound ttl: nothing
// older than ttl (from the start of its read) is served, however slow the
// database, and in the second half of that life the value is served while
// one request reads its successor (so a steady stream of token requests
// does not wait for the database each time an entry expires, and a slow
// database sees one read per key at a time).
func boundedOptions(ttl time.Duration, max int) ttlcache.Options {
	return ttlcache.Options{TTL: ttl, MaxAge: ttl, Refresh: ttl / 2, Max: max}
}

// DefaultSettingsTTL is how long the token endpoint reuses the site settings
// it read. A PATCH /settings on this replica takes effect at once
// (InvalidateSettings); one made on another replica when that replica
// announces it (the app does through Redis), else within SettingsTTL.
const DefaultSettingsTTL = time.Second

// DefaultAccessTTL is how long the token endpoint reuses a namespace row
// (team, owner, visibility) and a caller's roles on it. A namespace, team,
// membership, grant, robot or user changed through this replica's API takes
// effect at once (InvalidateAccess); one changed on another replica when
// that replica announces it (the app does through Redis), else within the
// TTL. That adds nothing material: a token already issued stays valid for
// the token lifetime (at least MinLifetime, 60 s), so a revoked grant can
// never take effect faster than that for whoever holds a token. Only
// namespaces that exist are cached (a new namespace is seen at once, and
// made-up names cannot fill the cache). Users and robots themselves
// (enabled, expiry, admin) are not part of it: the authenticator reads them.
const DefaultAccessTTL = time.Second

// InvalidateSettings drops the cached site settings, so the next token
// request reads them again. Call it after the settings change (the app does
// for PATCH /api/v1/settings).
func (e *Endpoint) InvalidateSettings() { e.settings.Clear() }

// InvalidateAccess drops the cached namespaces and roles, so the next token
// request reads them again. Call it after a namespace, team, membership,
// grant, robot or user is created, changed or deleted (the app does for the
// REST API's writes).
func (e *Endpoint) InvalidateAccess() {
	e.namespaces.Clear()
	e.access.Clear()
}
