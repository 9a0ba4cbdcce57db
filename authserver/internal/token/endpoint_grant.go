package token

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/ttlcache"
)

// granter decides one request's scopes. Its per-namespace decisions live
// for the request only; the settings, namespaces and roles it reads may come
// from the endpoint's short TTL caches (EndpointDeps.SettingsTTL, AccessTTL).
type granter struct {
	e        *Endpoint
	settings store.Settings
	subject  rbac.Subject
	now      time.Time
	byNS     map[string]nsDecision // "" is the global namespace
}

// grant returns requested ∩ allowed, one entry per (type, name) with at
// least one action; never nil, so the claim is `[]` rather than null. Only a
// store failure is an error — the caller answers 503, never a smaller grant.
func (g *granter) grant(ctx context.Context, requested []rbac.Scope) ([]ResourceActions, error) {
	out := []ResourceActions{}
	for _, s := range requested {
		var actions []string
		switch s.Type {
		case "repository":
			allowed, err := g.repository(ctx, s.Name, s.Actions)
			if err != nil {
				return nil, err
			}
			actions = intersect(s.Actions, allowed)
		case "registry":
			if s.Name == "catalog" && s.Has("*") && g.mayListCatalog() {
				actions = []string{"*"}
			}
		}
		if len(actions) > 0 {
			out = append(out, ResourceActions{Type: s.Type, Class: s.Class, Name: s.Name, Actions: actions})
		}
	}
	return out, nil
}

// mayListCatalog: enabled admins, and the configured catalog subjects
// (e.g. the sync's robot) while active.
func (g *granter) mayListCatalog() bool {
	s := g.subject
	if s.Kind == rbac.Anonymous || !s.Active(g.now) {
		return false
	}
	return s.Kind == rbac.UserKind && s.Admin || g.e.catalog[s.Name]
}

// nsDecision is a namespace's decision within one request. Roles are looked
// up only when they can matter; rolesKnown says whether they were.
type nsDecision struct {
	target     rbac.Target
	allowed    []rbac.Action
	rolesKnown bool
}

// repository returns what the subject may do on repository name, looking
// only as far as the requested actions need. Names outside the grammar
// (host:port prefixes included: matching is exact) get nothing.
func (g *granter) repository(ctx context.Context, name string, requested []string) ([]rbac.Action, error) {
	if !rbac.ValidRepositoryName(name) {
		return nil, nil
	}
	ns, global := rbac.NamespaceOf(name)
	d, seen := g.byNS[ns]
	if seen && (d.rolesKnown || pullOnly(requested)) {
		return d.allowed, nil
	}
	switch {
	case seen:
		// Known namespace, roles not yet looked up.
	case global || g.subject.Kind == rbac.UserKind && g.subject.Admin:
		// Admins' rights do not depend on the namespace (rbac.Decide).
		d = nsDecision{target: rbac.Target{Namespace: ns, Kind: rbac.KindGlobal}, rolesKnown: true}
	case g.e.access != nil && (g.subject.Kind == rbac.UserKind || g.subject.Kind == rbac.RobotKind):
		// One statement for the namespace and the subject's roles on it,
		// cached briefly (EndpointDeps.AccessTTL).
		a, err := g.e.access.Load(ctx, accessKey{namespace: ns, kind: g.subject.Kind, name: g.subject.Name})
		switch {
		case errors.Is(err, store.ErrNotFound):
			d = nsDecision{target: rbac.Target{Namespace: ns, Exists: false}, rolesKnown: true}
		case err != nil:
			return nil, fmt.Errorf("namespace and roles %q: %w", ns, err)
		default:
			d = nsDecision{target: rbac.Target{Namespace: ns, Kind: a.ns.Kind(), Visibility: a.ns.Visibility, Exists: true,
				Role: a.role}, rolesKnown: true}
		}
	default:
		// Cached briefly (EndpointDeps.AccessTTL): visibility and
		// ownership only; roles below are read per request.
		n, err := g.e.namespaces.Load(ctx, ns)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d = nsDecision{target: rbac.Target{Namespace: ns, Exists: false}, rolesKnown: true}
		case err != nil:
			return nil, fmt.Errorf("get namespace %q: %w", ns, err)
		default:
			d = nsDecision{target: rbac.Target{Namespace: ns, Kind: n.Kind(), Visibility: n.Visibility, Exists: true},
				rolesKnown: g.subject.Kind != rbac.UserKind && g.subject.Kind != rbac.RobotKind}
		}
	}
	d.allowed = rbac.Decide(g.now, g.subject, d.target, g.settings.Policy())
	// Without a role, visibility may already allow a pull; a pull-only
	// request then needs no role lookup (a role can only add push/delete).
	if !d.rolesKnown && !(pullOnly(requested) && slices.Contains(d.allowed, rbac.Pull)) {
		roles, err := g.e.d.Store.RolesOn(ctx, ns, g.subject.Kind, g.subject.Name)
		if err != nil {
			return nil, fmt.Errorf("roles on %q: %w", ns, err)
		}
		d.target.Role = rbac.Highest(roles...)
		d.rolesKnown = true
		d.allowed = rbac.Decide(g.now, g.subject, d.target, g.settings.Policy())
	}
	g.byNS[ns] = d
	return d.allowed, nil
}

