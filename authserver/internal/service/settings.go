package service

import (
	"context"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// Bounds of the token lifetime setting, in seconds.
const (
	MinTokenLifetime = 60
	MaxTokenLifetime = 86400
)

// SettingsChange is what UpdateSettings changes; nil fields stay. The
// enumerated values arrive as text and are checked against rbac's lists.
type SettingsChange struct {
	PushPolicy            *string
	AnonymousPull         *bool
	DeleteEnabled         *bool
	ContributorsMayDelete *bool
	TeamCreation          *string
	NamespaceCreation     *string
	TokenLifetimeSeconds  *int
}

// UpdateSettings changes the site settings as a (admins only) and returns
// them as stored.
func (s *Service) UpdateSettings(ctx context.Context, a Actor, in SettingsChange) (store.Settings, error) {
	if !a.subject().IsAdmin() {
		return store.Settings{}, s.deny(ctx, a, "settings.update", "settings", Forbidden("only admins change the settings"))
	}
	set, err := s.st.GetSettings(ctx)
	if err != nil {
		return store.Settings{}, err
	}
	var changes []string
	if in.PushPolicy != nil {
		p := rbac.PushPolicy(*in.PushPolicy)
		if !p.Valid() {
			return store.Settings{}, Invalid("push_policy", "push_policy %q is not one of allow-teams, allow-personal, admin-only", *in.PushPolicy)
		}
		set.PushPolicy = p
		changes = append(changes, "push_policy="+string(p))
	}
	if in.AnonymousPull != nil {
		set.AnonymousPull = *in.AnonymousPull
		changes = append(changes, fmt.Sprintf("anonymous_pull=%t", set.AnonymousPull))
	}
	if in.DeleteEnabled != nil {
		set.DeleteEnabled = *in.DeleteEnabled
		changes = append(changes, fmt.Sprintf("delete_enabled=%t", set.DeleteEnabled))
	}
	if in.ContributorsMayDelete != nil {
		set.ContributorsMayDelete = *in.ContributorsMayDelete
		changes = append(changes, fmt.Sprintf("contributors_may_delete=%t", set.ContributorsMayDelete))
	}
	if in.TeamCreation != nil {
		v := rbac.TeamCreation(*in.TeamCreation)
		if !v.Valid() {
			return store.Settings{}, Invalid("team_creation", "team_creation %q is not one of everyone, admins", v)
		}
		set.TeamCreation = v
		changes = append(changes, "team_creation="+string(v))
	}
	if in.NamespaceCreation != nil {
		v := rbac.NamespaceCreation(*in.NamespaceCreation)
		if !v.Valid() {
			return store.Settings{}, Invalid("namespace_creation", "namespace_creation %q is not one of team-owners, admins", v)
		}
		set.NamespaceCreation = v
		changes = append(changes, "namespace_creation="+string(v))
	}
	if in.TokenLifetimeSeconds != nil {
		v := *in.TokenLifetimeSeconds
		if v < MinTokenLifetime || v > MaxTokenLifetime {
			return store.Settings{}, Invalid("token_lifetime_seconds", "token_lifetime_seconds must be between %d and %d", MinTokenLifetime, MaxTokenLifetime)
		}
		set.TokenLifetime = time.Duration(v) * time.Second
		changes = append(changes, fmt.Sprintf("token_lifetime_seconds=%d", v))
	}
	set.UpdatedAt = s.now().UTC()
	if err := s.st.UpdateSettings(ctx, set); err != nil {
		return store.Settings{}, s.failed(ctx, a, "settings.update", "settings", err)
	}
	s.done(ctx, a, "settings.update", "settings", JoinWords(changes))
	got, err := s.st.GetSettings(ctx)
	if err != nil {
		got = set
	}
	return got, nil
}
