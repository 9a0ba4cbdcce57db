// Package apiv1 is the wire contract of Dockmaster's REST API (/api/v1): the
// request and response types, the error codes and every list of allowed
// values. The server encodes these types and the client, the Terraform
// provider and the tests decode them, so there is one definition of each.
// It imports nothing of the project.
package apiv1

import (
	"net/http"
	"time"
)

// Error is the body of every non-2xx answer.
type Error struct {
	Code    string `json:"code"`            // machine-readable, e.g. "invalid_argument", "not_found", "conflict"
	Message string `json:"message"`         // what happened and what to do
	Field   string `json:"field,omitempty"` // the offending field, for validation errors
	Status  int    `json:"-"`               // HTTP status, filled in by the client
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Code + ": " + e.Message + " (field " + e.Field + ")"
	}
	return e.Code + ": " + e.Message
}

// Page is the envelope of every list.
type Page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// User as the API shows it (never a password or hash).
type User struct {
	Username    string    `json:"username"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	Admin       bool      `json:"admin"`
	Enabled     bool      `json:"enabled"`
	Bot         bool      `json:"bot"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateUser is the body of POST /users (admins only).
type CreateUser struct {
	Username    string `json:"username"`
	Email       string `json:"email,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Password    string `json:"password"`
	Admin       bool   `json:"admin,omitempty"`
	Enabled     *bool  `json:"enabled,omitempty"` // default true
	Bot         bool   `json:"bot,omitempty"`
}

// UpdateUser is the body of PATCH /users/{username}; absent fields stay.
// A user may change their own email, display_name and password (the latter
// with current_password); admin and enabled are for admins only.
type UpdateUser struct {
	Email           *string `json:"email,omitempty"`
	DisplayName     *string `json:"display_name,omitempty"`
	Password        *string `json:"password,omitempty"`
	CurrentPassword *string `json:"current_password,omitempty"`
	Admin           *bool   `json:"admin,omitempty"`
	Enabled         *bool   `json:"enabled,omitempty"`
}

// Team as the API shows it.
type Team struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateTeam is the body of POST /teams. The caller becomes its first owner;
// an admin may name another first owner.
type CreateTeam struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner,omitempty"`
}

// UpdateTeam is the body of PATCH /teams/{team}.
type UpdateTeam struct {
	Description *string `json:"description,omitempty"`
}

// Member is a team membership.
type Member struct {
	Team      string    `json:"team"`
	Username  string    `json:"username"`
	Role      string    `json:"role"` // owner | contributor | viewer
	CreatedAt time.Time `json:"created_at"`
}

// AddMember is the body of POST /teams/{team}/members.
type AddMember struct {
	Username string `json:"username"`
	Role     string `json:"role"`
}

// UpdateMember is the body of PATCH /teams/{team}/members/{username}.
type UpdateMember struct {
	Role string `json:"role"`
}

// Namespace as the API shows it.
type Namespace struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`            // team | personal
	Team        string    `json:"team,omitempty"`  // owning team (team namespaces)
	Owner       string    `json:"owner,omitempty"` // owning user (personal namespaces)
	Visibility  string    `json:"visibility"`      // public | protected | private
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// CreateNamespace is the body of POST /namespaces.
type CreateNamespace struct {
	Name        string `json:"name"`
	Team        string `json:"team"`
	Visibility  string `json:"visibility,omitempty"` // default private
	Description string `json:"description,omitempty"`
}

// UpdateNamespace is the body of PATCH /namespaces/{namespace}. Moving a
// namespace to another team (team) is for admins.
type UpdateNamespace struct {
	Team        *string `json:"team,omitempty"`
	Visibility  *string `json:"visibility,omitempty"`
	Description *string `json:"description,omitempty"`
}

// Permission is a grant of a role on a namespace.
type Permission struct {
	Namespace string    `json:"namespace"`
	Kind      string    `json:"kind"` // user | team | robot
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// CreatePermission is the body of POST /namespaces/{namespace}/permissions.
type CreatePermission struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// UpdatePermission is the body of PATCH …/permissions/{kind}/{name}.
type UpdatePermission struct {
	Role string `json:"role"`
}

// RobotAccess is one namespace a robot may act on.
type RobotAccess struct {
	Namespace string `json:"namespace"`
	Role      string `json:"role"`
}

// Robot as the API shows it (never the secret, except Secret once on create
// and rotate).
type Robot struct {
	Name        string        `json:"name"` // robot$<name>
	Description string        `json:"description"`
	Team        string        `json:"team,omitempty"`
	Enabled     bool          `json:"enabled"`
	ExpiresAt   *time.Time    `json:"expires_at,omitempty"`
	Access      []RobotAccess `json:"access"`
	CreatedBy   string        `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Secret      string        `json:"secret,omitempty"`
}

