package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	full, err := service.UsersView(c.actor())
	if err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	page, err := service.Paginate(r.Context(), opt, a.st.ListUsers, func(u store.User) string { return u.Username }, nil)
	if err != nil {
		return err
	}
	conv := toUserPublic
	if full {
		conv = toUser
	}
	writePage(w, page, conv)
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateUser
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := a.svc.CreateUser(r.Context(), c.actor(), service.NewUser{
		Username: req.Username, Email: req.Email, DisplayName: req.DisplayName, Password: req.Password,
		Admin: req.Admin, Bot: req.Bot, Enabled: req.Enabled})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.Username)
	writeJSON(w, http.StatusCreated, toUser(u))
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
	u, err := a.svc.UpdateUser(r.Context(), c.actor(), r.PathValue("username"), service.UserChange{
		Email: req.Email, DisplayName: req.DisplayName, Password: req.Password, CurrentPassword: req.CurrentPassword,
		Admin: req.Admin, Enabled: req.Enabled})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUser(u))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteUser(r.Context(), c.actor(), r.PathValue("username")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
