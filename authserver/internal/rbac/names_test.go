package rbac

import (
	"strings"
	"testing"
)

func TestValidComponent(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"alice", true},
		{"a", true},
		{"team-1", true},
		{"a.b", true},
		{"a_b", true},
		{"a__b", true},
		{"a---b", true},
		{"0day", true},
		{strings.Repeat("a", MaxComponentLength), true},
		{strings.Repeat("a", MaxComponentLength+1), false},
		{"", false},
		{"Alice", false},
		{"a/b", false},
		{"a b", false},
		{"-a", false},
		{"a-", false},
		{".a", false},
		{"a.", false},
		{"a..b", false},
		{"a___b", false},
		{"a._b", false},
		{"..", false},
		{"robot$ci", false},
		{"%2F", false},
		{"ä", false},
		{"a\x00", false},
		{"a\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ValidComponent(tt.in); got != tt.want {
				t.Errorf("ValidComponent(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidRepositoryName(t *testing.T) {
	long := strings.Repeat("a/", 127) + "a" // 255 chars
	tests := []struct {
		in   string
		want bool
	}{
		{"busybox", true},
		{"team/app", true},
		{"team/sub/app", true},
		{"a-b/c.d/e__f", true},
		{long, true},
		{long + "a", false}, // 256 chars
		{strings.Repeat("a", 256), false},
		{"", false},
		{"Team/App", false},
		{"team/App", false},
		{"a//b", false},
		{"/a", false},
		{"a/", false},
		{"/", false},
		{"..", false},
		{"a/../b", false},
		{"a/./b", false},
		{"%2F", false},
		{"a%2Fb", false},
		{"localhost:5000/a", false},
		{"a:latest", false},
		{"a@sha256:abc", false},
		{"a b", false},
		{"a\\b", false},
		{"a/\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ValidRepositoryName(tt.in); got != tt.want {
				t.Errorf("ValidRepositoryName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsReserved(t *testing.T) {
	for _, name := range []string{"admin", "root", "v2", "_catalog", "api", "robot", "anonymous", "global", "me", "robot$", "robot$ci", "dockmaster-sync", "admins"} {
		if !IsReserved(name) {
			t.Errorf("IsReserved(%q) = false", name)
		}
	}
	for _, name := range []string{"alice", "devs", "v3", "robots", "robotx", ""} {
		if IsReserved(name) {
			t.Errorf("IsReserved(%q) = true", name)
		}
	}
}

func TestValidEmail(t *testing.T) {
	// 254 characters is the longest address (RFC 5321's path limit less
	// the angle brackets).
	for _, s := range []string{"a@b", "alice@example.com", "a+tag@x.y", strings.Repeat("a", 249) + "@b.co"} {
		if !ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = false", s)
		}
	}
	for _, s := range []string{"", "a", "@b", "a@", "a@b@c", "a b@c", "a@b c", strings.Repeat("a", 250) + "@b.co"} {
		if ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = true", s)
		}
	}
}

func TestNamespaceOf(t *testing.T) {
	tests := []struct {
		in     string
		ns     string
		global bool
	}{
		{"busybox", "", true},
		{"team/app", "team", false},
		{"team/sub/app", "team", false},
		// Not a valid name, but the first segment is still the
		// namespace: an empty one, not the global namespace.
		{"/app", "", false},
	}
	for _, tt := range tests {
		ns, global := NamespaceOf(tt.in)
		if ns != tt.ns || global != tt.global {
			t.Errorf("NamespaceOf(%q) = %q, %v; want %q, %v", tt.in, ns, global, tt.ns, tt.global)
		}
	}
}

func TestValidTag(t *testing.T) {
	for _, s := range []string{"latest", "v1.2.3", "_x", "A-b_c.d", strings.Repeat("a", 128)} {
		if !ValidTag(s) {
			t.Errorf("ValidTag(%q) = false", s)
		}
	}
	for _, s := range []string{"", ".x", "-x", "a/b", "a:b", "é", "a\n", strings.Repeat("a", 129)} {
		if ValidTag(s) {
			t.Errorf("ValidTag(%q) = true", s)
		}
	}
}
