package authn

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Prefixes of the secrets Dockmaster generates. They make a leaked secret
// recognisable (secret scanners, logs) and let Basic tell a token from a
// password without a store lookup.
const (
	TokenPrefix       = "dmt_"
	RobotSecretPrefix = "dmr_"
)

// MinBcryptCost is the lowest cost HashPassword accepts.
const MinBcryptCost = 10

// maxPasswordBytes is bcrypt's limit; longer input would be truncated and
// match any password sharing its first 72 bytes.
const maxPasswordBytes = 72

// ErrUnusablePassword is wrapped by HashPassword for a password that could
// never be used to log in.
var ErrUnusablePassword = errors.New("unusable password")

// HashPassword hashes pw with bcrypt at cost (at least MinBcryptCost). It
// refuses passwords that could not be presented later: empty or blank, with
// a NUL, longer than 72 bytes, or starting like a generated secret (Basic
// would read those as a token or robot secret).
func HashPassword(pw string, cost int) (string, error) {
	if cost < MinBcryptCost {
		return "", fmt.Errorf("authn: bcrypt cost %d is below the minimum %d", cost, MinBcryptCost)
	}
	switch {
	case !plausibleSecret(pw):
		return "", fmt.Errorf("authn: %w: empty, blank or holding a NUL", ErrUnusablePassword)
	case len(pw) > maxPasswordBytes:
		return "", fmt.Errorf("authn: %w: longer than %d bytes", ErrUnusablePassword, maxPasswordBytes)
	case strings.HasPrefix(pw, TokenPrefix), strings.HasPrefix(pw, RobotSecretPrefix):
		return "", fmt.Errorf("authn: %w: starts with %q or %q, reserved for generated secrets", ErrUnusablePassword, TokenPrefix, RobotSecretPrefix)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", fmt.Errorf("authn: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether pw matches the bcrypt hash.
func CheckPassword(hash, pw string) bool {
	if hash == "" || len(pw) > maxPasswordBytes {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// NewTokenSecret returns a new application token secret ("dmt_" and 64 hex
// digits) and the hash to store.
func NewTokenSecret() (secret, hash string) { return NewSecret(TokenPrefix) }

// NewRobotSecret returns a new robot secret ("dmr_" and 64 hex digits) and
// the hash to store.
func NewRobotSecret() (secret, hash string) { return NewSecret(RobotSecretPrefix) }

// NewSecret returns a new secret, prefix and 64 hex digits (256 random
// bits), and its HashSecret; the other generated secrets (the token
// endpoint's refresh tokens) share the format.
func NewSecret(prefix string) (secret, hash string) {
	secret = prefix + randomHex(32)
	return secret, HashSecret(secret)
}

// HashSecret is the hex SHA-256 of a generated secret. A fast hash is enough
// for 256 random bits (nothing to brute-force) and allows lookup by hash;
// never use it for passwords.
func HashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// NewID returns a random identifier of 16 hex digits.
func NewID() string { return randomHex(8) }

func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails (the runtime aborts if the OS source does).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WellFormedSecret reports whether s is prefix followed by 64 lowercase hex
// digits, as NewSecret makes them.
func WellFormedSecret(s, prefix string) bool {
	if len(s) != len(prefix)+64 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// plausibleSecret rejects what can never be a credential: empty or blank
// input and input holding a NUL.
func plausibleSecret(s string) bool {
	return strings.TrimSpace(s) != "" && !strings.ContainsRune(s, 0)
}
