package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// mayManageRobot: admins manage every robot; owners of a robot's team
// manage that team's robots. System robots (no team) are for admins only.
// roleIn is a's role in a team.
func mayManageRobot(a Actor, rb store.Robot, roleIn func(team string) (rbac.Role, error)) (bool, error) {
	sub := a.subject()
	role := rbac.RoleNone
	if !sub.IsAdmin() && sub.Kind == rbac.UserKind && rb.Team != "" { // only then can the role decide
		var err error
		if role, err = roleIn(rb.Team); err != nil {
			return false, err
		}
	}
	return rbac.CanManageRobot(sub, rb.Team, role), nil
}

// RobotFilter returns the filter of the robots a may see and manage (the
// list of robots shows only those), reading a's role in each team once.
func (s *Service) RobotFilter(ctx context.Context, a Actor) (func(store.Robot) (bool, error), error) {
	if err := UsersOnly(a); err != nil {
		return nil, err
	}
	roles := map[string]rbac.Role{}
	roleIn := func(team string) (rbac.Role, error) {
		role, ok := roles[team]
		if ok {
			return role, nil
		}
		role, err := s.TeamRole(ctx, team, a.subject().Name)
		if err == nil {
			roles[team] = role
		}
		return role, err
	}
	return func(rb store.Robot) (bool, error) { return mayManageRobot(a, rb, roleIn) }, nil
}

// Robot loads a robot a may manage; one a may not manage is not found,
// exactly like a missing one.
func (s *Service) Robot(ctx context.Context, a Actor, name string) (store.Robot, error) {
	if err := UsersOnly(a); err != nil {
		return store.Robot{}, err
	}
	full, _, ok := RobotName(name)
	if !ok {
		return store.Robot{}, NotFound("robot %q not found", Truncate(name, 80))
	}
	rb, err := s.st.GetRobot(ctx, full)
	if err != nil {
		return rb, StoreError(err, "robot \""+full+"\"", "")
	}
	ok, err = mayManageRobot(a, rb, func(team string) (rbac.Role, error) { return s.TeamRole(ctx, team, a.subject().Name) })
	if err != nil {
		return rb, err
	}
	if !ok {
		return rb, NotFound("robot %q not found", full)
	}
	return rb, nil
}

// RobotAccess is one entry of a robot's access list as given.
type RobotAccess struct {
	Namespace, Role string
}

// checkAccess validates a robot's access list. A team robot may only reach
// namespaces of its own team unless an admin says otherwise (security item
// 26: an owner of A cannot mint rights on B); for non-admins a namespace
// that is missing is refused the same way as a foreign one, so the answer
// leaks nothing.
func (s *Service) checkAccess(ctx context.Context, a Actor, team string, in []RobotAccess) ([]store.Access, error) {
	out := make([]store.Access, 0, len(in))
	seen := map[string]bool{}
	for _, ac := range in {
		if !rbac.ValidComponent(ac.Namespace) {
			return nil, Invalid("access", "namespace %q is not valid", ac.Namespace)
		}
		if seen[ac.Namespace] {
			return nil, Invalid("access", "namespace %q is listed twice", ac.Namespace)
		}
		seen[ac.Namespace] = true
		role, err := CheckRole("access", ac.Role)
		if err != nil {
			return nil, err
		}
		n, err := s.st.GetNamespace(ctx, ac.Namespace)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if !a.subject().IsAdmin() {
				return nil, forbiddenAccess(ac.Namespace, team)
			}
			return nil, &Error{Code: apiv1.CodeNotFound, Message: "namespace \"" + ac.Namespace + "\" not found", Field: "access"}
		case err != nil:
			return nil, err
		}
		if !rbac.MayGrantRobotAccess(a.subject(), team, n.Team) {
			return nil, forbiddenAccess(ac.Namespace, team)
		}
		out = append(out, store.Access{Namespace: ac.Namespace, Role: role})
	}
	return out, nil
}

func forbiddenAccess(ns, team string) *Error {
	return &Error{Code: apiv1.CodeForbidden, Field: "access",
		Message: "a robot of team \"" + team + "\" may only have access to namespaces of that team; \"" + ns + "\" is not one"}
}