// NamespaceAccessor is an optional part of a GrantStore: the namespace and
// a subject's roles on it in one read (*sqlite.Store and *postgres.Store).
type NamespaceAccessor interface {
	NamespaceAccess(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (store.Namespace, []rbac.Role, error)
}

// accessKey names one subject's access to one namespace.
type accessKey struct {
	namespace string
	kind      rbac.SubjectKind
	name      string
}

// namespaceAccess is a namespace with the subject's highest role on it.
type namespaceAccess struct {
	ns   store.Namespace
	role rbac.Role
}

// accessCacheMax bounds the (namespace, subject) pairs kept at once.
const accessCacheMax = 8192

func newAccessCache(acc NamespaceAccessor, ttl time.Duration) *ttlcache.Cache[accessKey, namespaceAccess] {
	return ttlcache.New(func(ctx context.Context, k accessKey) (namespaceAccess, error) {
		n, roles, err := acc.NamespaceAccess(ctx, k.namespace, k.kind, k.name)
		return namespaceAccess{ns: n, role: rbac.Highest(roles...)}, err
	}, ttlcache.Options{TTL: ttl, Max: accessCacheMax})
}

// pullOnly reports whether requested asks for nothing but pull.
func pullOnly(requested []string) bool {
	for _, a := range requested {
		if a != string(rbac.Pull) {
			return false
		}
	}
	return true
}

// intersect keeps the requested actions that are allowed, in the order
// pull, push, delete. "*" is granted as "*" only when pull, push and delete
// all are; otherwise it stands for whatever is allowed.
func intersect(requested []string, allowed []rbac.Action) []string {
	if len(allowed) == 0 {
		return nil
	}
	wildcard := slices.Contains(requested, string(rbac.All))
	if wildcard && slices.Contains(allowed, rbac.Pull) && slices.Contains(allowed, rbac.Push) && slices.Contains(allowed, rbac.Delete) {
		return []string{string(rbac.All)}
	}
	var out []string
	for _, a := range allowed {
		if wildcard || slices.Contains(requested, string(a)) {
			out = append(out, string(a))
		}
	}
	return out
}

// scopeString formats granted access as OAuth2's space-separated scope.
func scopeString(access []ResourceActions) string {
	parts := make([]string, 0, len(access))
	for _, ra := range access {
		typ := ra.Type
		if ra.Class != "" {
			typ += "(" + ra.Class + ")"
		}
		parts = append(parts, typ+":"+ra.Name+":"+strings.Join(ra.Actions, ","))
	}
	return strings.Join(parts, " ")
}
