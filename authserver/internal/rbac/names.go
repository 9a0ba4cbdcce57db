package rbac

import (
	"regexp"
	"strings"
)

// The repository-name grammar of the distribution spec: path components of
// lowercase alphanumerics separated by '.', '_', '__' or runs of '-', joined
// by '/'. A namespace, team or username is one such component.
var (
	componentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	emailRE     = regexp.MustCompile(`^[^\s@]+@[^\s@]+$`)
	// tagRE is the distribution spec's tag grammar.
	tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
)

// MaxNameLength caps repository names, as the registry does.
const MaxNameLength = 255

// MaxComponentLength caps usernames, team, namespace and robot names.
const MaxComponentLength = 64

// Names of what the server itself is. They are reserved, so no user, team,
// namespace or robot can be created under them; decisions still tell these
// identities by what they are (a minted token, the protected team), never
// by a name alone.
const (
	// SyncIdentity is the subject of the tokens the server mints for
	// itself (catalog sync, deletes through the REST API).
	SyncIdentity = "dockmaster-sync"
	// AdminsTeam owns the namespaces registry pushes and the sync create;
	// it cannot be deleted.
	AdminsTeam = "admins"
)

// reserved are names nobody may take as a user, team, namespace or robot:
// they collide with routes, registry paths, robot prefixes or the server's
// own identities.
var reserved = map[string]bool{
	SyncIdentity: true, AdminsTeam: true,
	"admin": true, "administrator": true, "root": true, "system": true,
	"api": true, "v1": true, "v2": true, "_catalog": true, "auth": true,
	"registry": true, "robot": true, "anonymous": true, "dockmaster": true,
	"ui": true, "login": true, "logout": true, "search": true, "static": true,
	"healthz": true, "readyz": true, "metrics": true, "me": true, "global": true,
}

// IsReserved reports whether name is reserved.
func IsReserved(name string) bool {
	return reserved[name] || strings.HasPrefix(name, "robot$")
}

// ValidComponent reports whether name is a valid single path component
// (usernames, team, namespace and robot names).
func ValidComponent(name string) bool {
	// componentRE needs at least one character: no separate empty check.
	return len(name) <= MaxComponentLength && componentRE.MatchString(name)
}

// ValidRepositoryName reports whether name is a valid repository name.
func ValidRepositoryName(name string) bool {
	if name == "" || len(name) > MaxNameLength {
		return false
	}
	// Component by component without building a slice: the token endpoint
	// checks every requested scope.
	for {
		c, rest, more := strings.Cut(name, "/")
		if !componentRE.MatchString(c) {
			return false
		}
		if !more {
			return true
		}
		name = rest
	}
}

// ValidTag reports whether tag is a valid tag (at most 128 characters).
func ValidTag(tag string) bool { return tagRE.MatchString(tag) }

// ValidEmail is a shallow check: one '@', no spaces.
func ValidEmail(s string) bool { return len(s) <= 254 && emailRE.MatchString(s) }

// NamespaceOf splits a repository name into its namespace and kind: a name
// with one segment lives in the global namespace (returned as "").
func NamespaceOf(repo string) (namespace string, global bool) {
	i := strings.IndexByte(repo, '/')
	if i < 0 {
		return "", true
	}
	return repo[:i], false
}

// RobotPrefix starts every robot account's name.
const RobotPrefix = "robot$"
