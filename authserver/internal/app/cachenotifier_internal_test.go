package app

import (
	"reflect"
	"sort"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Reasons a method of store.Store needs no cache dropped.
const (
	noData    = "touches no data"
	read      = "a read"
	teamText  = "a team's description is in no cache; roles come from memberships"
	perLogin  = "read on every login: robots' secrets and application tokens are not cached"
	notCached = "repositories, tags and the audit are in no cache"
	perUse    = "refresh tokens are read from the store on every use, never cached"
)

// passThrough are the methods of store.Store that cacheNotifier passes
// through, each with the reason no cache needs dropping.
var passThrough = map[string]string{
	"Ping": noData, "Close": noData,

	"CountUsers": read, "GetUser": read, "ListUsers": read, "GetTeam": read, "ListTeams": read,
	"GetMember": read, "ListMembers": read, "ListUserTeams": read, "GetNamespace": read,
	"ListNamespaces": read, "GetPermission": read, "ListPermissions": read, "RolesOn": read,
	"NamespaceAccess": read, "RolesByNamespace": read, "GetRobot": read, "GetRobotBySecretHash": read,
	"ListRobots": read, "GetTokenByHash": read, "ListTokens": read, "GetSettings": read,
	"GetRepository": read, "ListRepositories": read, "GetTag": read, "ListTags": read, "ListAudit": read,
	"ListRefreshTokens": read, "GetManifest": read, "ListManifests": read, "PendingManifests": read,

	"UpdateTeam": teamText,

	"SetRobotSecret": perLogin, "CreateToken": perLogin, "TouchToken": perLogin, "DeleteToken": perLogin,

	"PutTag": notCached, "UpdateRepository": notCached, "DeleteRepository": notCached,
	"DeleteTag": notCached, "AppendAudit": notCached, "DeleteManifest": notCached,
	"SetManifestDetails": notCached, "SetManifestDetailsBatch": notCached,

	"DeleteRefreshToken": perUse, "DeleteRefreshTokens": perUse,
}

// TestCacheNotifierWrapsEveryWrite: every method of store.Store is either
// wrapped by cacheNotifier (calling it drops a cache) or listed in
// passThrough with a reason — so a new write method cannot silently skip
// the invalidation.
func TestCacheNotifierWrapsEveryWrite(t *testing.T) {
	storeType := reflect.TypeOf((*store.Store)(nil)).Elem()
	var wrapped []string
	for i := range storeType.NumMethod() {
		m := storeType.Method(i)
		calls := 0
		// The inner store is nil: a pass-through method panics before it
		// could drop anything, a wrapper drops in its deferred call.
		n := cacheNotifier{changed: func(string, string) { calls++ }}
		fn := reflect.ValueOf(n).MethodByName(m.Name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for j := range args {
			args[j] = reflect.Zero(fn.Type().In(j))
		}
		func() {
			defer func() { _ = recover() }()
			fn.Call(args)
		}()
		reason, listed := passThrough[m.Name]
		switch {
		case calls > 0 && listed:
			t.Errorf("%s drops a cache but is listed as not cached (%s)", m.Name, reason)
		case calls == 0 && !listed:
			t.Errorf("store.Store.%s passes through cacheNotifier: wrap it to drop the caches it affects, or list it in passThrough with the reason none is", m.Name)
		case calls > 0:
			wrapped = append(wrapped, m.Name)
		}
	}
	for name := range passThrough {
		if _, ok := storeType.MethodByName(name); !ok {
			t.Errorf("passThrough lists %s, which store.Store does not have", name)
		}
	}
	sort.Strings(wrapped)
	t.Logf("wrapped: %v", wrapped)
}
