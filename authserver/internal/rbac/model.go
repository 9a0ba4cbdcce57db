// Package rbac holds Dockmaster's domain rules: subjects, roles, namespace
// visibility, the name and scope grammar and the access decision. It does no
// I/O: callers gather the facts (who, which namespace, which roles apply) and
// Decide answers which registry actions they allow.
package rbac

import "time"

// Role is a subject's role on a namespace or in a team. Roles are ordered:
// a higher role includes everything a lower one may do.
type Role string

const (
	RoleNone        Role = ""
	RoleViewer      Role = "viewer"
	RoleContributor Role = "contributor"
	RoleOwner       Role = "owner"
)

// Roles lists the valid roles, lowest first; validators and docs use it.
var Roles = []Role{RoleViewer, RoleContributor, RoleOwner}

// Visibility says who may pull from a namespace without a grant.
type Visibility string

const (
	// Public: anyone, even anonymous (when anonymous pulls are on), may pull.
	Public Visibility = "public"
	// Protected: any signed-in user may pull.
	Protected Visibility = "protected"
	// Private: only members and grantees.
	Private Visibility = "private"
)

// Visibilities lists the valid visibilities.
var Visibilities = []Visibility{Public, Protected, Private}

// NamespaceKind distinguishes the three kinds of namespace.
type NamespaceKind string

const (
	// KindGlobal is the namespace of single-segment names ("busybox"):
	// admins push, everyone signed in pulls.
	KindGlobal NamespaceKind = "global"
	// KindPersonal is a user's own namespace, named after them.
	KindPersonal NamespaceKind = "personal"
	// KindTeam is a namespace owned by a team.
	KindTeam NamespaceKind = "team"
)

// PushPolicy is the site-wide rule for who may push.
type PushPolicy string

const (
	// AllowTeams: contributors and owners push to team namespaces, users to
	// their personal namespace, robots where granted.
	AllowTeams PushPolicy = "allow-teams"
	// AllowPersonal: users push only to their personal namespace; admins everywhere.
	AllowPersonal PushPolicy = "allow-personal"
	// AdminOnly: only admins push.
	AdminOnly PushPolicy = "admin-only"
)

// PushPolicies lists the valid push policies.
var PushPolicies = []PushPolicy{AllowTeams, AllowPersonal, AdminOnly}

// TeamCreation is the site-wide rule for who may create teams.
type TeamCreation string

const (
	// TeamCreationEveryone: any signed-in user creates teams (and owns them).
	TeamCreationEveryone TeamCreation = "everyone"
	// TeamCreationAdmins: only admins create teams.
	TeamCreationAdmins TeamCreation = "admins"
)

// TeamCreations lists the valid team creation rules.
var TeamCreations = []TeamCreation{TeamCreationEveryone, TeamCreationAdmins}

// NamespaceCreation is the site-wide rule for who may create namespaces.
type NamespaceCreation string

const (
	// NamespaceCreationTeamOwners: owners of the owning team create its namespaces.
	NamespaceCreationTeamOwners NamespaceCreation = "team-owners"
	// NamespaceCreationAdmins: only admins create namespaces.
	NamespaceCreationAdmins NamespaceCreation = "admins"
)

// NamespaceCreations lists the valid namespace creation rules.
var NamespaceCreations = []NamespaceCreation{NamespaceCreationTeamOwners, NamespaceCreationAdmins}

// SubjectKind says what kind of identity asks.
type SubjectKind string

const (
	Anonymous SubjectKind = "anonymous"
	UserKind  SubjectKind = "user"
	RobotKind SubjectKind = "robot"
	TeamKind  SubjectKind = "team" // only as a grantee, never as a requester
)

// GranteeKinds lists the kinds of subject a namespace permission names.
var GranteeKinds = []SubjectKind{UserKind, TeamKind, RobotKind}

// NamespaceKinds lists the kinds of namespace that exist as objects (the
// global namespace is implied by single-segment names).
var NamespaceKinds = []NamespaceKind{KindPersonal, KindTeam}

// Action is a registry action on a repository.
type Action string

const (
	Pull   Action = "pull"
	Push   Action = "push"
	Delete Action = "delete"
	All    Action = "*"
)

// Subject is the authenticated identity a decision is about.
type Subject struct {
	Kind    SubjectKind
	Name    string // username, or robot$name; empty for anonymous
	Admin   bool
	Enabled bool
	// ExpiresAt is a robot's expiry; zero means it never expires.
	ExpiresAt time.Time
}

// Target is the namespace a repository lives in, with the facts about the
// subject's relation to it that the store gathered.
type Target struct {
	Namespace  string
	Kind       NamespaceKind
	Visibility Visibility // ignored for KindGlobal
	// Exists is false when no namespace of that name is known yet.
	Exists bool
	// Role is the subject's effective role on the namespace: the highest of
	// its team membership roles, direct grants and ownership of a personal
	// namespace (owner). RoleNone when nothing applies.
	Role Role
}

// Policy is the part of the site settings that decisions depend on.
type Policy struct {
	PushPolicy            PushPolicy
	AnonymousPull         bool
	DeleteEnabled         bool
	ContributorsMayDelete bool
}
