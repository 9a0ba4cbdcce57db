package rbac

import (
	"slices"
	"strings"
)

// Limits that keep hostile scope parameters cheap. Anything beyond them is
// dropped, never an error: asking for more than can be granted is allowed.
const (
	// MaxScopes caps the distinct (type, name) entries ParseScopes returns.
	MaxScopes = 256
	// maxScopeNameLength bounds a scope's name. Longer names could never be
	// granted anything (repository names stop at MaxNameLength) and a host
	// prefix adds little, so they are dropped outright.
	maxScopeNameLength = 512
	// maxActions caps the distinct actions kept per entry; the registry
	// knows three (and "*").
	maxActions = 16
	// maxActionLength bounds a single action.
	maxActionLength = 32
)

// Scope is one resource scope of the distribution token protocol:
// type[(class)]:name:actions, e.g. "repository:team/app:pull,push",
// "repository(plugin):team/app:pull" or "registry:catalog:*".
//
// Name is kept as the client sent it (it may carry a host:port prefix, or be
// outside the repository-name grammar); callers decide what it grants, and a
// name outside the grammar grants nothing.
type Scope struct {
	Type  string
	Class string
	Name  string
	// Actions are deduplicated and sorted.
	Actions []string
}

// String formats s back into the wire grammar.
func (s Scope) String() string {
	var b strings.Builder
	b.WriteString(s.Type)
	if s.Class != "" {
		b.WriteByte('(')
		b.WriteString(s.Class)
		b.WriteByte(')')
	}
	b.WriteByte(':')
	b.WriteString(s.Name)
	b.WriteByte(':')
	b.WriteString(strings.Join(s.Actions, ","))
	return b.String()
}

// Has reports whether s asks for action.
func (s Scope) Has(action string) bool { return slices.Contains(s.Actions, action) }

// ParseScopes parses the scope parameters of a token request. Each parameter
// may hold several space-separated scopes. Malformed scopes are dropped;
// scopes naming the same (type, name) are merged into one entry with the
// union of their actions (the first class seen is kept, since the registry
// matches access on type and name only). Entries keep the order in which
// they first appear, and at most MaxScopes of them are returned.
func ParseScopes(params []string) []Scope {
	var out []Scope
	index := map[[2]string]int{}
	for _, param := range params {
		for _, raw := range strings.Fields(param) {
			s, ok := parseScope(raw)
			if !ok {
				continue
			}
			key := [2]string{s.Type, s.Name}
			if i, seen := index[key]; seen {
				out[i].Actions = mergeActions(out[i].Actions, s.Actions)
				continue
			}
			if len(out) >= MaxScopes {
				continue
			}
			index[key] = len(out)
			out = append(out, s)
		}
	}
	return out
}

// parseScope parses one scope from the right: the actions follow the last
// colon and the type precedes the first, so the name in between may hold a
// registry host:port prefix.
func parseScope(raw string) (Scope, bool) {
	last := strings.LastIndexByte(raw, ':')
	first := strings.IndexByte(raw, ':')
	// No colon at all leaves first == last == -1 too.
	if first == last {
		return Scope{}, false
	}
	typ, class, ok := parseResourceType(raw[:first])
	if !ok {
		return Scope{}, false
	}
	name := raw[first+1 : last]
	if !validScopeName(name) {
		return Scope{}, false
	}
	actions := mergeActions(nil, strings.Split(raw[last+1:], ","))
	if len(actions) == 0 {
		return Scope{}, false
	}
	return Scope{Type: typ, Class: class, Name: name, Actions: actions}, true
}

// parseResourceType parses "type" or "type(class)", both [a-z0-9]+ as in the
// distribution spec.
func parseResourceType(s string) (typ, class string, ok bool) {
	if t, rest, found := strings.Cut(s, "("); found {
		if !strings.HasSuffix(rest, ")") {
			return "", "", false
		}
		typ, class = t, rest[:len(rest)-1]
		if !isLowerAlnum(class) {
			return "", "", false
		}
	} else {
		typ = s
	}
	if !isLowerAlnum(typ) {
		return "", "", false
	}
	return typ, class, true
}

func isLowerAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// validScopeName accepts printable ASCII names with at most one colon, and
// that colon only as the port separator of a leading "host:port/" (or
// "[ipv6]:port/"). Anything else could not be parsed back unambiguously.
func validScopeName(name string) bool {
	if name == "" || len(name) > maxScopeNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == ',' {
			return false
		}
	}
	colon := strings.IndexByte(name, ':')
	if colon < 0 {
		return true
	}
	slash := strings.IndexByte(name, '/')
	// No slash (-1) is before the colon too.
	if slash < colon || slash == len(name)-1 {
		return false
	}
	host, port := name[:colon], name[colon+1:slash]
	if strings.Contains(name[slash:], ":") {
		return false
	}
	if strings.HasPrefix(host, "[") {
		// [ipv6]:port: the colons inside the brackets are allowed.
		// No "]" (-1) fails the colon check: name[0] is "[". A "]" right
		// before the slash fails it too.
		end := strings.IndexByte(name, ']')
		if end > slash || name[end+1] != ':' || !isIPv6Literal(name[1:end]) {
			return false
		}
		port = name[end+2 : slash]
	}
	if host == "" || len(port) == 0 || len(port) > 5 {
		return false
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

func isIPv6Literal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// mergeActions returns the sorted union of have and add, keeping only
// well-formed actions ([a-z]+ or "*") and at most maxActions of them.
func mergeActions(have, add []string) []string {
	for _, a := range add {
		if !validAction(a) || slices.Contains(have, a) || len(have) >= maxActions {
			continue
		}
		have = append(have, a)
	}
	slices.Sort(have)
	return have
}

func validAction(a string) bool {
	if a == "*" {
		return true
	}
	if a == "" || len(a) > maxActionLength {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] < 'a' || a[i] > 'z' {
			return false
		}
	}
	return true
}
