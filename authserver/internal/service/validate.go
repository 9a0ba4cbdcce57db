package service

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// Limits of the fields people fill in.
const (
	minPassword = 8
	// maxPassword is bcrypt's limit: longer passwords would be silently
	// truncated, so authn refuses them and so do we, with a clear message.
	maxPassword    = 72
	MaxDescription = 1024
	MaxDisplayName = 256
	MaxTokenName   = 128
)

// CheckName validates a user, team, namespace or robot name for creation.
func CheckName(field, name string) error {
	if !rbac.ValidComponent(name) {
		return Invalid(field, "%s %q is not valid: use 1-%d lowercase letters, digits and single '.', '_', '__' or '-' separators, starting and ending with a letter or digit",
			field, name, rbac.MaxComponentLength)
	}
	if rbac.IsReserved(name) {
		return Invalid(field, "%s %q is reserved", field, name)
	}
	return nil
}

// PathName validates a name from the URL: anything outside the grammar cannot
// exist, so it is answered like a missing object.
func PathName(kind, name string) error {
	if !rbac.ValidComponent(name) {
		return NotFound("%s %q not found", kind, name)
	}
	return nil
}

func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < minPassword {
		return Invalid(field, "the password must be at least %d characters long", minPassword)
	}
	if len(pw) > maxPassword {
		return Invalid(field, "the password must be at most %d bytes long (a bcrypt limit)", maxPassword)
	}
	if strings.HasPrefix(pw, authn.TokenPrefix) || strings.HasPrefix(pw, authn.RobotSecretPrefix) {
		return Invalid(field, "the password must not start with %q or %q (reserved for generated secrets)", authn.TokenPrefix, authn.RobotSecretPrefix)
	}
	if strings.ContainsRune(pw, 0) || strings.TrimSpace(pw) == "" {
		return Invalid(field, "the password must not be blank or contain NUL characters")
	}
	return nil
}

func CheckEmail(field, email string) error {
	if email != "" && !rbac.ValidEmail(email) {
		return Invalid(field, "%q is not a valid email address", email)
	}
	return nil
}

func CheckText(field, s string, max int) error {
	if len(s) > max {
		return Invalid(field, "%s is longer than %d bytes", field, max)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return Invalid(field, "%s must be valid UTF-8 without NUL characters", field)
	}
	return nil
}

func CheckRole(field, role string) (rbac.Role, error) {
	r := rbac.Role(role)
	if !r.Valid() {
		return "", Invalid(field, "role %q is not one of owner, contributor, viewer", role)
	}
	return r, nil
}

func CheckVisibility(field, v string) (rbac.Visibility, error) {
	vis := rbac.Visibility(v)
	if !vis.Valid() {
		return "", Invalid(field, "visibility %q is not one of public, protected, private", v)
	}
	return vis, nil
}

// RobotName normalizes a robot name to its robot$ form; ok is false when the
// bare part is outside the name grammar.
func RobotName(name string) (full, bare string, ok bool) {
	bare = strings.TrimPrefix(name, rbac.RobotPrefix)
	return rbac.RobotPrefix + bare, bare, rbac.ValidComponent(bare)
}

func JoinWords(words []string) string { return strings.Join(words, " ") }

// HashPassword validates and hashes a new password.
func HashPassword(field, pw string, cost int) (string, error) {
	if err := CheckPassword(field, pw); err != nil {
		return "", err
	}
	h, err := authn.HashPassword(pw, cost)
	if errors.Is(err, authn.ErrUnusablePassword) {
		return "", Invalid(field, "this password cannot be used: %s", strings.TrimPrefix(err.Error(), "authn: "))
	}
	if err != nil {
		return "", &Error{Code: apiv1.CodeInternal, Message: "could not hash the password", Err: err}
	}
	return h, nil
}
