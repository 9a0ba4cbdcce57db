// Package store defines Dockmaster's persistent model and the Store
// interface. Two implementations live in sqlite/ and postgres/; both pass the
// one conformance suite in storetest/.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
)

// Sentinel errors. Implementations wrap them with %w and a message that names
// the object; the HTTP layer maps them to status codes.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: an object with that name already exists, or the change
	// would break a rule that another object depends on.
	ErrConflict = errors.New("conflict")
	// ErrProtected refuses to delete a protected team.
	ErrProtected = errors.New("the team owns the namespaces registry pushes create and cannot be deleted")
	// ErrLastOwner: the change would leave a team without an owner.
	ErrLastOwner = errors.New("a team must keep at least one owner")
	// ErrLastAdmin: the change would leave no enabled admin.
	ErrLastAdmin = errors.New("at least one enabled admin must remain")
	// ErrUnavailable: the database could not be reached; retry later.
	ErrUnavailable = errors.New("database unavailable")
)

// User is a person (or, with Bot, a service user without a personal namespace).
type User struct {
	Username     string
	Email        string
	DisplayName  string
	PasswordHash string
	Admin        bool
	Enabled      bool
	Bot          bool
	// PasswordChangedAt invalidates cached credentials and refresh tokens.
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Team groups users; every team has at least one owner.
type Team struct {
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Protected marks the team that owns the namespaces registry pushes
	// and the sync create (the bootstrap's admins team): only a protected
	// team gets them, and it cannot be deleted. Set on create only.
	Protected bool
}

// Member is a user's membership of a team.
type Member struct {
	Team      string
	Username  string
	Role      rbac.Role
	CreatedAt time.Time
}

// Namespace is the first path segment of repository names. A team namespace
// has Team set; a personal namespace has Owner (its user) set.
type Namespace struct {
	Name        string
	Team        string
	Owner       string
	Visibility  rbac.Visibility
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Kind tells a personal from a team namespace.
func (n Namespace) Kind() rbac.NamespaceKind {
	if n.Owner != "" {
		return rbac.KindPersonal
	}
	return rbac.KindTeam
}

// Permission grants a role on a namespace to a user, team or robot.
type Permission struct {
	Namespace string
	Kind      rbac.SubjectKind // UserKind, TeamKind or RobotKind
	Name      string           // username, team name or robot name (robot$x)
	Role      rbac.Role
	CreatedAt time.Time
}

// Robot is a machine identity. Its access is the set of Permission rows of
// kind robot naming it; CreateRobot and UpdateRobot write them.
type Robot struct {
	Name        string // with the robot$ prefix
	Description string
	// Team, when set, is the team whose owners manage the robot; empty means
	// a system robot that only admins manage.
	Team       string
	SecretHash string
	Enabled    bool
	ExpiresAt  time.Time // zero: never
	CreatedBy  string
	Access     []Access
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// SecretChangedAt invalidates cached credentials and refresh tokens.
	SecretChangedAt time.Time
}

// Access is one (namespace, role) entry of a robot.
type Access struct {
	Namespace string
	Role      rbac.Role
}

// Token is a user's application token. Its secret is shown once; only a
// hash is kept.
type Token struct {
	ID         string
	Username   string
	Name       string
	Hash       string
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time // zero: never used
	CreatedAt  time.Time
	// ParentID is the token the creator authenticated with, if any:
	// deleting it deletes this one (written on create only).
	ParentID string
}

// Settings is the site-wide singleton.
type Settings struct {
	PushPolicy            rbac.PushPolicy
	AnonymousPull         bool
	DeleteEnabled         bool
	ContributorsMayDelete bool
	TeamCreation          rbac.TeamCreation
	NamespaceCreation     rbac.NamespaceCreation
	TokenLifetime         time.Duration
	UpdatedAt             time.Time
}

// DefaultSettings are what a new database starts with.
func DefaultSettings() Settings {
	return Settings{
		PushPolicy:            rbac.AllowTeams,
		AnonymousPull:         true,
		DeleteEnabled:         true,
		ContributorsMayDelete: false,
		TeamCreation:          rbac.TeamCreationEveryone,
		NamespaceCreation:     rbac.NamespaceCreationTeamOwners,
		TokenLifetime:         5 * time.Minute,
	}
}

// Policy is the part of the settings rbac.Decide needs.
func (s Settings) Policy() rbac.Policy {
	return rbac.Policy{
		PushPolicy:            s.PushPolicy,
		AnonymousPull:         s.AnonymousPull,
		DeleteEnabled:         s.DeleteEnabled,
		ContributorsMayDelete: s.ContributorsMayDelete,
	}
}

// Repository is an image repository known from events or the sync.
type Repository struct {
	Name         string // full name, "team/app"
	Namespace    string // "" for the global namespace
	Description  string
	TagCount     int
	PullCount    int64
	LastPulledAt time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Tag points at a manifest.
type Tag struct {
	Repository   string
	Name         string
	Digest       string
	MediaType    string
	Size         int64
	PushedBy     string
	PushedAt     time.Time
	LastPulledAt time.Time
	PullCount    int64
	// Kind and ArtifactType of the manifest the tag points at (reads only;
	// "" until it has been read).
	Kind         string
	ArtifactType string
}

// AuditEvent records who did what, from where, with which outcome.
type AuditEvent struct {
	ID      int64
	Time    time.Time
	Actor   string // username, robot$name or "anonymous"
	Source  string // client address
	Action  string // e.g. "team.create", "token.issue", "member.delete"
	Object  string // e.g. "team/devs", "namespace/devs/permission/user/alice"
	Outcome string // "success", "denied" or "error"
	Detail  string // free text or JSON; never secrets
}

// ListOptions pages a list by name: items sort by name ascending, After is
// the last name of the previous page, Limit the page size (the store returns
// at most Limit items), Query a case-insensitive substring filter on names.
type ListOptions struct {
	After string
	Limit int
	Query string
}

// RepositoryFilter lists repositories; Namespaces, when non-nil, restricts the
// result to those namespaces ("" names the global namespace).
type RepositoryFilter struct {
	ListOptions
	Namespace  string
	Namespaces []string
	// Kind, when set, keeps repositories holding a manifest of that kind.
	Kind string
}

// AuditFilter lists audit events newest first; BeforeID pages (0: from the newest).
type AuditFilter struct {
	Actor    string
	Action   string
	Object   string // prefix match
	Since    time.Time
	Until    time.Time
	BeforeID int64
	Limit    int
}

// Store is everything Dockmaster keeps. Every method takes a context and runs
// in one transaction. Lookups of missing objects return ErrNotFound; creating
// a duplicate returns ErrConflict.
type Store interface {
	Ping(ctx context.Context) error
	Close() error

	// ListRefreshTokens lists the refresh tokens (sessions) of one subject
	// (kind "user" or "robot"), newest first, expired ones included.
	ListRefreshTokens(ctx context.Context, subjectKind, subject string) ([]RefreshToken, error)
	// DeleteRefreshToken deletes one refresh token of that subject;
	// ErrNotFound when the subject has no token with that id.
	DeleteRefreshToken(ctx context.Context, subjectKind, subject, id string) error
	// DeleteRefreshTokens deletes every refresh token of one subject.
	DeleteRefreshTokens(ctx context.Context, subjectKind, subject string) error

	// CountUsers counts all users (bootstrap checks for an empty database).
	CountUsers(ctx context.Context) (int, error)
	// CreateUser also creates the personal namespace (private, Owner set) of
	// a non-bot user; ErrConflict if a user or namespace of that name exists.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context, opt ListOptions) ([]User, error)
	// UpdateUser replaces the mutable fields (all but Username, CreatedAt);
	// ErrLastAdmin if it would leave no enabled admin.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser removes the user, their memberships, grants, tokens and
	// personal namespace (ErrConflict if it still holds repositories);
	// ErrLastAdmin / ErrLastOwner when it would break those rules.
	DeleteUser(ctx context.Context, username string) error

	// CreateTeam creates a team with owner as its first owner.
	CreateTeam(ctx context.Context, t Team, owner string) error
	GetTeam(ctx context.Context, name string) (Team, error)
	ListTeams(ctx context.Context, opt ListOptions) ([]Team, error)
	UpdateTeam(ctx context.Context, t Team) error
	// DeleteTeam: ErrConflict while the team owns namespaces.
	DeleteTeam(ctx context.Context, name string) error

	// AddMember: ErrNotFound for a missing team or user, ErrConflict if
	// already a member.
	AddMember(ctx context.Context, m Member) error
	GetMember(ctx context.Context, team, username string) (Member, error)
	ListMembers(ctx context.Context, team string, opt ListOptions) ([]Member, error)
	// ListUserTeams lists the memberships of one user.
	ListUserTeams(ctx context.Context, username string) ([]Member, error)
	// UpdateMember changes the role; ErrLastOwner when demoting the last owner.
	UpdateMember(ctx context.Context, m Member) error
	// RemoveMember: ErrLastOwner when removing the last owner.
	RemoveMember(ctx context.Context, team, username string) error

	// CreateNamespace: ErrNotFound for a missing team, ErrConflict for a
	// taken name (including a user's personal namespace).
	CreateNamespace(ctx context.Context, n Namespace) error
	GetNamespace(ctx context.Context, name string) (Namespace, error)
	ListNamespaces(ctx context.Context, opt ListOptions) ([]Namespace, error)
	// UpdateNamespace replaces Team, Visibility and Description. Moving a
	// namespace to another team revokes the old team's robots' access to it.
	UpdateNamespace(ctx context.Context, n Namespace) error
	// DeleteNamespace: ErrConflict while repositories remain in it.
	DeleteNamespace(ctx context.Context, name string) error

	// CreatePermission: ErrNotFound for a missing namespace or grantee,
	// ErrConflict when that grantee already has a grant there.
	CreatePermission(ctx context.Context, p Permission) error
	GetPermission(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (Permission, error)
	ListPermissions(ctx context.Context, namespace string) ([]Permission, error)
	UpdatePermission(ctx context.Context, p Permission) error
	DeletePermission(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) error

	// RolesOn returns every role that applies to a user or robot on a
	// namespace: owning-team membership, grants to the user, to teams the user
	// is in, or to the robot; owner for a personal namespace's own user.
	RolesOn(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) ([]rbac.Role, error)
	// NamespaceAccess is the namespace (name, team, owner and visibility
	// only; ErrNotFound when missing) and RolesOn's roles on it, in one
	// read: what a decision on a repository needs.
	NamespaceAccess(ctx context.Context, namespace string, kind rbac.SubjectKind, name string) (Namespace, []rbac.Role, error)
	// RolesByNamespace is RolesOn for every namespace at once: the subject's
	// highest role on each namespace where it has one.
	RolesByNamespace(ctx context.Context, kind rbac.SubjectKind, name string) (map[string]rbac.Role, error)

	// CreateRobot stores the robot and its Access as robot permissions
	// (ErrNotFound for a missing namespace).
	CreateRobot(ctx context.Context, r Robot) error
	GetRobot(ctx context.Context, name string) (Robot, error)
	// GetRobotBySecretHash finds a robot by the hash of its secret.
	GetRobotBySecretHash(ctx context.Context, hash string) (Robot, error)
	ListRobots(ctx context.Context, opt ListOptions) ([]Robot, error)
	// UpdateRobot replaces Description, Enabled, ExpiresAt and Access.
	UpdateRobot(ctx context.Context, r Robot) error
	// SetRobotSecret replaces the secret hash and SecretChangedAt.
	SetRobotSecret(ctx context.Context, name, hash string, at time.Time) error
	DeleteRobot(ctx context.Context, name string) error

	CreateToken(ctx context.Context, t Token) error
	// GetTokenByHash finds a token by the hash of its secret (authentication).
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	ListTokens(ctx context.Context, username string) ([]Token, error)
	TouchToken(ctx context.Context, id string, at time.Time) error
	// DeleteToken deletes the token id of username (ErrNotFound otherwise).
	DeleteToken(ctx context.Context, username, id string) error

	GetSettings(ctx context.Context) (Settings, error)
	UpdateSettings(ctx context.Context, s Settings) error

	// PutTag creates the repository if needed and upserts the tag.
	PutTag(ctx context.Context, t Tag) error
	GetRepository(ctx context.Context, name string) (Repository, error)
	ListRepositories(ctx context.Context, f RepositoryFilter) ([]Repository, error)
	UpdateRepository(ctx context.Context, r Repository) error
	// DeleteRepository removes the repository and its tags.
	DeleteRepository(ctx context.Context, name string) error
	GetTag(ctx context.Context, repo, tag string) (Tag, error)
	ListTags(ctx context.Context, repo string, opt ListOptions) ([]Tag, error)
	DeleteTag(ctx context.Context, repo, tag string) error

	// GetManifest returns one manifest of repo with its tags (fallback tags
	// left out).
	GetManifest(ctx context.Context, repo, digest string) (Manifest, error)
	// ListManifests pages manifests by digest; see ManifestFilter.
	ListManifests(ctx context.Context, f ManifestFilter) ([]Manifest, error)
	// SetManifestDetails records what reading a manifest told; a manifest
	// the catalog no longer has is left alone (ok false).
	SetManifestDetails(ctx context.Context, d ManifestDetails) (ok bool, err error)
	// SetManifestDetailsBatch is SetManifestDetails for many, in one
	// transaction.
	SetManifestDetailsBatch(ctx context.Context, ds []ManifestDetails) error
	// PendingManifests returns up to limit manifests not read yet.
	PendingManifests(ctx context.Context, limit int) ([]ManifestRef, error)
	// DeleteManifest removes a manifest, the tags on it and its
	// accessories (manifests whose subject it is, their tags and its
	// fallback tags); ErrNotFound when the catalog has none of them.
	DeleteManifest(ctx context.Context, repo, digest string) error

	AppendAudit(ctx context.Context, e AuditEvent) error
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}
