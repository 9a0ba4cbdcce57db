package rbac

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseScopes(t *testing.T) {
	sc := func(typ, class, name string, actions ...string) Scope {
		return Scope{Type: typ, Class: class, Name: name, Actions: actions}
	}
	tests := []struct {
		name   string
		params []string
		want   []Scope
	}{
		{"none", nil, nil},
		{"empty param", []string{""}, nil},
		{"blank param", []string{"   "}, nil},
		{"one", []string{"repository:team/app:pull"}, []Scope{sc("repository", "", "team/app", "pull")}},
		{"actions sorted and deduplicated", []string{"repository:team/app:push,pull,push"}, []Scope{sc("repository", "", "team/app", "pull", "push")}},
		{"host and port in the name", []string{"repository:localhost:5000/team/app:pull,push"}, []Scope{sc("repository", "", "localhost:5000/team/app", "pull", "push")}},
		{"ipv6 host and port", []string{"repository:[::1]:5000/app:pull"}, []Scope{sc("repository", "", "[::1]:5000/app", "pull")}},
		{"class", []string{"repository(plugin):team/app:pull"}, []Scope{sc("repository", "plugin", "team/app", "pull")}},
		{"catalog", []string{"registry:catalog:*"}, []Scope{sc("registry", "", "catalog", "*")}},
		{"several in one parameter", []string{"repository:a:pull repository:b/c:push"}, []Scope{sc("repository", "", "a", "pull"), sc("repository", "", "b/c", "push")}},
		{"several parameters", []string{"repository:a:pull", "repository:b:push"}, []Scope{sc("repository", "", "a", "pull"), sc("repository", "", "b", "push")}},
		{"extra spaces", []string{"  repository:a:pull   repository:b:pull "}, []Scope{sc("repository", "", "a", "pull"), sc("repository", "", "b", "pull")}},
		{"duplicates merged across parameters", []string{"repository:a:pull", "repository:b:pull repository:a:push,delete"}, []Scope{sc("repository", "", "a", "delete", "pull", "push"), sc("repository", "", "b", "pull")}},
		{"same name, other type, kept apart", []string{"repository:a:pull registry:a:pull"}, []Scope{sc("repository", "", "a", "pull"), sc("registry", "", "a", "pull")}},
		{"merge keeps the first class", []string{"repository(plugin):a:pull repository:a:push"}, []Scope{sc("repository", "plugin", "a", "pull", "push")}},
		{"names are kept as sent", []string{"repository:Team/App:pull"}, []Scope{sc("repository", "", "Team/App", "pull")}},
		{"empty action items skipped", []string{"repository:a:pull,,push,"}, []Scope{sc("repository", "", "a", "pull", "push")}},
		{"invalid action items skipped", []string{"repository:a:pull,PUSH,x-y"}, []Scope{sc("repository", "", "a", "pull")}},
		{"malformed between good ones", []string{"repository:a:pull repository:foo repository:b:push"}, []Scope{sc("repository", "", "a", "pull"), sc("repository", "", "b", "push")}},

		{"no actions part", []string{"repository:foo"}, nil},
		{"empty name", []string{"repository::pull"}, nil},
		{"empty type", []string{":x:pull"}, nil},
		{"colons left in the name", []string{"a:b:c:d:e"}, nil},
		{"port without path", []string{"repository:localhost:5000:pull"}, nil},
		{"non-numeric port", []string{"repository:localhost:http/a:pull"}, nil},
		{"colon after the host part", []string{"repository:a/b:c:pull"}, nil},
		{"empty actions", []string{"repository:a:"}, nil},
		{"only invalid actions", []string{"repository:a:PULL"}, nil},
		{"only commas", []string{"repository:a:,,,"}, nil},
		{"no colon", []string{"repository"}, nil},
		{"uppercase type", []string{"Repository:a:pull"}, nil},
		{"unclosed class", []string{"repository(plugin:a:pull"}, nil},
		{"empty class", []string{"repository():a:pull"}, nil},
		{"class with junk", []string{"repository(a)b:a:pull"}, nil},
		{"non-ascii name", []string{"repository:ä:pull"}, nil},
		{"comma in name", []string{"repository:a,b:pull"}, nil},
		{"bad ipv6", []string{"repository:[zz]:5000/a:pull"}, nil},
		{"overlong name", []string{"repository:" + strings.Repeat("a", 513) + ":pull"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseScopes(tt.params)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseScopes(%q) = %#v, want %#v", tt.params, got, tt.want)
			}
		})
	}
}

