package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func toRobotAccess(in []apiv1.RobotAccess) []service.RobotAccess {
	out := make([]service.RobotAccess, 0, len(in))
	for _, ac := range in {
		out = append(out, service.RobotAccess{Namespace: ac.Namespace, Role: ac.Role})
	}
	return out
}

func (a *API) listRobots(w http.ResponseWriter, r *http.Request, c *caller) error {
	keep, err := a.svc.RobotFilter(r.Context(), c.actor())
	if err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	page, err := service.Paginate(r.Context(), opt, a.st.ListRobots, func(rb store.Robot) string { return rb.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, page, toRobot)
	return nil
}

func (a *API) createRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateRobot
	if err := decode(r, &req); err != nil {
		return err
	}
	rb, secret, err := a.svc.CreateRobot(r.Context(), c.actor(), service.NewRobot{
		Name: req.Name, Description: req.Description, Team: req.Team, Enabled: req.Enabled,
		ExpiresAt: req.ExpiresAt, Access: toRobotAccess(req.Access)})
	if err != nil {
		return err
	}
	out := toRobot(rb)
	out.Secret = secret
	w.Header().Set("Location", "/api/v1/robots/"+rb.Name)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) getRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	rb, err := a.svc.Robot(r.Context(), c.actor(), r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRobot(rb))
	return nil
}

func (a *API) updateRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateRobot
	if err := decode(r, &req); err != nil {
		return err
	}
	ch := service.RobotChange{Description: req.Description, Enabled: req.Enabled, ExpiresAt: req.ExpiresAt,
		ClearExpiry: req.ClearExpiry}
	if req.Access != nil {
		acc := toRobotAccess(*req.Access)
		ch.Access = &acc
	}
	rb, err := a.svc.UpdateRobot(r.Context(), c.actor(), r.PathValue("name"), ch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRobot(rb))
	return nil
}

func (a *API) deleteRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := a.svc.DeleteRobot(r.Context(), c.actor(), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) rotateRobotSecret(w http.ResponseWriter, r *http.Request, c *caller) error {
	rb, secret, err := a.svc.RotateRobotSecret(r.Context(), c.actor(), r.PathValue("name"))
	if err != nil {
		return err
	}
	out := toRobot(rb)
	out.Secret = secret
	writeJSON(w, http.StatusOK, out)
	return nil
}
