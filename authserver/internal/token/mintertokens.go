package token

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// TokenMinter is the part of *Minter a MinterTokens uses.
type TokenMinter interface {
	MintToken(ctx context.Context, c Claims) (Token, error)
}

// MinterTokens is a registryclient.TokenSource that mints the server's own tokens: the
// server trusts itself, so there is no round trip to the token endpoint.
// Main wires it with the server's Minter, the registry's service name and
// a subject such as "dockmaster-sync".
type MinterTokens struct {
	Minter  TokenMinter
	Subject string
	Service string
	// Allowed, when not nil, is every action the subject may be granted,
	// by resource type ("repository": {"pull", "delete"}); other actions
	// asked for are left out of the token, as the token endpoint leaves out
	// what a caller may not do. Nil grants whatever is asked.
	Allowed map[string][]string
}

// Token mints one token granting scopes ("type:name:actions", the name may
// itself contain colons, e.g. a host:port), narrowed to Allowed.
func (m MinterTokens) Token(ctx context.Context, scopes []string) (string, error) {
	byName := map[string]int{}
	var access []ResourceActions
	for _, sc := range scopes {
		first := strings.IndexByte(sc, ':')
		last := strings.LastIndexByte(sc, ':')
		if first <= 0 || last <= first+1 || last == len(sc)-1 {
			return "", fmt.Errorf("malformed scope %q", sc)
		}
		typ, name, actions := sc[:first], sc[first+1:last], strings.Split(sc[last+1:], ",")
		if m.Allowed != nil {
			actions = slices.DeleteFunc(actions, func(a string) bool { return !slices.Contains(m.Allowed[typ], a) })
			if len(actions) == 0 {
				continue
			}
		}
		key := typ + ":" + name
		if i, ok := byName[key]; ok {
			for _, a := range actions {
				if !slices.Contains(access[i].Actions, a) {
					access[i].Actions = append(access[i].Actions, a)
				}
			}
			continue
		}
		byName[key] = len(access)
		access = append(access, ResourceActions{Type: typ, Name: name, Actions: actions})
	}
	t, err := m.Minter.MintToken(ctx, Claims{Subject: m.Subject, Service: m.Service, Access: access})
	if err != nil {
		return "", err
	}
	return t.Raw, nil
}
