package tokenserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
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
func (g *granter) grant(ctx context.Context, requested []rbac.Scope) ([]token.ResourceActions, error) {
	out := []token.ResourceActions{}
	for _, s := range requested {
		var actions []string
		switch s.Type {
		case "repository":
			allowed, err := g.repository(ctx, s.Name)
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
			out = append(out, token.ResourceActions{Type: s.Type, Class: s.Class, Name: s.Name, Actions: actions})
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
	return s.Kind == rbac.UserKind && s.Admin || s.Kind == rbac.RobotKind && g.e.catalog[s.Name]
}

// nsDecision is a namespace's decision within one request.
type nsDecision struct {
	target  rbac.Target
	allowed []rbac.Action
}

// repository returns what the subject may do on repository name. Names
// outside the grammar (host:port prefixes included: matching is exact) get
// nothing.
func (g *granter) repository(ctx context.Context, name string) ([]rbac.Action, error) {
	if !rbac.ValidRepositoryName(name) {
		return nil, nil
	}
	ns, global := rbac.NamespaceOf(name)
	if d, seen := g.byNS[ns]; seen {
		return d.allowed, nil
	}
	var d nsDecision
	switch {
	case global || g.subject.Kind == rbac.UserKind && g.subject.Admin:
		// Admins' rights do not depend on the namespace (rbac.Decide).
		d.target = rbac.Target{Namespace: ns, Kind: rbac.KindGlobal}
	case g.subject.Kind == rbac.UserKind || g.subject.Kind == rbac.RobotKind:
		// The namespace and the subject's roles on it, one statement,
		// cached briefly (EndpointDeps.AccessTTL).
		a, err := g.e.access.Load(ctx, accessKey{namespace: ns, kind: g.subject.Kind, name: g.subject.Name})
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.target = rbac.Target{Namespace: ns, Exists: false}
		case err != nil:
			return nil, fmt.Errorf("namespace and roles %q: %w", ns, err)
		default:
			d.target = rbac.Target{Namespace: ns, Kind: a.ns.Kind(), Visibility: a.ns.Visibility, Exists: true, Role: a.role}
		}
	default:
		// Anonymous: no roles, only the namespace (cached briefly too).
		n, err := g.e.namespaces.Load(ctx, ns)
		switch {
		case errors.Is(err, store.ErrNotFound):
			d.target = rbac.Target{Namespace: ns, Exists: false}
		case err != nil:
			return nil, fmt.Errorf("get namespace %q: %w", ns, err)
		default:
			d.target = rbac.Target{Namespace: ns, Kind: n.Kind(), Visibility: n.Visibility, Exists: true}
		}
	}
	d.allowed = rbac.Decide(g.now, g.subject, d.target, g.settings.Policy())
	g.byNS[ns] = d
	return d.allowed, nil
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

func newAccessCache(acc GrantStore, ttl time.Duration) *ttlcache.Cache[accessKey, namespaceAccess] {
	return ttlcache.New(func(ctx context.Context, k accessKey) (namespaceAccess, error) {
		n, roles, err := acc.NamespaceAccess(ctx, k.namespace, k.kind, k.name)
		return namespaceAccess{ns: n, role: rbac.Highest(roles...)}, err
	}, boundedOptions(ttl, accessCacheMax))
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
func scopeString(access []token.ResourceActions) string {
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