// CreateRobot is the body of POST /robots. Name may be given with or
// without the robot$ prefix. A team owner creates robots of their team, with
// access only to that team's namespaces; system robots (no team) are for admins.
type CreateRobot struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Team        string        `json:"team,omitempty"`
	Enabled     *bool         `json:"enabled,omitempty"`
	ExpiresAt   *time.Time    `json:"expires_at,omitempty"`
	Access      []RobotAccess `json:"access"`
}

// UpdateRobot is the body of PATCH /robots/{name}; Access, when present,
// replaces the whole list. ClearExpiry removes an expiry.
type UpdateRobot struct {
	Description *string        `json:"description,omitempty"`
	Enabled     *bool          `json:"enabled,omitempty"`
	ExpiresAt   *time.Time     `json:"expires_at,omitempty"`
	ClearExpiry bool           `json:"clear_expiry,omitempty"`
	Access      *[]RobotAccess `json:"access,omitempty"`
}

// Token is an application token. Secret appears once, in the answer to its
// creation; it is what `docker login` takes as the password and the API as
// a Bearer token.
type Token struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	Secret     string     `json:"secret,omitempty"`
}

// Session is a refresh token (docker login's stored credential), as GET
// /users/{username}/sessions lists it: never the secret.
type Session struct {
	ID         string     `json:"id"`
	Username   string     `json:"username"`
	ClientID   string     `json:"client_id"`
	Service    string     `json:"service"`
	Source     string     `json:"source"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
}

// CreateToken is the body of POST /users/{username}/tokens.
type CreateToken struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Settings is the site-wide configuration.
type Settings struct {
	PushPolicy            string `json:"push_policy"` // allow-teams | allow-personal | admin-only
	AnonymousPull         bool   `json:"anonymous_pull"`
	DeleteEnabled         bool   `json:"delete_enabled"`
	ContributorsMayDelete bool   `json:"contributors_may_delete"`
	TeamCreation          string `json:"team_creation"`      // everyone | admins
	NamespaceCreation     string `json:"namespace_creation"` // team-owners | admins
	TokenLifetimeSeconds  int    `json:"token_lifetime_seconds"`
}

// UpdateSettings is the body of PATCH /settings.
type UpdateSettings struct {
	PushPolicy            *string `json:"push_policy,omitempty"`
	AnonymousPull         *bool   `json:"anonymous_pull,omitempty"`
	DeleteEnabled         *bool   `json:"delete_enabled,omitempty"`
	ContributorsMayDelete *bool   `json:"contributors_may_delete,omitempty"`
	TeamCreation          *string `json:"team_creation,omitempty"`
	NamespaceCreation     *string `json:"namespace_creation,omitempty"`
	TokenLifetimeSeconds  *int    `json:"token_lifetime_seconds,omitempty"`
}

// Repository as the API shows it.
type Repository struct {
	Name         string     `json:"name"`
	Namespace    string     `json:"namespace"`
	Description  string     `json:"description"`
	TagCount     int        `json:"tag_count"`
	PullCount    int64      `json:"pull_count"`
	LastPulledAt *time.Time `json:"last_pulled_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// UpdateRepository is the body of PATCH /repositories/{name…}.
type UpdateRepository struct {
	Description *string `json:"description,omitempty"`
}

// Tag as the API shows it.
type Tag struct {
	Repository   string     `json:"repository"`
	Name         string     `json:"name"`
	Digest       string     `json:"digest"`
	MediaType    string     `json:"media_type"`
	Size         int64      `json:"size"`
	PushedBy     string     `json:"pushed_by"`
	PushedAt     time.Time  `json:"pushed_at"`
	LastPulledAt *time.Time `json:"last_pulled_at,omitempty"`
	PullCount    int64      `json:"pull_count"`
	// Kind and ArtifactType of the manifest the tag points at.
	Kind         string `json:"kind"`
	ArtifactType string `json:"artifact_type"`
}

// Kinds of artifact (Manifest.Kind, Tag.Kind, the kind filters).
const (
	KindImage       = "image"
	KindIndex       = "index"
	KindHelmChart   = "helm-chart"
	KindSignature   = "signature"
	KindSBOM        = "sbom"
	KindAttestation = "attestation"
	KindArtifact    = "artifact"
	// KindUnknown: not read yet, or the manifest could not be read.
	KindUnknown = "unknown"
)

// Kinds is every kind.
var Kinds = []string{KindImage, KindIndex, KindHelmChart, KindSignature, KindSBOM, KindAttestation, KindArtifact, KindUnknown}

// Chart is a Helm chart's metadata (from its Chart.yaml).
type Chart struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"app_version,omitempty"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// Accessory is a manifest that refers to another: a signature, an SBOM,
// an attestation or any artifact attached with oras attach.
type Accessory struct {
	Digest       string `json:"digest"`
	Kind         string `json:"kind"`
	ArtifactType string `json:"artifact_type"`
	MediaType    string `json:"media_type"`
	Size         int64  `json:"size"`
}

// Manifest is one manifest of a repository, tagged or not: GET
// /repositories/{name…}/manifests[/{digest}].
type Manifest struct {
	Repository string `json:"repository"`
	Digest     string `json:"digest"`
	MediaType  string `json:"media_type"`
	Size       int64  `json:"size"`
	// Kind is one of Kinds; ArtifactType is the manifest's artifactType,
	// else its config's media type.
	Kind         string   `json:"kind"`
	ArtifactType string   `json:"artifact_type"`
	Platforms    []string `json:"platforms,omitempty"`
	Chart        *Chart   `json:"chart,omitempty"`
	// Subject is the digest this manifest refers to, when it is an
	// accessory.
	Subject string   `json:"subject,omitempty"`
	Tags    []string `json:"tags"`
	// Accessories (GET of one manifest only).
	Accessories []Accessory `json:"accessories,omitempty"`
	PushedBy    string      `json:"pushed_by,omitempty"`
	PushedAt    *time.Time  `json:"pushed_at,omitempty"`
	// Problem says why the manifest could not be read (kind unknown).
	Problem string `json:"problem,omitempty"`
}

// AuditEvent is one audit log entry.
type AuditEvent struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Source  string    `json:"source"`
	Action  string    `json:"action"`
	Object  string    `json:"object"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail,omitempty"`
}