// denyAccess audits a refused access list (forbidden) and returns err.
func (s *Service) denyAccess(ctx context.Context, a Actor, action, object string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Code == apiv1.CodeForbidden {
		return s.deny(ctx, a, action, object, e)
	}
	return err
}

func accessDetail(acc []store.Access) string {
	parts := make([]string, 0, len(acc))
	for _, x := range acc {
		parts = append(parts, x.Namespace+":"+string(x.Role))
	}
	return "access=" + strings.Join(parts, ",")
}

// NewRobot is what CreateRobot needs; Enabled nil means enabled.
type NewRobot struct {
	Name, Description, Team string
	Enabled                 *bool
	ExpiresAt               *time.Time
	Access                  []RobotAccess
}

// CreateRobot creates a robot as a: admins any, owners of a team that
// team's robots. It returns the robot and its secret, shown only once.
func (s *Service) CreateRobot(ctx context.Context, a Actor, in NewRobot) (store.Robot, string, error) {
	if err := UsersOnly(a); err != nil {
		return store.Robot{}, "", err
	}
	full, bare, ok := RobotName(in.Name)
	obj := "robot/" + Truncate(full, 72)
	if !ok {
		return store.Robot{}, "", Invalid("name", "robot name %q is not valid: use lowercase letters, digits and single '.', '_', '__' or '-' separators", in.Name)
	}
	if rbac.IsReserved(bare) {
		return store.Robot{}, "", Invalid("name", "robot name %q is reserved", bare)
	}
	if err := CheckText("description", in.Description, MaxDescription); err != nil {
		return store.Robot{}, "", err
	}
	admin := a.subject().IsAdmin()
	if in.Team == "" {
		if !admin {
			return store.Robot{}, "", s.deny(ctx, a, "robot.create", obj, &Error{Code: apiv1.CodeForbidden, Field: "team",
				Message: "only admins create system robots; name the team the robot belongs to"})
		}
	} else {
		if !rbac.ValidComponent(in.Team) {
			return store.Robot{}, "", Invalid("team", "team %q is not valid", in.Team)
		}
		if _, err := s.st.GetTeam(ctx, in.Team); err != nil {
			e := AsError(StoreError(err, "team \""+in.Team+"\"", ""))
			e.Field = "team"
			return store.Robot{}, "", e
		}
		if !admin {
			role, err := s.TeamRole(ctx, in.Team, a.subject().Name)
			if err != nil {
				return store.Robot{}, "", err
			}
			if !rbac.CanManageRobot(a.subject(), in.Team, role) {
				return store.Robot{}, "", s.deny(ctx, a, "robot.create", obj, &Error{Code: apiv1.CodeForbidden, Field: "team",
					Message: "only owners of team \"" + in.Team + "\" and admins create its robots"})
			}
		}
	}
	access, err := s.checkAccess(ctx, a, in.Team, in.Access)
	if err != nil {
		return store.Robot{}, "", s.denyAccess(ctx, a, "robot.create", obj, err)
	}
	now := s.now().UTC()
	rb := store.Robot{
		Name: full, Description: in.Description, Team: in.Team, Enabled: in.Enabled == nil || *in.Enabled,
		CreatedBy: a.subject().Name, Access: access, CreatedAt: now, UpdatedAt: now, SecretChangedAt: now,
	}
	if in.ExpiresAt != nil {
		if !in.ExpiresAt.After(now) {
			return store.Robot{}, "", Invalid("expires_at", "expires_at must be in the future")
		}
		rb.ExpiresAt = in.ExpiresAt.UTC()
	}
	secret, hash := authn.NewRobotSecret()
	rb.SecretHash = hash
	if err := s.st.CreateRobot(ctx, rb); err != nil {
		return store.Robot{}, "", s.failed(ctx, a, "robot.create", obj, StoreError(err, "namespace", "a robot named \""+full+"\" already exists"))
	}
	s.done(ctx, a, "robot.create", obj, fmt.Sprintf("team=%s %s", rb.Team, accessDetail(access)))
	got, err := s.st.GetRobot(ctx, full)
	if err != nil {
		got = rb
	}
	return got, secret, nil
}

