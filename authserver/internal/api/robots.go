package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// mayManageRobot: admins manage every robot; owners of a robot's team manage
// that team's robots. System robots (no team) are for admins only. roleIn
// is the caller's role in a team.
func mayManageRobot(c *caller, rb store.Robot, roleIn func(team string) (rbac.Role, error)) (bool, error) {
	role := rbac.RoleNone
	if !c.isAdmin() && c.isUser() && rb.Team != "" { // only then can the role decide
		var err error
		if role, err = roleIn(rb.Team); err != nil {
			return false, err
		}
	}
	return rbac.CanManageRobot(c.p.Subject, rb.Team, role), nil
}

// robotFor loads the robot in the path; a robot the caller may not manage
// answers 404 exactly like a missing one.
func (a *API) robotFor(r *http.Request, c *caller) (store.Robot, error) {
	if err := usersOnly(c); err != nil {
		return store.Robot{}, err
	}
	full, _, ok := service.RobotName(r.PathValue("name"))
	if !ok {
		return store.Robot{}, notFound("robot %q not found", truncate(r.PathValue("name"), 80))
	}
	rb, err := a.st.GetRobot(r.Context(), full)
	if err != nil {
		return rb, storeErr(err, "robot \""+full+"\"", "")
	}
	ok, err = mayManageRobot(c, rb, func(team string) (rbac.Role, error) { return a.teamRole(r.Context(), team, c.name()) })
	if err != nil {
		return rb, err
	}
	if !ok {
		return rb, notFound("robot %q not found", full)
	}
	return rb, nil
}

// checkAccess validates a robot's access list. A team robot may only reach
// namespaces of its own team unless an admin says otherwise (security item
// 26: an owner of A cannot mint rights on B); for non-admins a namespace
// that is missing is refused the same way as a foreign one, so the answer
// leaks nothing.
func (a *API) checkAccess(ctx context.Context, c *caller, team string, in []apiv1.RobotAccess) ([]store.Access, error) {
	out := make([]store.Access, 0, len(in))
	seen := map[string]bool{}
	for _, ac := range in {
		if !rbac.ValidComponent(ac.Namespace) {
			return nil, invalid("access", "namespace %q is not valid", ac.Namespace)
		}
		if seen[ac.Namespace] {
			return nil, invalid("access", "namespace %q is listed twice", ac.Namespace)
		}
		seen[ac.Namespace] = true
		role, err := service.CheckRole("access", ac.Role)
		if err != nil {
			return nil, err
		}
		n, err := a.st.GetNamespace(ctx, ac.Namespace)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if !c.isAdmin() {
				return nil, forbiddenAccess(ac.Namespace, team)
			}
			return nil, &Error{Status: http.StatusNotFound, Code: codeNotFound,
				Message: "namespace \"" + ac.Namespace + "\" not found", Field: "access"}
		case err != nil:
			return nil, err
		}
		if !rbac.MayGrantRobotAccess(c.p.Subject, team, n.Team) {
			return nil, forbiddenAccess(ac.Namespace, team)
		}
		out = append(out, store.Access{Namespace: ac.Namespace, Role: role})
	}
	return out, nil
}

func forbiddenAccess(ns, team string) *Error {
	return &Error{Status: http.StatusForbidden, Code: codeForbidden, Field: "access",
		Message: "a robot of team \"" + team + "\" may only have access to namespaces of that team; \"" + ns + "\" is not one"}
}

func accessDetail(acc []store.Access) string {
	parts := make([]string, 0, len(acc))
	for _, x := range acc {
		parts = append(parts, x.Namespace+":"+string(x.Role))
	}
	return "access=" + strings.Join(parts, ",")
}

func (a *API) listRobots(w http.ResponseWriter, r *http.Request, c *caller) error {
	if err := usersOnly(c); err != nil {
		return err
	}
	opt, err := pageParams(r)
	if err != nil {
		return err
	}
	// The caller's role in each team is read once, not once per robot.
	roles := map[string]rbac.Role{}
	roleIn := func(team string) (rbac.Role, error) {
		role, ok := roles[team]
		if ok {
			return role, nil
		}
		role, err := a.teamRole(r.Context(), team, c.name())
		if err == nil {
			roles[team] = role
		}
		return role, err
	}
	keep := func(rb store.Robot) (bool, error) { return mayManageRobot(c, rb, roleIn) }
	items, next, err := paginate(r.Context(), opt, a.st.ListRobots, func(rb store.Robot) string { return rb.Name }, keep)
	if err != nil {
		return err
	}
	writePage(w, mapSlice(items, toRobot), next)
	return nil
}

