package api

import (
	"context"
	"errors"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// roleOn is the caller's effective role on a namespace (RoleNone for none).
func (a *API) roleOn(ctx context.Context, c *caller, ns string) (rbac.Role, error) {
	return a.svc.RoleOn(ctx, c.actor(), ns)
}

// allRoles is the caller's role on every namespace where it has one, in
// one read: for handlers that walk many namespaces.
func (a *API) allRoles(ctx context.Context, c *caller) (map[string]rbac.Role, error) {
	if c.name() == "" {
		return map[string]rbac.Role{}, nil
	}
	return a.st.RolesByNamespace(ctx, c.p.Subject.Kind, c.name())
}

// canSeeNamespace is rbac.CanSeeNamespace for the caller.
func canSeeNamespace(c *caller, ns store.Namespace, role rbac.Role) bool {
	return rbac.CanSeeNamespace(c.p.Subject, ns.Visibility, role)
}

// namespaceFor is service.Namespace for the caller.
func (a *API) namespaceFor(ctx context.Context, c *caller, name string) (store.Namespace, rbac.Role, error) {
	return a.svc.Namespace(ctx, c.actor(), name)
}

// decider answers rbac.Decide for repositories, caching namespace facts for
// the length of one request.
type decider struct {
	a      *API
	c      *caller
	policy rbac.Policy
	cache  map[string]rbac.Target
	// roles, once loadRoles ran, holds the caller's roles on every
	// namespace; before, roles are read per namespace.
	roles map[string]rbac.Role
}

// loadRoles reads the caller's roles on every namespace at once, for a
// decider about to look at many namespaces.
func (d *decider) loadRoles(ctx context.Context) error {
	roles, err := d.a.allRoles(ctx, d.c)
	d.roles = roles
	return err
}

func (a *API) newDecider(ctx context.Context, c *caller) (*decider, error) {
	s, err := a.st.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &decider{a: a, c: c, policy: s.Policy(), cache: map[string]rbac.Target{}}, nil
}

// target gathers the facts about namespace ns ("" is the global namespace).
func (d *decider) target(ctx context.Context, ns string) (rbac.Target, error) {
	if t, ok := d.cache[ns]; ok {
		return t, nil
	}
	if ns == "" {
		t := rbac.Target{Namespace: ns, Kind: rbac.KindGlobal}
		d.cache[ns] = t
		return t, nil
	}
	var n store.Namespace
	var err error
	if d.roles == nil && d.c.name() != "" {
		// The namespace and the caller's roles on it in one read.
		var roles []rbac.Role
		n, roles, err = d.a.st.NamespaceAccess(ctx, ns, d.c.p.Subject.Kind, d.c.name())
		if err == nil {
			t := namespaceTarget(n, rbac.Highest(roles...))
			d.cache[ns] = t
			return t, nil
		}
	} else {
		n, err = d.a.st.GetNamespace(ctx, ns)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		t := rbac.Target{Namespace: ns, Kind: rbac.KindTeam}
		d.cache[ns] = t
		return t, nil
	case err != nil:
		return rbac.Target{Namespace: ns, Kind: rbac.KindGlobal}, err
	}
	return d.targetOf(ctx, n)
}

// targetOf is target for a namespace the caller has already loaded, so
// walks over every namespace do not read each one again.
func (d *decider) targetOf(ctx context.Context, n store.Namespace) (rbac.Target, error) {
	if t, ok := d.cache[n.Name]; ok {
		return t, nil
	}
	role, known := d.roles[n.Name], d.roles != nil
	if !known {
		var err error
		if role, err = d.a.roleOn(ctx, d.c, n.Name); err != nil {
			return rbac.Target{Namespace: n.Name, Kind: rbac.KindGlobal}, err
		}
	}
	t := namespaceTarget(n, role)
	d.cache[n.Name] = t
	return t, nil
}

// namespaceTarget is the decision's view of an existing namespace.
func namespaceTarget(n store.Namespace, role rbac.Role) rbac.Target {
	return rbac.Target{Namespace: n.Name, Kind: n.Kind(), Visibility: n.Visibility, Exists: true, Role: role}
}

// actions is what the caller may do on repositories of namespace ns.
func (d *decider) actions(ctx context.Context, ns string) ([]rbac.Action, rbac.Target, error) {
	t, err := d.target(ctx, ns)
	if err != nil {
		return nil, t, err
	}
	return d.decide(t), t, nil
}

// decide is what the caller may do on repositories of target t.
func (d *decider) decide(t rbac.Target) []rbac.Action {
	return rbac.Decide(d.a.now(), d.c.p.Subject, t, d.policy)
}

func hasAction(actions []rbac.Action, want rbac.Action) bool {
	for _, a := range actions {
		if a == want {
			return true
		}
	}
	return false
}
