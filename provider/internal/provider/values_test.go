package provider

import (
	"strings"
	"testing"
)

func TestCheckNameMirrorsTheServerGrammar(t *testing.T) {
	for name, valid := range map[string]bool{
		"devs": true, "a": true, "team-1": true, "a.b": true, "a__b": true, "a---b": true, strings.Repeat("a", 64): true,
		"": false, "Devs": false, "-a": false, "a-": false, "a..b": false, "a___b": false, "a/b": false,
		strings.Repeat("a", 65): false, "admin": false, "v2": false, "_catalog": false, "robot$x": false, "dévs": false,
	} {
		if got := checkName(name) == ""; got != valid {
			t.Errorf("checkName(%q) valid = %v, want %v (%s)", name, got, valid, checkName(name))
		}
	}
}

func TestOneOfFeedsDescriptions(t *testing.T) {
	if got := oneOf(roles); got != "`viewer`, `contributor` or `owner`" {
		t.Errorf("oneOf(roles) = %q", got)
	}
	if got := oneOf([]string{"x"}); got != "`x`" {
		t.Errorf("oneOf single = %q", got)
	}
}

func TestSplitID(t *testing.T) {
	if p, ok := splitID("ns/team/devs", 3); !ok || p[2] != "devs" {
		t.Errorf("splitID = %v, %v", p, ok)
	}
	for _, bad := range []string{"ns/team", "ns//devs", "ns/team/devs/x", "/team/devs"} {
		if _, ok := splitID(bad, 3); ok {
			t.Errorf("splitID(%q) accepted", bad)
		}
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("payments/robot/ci"); got != "payments/robot/ci" {
		t.Errorf("plain ID quoted: %q", got)
	}
	if got := shellQuote("robot$ci"); got != "'robot$ci'" {
		t.Errorf("robot$ID not quoted: %q", got)
	}
}