func (a *API) createRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.CreateRobot
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := usersOnly(c); err != nil {
		return err
	}
	full, bare, ok := service.RobotName(req.Name)
	obj := "robot/" + truncate(full, 72)
	if !ok {
		return invalid("name", "robot name %q is not valid: use lowercase letters, digits and single '.', '_', '__' or '-' separators", req.Name)
	}
	if rbac.IsReserved(bare) {
		return invalid("name", "robot name %q is reserved", bare)
	}
	if err := service.CheckText("description", req.Description, service.MaxDescription); err != nil {
		return err
	}
	if req.Team == "" {
		if !c.isAdmin() {
			return a.deny(r, c, "robot.create", obj, &Error{Status: http.StatusForbidden, Code: codeForbidden, Field: "team",
				Message: "only admins create system robots; name the team the robot belongs to"})
		}
	} else {
		if !rbac.ValidComponent(req.Team) {
			return invalid("team", "team %q is not valid", req.Team)
		}
		if _, err := a.st.GetTeam(r.Context(), req.Team); err != nil {
			e := toError(storeErr(err, "team \""+req.Team+"\"", ""))
			e.Field = "team"
			return e
		}
		if !c.isAdmin() {
			role, err := a.teamRole(r.Context(), req.Team, c.name())
			if err != nil {
				return err
			}
			if !rbac.CanManageRobot(c.p.Subject, req.Team, role) {
				return a.deny(r, c, "robot.create", obj, &Error{Status: http.StatusForbidden, Code: codeForbidden, Field: "team",
					Message: "only owners of team \"" + req.Team + "\" and admins create its robots"})
			}
		}
	}
	access, err := a.checkAccess(r.Context(), c, req.Team, req.Access)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusForbidden {
			return a.deny(r, c, "robot.create", obj, e)
		}
		return err
	}
	now := a.now().UTC()
	rb := store.Robot{
		Name: full, Description: req.Description, Team: req.Team, Enabled: req.Enabled == nil || *req.Enabled,
		CreatedBy: c.name(), Access: access, CreatedAt: now, UpdatedAt: now, SecretChangedAt: now,
	}
	if req.ExpiresAt != nil {
		if !req.ExpiresAt.After(now) {
			return invalid("expires_at", "expires_at must be in the future")
		}
		rb.ExpiresAt = req.ExpiresAt.UTC()
	}
	secret, hash := authn.NewRobotSecret()
	rb.SecretHash = hash
	if err := a.st.CreateRobot(r.Context(), rb); err != nil {
		return a.failed(r, c, "robot.create", obj, storeErr(err, "namespace", "a robot named \""+full+"\" already exists"))
	}
	a.done(r, c, "robot.create", obj, detailf("team=%s %s", rb.Team, accessDetail(access)))
	got, err := a.st.GetRobot(r.Context(), full)
	if err != nil {
		got = rb
	}
	out := toRobot(got)
	out.Secret = secret
	w.Header().Set("Location", "/api/v1/robots/"+full)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) getRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	rb, err := a.robotFor(r, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRobot(rb))
	return nil
}

func robotObject(r *http.Request) string {
	full, _, _ := service.RobotName(r.PathValue("name"))
	return "robot/" + truncate(full, 72)
}

func (a *API) updateRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req apiv1.UpdateRobot
	if err := decode(r, &req); err != nil {
		return err
	}
	obj := robotObject(r)
	rb, err := a.robotFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "robot.update", obj, err)
	}
	var changes []string
	if req.Description != nil {
		if err := service.CheckText("description", *req.Description, service.MaxDescription); err != nil {
			return err
		}
		rb.Description = *req.Description
		changes = append(changes, "description")
	}
	if req.Enabled != nil {
		rb.Enabled = *req.Enabled
		changes = append(changes, detailf("enabled=%t", rb.Enabled))
	}
	if req.ClearExpiry && req.ExpiresAt != nil {
		return invalid("clear_expiry", "give either expires_at or clear_expiry, not both")
	}
	if req.ClearExpiry {
		rb.ExpiresAt = time.Time{}
		changes = append(changes, "expires_at=never")
	}
	if req.ExpiresAt != nil {
		if !req.ExpiresAt.After(a.now()) {
			return invalid("expires_at", "expires_at must be in the future")
		}
		rb.ExpiresAt = req.ExpiresAt.UTC()
		changes = append(changes, "expires_at="+rb.ExpiresAt.Format(time.RFC3339))
	}
	if req.Access != nil {
		access, err := a.checkAccess(r.Context(), c, rb.Team, *req.Access)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Status == http.StatusForbidden {
				return a.deny(r, c, "robot.update", obj, e)
			}
			return err
		}
		rb.Access = access
		changes = append(changes, accessDetail(access))
	}
	rb.UpdatedAt = a.now().UTC()
	if err := a.st.UpdateRobot(r.Context(), rb); err != nil {
		return a.failed(r, c, "robot.update", obj, storeErr(err, "robot \""+rb.Name+"\"", ""))
	}
	a.done(r, c, "robot.update", obj, service.JoinWords(changes))
	got, err := a.st.GetRobot(r.Context(), rb.Name)
	if err != nil {
		got = rb
	}
	writeJSON(w, http.StatusOK, toRobot(got))
	return nil
}

func (a *API) deleteRobot(w http.ResponseWriter, r *http.Request, c *caller) error {
	obj := robotObject(r)
	rb, err := a.robotFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "robot.delete", obj, err)
	}
	if err := a.st.DeleteRobot(r.Context(), rb.Name); err != nil {
		return a.failed(r, c, "robot.delete", obj, storeErr(err, "robot \""+rb.Name+"\"", ""))
	}
	a.done(r, c, "robot.delete", obj, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) rotateRobotSecret(w http.ResponseWriter, r *http.Request, c *caller) error {
	obj := robotObject(r)
	rb, err := a.robotFor(r, c)
	if err != nil {
		return a.deniedLookup(r, c, "robot.rotate", obj, err)
	}
	secret, hash := authn.NewRobotSecret()
	now := a.now().UTC()
	if err := a.st.SetRobotSecret(r.Context(), rb.Name, hash, now); err != nil {
		return a.failed(r, c, "robot.rotate", obj, storeErr(err, "robot \""+rb.Name+"\"", ""))
	}
	a.done(r, c, "robot.rotate", obj, "")
	got, err := a.st.GetRobot(r.Context(), rb.Name)
	if err != nil {
		got = rb
	}
	out := toRobot(got)
	out.Secret = secret
	writeJSON(w, http.StatusOK, out)
	return nil
}
