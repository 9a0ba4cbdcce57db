package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// cmdResetPassword sets a user's password offline, on the database: the way
// back for an operator who lost the admin's password (the first run prints
// it once). It prints a generated password once, or takes it from
// --password-file / DOCKMASTER_ADMIN_PASSWORD; the user's sessions end with
// the old password (the store revokes refresh tokens on a new hash), and
// the change is audited as done by the command line.
func cmdResetPassword(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var username, passwordFile string
	cfg, err := loadConfig("admin reset-password", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the user whose password to set (required)")
		fs.StringVar(&passwordFile, "password-file", "", "file holding the new password (default: generate one)")
	})
	if err != nil {
		return err
	}
	if username == "" {
		return errors.New("--username is required: name the user whose password to set")
	}
	password, err := readPassword(passwordFile, getenv)
	if err != nil {
		return err
	}
	generated := password == ""
	if generated {
		password = app.GeneratePassword()
	}
	hash, err := authn.HashPassword(password, cfg.BcryptCost)
	if err != nil {
		return fmt.Errorf("the new password: %w", err)
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.GetUser(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user %q does not exist in %s", username, cfg.Database)
	}
	if err != nil {
		return fmt.Errorf("read user %q: %w", username, err)
	}
	now := time.Now().UTC()
	u.PasswordHash, u.PasswordChangedAt, u.UpdatedAt = hash, now, now
	if err := st.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("set the password of %q: %w", username, err)
	}
	if err := st.AppendAudit(ctx, store.AuditEvent{Time: now, Actor: "dockmaster admin reset-password", Source: "local",
		Action: "user.reset-password", Object: "user/" + username, Outcome: "success"}); err != nil {
		return fmt.Errorf("the password of %q is set, but the audit record failed: %w", username, err)
	}
	note := ""
	if !u.Enabled {
		note = "\nThe user is disabled; an admin must enable it before it can log in."
	}
	if !generated {
		fmt.Fprintf(stdout, "Set the password of %q to the one you provided.%s\n", username, note)
		return nil
	}
	fmt.Fprintf(stdout, "Set a new password.\n  username: %s\n  password: %s\nThis password is shown once; store it now.%s\n", username, password, note)
	return nil
}
