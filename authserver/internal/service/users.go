package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// UsersView is how a sees the list of users: people only; full is true
// for those who administer users (they see every field), false for the
// public view.
func UsersView(a Actor) (full bool, err error) {
	if err := UsersOnly(a); err != nil {
		return false, err
	}
	return rbac.CanAdministerUsers(a.subject()), nil
}

// NewUser is what CreateUser needs; Enabled nil means enabled.
type NewUser struct {
	Username, Email, DisplayName, Password string
	Admin, Bot                             bool
	Enabled                                *bool
}

// CreateUser creates a user, as a: admins only.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (store.User, error) {
	obj := "user/" + Truncate(in.Username, 64)
	if !rbac.CanAdministerUsers(a.subject()) {
		return store.User{}, s.deny(ctx, a, "user.create", obj, Forbidden("only admins create users"))
	}
	if err := CheckName("username", in.Username); err != nil {
		return store.User{}, err
	}
	if err := CheckEmail("email", in.Email); err != nil {
		return store.User{}, err
	}
	if err := CheckText("display_name", in.DisplayName, MaxDisplayName); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword("password", in.Password, s.cost)
	if err != nil {
		return store.User{}, err
	}
	now := s.now().UTC()
	u := store.User{
		Username: in.Username, Email: in.Email, DisplayName: in.DisplayName, PasswordHash: hash,
		Admin: in.Admin, Enabled: in.Enabled == nil || *in.Enabled, Bot: in.Bot,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.st.CreateUser(ctx, u); err != nil {
		return store.User{}, s.failed(ctx, a, "user.create", obj, StoreError(err, "user \""+in.Username+"\"",
			"a user or namespace named \""+in.Username+"\" already exists"))
	}
	s.done(ctx, a, "user.create", obj, fmt.Sprintf("admin=%t enabled=%t bot=%t", u.Admin, u.Enabled, u.Bot))
	got, err := s.st.GetUser(ctx, u.Username)
	if err != nil {
		got = u
	}
	return got, nil
}

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

// UserChange is what UpdateUser changes; nil fields are kept.
// CurrentPassword proves a user changing their own password knows the old
// one.
type UserChange struct {
	Email, DisplayName, Password, CurrentPassword *string
	Admin, Enabled                                *bool
}

// UpdateUser changes a user a may see (User's rule): admins any field,
// users their own profile and password, never admin or enabled.
func (s *Service) UpdateUser(ctx context.Context, a Actor, name string, in UserChange) (store.User, error) {
	u, err := s.User(ctx, a, name)
	if err != nil {
		return store.User{}, err
	}
	obj := "user/" + u.Username
	if !rbac.CanAdministerUsers(a.subject()) {
		// Self-service: privileged fields are refused outright, never applied.
		if in.Admin != nil {
			return store.User{}, s.deny(ctx, a, "user.update", obj, Invalid("admin", "only admins may set admin"))
		}
		if in.Enabled != nil {
			return store.User{}, s.deny(ctx, a, "user.update", obj, Invalid("enabled", "only admins may set enabled"))
		}
	}
	var changed []string
	if in.Email != nil {
		if err := CheckEmail("email", *in.Email); err != nil {
			return store.User{}, err
		}
		u.Email = *in.Email
		changed = append(changed, "email")
	}
	if in.DisplayName != nil {
		if err := CheckText("display_name", *in.DisplayName, MaxDisplayName); err != nil {
			return store.User{}, err
		}
		u.DisplayName = *in.DisplayName
		changed = append(changed, "display_name")
	}
	if in.CurrentPassword != nil && in.Password == nil {
		return store.User{}, Invalid("current_password", "current_password only goes with password")
	}
	if in.Password != nil {
		// Changing one's own password proves knowledge of the current one,
		// so a stolen session or token cannot lock the owner out.
		if rbac.MustProveOldPassword(a.subject(), u.Username) {
			if in.CurrentPassword == nil || !authn.CheckPassword(u.PasswordHash, *in.CurrentPassword) {
				return store.User{}, s.deny(ctx, a, "user.update", obj, Invalid("current_password", "current_password is missing or wrong"))
			}
		}
		hash, err := HashPassword("password", *in.Password, s.cost)
		if err != nil {
			return store.User{}, err
		}
		u.PasswordHash = hash
		u.PasswordChangedAt = s.now().UTC()
		changed = append(changed, "password")
	}
	if in.Admin != nil {
		u.Admin = *in.Admin
		changed = append(changed, fmt.Sprintf("admin=%t", u.Admin))
	}
	if in.Enabled != nil {
		u.Enabled = *in.Enabled
		changed = append(changed, fmt.Sprintf("enabled=%t", u.Enabled))
	}
	u.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return store.User{}, s.failed(ctx, a, "user.update", obj, StoreError(err, "user \""+u.Username+"\"", ""))
	}
	s.done(ctx, a, "user.update", obj, strings.Join(changed, " "))
	got, err := s.st.GetUser(ctx, u.Username)
	if err != nil {
		got = u
	}
	return got, nil
}

// DeleteUser deletes a user a may see (User's rule), as an admin.
func (s *Service) DeleteUser(ctx context.Context, a Actor, name string) error {
	u, err := s.User(ctx, a, name)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username
	if !rbac.CanAdministerUsers(a.subject()) {
		return s.deny(ctx, a, "user.delete", obj, Forbidden("only admins delete users"))
	}
	if err := s.st.DeleteUser(ctx, u.Username); err != nil {
		return s.failed(ctx, a, "user.delete", obj, StoreError(err, "user \""+u.Username+"\"",
			"user \""+u.Username+"\" still has repositories in their personal namespace; delete them first"))
	}
	s.done(ctx, a, "user.delete", obj, "")
	return nil
}
