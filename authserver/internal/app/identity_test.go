package app_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// TestSyncIdentityIsNotAName (issue 8.4, security 40): a user who carries
// the sync identity's name — one made before the name was reserved, straight
// in the database — gets nothing of the sync's rights: registry:catalog:*
// belongs to admins and the server's own minted tokens, never to a name.
func TestSyncIdentityIsNotAName(t *testing.T) {
	r := startReplica(t, t.TempDir(), "")
	if _, err := app.BootstrapAdmin(t.Context(), r.st, "admin", "", r.cfg.BcryptCost); err != nil {
		t.Fatal(err)
	}
	hash, err := authn.HashPassword("impostor-password", r.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := r.st.CreateUser(t.Context(), store.User{Username: app.SyncSubject, PasswordHash: hash, Enabled: true,
		CreatedAt: now, PasswordChangedAt: now}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/auth/token?service="+r.cfg.Service+"&scope=registry:catalog:*", nil)
	req.SetBasicAuth(app.SyncSubject, "impostor-password")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if got := accessOf(t, body.Token); len(got) != 0 {
		t.Errorf("a user named %q was granted %v", app.SyncSubject, got)
	}
}
