package service

import (
	"context"
	"errors"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// The read use cases of the web UI's pages: each checks what a may see with
// the same rules as the REST API's routes, then reads one page.

// RepositoryView is a repository page as a may see it.
type RepositoryView struct {
	Repository store.Repository
	Tags       []store.Tag
	// Next is the name to page on after the last tag ("" on the last page).
	Next string
	// MayDelete: a may delete tags and the repository (rbac.Decide).
	MayDelete bool
	// MayEdit: a may change the description.
	MayEdit bool
	// Platforms of the tags' manifests that are indexes, by digest.
	Platforms map[string][]string
}

// RepositoryPage loads a repository a may pull and a page of its tags.
func (s *Service) RepositoryPage(ctx context.Context, a Actor, name string, opt store.ListOptions) (RepositoryView, error) {
	rp, acts, role, err := s.repository(ctx, a, name)
	if err != nil {
		return RepositoryView{}, err
	}
	want := opt.Limit
	opt.Limit++
	tags, err := s.st.ListTags(ctx, rp.Name, opt)
	if err != nil {
		return RepositoryView{}, err
	}
	v := RepositoryView{Repository: rp, MayDelete: HasAction(acts, rbac.Delete),
		MayEdit: rbac.CanEditRepository(a.subject(), acts, role)}
	if len(tags) > want {
		tags = tags[:want]
		v.Next = tags[want-1].Name
	}
	v.Tags = tags
	// The platforms of the indexes on this page, as the enrichment read
	// them: a read per index shown, whatever the repository holds.
	v.Platforms = map[string][]string{}
	read := map[string]bool{}
	for _, tg := range tags {
		if tg.Kind != mediatype.KindIndex || read[tg.Digest] {
			continue
		}
		read[tg.Digest] = true
		m, err := s.st.GetManifest(ctx, rp.Name, tg.Digest)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the tags were read
		}
		if err != nil {
			return v, err
		}
		if len(m.Platforms) > 0 {
			v.Platforms[m.Digest] = m.Platforms
		}
	}
	return v, nil
}

// NamespaceView is a namespace page as a may see it.
type NamespaceView struct {
	Namespace store.Namespace
	Role      rbac.Role
	// Repositories a may pull, one page; Next pages on.
	Repositories []store.Repository
	Next         string
	// MayManage: a may change visibility, grants and robots; Permissions
	// and Robots are filled only then.
	MayManage   bool
	Permissions []store.Permission
	Robots      []store.Robot
}

// NamespacePage loads a namespace a may see with a page of its
// repositories, and, for its managers, its grants and robots.
func (s *Service) NamespacePage(ctx context.Context, a Actor, name string, opt store.ListOptions) (NamespaceView, error) {
	n, role, err := s.Namespace(ctx, a, name)
	if err != nil {
		return NamespaceView{}, err
	}
	v := NamespaceView{Namespace: n, Role: role, MayManage: rbac.CanManageNamespace(a.subject(), role)}
	d, err := s.NewDecider(ctx, a)
	if err != nil {
		return v, err
	}
	acts, _, err := d.Actions(ctx, n.Name)
	if err != nil {
		return v, err
	}
	if HasAction(acts, rbac.Pull) {
		want := opt.Limit
		opt.Limit++
		repos, err := s.st.ListRepositories(ctx, store.RepositoryFilter{ListOptions: opt, Namespace: n.Name})
		if err != nil {
			return v, err
		}
		if len(repos) > want {
			repos = repos[:want]
			v.Next = repos[want-1].Name
		}
		v.Repositories = repos
	}
	if !v.MayManage {
		return v, nil
	}
	if v.Permissions, err = s.Permissions(ctx, n); err != nil {
		return v, err
	}
	var kept []store.Permission
	for _, p := range v.Permissions {
		if p.Kind != rbac.RobotKind {
			kept = append(kept, p)
		}
	}
	robots := map[string]bool{}
	for _, p := range v.Permissions {
		if p.Kind == rbac.RobotKind && !robots[p.Name] {
			robots[p.Name] = true
			if rb, err := s.st.GetRobot(ctx, p.Name); err == nil {
				v.Robots = append(v.Robots, rb)
			}
		}
	}
	v.Permissions = kept
	return v, nil
}

// TeamView is a team page as a may see it.
type TeamView struct {
	Team      store.Team
	Role      rbac.Role
	MayManage bool
	Members   []store.Member
	// NextMember, when set, is the last member shown: more follow.
	NextMember string
	Namespaces []store.Namespace
}

// TeamPage loads a team with a page of its members (members, by username:
// MembersOf's rule — its members and admins; others see the team without
// members).
func (s *Service) TeamPage(ctx context.Context, a Actor, name string, members store.ListOptions) (TeamView, error) {
	t, role, err := s.Team(ctx, a, name)
	if err != nil {
		return TeamView{}, err
	}
	v := TeamView{Team: t, Role: role, MayManage: rbac.CanManageTeam(a.subject(), role)}
	if rbac.CanSeeTeamMembers(a.subject(), role) {
		page, err := Paginate(ctx, members, func(ctx context.Context, o store.ListOptions) ([]store.Member, error) {
			return s.st.ListMembers(ctx, t.Name, o)
		}, func(m store.Member) string { return m.Username }, nil)
		if err != nil {
			return v, err
		}
		v.Members, v.NextMember = page.Items, page.Next
	}
	// The namespaces it owns that a may see.
	_, visible, err := s.visibleNamespaces(ctx, a)
	if err != nil {
		return v, err
	}
	for _, n := range visible {
		if n.Team == t.Name {
			v.Namespaces = append(v.Namespaces, n)
		}
	}
	return v, nil
}

// Teams lists teams for a signed-in user (teams are visible to all of
// them) and the user's own memberships.
func (s *Service) Teams(ctx context.Context, a Actor, opt store.ListOptions) ([]store.Team, map[string]rbac.Role, error) {
	if err := UsersOnly(a); err != nil {
		return nil, nil, err
	}
	teams, err := s.st.ListTeams(ctx, opt)
	if err != nil {
		return nil, nil, err
	}
	mine := map[string]rbac.Role{}
	ms, err := s.st.ListUserTeams(ctx, a.subject().Name)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range ms {
		mine[m.Team] = m.Role
	}
	return teams, mine, nil
}

// Robots lists the robots a may manage.
func (s *Service) Robots(ctx context.Context, a Actor) ([]store.Robot, error) {
	keep, err := s.RobotFilter(ctx, a)
	if err != nil {
		return nil, err
	}
	var out []store.Robot
	after := ""
	for {
		page, err := s.st.ListRobots(ctx, store.ListOptions{After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, rb := range page {
			ok, err := keep(rb)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, rb)
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].Name
	}
}

// Users lists users for an admin (CanAdministerUsers).
func (s *Service) Users(ctx context.Context, a Actor, opt store.ListOptions) ([]store.User, error) {
	if !rbac.CanAdministerUsers(a.subject()) {
		return nil, Forbidden("only admins list users")
	}
	return s.st.ListUsers(ctx, opt)
}

// Settings reads the site settings (admins only on the web).
func (s *Service) Settings(ctx context.Context, a Actor) (store.Settings, error) {
	if !rbac.CanAdministerUsers(a.subject()) {
		return store.Settings{}, Forbidden("only admins see the settings")
	}
	return s.st.GetSettings(ctx)
}
