package server_test

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
)

// TestTokenNamespaceCacheInvalidation: the token endpoint caches namespaces
// for anonymous requests (1 s), and the REST API's namespace writes on this
// replica drop that cache at once — the server composed as main composes it.
func TestTokenNamespaceCacheInvalidation(t *testing.T) {
	ctx := t.Context()
	srv := httptest.NewUnstartedServer(nil)
	cfg, err := config.Load([]string{"--data-dir", t.TempDir(), "--public-url", "http://" + srv.Listener.Addr().String()},
		func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	pw, err := app.BootstrapAdmin(ctx, st, "admin", "", cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(ctx) })
	srv.Config.Handler = a.Server
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, client.WithBasic("admin", pw))
	if err != nil {
		t.Fatal(err)
	}

	// anonPull is the access an anonymous pull token request for pub/app gets.
	anonPull := func() string {
		t.Helper()
		res, err := http.Get(srv.URL + "/auth/token?service=" + cfg.Service + "&scope=repository:pub/app:pull")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct{ Token string }
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 {
			t.Fatalf("status %d, %v", res.StatusCode, err)
		}
		parts := strings.Split(body.Token, ".")
		if len(parts) != 3 {
			t.Fatalf("token %q", body.Token)
		}
		claims, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var cl struct{ Access json.RawMessage }
		if err := json.Unmarshal(claims, &cl); err != nil {
			t.Fatal(err)
		}
		return string(cl.Access)
	}
	const none, pull = `[]`, `[{"type":"repository","name":"pub/app","actions":["pull"]}]`

	if got := anonPull(); got != none {
		t.Fatalf("before the namespace exists: %s", got)
	}
	if _, err := c.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "pub", Team: app.AdminsTeam, Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if got := anonPull(); got != pull {
		t.Fatalf("public namespace: %s", got)
	}
	private := "private"
	if _, err := c.UpdateNamespace(ctx, "pub", apiv1.UpdateNamespace{Visibility: &private}); err != nil {
		t.Fatal(err)
	}
	if got := anonPull(); got != none {
		t.Fatalf("made private through the API, the next anonymous token still has %s", got)
	}
	public := "public"
	if _, err := c.UpdateNamespace(ctx, "pub", apiv1.UpdateNamespace{Visibility: &public}); err != nil {
		t.Fatal(err)
	}
	if got := anonPull(); got != pull {
		t.Fatalf("public again: %s", got)
	}
	if err := c.DeleteNamespace(ctx, "pub"); err != nil {
		t.Fatal(err)
	}
	if got := anonPull(); got != none {
		t.Fatalf("deleted through the API, the next anonymous token still has %s", got)
	}
}
