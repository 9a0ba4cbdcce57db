package provider

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// The allowed values of the API's enumerations come from internal/apiv1,
// the one list the server's OpenAPI document is held equal to; they feed
// both the plan-time validators and the attribute descriptions (and so the
// docs). The name grammar and the reserved names are not in apiv1 yet: they
// are defined here, once, mirroring the server's rbac package.
var (
	roles              = apiv1.Roles
	visibilities       = apiv1.Visibilities
	permissionKinds    = apiv1.PermissionKinds
	pushPolicies       = apiv1.PushPolicies
	teamCreations      = apiv1.TeamCreations
	namespaceCreations = apiv1.NamespaceCreations

	// reservedNames cannot name users, teams, namespaces or robots.
	reservedNames = []string{
		"admin", "administrator", "root", "system", "api", "v1", "v2", "_catalog", "auth",
		"registry", "robot", "anonymous", "dockmaster", "ui", "login", "logout", "search",
		"static", "healthz", "readyz", "metrics", "me", "global",
	}
)

const (
	// robotPrefix starts every robot's full name.
	robotPrefix = "robot$"
	// maxNameLength bounds user, team, namespace and robot names.
	maxNameLength = 64
	// tokenLifetimeMin and tokenLifetimeMax bound settings.token_lifetime_seconds.
	tokenLifetimeMin = 60
	tokenLifetimeMax = 86400
	// minPasswordLength and maxPasswordBytes bound passwords.
	minPasswordLength = 8
	maxPasswordBytes  = 72
	// maxDescription bounds descriptions (bytes).
	maxDescription = 1024
)

// nameRE is the server's grammar of one name component (rbac.ValidComponent).
var nameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

// nameRule is the grammar in words, for descriptions and errors.
var nameRule = fmt.Sprintf("1–%d lowercase letters and digits, separated by single `.`, `_`, `__` or runs of `-`, starting and ending with a letter or digit; not one of the reserved names (%s)",
	maxNameLength, strings.Join(quoted(reservedNames), ", "))

// oneOf renders an allowed-values list for a description: "`a`, `b` or `c`".
func oneOf(values []string) string {
	q := quoted(values)
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func quoted(values []string) []string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return q
}

// checkName says what is wrong with a user, team, namespace or robot name,
// or "" when it is valid.
func checkName(name string) string {
	if len(name) == 0 || len(name) > maxNameLength || !nameRE.MatchString(name) {
		return fmt.Sprintf("%q is not a valid name: use %s", name, nameRule)
	}
	for _, r := range reservedNames {
		if name == r {
			return fmt.Sprintf("%q is a reserved name", name)
		}
	}
	return ""
}

// emailRE is the server's email grammar (rbac.ValidEmail), and
// maxDisplayName its bound on display names.
var emailRE = regexp.MustCompile(`^$|^[^\s@]+@[^\s@]+$`)

const maxDisplayName = 256
