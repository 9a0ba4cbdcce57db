package api

import (
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/client"
)

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toUser(u store.User) client.User {
	return client.User{
		Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		Admin: u.Admin, Enabled: u.Enabled, Bot: u.Bot,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// toUserPublic is what other signed-in users see of a user in lists: enough
// to pick someone to add to a team, not their email.
func toUserPublic(u store.User) client.User {
	return client.User{Username: u.Username, DisplayName: u.DisplayName, Enabled: u.Enabled, Bot: u.Bot,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func toTeam(t store.Team) client.Team {
	return client.Team{Name: t.Name, Description: t.Description, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func toMember(m store.Member) client.Member {
	return client.Member{Team: m.Team, Username: m.Username, Role: string(m.Role), CreatedAt: m.CreatedAt.UTC()}
}

func toNamespace(n store.Namespace) client.Namespace {
	return client.Namespace{
		Name: n.Name, Kind: string(n.Kind()), Team: n.Team, Owner: n.Owner,
		Visibility: string(n.Visibility), Description: n.Description,
		CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
	}
}

func toPermission(p store.Permission) client.Permission {
	return client.Permission{Namespace: p.Namespace, Kind: string(p.Kind), Name: p.Name, Role: string(p.Role),
		CreatedAt: p.CreatedAt.UTC()}
}

func toRobot(r store.Robot) client.Robot {
	access := make([]client.RobotAccess, 0, len(r.Access))
	for _, a := range r.Access {
		access = append(access, client.RobotAccess{Namespace: a.Namespace, Role: string(a.Role)})
	}
	return client.Robot{
		Name: r.Name, Description: r.Description, Team: r.Team, Enabled: r.Enabled,
		ExpiresAt: optTime(r.ExpiresAt), Access: access, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toToken(t store.Token) client.Token {
	return client.Token{ID: t.ID, Username: t.Username, Name: t.Name, ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), CreatedAt: t.CreatedAt.UTC()}
}

func toSettings(s store.Settings) client.Settings {
	return client.Settings{
		PushPolicy: string(s.PushPolicy), AnonymousPull: s.AnonymousPull, DeleteEnabled: s.DeleteEnabled,
		ContributorsMayDelete: s.ContributorsMayDelete, TeamCreation: s.TeamCreation,
		NamespaceCreation: s.NamespaceCreation, TokenLifetimeSeconds: int(s.TokenLifetime / time.Second),
	}
}

func toRepository(r store.Repository) client.Repository {
	return client.Repository{
		Name: r.Name, Namespace: r.Namespace, Description: r.Description, TagCount: r.TagCount,
		PullCount: r.PullCount, LastPulledAt: optTime(r.LastPulledAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toTag(t store.Tag) client.Tag {
	return client.Tag{
		Repository: t.Repository, Name: t.Name, Digest: t.Digest, MediaType: t.MediaType, Size: t.Size,
		PushedBy: t.PushedBy, PushedAt: t.PushedAt.UTC(), LastPulledAt: optTime(t.LastPulledAt), PullCount: t.PullCount,
	}
}

func toAudit(e store.AuditEvent) client.AuditEvent {
	return client.AuditEvent{ID: e.ID, Time: e.Time.UTC(), Actor: e.Actor, Source: e.Source, Action: e.Action,
		Object: e.Object, Outcome: e.Outcome, Detail: e.Detail}
}
