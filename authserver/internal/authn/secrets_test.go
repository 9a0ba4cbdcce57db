package authn

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse", MinBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$10$") {
		t.Errorf("hash %q is not bcrypt cost 10", h)
	}
	if !CheckPassword(h, "correct horse") || CheckPassword(h, "correct horsE") || CheckPassword("", "correct horse") {
		t.Error("CheckPassword")
	}
	// bcrypt truncates at 72 bytes; CheckPassword must not.
	long := strings.Repeat("p", 72)
	lh, err := HashPassword(long, MinBcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(lh, long) || CheckPassword(lh, long+"extra") {
		t.Error("72-byte password")
	}

	tests := []struct {
		name   string
		pw     string
		cost   int
		unused bool // wraps ErrUnusablePassword
	}{
		{"cost below 10", "pw", 4, false},
		{"cost above bcrypt's max", "pw", 32, false},
		{"empty", "", 10, true},
		{"blank", "   ", 10, true},
		{"NUL", "a\x00b", 10, true},
		{"73 bytes", strings.Repeat("p", 73), 10, true},
		{"token prefix", "dmt_hello", 10, true},
		{"robot prefix", "dmr_hello", 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HashPassword(tt.pw, tt.cost)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrUnusablePassword) != tt.unused {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	tokRE := regexp.MustCompile(`^dmt_[0-9a-f]{64}$`)
	robRE := regexp.MustCompile(`^dmr_[0-9a-f]{64}$`)
	hashRE := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 100 {
		s, h := NewTokenSecret()
		if !tokRE.MatchString(s) || !hashRE.MatchString(h) || h != HashSecret(s) || !WellFormedSecret(s, TokenPrefix) {
			t.Fatalf("token %q / %q", s, h)
		}
		r, rh := NewRobotSecret()
		if !robRE.MatchString(r) || rh != HashSecret(r) || !WellFormedSecret(r, RobotSecretPrefix) {
			t.Fatalf("robot %q / %q", r, rh)
		}
		id := NewID()
		if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) {
			t.Fatalf("id %q", id)
		}
		for _, v := range []string{s, r, id} {
			if seen[v] {
				t.Fatalf("repeated %q", v)
			}
			seen[v] = true
		}
	}
	// Known vector: SHA-256("abc").
	if got := HashSecret("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashSecret = %s", got)
	}
}
