package api

import (
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toUser(u store.User) apiv1.User {
	return apiv1.User{
		Username: u.Username, Email: u.Email, DisplayName: u.DisplayName,
		Admin: u.Admin, Enabled: u.Enabled, Bot: u.Bot,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// toUserPublic is what other signed-in users see of a user in lists: enough
// to pick someone to add to a team, not their email.
func toUserPublic(u store.User) apiv1.User {
	return apiv1.User{Username: u.Username, DisplayName: u.DisplayName, Enabled: u.Enabled, Bot: u.Bot,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

func toTeam(t store.Team) apiv1.Team {
	return apiv1.Team{Name: t.Name, Description: t.Description, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func toMember(m store.Member) apiv1.Member {
	return apiv1.Member{Team: m.Team, Username: m.Username, Role: string(m.Role), CreatedAt: m.CreatedAt.UTC()}
}

func toNamespace(n store.Namespace) apiv1.Namespace {
	return apiv1.Namespace{
		Name: n.Name, Kind: string(n.Kind()), Team: n.Team, Owner: n.Owner,
		Visibility: string(n.Visibility), Description: n.Description,
		CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
	}
}

func toPermission(p store.Permission) apiv1.Permission {
	return apiv1.Permission{Namespace: p.Namespace, Kind: string(p.Kind), Name: p.Name, Role: string(p.Role),
		CreatedAt: p.CreatedAt.UTC()}
}

func toRobot(r store.Robot) apiv1.Robot {
	access := make([]apiv1.RobotAccess, 0, len(r.Access))
	for _, a := range r.Access {
		access = append(access, apiv1.RobotAccess{Namespace: a.Namespace, Role: string(a.Role)})
	}
	return apiv1.Robot{
		Name: r.Name, Description: r.Description, Team: r.Team, Enabled: r.Enabled,
		ExpiresAt: optTime(r.ExpiresAt), Access: access, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toToken(t store.Token) apiv1.Token {
	return apiv1.Token{ID: t.ID, Username: t.Username, Name: t.Name, ExpiresAt: optTime(t.ExpiresAt),
		LastUsedAt: optTime(t.LastUsedAt), CreatedAt: t.CreatedAt.UTC()}
}

func toSettings(s store.Settings) apiv1.Settings {
	return apiv1.Settings{
		PushPolicy: string(s.PushPolicy), AnonymousPull: s.AnonymousPull, DeleteEnabled: s.DeleteEnabled,
		ContributorsMayDelete: s.ContributorsMayDelete, TeamCreation: string(s.TeamCreation),
		NamespaceCreation: string(s.NamespaceCreation), TokenLifetimeSeconds: int(s.TokenLifetime / time.Second),
	}
}

func toRepository(r store.Repository) apiv1.Repository {
	return apiv1.Repository{
		Name: r.Name, Namespace: r.Namespace, Description: r.Description, TagCount: r.TagCount,
		PullCount: r.PullCount, LastPulledAt: optTime(r.LastPulledAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func toTag(t store.Tag) apiv1.Tag {
	return apiv1.Tag{
		Repository: t.Repository, Name: t.Name, Digest: t.Digest, MediaType: t.MediaType, Size: t.Size,
		PushedBy: t.PushedBy, PushedAt: t.PushedAt.UTC(), LastPulledAt: optTime(t.LastPulledAt), PullCount: t.PullCount,
		Kind: kindOf(t.Kind), ArtifactType: t.ArtifactType,
	}
}

// kindOf shows a manifest not read yet as unknown.
func kindOf(k string) string {
	if k == "" {
		return apiv1.KindUnknown
	}
	return k
}

func toManifest(m store.Manifest, accessories []store.Manifest) apiv1.Manifest {
	out := apiv1.Manifest{
		Repository: m.Repository, Digest: m.Digest, MediaType: m.MediaType, Size: m.Size,
		Kind: kindOf(m.Kind), ArtifactType: m.ArtifactType, Platforms: m.Platforms, Subject: m.Subject,
		Tags: m.Tags, PushedBy: m.PushedBy, PushedAt: optTime(m.PushedAt), Problem: m.Problem,
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if m.Chart != nil {
		out.Chart = &apiv1.Chart{Name: m.Chart.Name, Version: m.Chart.Version, AppVersion: m.Chart.AppVersion,
			Description: m.Chart.Description, Icon: m.Chart.Icon}
	}
	if accessories != nil {
		out.Accessories = []apiv1.Accessory{}
		for _, a := range accessories {
			out.Accessories = append(out.Accessories, apiv1.Accessory{Digest: a.Digest, Kind: kindOf(a.Kind),
				ArtifactType: a.ArtifactType, MediaType: a.MediaType, Size: a.Size})
		}
	}
	return out
}

func toAudit(e store.AuditEvent) apiv1.AuditEvent {
	return apiv1.AuditEvent{ID: e.ID, Time: e.Time.UTC(), Actor: e.Actor, Source: e.Source, Action: e.Action,
		Object: e.Object, Outcome: e.Outcome, Detail: e.Detail}
}