func TestParseScopesCap(t *testing.T) {
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "repository:r%d:pull ", i)
	}
	// A scope for an already-listed name still merges after the cap.
	b.WriteString("repository:r0:push")
	got := ParseScopes([]string{b.String()})
	if len(got) != MaxScopes {
		t.Fatalf("got %d scopes, want %d", len(got), MaxScopes)
	}
	if got[0].Name != "r0" || got[MaxScopes-1].Name != fmt.Sprintf("r%d", MaxScopes-1) {
		t.Errorf("kept %q..%q, want the first %d", got[0].Name, got[MaxScopes-1].Name, MaxScopes)
	}
	if !reflect.DeepEqual(got[0].Actions, []string{"pull", "push"}) {
		t.Errorf("r0 actions = %v", got[0].Actions)
	}
}

func TestParseScopesActionCap(t *testing.T) {
	var acts []string
	for c := 'a'; c <= 'z'; c++ {
		acts = append(acts, string(c))
	}
	got := ParseScopes([]string{"repository:a:" + strings.Join(acts, ",")})
	if len(got) != 1 || len(got[0].Actions) != maxActions {
		t.Fatalf("got %v, want one scope with %d actions", got, maxActions)
	}
}

func TestScopeString(t *testing.T) {
	tests := []struct {
		s    Scope
		want string
	}{
		{Scope{Type: "repository", Name: "team/app", Actions: []string{"pull", "push"}}, "repository:team/app:pull,push"},
		{Scope{Type: "repository", Class: "plugin", Name: "a", Actions: []string{"pull"}}, "repository(plugin):a:pull"},
		{Scope{Type: "registry", Name: "catalog", Actions: []string{"*"}}, "registry:catalog:*"},
		{Scope{Type: "repository", Name: "localhost:5000/a", Actions: []string{"pull"}}, "repository:localhost:5000/a:pull"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		if got := ParseScopes([]string{tt.want}); len(got) != 1 || !reflect.DeepEqual(got[0], tt.s) {
			t.Errorf("ParseScopes(%q) = %#v, want %#v", tt.want, got, tt.s)
		}
	}
	if s := (Scope{Actions: []string{"pull"}}); !s.Has("pull") || s.Has("push") {
		t.Error("Has")
	}
}

func FuzzParseScopes(f *testing.F) {
	for _, seed := range []string{
		"repository:team/app:pull,push",
		"repository:localhost:5000/team/app:pull,push",
		"repository:[::1]:5000/app:pull",
		"repository(plugin):a:pull repository:a:push",
		"registry:catalog:*",
		"repository:foo", "repository::pull", ":x:pull", "a:b:c:d:e",
		"repository:a:pull,,PUSH,*",
	} {
		f.Add(seed, "repository:b:pull")
	}
	f.Fuzz(func(t *testing.T, p1, p2 string) {
		got := ParseScopes([]string{p1, p2})
		if len(got) > MaxScopes {
			t.Fatalf("%d scopes", len(got))
		}
		seen := map[[2]string]bool{}
		for _, s := range got {
			key := [2]string{s.Type, s.Name}
			if seen[key] {
				t.Fatalf("duplicate entry %v", key)
			}
			seen[key] = true
			if len(s.Actions) == 0 {
				t.Fatalf("scope %q without actions", s)
			}
			again := ParseScopes([]string{s.String()})
			if len(again) != 1 || !reflect.DeepEqual(again[0], s) {
				t.Fatalf("%q re-parses to %#v, want %#v", s.String(), again, s)
			}
		}
	})
}
