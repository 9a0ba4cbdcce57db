package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// tokenOwner resolves {username} for the token routes: users manage their
// own tokens, admins anyone's; robots manage none.
func (a *API) tokenOwner(r *http.Request, c *caller) (store.User, error) {
	if err := usersOnly(c); err != nil {
		return store.User{}, err
	}
	return a.userFor(r, c)
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request, c *caller) error {
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	all, err := a.st.ListTokens(r.Context(), u.Username)
	if err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	if opt.Query != "" {
		q := strings.ToLower(opt.Query)
		kept := all[:0]
		for _, t := range all {
			if strings.Contains(strings.ToLower(t.Name), q) {
				kept = append(kept, t)
			}
		}
		all = kept
		opt.Query = ""
	}
	items, next := pageSlice(all, opt, func(t store.Token) string { return t.ID })
	writePage(w, mapSlice(items, toToken), next)
	return nil
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateToken
	if err := decode(r, &req); err != nil {
		return err
	}
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	if strings.TrimSpace(req.Name) == "" {
		return invalid("name", "name is required")
	}
	if err := service.CheckText("name", req.Name, service.MaxTokenName); err != nil {
		return err
	}
	now := a.now().UTC()
	t := store.Token{ID: authn.NewID(), Username: u.Username, Name: req.Name, CreatedAt: now}
	if req.ExpiresAt != nil {
		if !req.ExpiresAt.After(now) {
			return invalid("expires_at", "expires_at must be in the future")
		}
		t.ExpiresAt = req.ExpiresAt.UTC()
	}
	if c.p.Method == authn.MethodToken {
		// A token made with a token is its child: it dies with its parent
		// and lives no longer than it (a leaked token cannot leave
		// anything behind that survives its revocation).
		t.ParentID = c.p.TokenID
		if pe := c.p.TokenExpiresAt; !pe.IsZero() && (t.ExpiresAt.IsZero() || t.ExpiresAt.After(pe)) {
			t.ExpiresAt = pe.UTC()
		}
	}
	secret, hash := authn.NewTokenSecret()
	t.Hash = hash
	obj := "user/" + u.Username + "/token/" + t.ID
	if err := a.st.CreateToken(r.Context(), t); err != nil {
		return a.failed(r, c, "token.create", obj, storeErr(err, "user \""+u.Username+"\"", ""))
	}
	a.done(r, c, "token.create", obj, detailf("name=%q", t.Name))
	out := toToken(t)
	out.Secret = secret
	w.Header().Set("Location", "/api/v1/users/"+u.Username+"/tokens/"+t.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) findToken(r *http.Request, u store.User) (store.Token, error) {
	id := r.PathValue("id")
	all, err := a.st.ListTokens(r.Context(), u.Username)
	if err != nil {
		return store.Token{}, err
	}
	for _, t := range all {
		if t.ID == id {
			return t, nil
		}
	}
	return store.Token{}, notFound("token %q not found", truncate(id, 64))
}

func (a *API) getToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	t, err := a.findToken(r, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toToken(t))
	return nil
}

func (a *API) deleteToken(w http.ResponseWriter, r *http.Request, c *caller) error {
	u, err := a.tokenOwner(r, c)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	obj := "user/" + u.Username + "/token/" + truncate(id, 64)
	if err := a.st.DeleteToken(r.Context(), u.Username, id); err != nil {
		return a.failed(r, c, "token.delete", obj, storeErr(err, "token \""+truncate(id, 64)+"\"", ""))
	}
	a.done(r, c, "token.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
