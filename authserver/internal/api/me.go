package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func (a *API) getMe(w http.ResponseWriter, r *http.Request, c *caller) error {
	me, err := a.svc.Me(r.Context(), c.actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMe(me))
	return nil
}

// toMe is the wire form of service.Me.
func toMe(me service.Me) apiv1.Me {
	return apiv1.Me{Kind: string(me.Subject.Kind), Name: me.Subject.Name, Admin: me.Admin,
		Teams: mapSlice(me.Teams, toMember), CanCreateTeams: me.CanCreateTeams,
		Namespaces: mapSlice(me.Namespaces, func(n service.NamespaceAccess) apiv1.NSAccess {
			return apiv1.NSAccess{Namespace: n.Namespace, Role: string(n.Role),
				Actions: mapSlice(n.Actions, func(x rbac.Action) string { return string(x) })}
		})}
}
