//go:build unix

package dmserver_test

import (
	"net/http"
	"testing"

	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/dmserver"
)

func TestStartServesAsAdmin(t *testing.T) {
	srv := dmserver.Start(t, dmserver.Options{})
	me, err := srv.Client(t).Me(t.Context())
	if err != nil {
		t.Fatalf("GET /me as the admin: %v", err)
	}
	if me.Name != dmserver.AdminUser || !me.Admin {
		t.Fatalf("me = %+v, want admin %s", me, dmserver.AdminUser)
	}
	bad, err := client.New(srv.URL, client.WithBasic(srv.AdminUser, "wrong-password"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Me(t.Context()); !client.IsUnauthenticated(err) {
		t.Fatalf("a wrong password: %v, want 401", err)
	}
	srv.Stop()
	if resp, err := http.Get("http://" + srv.Listen + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("server still answers after Stop: %s", resp.Status)
	}
}
