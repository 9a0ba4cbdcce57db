package rbac

import (
	"strings"
	"testing"
)

// TestScopeGrammarBoundaries pins the scope grammar at its edges: host:port
// and [ipv6]:port prefixes, the character classes of types, classes and
// actions at their first and last characters (and the ones just outside),
// and the length limits.
func TestScopeGrammarBoundaries(t *testing.T) {
	for _, c := range []struct {
		raw string
		ok  bool
	}{
		// Types and classes: [a-z0-9]+.
		{"a:x:pull", true}, {"z:x:pull", true}, {"0:x:pull", true}, {"9:x:pull", true},
		{"`:x:pull", false}, {"{:x:pull", false}, {"/:x:pull", false}, {"A:x:pull", false},
		{"repository(a):x:pull", true}, {"repository(z):x:pull", true},
		{"repository(0):x:pull", true}, {"repository(9):x:pull", true},
		{"repository(`):x:pull", false}, {"repository({):x:pull", false},
		{"repository(/):x:pull", false}, {"repository(:):x:pull", false},
		{"repository():x:pull", false}, {"repository(a:x:pull", false}, {"(a):x:pull", false},
		// Actions: [a-z]+ or "*", at most 32 bytes.
		{"x:n:a", true}, {"x:n:z", true}, {"x:n:*", true},
		{"x:n:`", false}, {"x:n:{", false}, {"x:n:0", false}, {"x:n:9", false}, {"x:n:", false},
		{"x:n:" + strings.Repeat("a", maxActionLength), true},
		{"x:n:" + strings.Repeat("a", maxActionLength+1), false},
		// Names: printable ASCII without commas, at most 512 bytes.
		{"x:!:pull", true}, {"x:~:pull", true}, {"x:a\x1fb:pull", false}, {"x:a\x7fb:pull", false},
		{"x:a,b:pull", false}, {"x::pull", false},
		{"x:" + strings.Repeat("n", maxScopeNameLength) + ":pull", true},
		{"x:" + strings.Repeat("n", maxScopeNameLength+1) + ":pull", false},
		// host:port/ prefixes.
		{"repository:localhost:5000/a:pull", true},
		{"repository:h:0/a:pull", true}, {"repository:h:9/a:pull", true},
		{"repository:h:12345/a:pull", true}, {"repository:h:123456/a:pull", false},
		{"repository:h:/a:pull", false}, {"repository::5000/a:pull", false},
		{"repository:h:5a/a:pull", false}, {"repository:h:/5/a:pull", false}, {"repository:h:5:/a:pull", false},
		{"repository:h:5000:pull", false}, {"repository:h:5000/:pull", false},
		{"repository:a/h:5000:pull", false}, {"repository:h:5000/a:b:pull", false},
		{"repository:h:5000/a/b/c:pull", true},
		// [ipv6]:port/ prefixes: hex digits of both cases, colons and dots.
		{"repository:[::1]:5000/a:pull", true},
		{"repository:[09af:AF::1.2]:1/a:pull", true},
		{"repository:[g::1]:1/a:pull", false}, {"repository:[G::1]:1/a:pull", false},
		{"repository:[`::1]:1/a:pull", false}, {"repository:[@::1]:1/a:pull", false},
		{"repository:[/::1]:1/a:pull", false},
		{"repository:[]:5000/a:pull", false}, {"repository:[::1]/a:pull", false},
		{"repository:[::1]:/a:pull", false}, {"repository:[::1]x:5/a:pull", false},
		{"repository:[::1:5000/a:pull", false}, {"repository:[::1]:123456/a:pull", false},
		{"repository:[::1]:12345/a:pull", true},
		// A "]" after the slash, last in the name or not, closes no host.
		{"repository:[ab:1/x]:pull", false}, {"repository:[ab:1/x]y:pull", false},
		// Types with a class: "type(class)", the class closed last.
		{"repository(plugin):a:pull", true}, {"repository():a:pull", false},
		{"repository(plugin:a:pull", false}, {"(plugin):a:pull", false},
		{"repository(plu)gin):a:pull", false},
	} {
		got := ParseScopes([]string{c.raw})
		if ok := len(got) == 1; ok != c.ok {
			t.Errorf("%q: parsed %v, want ok %v", c.raw, got, c.ok)
		}
	}
}
