package api

import (
	"context"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// namespaceFor is service.Namespace for the caller.
func (a *API) namespaceFor(ctx context.Context, c *caller, name string) (store.Namespace, rbac.Role, error) {
	return a.svc.Namespace(ctx, c.actor(), name)
}
