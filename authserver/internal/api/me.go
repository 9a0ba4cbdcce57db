package api

import (
	"context"
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) getMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	d, err := a.newDecider(ctx, c)
	if err != nil {
		return err
	}
	me := apiv1.Me{Kind: string(c.p.Subject.Kind), Name: c.name(), Admin: c.isAdmin(),
		Teams: []apiv1.Member{}, Namespaces: []apiv1.NSAccess{}}
	nsAccess := func(t rbac.Target, err error) error {
		if err != nil {
			return err
		}
		if t.Role == rbac.RoleNone {
			return nil
		}
		me.Namespaces = append(me.Namespaces, apiv1.NSAccess{Namespace: t.Namespace, Role: string(t.Role),
			Actions: mapSlice(d.Decide(t), func(x rbac.Action) string { return string(x) })})
		return nil
	}
	switch {
	case c.isRobot():
		if c.p.Robot != nil {
			for _, ac := range c.p.Robot.Access {
				if err := nsAccess(d.Target(ctx, ac.Namespace)); err != nil {
					return err
				}
			}
		}
	default:
		ms, err := a.st.ListUserTeams(ctx, c.name())
		if err != nil {
			return err
		}
		me.Teams = mapSlice(ms, toMember)
		s, err := a.st.GetSettings(ctx)
		if err != nil {
			return err
		}
		me.CanCreateTeams = rbac.MayCreateTeam(c.p.Subject, s.TeamCreation)
		if err := d.LoadRoles(ctx); err != nil {
			return err
		}
		if err := a.eachNamespace(ctx, func(n store.Namespace) error { return nsAccess(d.TargetOf(ctx, n)) }); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

// eachNamespace walks every namespace in name order.
func (a *API) eachNamespace(ctx context.Context, f func(store.Namespace) error) error {
	opt := store.ListOptions{Limit: maxPageSize}
	for {
		batch, err := a.st.ListNamespaces(ctx, opt)
		if err != nil {
			return err
		}
		for _, n := range batch {
			if err := f(n); err != nil {
				return err
			}
		}
		if len(batch) < opt.Limit {
			return nil
		}
		opt.After = batch[len(batch)-1].Name
	}
}
