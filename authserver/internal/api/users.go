package api

import (
	"net/http"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := usersOnly(c); err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := paginate(r.Context(), opt, a.st.ListUsers, func(u store.User) string { return u.Username }, nil)
	if err != nil {
		return err
	}
	conv := toUserPublic
	if rbac.CanAdministerUsers(c.p.Subject) {
		conv = toUser
	}
	writePage(w, mapSlice(items, conv), next)
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateUser
	if err := decode(r, &req); err != nil {
		return err
	}
	obj := "user/" + truncate(req.Username, 64)
	if !rbac.CanAdministerUsers(c.p.Subject) {
		return a.deny(r, c, "user.create", obj, forbidden("only admins create users"))
	}
	if err := service.CheckName("username", req.Username); err != nil {
		return err
	}
	if err := service.CheckEmail("email", req.Email); err != nil {
		return err
	}
	if err := service.CheckText("display_name", req.DisplayName, service.MaxDisplayName); err != nil {
		return err
	}
	hash, err := service.HashPassword("password", req.Password, a.cost)
	if err != nil {
		return err
	}
	now := a.now().UTC()
	u := store.User{
		Username: req.Username, Email: req.Email, DisplayName: req.DisplayName, PasswordHash: hash,
		Admin: req.Admin, Enabled: req.Enabled == nil || *req.Enabled, Bot: req.Bot,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if err := a.st.CreateUser(r.Context(), u); err != nil {
		return a.failed(r, c, "user.create", obj, storeErr(err, "user \""+req.Username+"\"",
			"a user or namespace named \""+req.Username+"\" already exists"))
	}
	a.done(r, c, "user.create", obj, detailf("admin=%t enabled=%t bot=%t", u.Admin, u.Enabled, u.Bot))
	got, err := a.st.GetUser(r.Context(), u.Username)
	if err != nil {
		got = u
	}
	w.Header().Set("Location", "/api/v1/users/"+u.Username)
	writeJSON(w, http.StatusCreated, toUser(got))
	return nil
}

// userFor loads the user named in the path if the caller may see it
// (service.User).
func (a *API) userFor(r *http.Request, c *caller) (store.User, error) {
	return a.svc.User(r.Context(), c.actor(), r.PathValue("username"))
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.userFor(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUser(u))
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateUser
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := a.userFor(r, c)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username
	if !rbac.CanAdministerUsers(c.p.Subject) {
		// Self-service: privileged fields are refused outright, never applied.
		if req.Admin != nil {
			return a.deny(r, c, "user.update", obj, invalid("admin", "only admins may set admin"))
		}
		if req.Enabled != nil {
			return a.deny(r, c, "user.update", obj, invalid("enabled", "only admins may set enabled"))
		}
	}
	var changed []string
	if req.Email != nil {
		if err := service.CheckEmail("email", *req.Email); err != nil {
			return err
		}
		u.Email = *req.Email
		changed = append(changed, "email")
	}
	if req.DisplayName != nil {
		if err := service.CheckText("display_name", *req.DisplayName, service.MaxDisplayName); err != nil {
			return err
		}
		u.DisplayName = *req.DisplayName
		changed = append(changed, "display_name")
	}
	if req.CurrentPassword != nil && req.Password == nil {
		return invalid("current_password", "current_password only goes with password")
	}
	if req.Password != nil {
		// Changing one's own password proves knowledge of the current one,
		// so a stolen session or token cannot lock the owner out.
		if rbac.MustProveOldPassword(c.p.Subject, u.Username) {
			if req.CurrentPassword == nil || !authn.CheckPassword(u.PasswordHash, *req.CurrentPassword) {
				return a.deny(r, c, "user.update", obj, invalid("current_password", "current_password is missing or wrong"))
			}
		}
		hash, err := service.HashPassword("password", *req.Password, a.cost)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		u.PasswordChangedAt = a.now().UTC()
		changed = append(changed, "password")
	}
	if req.Admin != nil {
		u.Admin = *req.Admin
		changed = append(changed, detailf("admin=%t", u.Admin))
	}
	if req.Enabled != nil {
		u.Enabled = *req.Enabled
		changed = append(changed, detailf("enabled=%t", u.Enabled))
	}
	u.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateUser(r.Context(), u); err != nil {
		return a.failed(r, c, "user.update", obj, storeErr(err, "user \""+u.Username+"\"", ""))
	}
	a.done(r, c, "user.update", obj, strings.Join(changed, " "))
	got, err := a.st.GetUser(r.Context(), u.Username)
	if err != nil {
		got = u
	}
	writeJSON(w, http.StatusOK, toUser(got))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.userFor(r, c)
	if err != nil {
		return err
	}
	obj := "user/" + u.Username
	if !rbac.CanAdministerUsers(c.p.Subject) {
		return a.deny(r, c, "user.delete", obj, forbidden("only admins delete users"))
	}
	if err := a.st.DeleteUser(r.Context(), u.Username); err != nil {
		return a.failed(r, c, "user.delete", obj, storeErr(err, "user \""+u.Username+"\"",
			"user \""+u.Username+"\" still has repositories in their personal namespace; delete them first"))
	}
	a.done(r, c, "user.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
