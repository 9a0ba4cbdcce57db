package service

import (
	"context"
	"errors"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// AllRoles is a's role on every namespace where it has one, in one read:
// for use cases that walk many namespaces.
func (s *Service) AllRoles(ctx context.Context, a Actor) (map[string]rbac.Role, error) {
	if a.subject().Name == "" {
		return map[string]rbac.Role{}, nil
	}
	return s.st.RolesByNamespace(ctx, a.subject().Kind, a.subject().Name)
}

// Decider answers rbac.Decide for repositories, caching namespace facts
// for the length of one request.
type Decider struct {
	s      *Service
	a      Actor
	policy rbac.Policy
	cache  map[string]rbac.Target
	// roles, once LoadRoles ran, holds a's roles on every namespace;
	// before, roles are read per namespace.
	roles map[string]rbac.Role
}

// NewDecider builds a Decider for a under the site's policy.
func (s *Service) NewDecider(ctx context.Context, a Actor) (*Decider, error) {
	set, err := s.st.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	return &Decider{s: s, a: a, policy: set.Policy(), cache: map[string]rbac.Target{}}, nil
}

// LoadRoles reads a's roles on every namespace at once, for a decider
// about to look at many namespaces.
func (d *Decider) LoadRoles(ctx context.Context) error {
	roles, err := d.s.AllRoles(ctx, d.a)
	d.roles = roles
	return err
}

// Target gathers the facts about namespace ns ("" is the global namespace).
func (d *Decider) Target(ctx context.Context, ns string) (rbac.Target, error) {
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
	if name := d.a.subject().Name; d.roles == nil && name != "" {
		// The namespace and the caller's roles on it in one read.
		var roles []rbac.Role
		n, roles, err = d.s.st.NamespaceAccess(ctx, ns, d.a.subject().Kind, name)
		if err == nil {
			t := namespaceTarget(n, rbac.Highest(roles...))
			d.cache[ns] = t
			return t, nil
		}
	} else {
		n, err = d.s.st.GetNamespace(ctx, ns)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		t := rbac.Target{Namespace: ns, Kind: rbac.KindTeam}
		d.cache[ns] = t
		return t, nil
	case err != nil:
		return rbac.Target{Namespace: ns, Kind: rbac.KindGlobal}, err
	}
	return d.TargetOf(ctx, n)
}

// TargetOf is Target for a namespace already loaded, so walks over every
// namespace do not read each one again.
func (d *Decider) TargetOf(ctx context.Context, n store.Namespace) (rbac.Target, error) {
	if t, ok := d.cache[n.Name]; ok {
		return t, nil
	}
	role, known := d.roles[n.Name], d.roles != nil
	if !known {
		var err error
		if role, err = d.s.RoleOn(ctx, d.a, n.Name); err != nil {
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

// Actions is what a may do on repositories of namespace ns.
func (d *Decider) Actions(ctx context.Context, ns string) ([]rbac.Action, rbac.Target, error) {
	t, err := d.Target(ctx, ns)
	if err != nil {
		return nil, t, err
	}
	return d.Decide(t), t, nil
}

// Decide is what a may do on repositories of target t.
func (d *Decider) Decide(t rbac.Target) []rbac.Action {
	return rbac.Decide(d.s.now(), d.a.subject(), t, d.policy)
}

// HasAction reports whether want is among actions.
func HasAction(actions []rbac.Action, want rbac.Action) bool {
	for _, a := range actions {
		if a == want {
			return true
		}
	}
	return false
}
