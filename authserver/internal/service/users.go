package service

import (
	"context"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// User loads a user a may see: admins see everyone, users themselves;
// robots and others get not found.
func (s *Service) User(ctx context.Context, a Actor, name string) (store.User, error) {
	if err := PathName("user", name); err != nil {
		return store.User{}, err
	}
	if !rbac.CanSeeUser(a.subject(), name) {
		return store.User{}, NotFound("user %q not found", name)
	}
	u, err := s.st.GetUser(ctx, name)
	if err != nil {
		return u, StoreError(err, "user \""+name+"\"", "")
	}
	return u, nil
}