// Me answers GET /me: who the caller is and what they may do.
type Me struct {
	Kind           string     `json:"kind"` // user | robot
	Name           string     `json:"name"`
	Admin          bool       `json:"admin"`
	Teams          []Member   `json:"teams"`
	CanCreateTeams bool       `json:"can_create_teams"`
	Namespaces     []NSAccess `json:"namespaces"` // namespaces with a role
}

// NSAccess is the caller's effective role and actions on one namespace.
type NSAccess struct {
	Namespace string   `json:"namespace"`
	Role      string   `json:"role"`
	Actions   []string `json:"actions"`
}

// Error codes: the values of Error.Code. The HTTP status goes with the code
// (invalid_argument 400, unauthenticated 401, forbidden 403, not_found 404,
// conflict 409, too_large 413, too_many_requests 429, unavailable 503, internal
// 500).
const (
	CodeInvalidArgument = "invalid_argument"
	CodeUnauthenticated = "unauthenticated"
	CodeForbidden       = "forbidden"
	CodeNotFound        = "not_found"
	CodeConflict        = "conflict"
	CodeTooLarge        = "too_large"
	CodeTooManyRequests = "too_many_requests"
	CodeUnavailable     = "unavailable"
	CodeInternal        = "internal"
)

// HTTPStatus is the status that goes with an error code: the one place
// codes become statuses, for every HTTP front end (API and UI). An unknown
// code is a bug, not a client mistake: 500.
func HTTPStatus(code string) int {
	switch code {
	case CodeInvalidArgument:
		return http.StatusBadRequest
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeConflict:
		return http.StatusConflict
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeTooManyRequests:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Allowed values of the enumerated fields. The server's OpenAPI document
// lists them as enums and a test of the server holds them equal to the
// domain's; the Terraform provider builds its validators and descriptions
// from them. Treat them as constants.
var (
	// Roles of a member, a grant or a robot's access, lowest first.
	Roles = []string{"viewer", "contributor", "owner"}
	// Visibilities of a namespace.
	Visibilities = []string{"public", "protected", "private"}
	// NamespaceKinds are the kinds the API shows (the global namespace is
	// not an object of the API).
	NamespaceKinds = []string{"personal", "team"}
	// PermissionKinds are the kinds of grantee of a permission.
	PermissionKinds = []string{"user", "team", "robot"}
	// PushPolicies are the values of Settings.PushPolicy.
	PushPolicies = []string{"allow-teams", "allow-personal", "admin-only"}
	// TeamCreations are the values of Settings.TeamCreation: who may create teams.
	TeamCreations = []string{"everyone", "admins"}
	// NamespaceCreations are the values of Settings.NamespaceCreation: who
	// may create namespaces (the owners of the owning team, or admins only).
	NamespaceCreations = []string{"team-owners", "admins"}
)