func robotObject(name string) string {
	full, _, _ := RobotName(name)
	return "robot/" + Truncate(full, 72)
}

// RobotChange is what UpdateRobot changes; nil fields are kept.
type RobotChange struct {
	Description *string
	Enabled     *bool
	ExpiresAt   *time.Time
	ClearExpiry bool
	Access      *[]RobotAccess
}

// UpdateRobot changes a robot a may manage (Robot's rule).
func (s *Service) UpdateRobot(ctx context.Context, a Actor, name string, in RobotChange) (store.Robot, error) {
	obj := robotObject(name)
	rb, err := s.Robot(ctx, a, name)
	if err != nil {
		return store.Robot{}, s.deniedLookup(ctx, a, "robot.update", obj, err)
	}
	var changes []string
	if in.Description != nil {
		if err := CheckText("description", *in.Description, MaxDescription); err != nil {
			return store.Robot{}, err
		}
		rb.Description = *in.Description
		changes = append(changes, "description")
	}
	if in.Enabled != nil {
		rb.Enabled = *in.Enabled
		changes = append(changes, fmt.Sprintf("enabled=%t", rb.Enabled))
	}
	if in.ClearExpiry && in.ExpiresAt != nil {
		return store.Robot{}, Invalid("clear_expiry", "give either expires_at or clear_expiry, not both")
	}
	if in.ClearExpiry {
		rb.ExpiresAt = time.Time{}
		changes = append(changes, "expires_at=never")
	}
	if in.ExpiresAt != nil {
		if !in.ExpiresAt.After(s.now()) {
			return store.Robot{}, Invalid("expires_at", "expires_at must be in the future")
		}
		rb.ExpiresAt = in.ExpiresAt.UTC()
		changes = append(changes, "expires_at="+rb.ExpiresAt.Format(time.RFC3339))
	}
	if in.Access != nil {
		access, err := s.checkAccess(ctx, a, rb.Team, *in.Access)
		if err != nil {
			return store.Robot{}, s.denyAccess(ctx, a, "robot.update", obj, err)
		}
		rb.Access = access
		changes = append(changes, accessDetail(access))
	}
	rb.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateRobot(ctx, rb); err != nil {
		return store.Robot{}, s.failed(ctx, a, "robot.update", obj, StoreError(err, "robot \""+rb.Name+"\"", ""))
	}
	s.done(ctx, a, "robot.update", obj, JoinWords(changes))
	got, err := s.st.GetRobot(ctx, rb.Name)
	if err != nil {
		got = rb
	}
	return got, nil
}

// DeleteRobot deletes a robot a may manage (Robot's rule).
func (s *Service) DeleteRobot(ctx context.Context, a Actor, name string) error {
	obj := robotObject(name)
	rb, err := s.Robot(ctx, a, name)
	if err != nil {
		return s.deniedLookup(ctx, a, "robot.delete", obj, err)
	}
	if err := s.st.DeleteRobot(ctx, rb.Name); err != nil {
		return s.failed(ctx, a, "robot.delete", obj, StoreError(err, "robot \""+rb.Name+"\"", ""))
	}
	s.done(ctx, a, "robot.delete", obj, "")
	return nil
}

// RotateRobotSecret gives a robot a may manage a new secret, returned
// once; the old one stops working.
func (s *Service) RotateRobotSecret(ctx context.Context, a Actor, name string) (store.Robot, string, error) {
	obj := robotObject(name)
	rb, err := s.Robot(ctx, a, name)
	if err != nil {
		return store.Robot{}, "", s.deniedLookup(ctx, a, "robot.rotate", obj, err)
	}
	secret, hash := authn.NewRobotSecret()
	now := s.now().UTC()
	if err := s.st.SetRobotSecret(ctx, rb.Name, hash, now); err != nil {
		return store.Robot{}, "", s.failed(ctx, a, "robot.rotate", obj, StoreError(err, "robot \""+rb.Name+"\"", ""))
	}
	s.done(ctx, a, "robot.rotate", obj, "")
	got, err := s.st.GetRobot(ctx, rb.Name)
	if err != nil {
		got = rb
	}
	return got, secret, nil
}
