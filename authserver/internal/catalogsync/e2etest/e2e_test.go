//go:build unix

// Package e2etest runs the registry integration end to end: the real
// registry (distribution v3.1.2) notifying a real Dockmaster server, images
// pushed and deleted with crane, and the catalog sync repairing what the
// events missed.
package e2etest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dockmaster/dockmaster/authserver/internal/api"
	"github.com/dockmaster/dockmaster/authserver/internal/authn"
	"github.com/dockmaster/dockmaster/authserver/internal/catalogsync"
	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/server"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/authserver/internal/store/sqlite"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

const notifySecret = "e2e-notify-secret"

type env struct {
	t      *testing.T
	st     *sqlite.Store
	reg    *registry.Registry
	api    *client.Client
	crane  string
	ref    string // localhost:PORT
	down   atomic.Bool
	events atomic.Int32
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dockmaster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secret, err := service.BootstrapAdmin(ctx, st, "admin", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTeam(ctx, store.Team{Name: "admins", Protected: true}, "admin"); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	recv := events.New(events.Deps{Store: st, Secret: notifySecret, OwnerTeam: "admins", Logger: logger})
	rest := api.New(api.Deps{Store: st, Auth: authn.New(st, authn.Options{}), Logger: logger, ClientAddr: server.ClientAddr})
	srv := server.New(server.Deps{
		Store: st, Logger: logger, Registry: prometheus.NewRegistry(),
		Routes: []server.Routes{rest, server.RoutesFunc(func(mux *http.ServeMux) {
			// The receiver behind a switch: "down" answers 503 like a
			// server whose database is gone.
			inner := http.NewServeMux()
			recv.Register(inner)
			mux.Handle("POST "+events.Path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if e.down.Load() {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				e.events.Add(1)
				inner.ServeHTTP(w, r)
			}))
		})},
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	e.reg = registry.Start(t, registry.Options{
		NotifyURL: hs.URL + events.Path, NotifySecret: notifySecret, DeleteEnabled: true,
	})
	e.ref = fmt.Sprintf("localhost:%d", e.reg.Port)
	e.crane = registry.Crane(t)
	if e.api, err = client.New(hs.URL, client.WithBasic("admin", secret)); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) run(args ...string) string {
	e.t.Helper()
	cmd := exec.CommandContext(e.t.Context(), e.crane, append(args, "--insecure")...)
	cmd.Env = append(os.Environ(), "HOME="+e.t.TempDir(), "DOCKER_CONFIG="+e.t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			e.t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		e.t.Fatalf("crane %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// push makes a one-layer image and returns its digest.
func (e *env) push(repoTag, content string) string {
	e.t.Helper()
	e.run("append", "-f", registry.Layer(e.t, content), "-t", e.ref+"/"+repoTag)
	return e.run("digest", e.ref+"/"+repoTag)
}

func (e *env) deleteManifest(repo, digest string) {
	e.t.Helper()
	e.run("delete", e.ref+"/"+repo+"@"+digest)
}

// waitFor polls cond until it holds or the bound passes.
func (e *env) waitFor(what string, bound time.Duration, cond func() bool) time.Duration {
	e.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > bound {
			e.t.Fatalf("%s: not within %s", what, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func (e *env) tagDigest(repo, tag string) string {
	tg, err := e.st.GetTag(e.t.Context(), repo, tag)
	if err != nil {
		return ""
	}
	return tg.Digest
}

// registryState lists the registry through the sync's own eyes: a separate
// path (crane) so the comparison is not circular.
func (e *env) registryState() []string {
	e.t.Helper()
	var out []string
	for _, repo := range strings.Fields(e.run("catalog", e.ref)) {
		line := repo
		tags := strings.Fields(e.run("ls", e.ref+"/"+repo))
		slices.Sort(tags)
		for _, tag := range tags {
			line += " " + tag + "=" + e.run("digest", e.ref+"/"+repo+":"+tag)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

func (e *env) storeState() []string {
	e.t.Helper()
	st, err := e.st.RegistryState(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range st {
		line := r.Name
		for _, tg := range r.Tags {
			line += " " + tg.Name + "=" + tg.Digest
		}
		out = append(out, line)
	}
	return out
}

func TestEventsAndSync(t *testing.T) {
	e := setup(t)
	ctx := t.Context()

	// Push → the tag is in the store within a second, and in the API.
	d1 := e.push("team/app:v1", "one")
	took := e.waitFor("team/app:v1 in the store", time.Second, func() bool { return e.tagDigest("team/app", "v1") == d1 })
	t.Logf("push → store in %s", took)
	tg, err := e.api.GetTag(ctx, "team/app", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if tg.Digest != d1 || !mediatype.IsManifest(tg.MediaType) || tg.Size <= 0 {
		t.Fatalf("API tag = %+v, want digest %s", tg, d1)
	}
	ns, err := e.st.GetNamespace(ctx, "team")
	if err != nil || ns.Team != "admins" || ns.Visibility != "private" {
		t.Fatalf("namespace created by the push = %+v, %v", ns, err)
	}

	// Delete the manifest → the tag is gone.
	d2 := e.push("team/app:v2", "two")
	e.waitFor("team/app:v2 in the store", time.Second, func() bool { return e.tagDigest("team/app", "v2") == d2 })
	e.deleteManifest("team/app", d2)
	e.waitFor("team/app:v2 gone", time.Second, func() bool { return e.tagDigest("team/app", "v2") == "" })
	if _, err := e.api.GetTag(ctx, "team/app", "v2"); !client.IsNotFound(err) {
		t.Fatalf("API after delete: %v", err)
	}

	// More state while the receiver is up.
	dGone := e.push("team/gone:v1", "gone")
	dStale := e.push("team/app:stale", "stale")
	e.waitFor("events delivered", 2*time.Second, func() bool {
		return e.tagDigest("team/gone", "v1") == dGone && e.tagDigest("team/app", "stale") == dStale
	})

	// The receiver goes down: the registry's events stop arriving.
	e.down.Store(true)
	e.push("team/app:v3", "three")
	e.push("team/new:latest", "new")
	e.push("team/app:v1", "one-retagged")
	e.deleteManifest("team/app", dStale)
	e.deleteManifest("team/gone", dGone)
	time.Sleep(200 * time.Millisecond)
	if e.tagDigest("team/app", "v3") != "" {
		t.Fatal("an event arrived while the receiver was down")
	}

	rep, err := catalogsync.New(catalogsync.Deps{Store: e.st, RegistryURL: e.reg.URL, OwnerTeam: "admins", PageSize: 2}).Run(ctx)
	if err != nil {
		t.Fatalf("sync: %v (report %+v)", err, rep)
	}
	t.Logf("sync report %+v", rep)
	want := e.registryState()
	if got := e.storeState(); !slices.Equal(got, want) {
		t.Fatalf("store after sync:\n%s\nregistry:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Added < 2 || rep.Updated < 1 || rep.Deleted < 2 {
		t.Fatalf("report %+v", rep)
	}
	if tg, err := e.api.GetTag(ctx, "team/new", "latest"); err != nil || !strings.HasPrefix(tg.Digest, "sha256:") {
		t.Fatalf("API after sync: %+v, %v", tg, err)
	}

	// A second run changes nothing.
	rep, err = catalogsync.New(catalogsync.Deps{Store: e.st, RegistryURL: e.reg.URL}).Run(ctx)
	if err != nil || rep.Added+rep.Updated+rep.Deleted+rep.RepositoriesDeleted != 0 {
		t.Fatalf("second sync %+v, %v", rep, err)
	}
}
