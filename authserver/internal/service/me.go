package service

import (
	"context"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Me is what a principal may learn about itself: who it is, its teams and
// what it may do on each namespace where it holds a role. Front ends show
// it as they like (the REST API as /api/v1/me).
type Me struct {
	Subject rbac.Subject
	// Admin is true for an admin user only (a robot is never one).
	Admin bool
	// Teams are the user's memberships; robots have none.
	Teams []store.Member
	// CanCreateTeams is the site's team creation rule for this user;
	// always false for robots.
	CanCreateTeams bool
	// Namespaces are those where the principal holds a role, in name
	// order for users and in the robot's access order for robots.
	Namespaces []NamespaceAccess
}

// NamespaceAccess is a principal's role on one namespace and the actions
// that role allows on its repositories now.
type NamespaceAccess struct {
	Namespace string
	Role      rbac.Role
	Actions   []rbac.Action
}

// Me describes a to itself. A robot sees the namespaces of its access
// list; a user every namespace where any source (team ownership, a grant
// to the user or to a team, the personal namespace) gives a role.
func (s *Service) Me(ctx context.Context, a Actor) (Me, error) {
	sub := a.subject()
	me := Me{Subject: sub, Admin: sub.Kind == rbac.UserKind && sub.Admin,
		Teams: []store.Member{}, Namespaces: []NamespaceAccess{}}
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return Me{}, err
	}
	add := func(t rbac.Target, err error) error {
		if err != nil {
			return err
		}
		if t.Role == rbac.RoleNone {
			return nil
		}
		me.Namespaces = append(me.Namespaces, NamespaceAccess{Namespace: t.Namespace, Role: t.Role, Actions: d.Decide(t)})
		return nil
	}
	if sub.Kind == rbac.RobotKind {
		if rb := a.Principal.Robot; rb != nil {
			for _, ac := range rb.Access {
				if err := add(d.Target(ctx, ac.Namespace)); err != nil {
					return Me{}, err
				}
			}
		}
		return me, nil
	}
	if me.Teams, err = s.st.ListUserTeams(ctx, sub.Name); err != nil {
		return Me{}, err
	}
	if me.Teams == nil {
		me.Teams = []store.Member{}
	}
	set, err := s.st.GetSettings(ctx)
	if err != nil {
		return Me{}, err
	}
	me.CanCreateTeams = rbac.MayCreateTeam(sub, set.TeamCreation)
	// One read of every role, then one pass over the namespaces: a read
	// per namespace would make /me cost a query per namespace of the site.
	if err := d.LoadRoles(ctx); err != nil {
		return Me{}, err
	}
	err = s.EachNamespace(ctx, func(n store.Namespace) error { return add(d.TargetOf(ctx, n)) })
	if err != nil {
		return Me{}, err
	}
	return me, nil
}

// walkBatch is how many namespaces EachNamespace reads at a time.
const walkBatch = 200

// EachNamespace calls f on every namespace in name order, reading them in
// batches; it stops at the first error.
func (s *Service) EachNamespace(ctx context.Context, f func(store.Namespace) error) error {
	opt := store.ListOptions{Limit: walkBatch}
	for {
		batch, err := s.st.ListNamespaces(ctx, opt)
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
