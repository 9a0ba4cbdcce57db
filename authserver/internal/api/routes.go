package api

import (
	"net/http"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Route is one entry of the route table: the mux serves Method+" "+Pattern
// and the OpenAPI document describes it.
type Route struct {
	Method  string
	Pattern string // Go 1.22 ServeMux path pattern
	Summary string
	Tag     string
	// Public routes need no credentials.
	Public bool
	// Virtual routes are documented but served by another pattern's handler
	// (tag paths live under the repository {name...} wildcard).
	Virtual bool
	// Request and Response are zero values of the wire types (nil: none).
	Request  any
	Response any
	Status   int  // success status; 0 means 200
	Paged    bool // takes page_size, page_token and q
	Query    []string
	h        handler
}

// table is the one list of routes the mux registers and the OpenAPI
// document describes.
func (a *API) table() []Route {
	const (
		users = "/api/v1/users"
		user  = "/api/v1/users/{username}"
		toks  = "/api/v1/users/{username}/tokens"
		tok   = "/api/v1/users/{username}/tokens/{id}"
		sess  = "/api/v1/users/{username}/sessions"
		ses   = "/api/v1/users/{username}/sessions/{id}"
		teams = "/api/v1/teams"
		team  = "/api/v1/teams/{team}"
		mems  = "/api/v1/teams/{team}/members"
		mem   = "/api/v1/teams/{team}/members/{username}"
		nss   = "/api/v1/namespaces"
		ns    = "/api/v1/namespaces/{namespace}"
		perms = "/api/v1/namespaces/{namespace}/permissions"
		perm  = "/api/v1/namespaces/{namespace}/permissions/{kind}/{name}"
		robs  = "/api/v1/robots"
		rob   = "/api/v1/robots/{name}"
		repos = "/api/v1/repositories"
		grepo = "/api/v1/repositories/{name}"
		repo  = "/api/v1/repositories/{namespace}/{name...}"
		tags  = "/api/v1/repositories/{namespace}/{name...}/tags"
		tag   = "/api/v1/repositories/{namespace}/{name...}/tags/{tag}"
		mans  = "/api/v1/repositories/{namespace}/{name...}/manifests"
		man   = "/api/v1/repositories/{namespace}/{name...}/manifests/{digest}"
	)
	G, P, U, D := http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	created := http.StatusCreated
	noContent := http.StatusNoContent
	return []Route{
		{Method: G, Pattern: "/api/v1/openapi.json", Summary: "This OpenAPI document", Tag: "meta", Public: true, h: a.getOpenAPI},
		{Method: G, Pattern: "/api/v1/me", Summary: "Who the caller is and what they may do", Tag: "me", Response: apiv1.Me{}, h: a.getMe},

		{Method: G, Pattern: users, Summary: "List users (admins see every field, others names only)", Tag: "users", Response: apiv1.Page[apiv1.User]{}, Paged: true, h: a.listUsers},
		{Method: P, Pattern: users, Summary: "Create a user (admins)", Tag: "users", Request: apiv1.CreateUser{}, Response: apiv1.User{}, Status: created, h: a.createUser},
		{Method: G, Pattern: user, Summary: "Get a user (admins, or the user themself)", Tag: "users", Response: apiv1.User{}, h: a.getUser},
		{Method: U, Pattern: user, Summary: "Update a user; admin and enabled are for admins", Tag: "users", Request: apiv1.UpdateUser{}, Response: apiv1.User{}, h: a.updateUser},
		{Method: D, Pattern: user, Summary: "Delete a user (admins)", Tag: "users", Status: noContent, h: a.deleteUser},

		{Method: G, Pattern: toks, Summary: "List a user's application tokens", Tag: "tokens", Response: apiv1.Page[apiv1.Token]{}, Paged: true, h: a.listTokens},
		{Method: P, Pattern: toks, Summary: "Create an application token (the secret is in this answer only)", Tag: "tokens", Request: apiv1.CreateToken{}, Response: apiv1.Token{}, Status: created, h: a.createToken},
		{Method: G, Pattern: tok, Summary: "Get an application token (never its secret)", Tag: "tokens", Response: apiv1.Token{}, h: a.getToken},
		{Method: D, Pattern: tok, Summary: "Revoke an application token", Tag: "tokens", Status: noContent, h: a.deleteToken},
		{Method: G, Pattern: sess, Summary: "List a user's sessions (refresh tokens of docker login and other clients; never the secret)", Tag: "sessions", Response: apiv1.Page[apiv1.Session]{}, h: a.listSessions},
		{Method: D, Pattern: sess, Summary: "End every session of a user", Tag: "sessions", Status: noContent, h: a.deleteSessions},
		{Method: D, Pattern: ses, Summary: "End one session", Tag: "sessions", Status: noContent, h: a.deleteSession},

		{Method: G, Pattern: teams, Summary: "List teams", Tag: "teams", Response: apiv1.Page[apiv1.Team]{}, Paged: true, h: a.listTeams},
		{Method: P, Pattern: teams, Summary: "Create a team; the caller (or, for admins, owner) becomes its owner", Tag: "teams", Request: apiv1.CreateTeam{}, Response: apiv1.Team{}, Status: created, h: a.createTeam},
		{Method: G, Pattern: team, Summary: "Get a team", Tag: "teams", Response: apiv1.Team{}, h: a.getTeam},
		{Method: U, Pattern: team, Summary: "Update a team (owners, admins)", Tag: "teams", Request: apiv1.UpdateTeam{}, Response: apiv1.Team{}, h: a.updateTeam},
		{Method: D, Pattern: team, Summary: "Delete a team that owns no namespace (owners, admins)", Tag: "teams", Status: noContent, h: a.deleteTeam},

		{Method: G, Pattern: mems, Summary: "List members (team members, admins)", Tag: "members", Response: apiv1.Page[apiv1.Member]{}, Paged: true, h: a.listMembers},
		{Method: P, Pattern: mems, Summary: "Add a member (owners, admins)", Tag: "members", Request: apiv1.AddMember{}, Response: apiv1.Member{}, Status: created, h: a.addMember},
		{Method: G, Pattern: mem, Summary: "Get a membership", Tag: "members", Response: apiv1.Member{}, h: a.getMember},
		{Method: U, Pattern: mem, Summary: "Change a member's role (owners, admins)", Tag: "members", Request: apiv1.UpdateMember{}, Response: apiv1.Member{}, h: a.updateMember},
		{Method: D, Pattern: mem, Summary: "Remove a member (owners, admins, or the member themself)", Tag: "members", Status: noContent, h: a.removeMember},

		{Method: G, Pattern: nss, Summary: "List the namespaces the caller may see", Tag: "namespaces", Response: apiv1.Page[apiv1.Namespace]{}, Paged: true, h: a.listNamespaces},
		{Method: P, Pattern: nss, Summary: "Create a team namespace", Tag: "namespaces", Request: apiv1.CreateNamespace{}, Response: apiv1.Namespace{}, Status: created, h: a.createNamespace},
		{Method: G, Pattern: ns, Summary: "Get a namespace", Tag: "namespaces", Response: apiv1.Namespace{}, h: a.getNamespace},
		{Method: U, Pattern: ns, Summary: "Update a namespace (owners, admins; moving to another team: admins)", Tag: "namespaces", Request: apiv1.UpdateNamespace{}, Response: apiv1.Namespace{}, h: a.updateNamespace},
		{Method: D, Pattern: ns, Summary: "Delete an empty namespace (owners, admins)", Tag: "namespaces", Status: noContent, h: a.deleteNamespace},

		{Method: G, Pattern: perms, Summary: "List the grants on a namespace (owners, admins)", Tag: "permissions", Response: apiv1.Page[apiv1.Permission]{}, Paged: true, h: a.listPermissions},
		{Method: P, Pattern: perms, Summary: "Grant a role on a namespace (owners, admins)", Tag: "permissions", Request: apiv1.CreatePermission{}, Response: apiv1.Permission{}, Status: created, h: a.createPermission},
		{Method: G, Pattern: perm, Summary: "Get a grant", Tag: "permissions", Response: apiv1.Permission{}, h: a.getPermission},
		{Method: U, Pattern: perm, Summary: "Change a grant's role", Tag: "permissions", Request: apiv1.UpdatePermission{}, Response: apiv1.Permission{}, h: a.updatePermission},
		{Method: D, Pattern: perm, Summary: "Revoke a grant", Tag: "permissions", Status: noContent, h: a.deletePermission},

		{Method: G, Pattern: robs, Summary: "List the robot accounts the caller manages", Tag: "robots", Response: apiv1.Page[apiv1.Robot]{}, Paged: true, h: a.listRobots},
		{Method: P, Pattern: robs, Summary: "Create a robot account (the secret is in this answer only)", Tag: "robots", Request: apiv1.CreateRobot{}, Response: apiv1.Robot{}, Status: created, h: a.createRobot},
		{Method: G, Pattern: rob, Summary: "Get a robot account", Tag: "robots", Response: apiv1.Robot{}, h: a.getRobot},
		{Method: U, Pattern: rob, Summary: "Update a robot account; access replaces the whole list", Tag: "robots", Request: apiv1.UpdateRobot{}, Response: apiv1.Robot{}, h: a.updateRobot},
		{Method: D, Pattern: rob, Summary: "Delete a robot account", Tag: "robots", Status: noContent, h: a.deleteRobot},
		{Method: P, Pattern: rob + "/secret", Summary: "Rotate a robot's secret (the new secret is in this answer only)", Tag: "robots", Response: apiv1.Robot{}, h: a.rotateRobotSecret},

		{Method: G, Pattern: repos, Summary: "List the repositories the caller may pull", Tag: "repositories", Response: apiv1.Page[apiv1.Repository]{}, Paged: true, Query: []string{"namespace", "kind"}, h: a.listRepositories},
		{Method: G, Pattern: grepo, Summary: "Get a repository of the global namespace", Tag: "repositories", Response: apiv1.Repository{}, h: a.getGlobalRepository},
		{Method: U, Pattern: grepo, Summary: "Update a global repository's description", Tag: "repositories", Request: apiv1.UpdateRepository{}, Response: apiv1.Repository{}, h: a.updateGlobalRepository},
		{Method: D, Pattern: grepo, Summary: "Delete a global repository", Tag: "repositories", Status: noContent, h: a.deleteGlobalRepository},
		{Method: G, Pattern: repo, Summary: "Get a repository (paths ending in /tags and /tags/{tag} address its tags)", Tag: "repositories", Response: apiv1.Repository{}, h: a.getRepositoryPath},
		{Method: U, Pattern: repo, Summary: "Update a repository's description (contributors, owners)", Tag: "repositories", Request: apiv1.UpdateRepository{}, Response: apiv1.Repository{}, h: a.updateRepositoryPath},
		{Method: D, Pattern: repo, Summary: "Delete a repository (needs the delete right)", Tag: "repositories", Status: noContent, h: a.deleteRepositoryPath},
		{Method: G, Pattern: tags, Summary: "List a repository's tags", Tag: "repositories", Virtual: true, Response: apiv1.Page[apiv1.Tag]{}, Paged: true},
		{Method: G, Pattern: tag, Summary: "Get a tag", Tag: "repositories", Virtual: true, Response: apiv1.Tag{}},
		{Method: D, Pattern: tag, Summary: "Delete a tag (needs the delete right)", Tag: "repositories", Virtual: true, Status: noContent},
		{Method: G, Pattern: mans, Summary: "List a repository's manifests (accessories are listed under their subject; tagged=false: untagged only; kind: one kind)", Tag: "repositories", Virtual: true, Response: apiv1.Page[apiv1.Manifest]{}, Paged: true, Query: []string{"tagged", "kind"}},
		{Method: G, Pattern: man, Summary: "Get a manifest by digest: kind, artifact type, platforms, chart details, tags and accessories", Tag: "repositories", Virtual: true, Response: apiv1.Manifest{}},
		{Method: D, Pattern: man, Summary: "Delete a manifest by digest with its accessories, in the registry first (needs the delete right)", Tag: "repositories", Virtual: true, Status: noContent},

		{Method: G, Pattern: "/api/v1/settings", Summary: "Get the site settings", Tag: "settings", Response: apiv1.Settings{}, h: a.getSettings},
		{Method: U, Pattern: "/api/v1/settings", Summary: "Update the site settings (admins)", Tag: "settings", Request: apiv1.UpdateSettings{}, Response: apiv1.Settings{}, h: a.updateSettings},

		{Method: G, Pattern: "/api/v1/audit", Summary: "List audit events, newest first (admins)", Tag: "audit", Response: apiv1.Page[apiv1.AuditEvent]{}, Query: []string{"actor", "action", "object", "since", "until", "page_size", "page_token", "format"}, h: a.listAudit},
	}
}
