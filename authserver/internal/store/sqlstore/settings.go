package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// seedSettings inserts store.DefaultSettings unless the row exists.
func seedSettings(t *dbtx, now time.Time) error {
	d := store.DefaultSettings()
	if _, err := t.exec(`INSERT INTO settings (id, push_policy, anonymous_pull, delete_enabled, contributors_may_delete,
		team_creation, namespace_creation, token_lifetime_seconds, updated_at)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		string(d.PushPolicy), d.AnonymousPull, d.DeleteEnabled, d.ContributorsMayDelete,
		string(d.TeamCreation), string(d.NamespaceCreation), int64(d.TokenLifetime/time.Second), ts(now)); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// GetSettings returns the site settings.
func (s *Store) GetSettings(ctx context.Context) (store.Settings, error) {
	var st store.Settings
	var policy, teamCreation, nsCreation string
	var seconds int64
	err := s.readOne(ctx, func(t *dbtx) error {
		return t.get(`SELECT push_policy, anonymous_pull, delete_enabled, contributors_may_delete, team_creation,
			namespace_creation, token_lifetime_seconds, updated_at FROM settings WHERE id = 1`, nil,
			&policy, &st.AnonymousPull, &st.DeleteEnabled, &st.ContributorsMayDelete, &teamCreation,
			&nsCreation, &seconds, tsScan(&st.UpdatedAt))
	})
	if err != nil {
		return st, fmt.Errorf("settings: %w", err)
	}
	st.PushPolicy = rbac.PushPolicy(policy)
	st.TeamCreation = rbac.TeamCreation(teamCreation)
	st.NamespaceCreation = rbac.NamespaceCreation(nsCreation)
	st.TokenLifetime = time.Duration(seconds) * time.Second
	return st, nil
}

// UpdateSettings replaces the site settings; TokenLifetime keeps whole seconds.
func (s *Store) UpdateSettings(ctx context.Context, st store.Settings) error {
	st.UpdatedAt = orNow(st.UpdatedAt, s.now())
	return s.write(ctx, func(t *dbtx) error {
		if _, err := t.exec(`UPDATE settings SET push_policy = ?, anonymous_pull = ?, delete_enabled = ?,
			contributors_may_delete = ?, team_creation = ?, namespace_creation = ?, token_lifetime_seconds = ?,
			updated_at = ? WHERE id = 1`,
			string(st.PushPolicy), st.AnonymousPull, st.DeleteEnabled, st.ContributorsMayDelete,
			string(st.TeamCreation), string(st.NamespaceCreation), int64(st.TokenLifetime/time.Second), ts(st.UpdatedAt)); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
		return nil
	})
}
