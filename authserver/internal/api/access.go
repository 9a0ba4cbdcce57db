package api

import (
	"context"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// allRoles is service.AllRoles for the caller.
func (a *API) allRoles(ctx context.Context, c *caller) (map[string]rbac.Role, error) {
	return a.svc.AllRoles(ctx, c.actor())
}

// canSeeNamespace is rbac.CanSeeNamespace for the caller.
func canSeeNamespace(c *caller, ns store.Namespace, role rbac.Role) bool {
	return rbac.CanSeeNamespace(c.p.Subject, ns.Visibility, role)
}

// namespaceFor is service.Namespace for the caller.
func (a *API) namespaceFor(ctx context.Context, c *caller, name string) (store.Namespace, rbac.Role, error) {
	return a.svc.Namespace(ctx, c.actor(), name)
}

// newDecider is service.NewDecider for the caller.
func (a *API) newDecider(ctx context.Context, c *caller) (*service.Decider, error) {
	return a.svc.NewDecider(ctx, c.actor())
}
