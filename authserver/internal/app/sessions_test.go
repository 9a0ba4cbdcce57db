package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// offlineLogin is docker login's POST /auth/token with access_type=offline:
// the refresh token.
func (r *replica) offlineLogin(t *testing.T, user, pw, clientID string) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "service": {r.cfg.Service}, "client_id": {clientID},
		"access_type": {"offline"}, "username": {user}, "password": {pw}}
	res, err := http.PostForm(r.url+"/auth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.RefreshToken == "" {
		t.Fatalf("offline login as %s: status %d, %v", user, res.StatusCode, err)
	}
	return body.RefreshToken
}

// refreshStatus is the status of a refresh_token grant.
func (r *replica) refreshStatus(t *testing.T, rt string) int {
	t.Helper()
	res, err := http.PostForm(r.url+"/auth/token", url.Values{"grant_type": {"refresh_token"}, "service": {r.cfg.Service},
		"refresh_token": {rt}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestSessions (issue 8): docker login's refresh tokens are sessions people
// list (client, created, last used, source — never the secret) and end, one
// or all; admins end anyone's; others see none of them.
func TestSessions(t *testing.T) {
	r := startReplica(t, t.TempDir(), "")
	pw, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	admin := r.admin(t, pw)
	for _, u := range []string{"alice", "bob"} {
		if _, err := admin.CreateUser(ctx, apiv1.CreateUser{Username: u, Password: "the-password-1"}); err != nil {
			t.Fatal(err)
		}
	}
	laptop := r.offlineLogin(t, "alice", "the-password-1", "docker")
	ci := r.offlineLogin(t, "alice", "the-password-1", "ci-runner")
	if s := r.refreshStatus(t, laptop); s != http.StatusOK {
		t.Fatalf("refresh: %d", s)
	}
	alice, err := client.New(r.url, client.WithBasic("alice", "the-password-1"))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := client.New(r.url, client.WithBasic("bob", "the-password-1"))
	if err != nil {
		t.Fatal(err)
	}

	page, err := alice.ListSessions(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 {
		t.Fatalf("alice's sessions: %+v", page.Items)
	}
	raw, _ := json.Marshal(page)
	for _, secret := range []string{laptop, ci, laptop[5:], ci[5:]} {
		if strings.Contains(string(raw), secret) {
			t.Fatal("a session listing shows the secret")
		}
	}
	var docker apiv1.Session
	for _, s := range page.Items {
		if s.ClientID == "docker" {
			docker = s
		}
	}
	if docker.ID == "" || docker.Source == "" || docker.CreatedAt.IsZero() || docker.LastUsedAt == nil {
		t.Errorf("the docker session: %+v, want client, source, created and last used", docker)
	}

	if _, err := bob.ListSessions(ctx, "alice"); client.StatusOf(err) != http.StatusNotFound && client.StatusOf(err) != http.StatusForbidden {
		t.Errorf("bob lists alice's sessions: %v", err)
	}
	if err := bob.DeleteSession(ctx, "alice", docker.ID); client.StatusOf(err) != http.StatusNotFound && client.StatusOf(err) != http.StatusForbidden {
		t.Errorf("bob ends alice's session: %v", err)
	}
	if err := bob.DeleteSession(ctx, "bob", docker.ID); client.StatusOf(err) != http.StatusNotFound {
		t.Errorf("alice's session id under bob's path: %v, want 404", err)
	}

	if err := alice.DeleteSession(ctx, "alice", docker.ID); err != nil {
		t.Fatal(err)
	}
	if s := r.refreshStatus(t, laptop); s != http.StatusUnauthorized {
		t.Errorf("refresh after the session was ended: %d", s)
	}
	if s := r.refreshStatus(t, ci); s != http.StatusOK {
		t.Errorf("the other session: %d", s)
	}
	if err := admin.DeleteSessions(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if s := r.refreshStatus(t, ci); s != http.StatusUnauthorized {
		t.Errorf("refresh after an admin ended all sessions: %d", s)
	}
	if page, err := alice.ListSessions(ctx, "alice"); err != nil || len(page.Items) != 0 {
		t.Errorf("after ending all: %+v, %v", page.Items, err)
	}
	events, err := admin.ListAudit(ctx, client.AuditQuery{Action: "session.delete"})
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for _, ev := range events.Items {
		if ev.Outcome == "success" {
			ended++
		}
	}
	if ended != 2 {
		t.Errorf("%d successful session.delete audit events, want 2: %+v", ended, events.Items)
	}
}
