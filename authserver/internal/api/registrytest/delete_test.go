//go:build unix

// Package registrytest runs the REST API's deletes end to end: the server
// composed by app.New (as main composes it) in front of the real registry
// (distribution v3.1.2) with token auth, images pushed with crane, deletes
// through the public client.
package registrytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/catalogsync"
	"github.com/dockmaster/dockmaster/authserver/internal/config"
	"github.com/dockmaster/dockmaster/authserver/internal/events"
	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

const (
	notifySecret = "registrytest-notify-secret"
	userPW       = "a long enough password"
)

type env struct {
	t       *testing.T
	reg     *registry.Registry
	ref     string // localhost:REGPORT
	crane   string
	admin   *client.Client
	adminPW string
	// syncer is the catalog sync as main runs it: the same identity and
	// token source as the API's deletes.
	syncer *catalogsync.Syncer
	dirs   map[string]string // crane config dir per identity
	// public is the server's URL, service the token audience.
	public, service string
}

// start composes the server with app.New, as main does, in front of a real
// registry that sends its tokens' realm and its events to that server.
func start(t *testing.T, deleteEnabled bool) *env {
	t.Helper()
	return startOn(t, deleteEnabled, "")
}

// startOn is start on the database at databaseURL ("" for SQLite in the
// data directory).
func startOn(t *testing.T, deleteEnabled bool, databaseURL string) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the real registry and crane")
	}
	ctx := t.Context()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	public := fmt.Sprintf("http://localhost:%d", port)
	dataDir := t.TempDir()
	vars := map[string]string{config.EnvPrefix + "EVENTS_SECRET": notifySecret}
	load := func(extra ...string) config.Config {
		t.Helper()
		if databaseURL != "" {
			extra = append(extra, "--database", databaseURL)
		}
		cfg, err := config.Load(append([]string{"--data-dir", dataDir, "--listen", ln.Addr().String(),
			"--public-url", public}, extra...), func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load()
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	adminPW, err := app.BootstrapAdmin(ctx, st, "admin", "", cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	// The registry needs the signing keys' bundle, the server the
	// registry's URL: create the keys first (app.New reuses them).
	kr := token.NewKeyring(app.KeyStore(st), cfg.Issuer)
	if _, err := kr.Ensure(ctx, token.KeySpec{Alg: token.DefaultAlg}, time.Now()); err != nil {
		t.Fatal(err)
	}
	bundle, err := kr.CertBundle(ctx, time.Now(), token.DefaultLifetime)
	if err != nil {
		t.Fatal(err)
	}
	bundlePath := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundlePath, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, crane: registry.Crane(t), dirs: map[string]string{}, adminPW: adminPW, public: public, service: cfg.Service}
	e.reg = registry.Start(t, registry.Options{
		Realm: public + "/auth/token", Service: cfg.Service, Issuer: cfg.Issuer,
		RootCertBundlePath: bundlePath, SigningAlgorithms: []string{token.DefaultAlg},
		DeleteEnabled: deleteEnabled,
		NotifyURL:     fmt.Sprintf("http://127.0.0.1:%d%s", port, events.Path), NotifySecret: notifySecret,
	})
	e.ref = fmt.Sprintf("localhost:%d", e.reg.Port)

	cfg = load("--registry-url", e.reg.URL)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, cfg, st, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if a.Registry == nil {
		t.Fatal("app.New did not wire the registry client")
	}
	e.syncer = catalogsync.New(catalogsync.Deps{Store: st, Registry: a.Registry, OwnerTeam: app.AdminsTeam, Logger: log})
	hs := &http.Server{Handler: a.Server}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	if e.admin, err = client.New(public, client.WithBasic("admin", adminPW)); err != nil {
		t.Fatal(err)
	}
	return e
}

// crn runs crane as identity; it returns the trimmed output and the error.
func (e *env) crn(identity string, args ...string) (string, error) {
	e.t.Helper()
	dir, ok := e.dirs[identity]
	if !ok {
		dir = e.t.TempDir()
		e.dirs[identity] = dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.crane, append(args, "--insecure")...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+dir, "NO_PROXY=*", "no_proxy=*")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return strings.TrimSpace(string(out) + stderr.String()), err
	}
	return strings.TrimSpace(string(out)), nil
}

func (e *env) ok(identity string, args ...string) string {
	e.t.Helper()
	out, err := e.crn(identity, args...)
	if err != nil {
		e.t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// push appends a fresh layer as identity and returns the digest.
func (e *env) push(identity, repoTag, content string) string {
	e.t.Helper()
	e.ok(identity, "append", "-f", registry.Layer(e.t, content), "-t", e.ref+"/"+repoTag)
	return e.ok(identity, "digest", e.ref+"/"+repoTag)
}

// registryTags is what the registry lists for repo (as admin, through
// crane: a path independent of the server's registry client).
func (e *env) registryTags(repo string) []string {
	e.t.Helper()
	out, err := e.crn("admin", "ls", e.ref+"/"+repo)
	if err != nil {
		if strings.Contains(out, "NAME_UNKNOWN") {
			return nil
		}
		e.t.Fatalf("crane ls %s: %v\n%s", repo, err, out)
	}
	tags := strings.Fields(out)
	slices.Sort(tags)
	return tags
}

// manifestExists asks the registry for repo@digest.
func (e *env) manifestExists(repo, digest string) bool {
	e.t.Helper()
	out, err := e.crn("admin", "manifest", e.ref+"/"+repo+"@"+digest)
	if err == nil {
		return true
	}
	if strings.Contains(out, "MANIFEST_UNKNOWN") || strings.Contains(out, "NAME_UNKNOWN") || strings.Contains(out, "404") {
		return false
	}
	e.t.Fatalf("crane manifest %s@%s: %v\n%s", repo, digest, err, out)
	return false
}

// waitTag waits until the API shows repo:tag with digest (the push event
// arrived).
func (e *env) waitTag(repo, tag, digest string) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		tg, err := e.admin.GetTag(e.t.Context(), repo, tag)
		if err == nil && tg.Digest == digest {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s:%s not in the API within 5s: %+v %v", repo, tag, tg, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) user(name string) *client.Client {
	e.t.Helper()
	ctx := e.t.Context()
	if _, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: name, Password: userPW}); err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	c, err := client.New(e.admin.BaseURL(), client.WithBasic(name, userPW))
	if err != nil {
		e.t.Fatal(err)
	}
	e.ok(name, "auth", "login", e.ref, "-u", name, "-p", userPW)
	return c
}

// seed: alice owns team devs and so namespace team; bob is a contributor
// (may push, not delete). crane is logged in as admin, alice and bob.
func (e *env) seed() (alice, bob *client.Client) {
	e.t.Helper()
	ctx := e.t.Context()
	alice, bob = e.user("alice"), e.user("bob")
	if _, err := e.admin.CreateTeam(ctx, apiv1.CreateTeam{Name: "devs", Owner: "alice"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.admin.AddMember(ctx, "devs", apiv1.AddMember{Username: "bob", Role: "contributor"}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.admin.CreateNamespace(ctx, apiv1.CreateNamespace{Name: "team", Team: "devs", Visibility: "private"}); err != nil {
		e.t.Fatal(err)
	}
	e.ok("admin", "auth", "login", e.ref, "-u", "admin", "-p", e.adminPW)
	return alice, bob
}

func TestDeletesReachTheRegistry(t *testing.T) {
	e := start(t, true)
	ctx := t.Context()
	alice, bob := e.seed()

	d1 := e.push("bob", "team/app:v1", "one")
	e.ok("bob", "tag", e.ref+"/team/app:v1", "v1b") // a second tag on the same manifest
	d2 := e.push("bob", "team/app:v2", "two")
	e.waitTag("team/app", "v1", d1)
	e.waitTag("team/app", "v1b", d1)
	e.waitTag("team/app", "v2", d2)

	t.Run("contributor may not delete; the registry keeps the image", func(t *testing.T) {
		if err := bob.DeleteTag(ctx, "team/app", "v1"); !client.IsForbidden(err) {
			t.Fatalf("bob deletes a tag: %v, want 403", err)
		}
		if err := bob.DeleteRepository(ctx, "team/app"); !client.IsForbidden(err) {
			t.Fatalf("bob deletes the repository: %v, want 403", err)
		}
		if got := e.registryTags("team/app"); !slices.Equal(got, []string{"v1", "v1b", "v2"}) {
			t.Fatalf("registry tags = %v", got)
		}
		if _, err := alice.GetTag(ctx, "team/app", "v1"); err != nil {
			t.Fatalf("API lost v1: %v", err)
		}
	})

	t.Run("owner deletes a tag: only that tag goes", func(t *testing.T) {
		if err := alice.DeleteTag(ctx, "team/app", "v1"); err != nil {
			t.Fatal(err)
		}
		if got := e.registryTags("team/app"); !slices.Equal(got, []string{"v1b", "v2"}) {
			t.Fatalf("registry tags after deleting v1 = %v, want v1b v2", got)
		}
		if out, err := e.crn("admin", "digest", e.ref+"/team/app:v1"); err == nil {
			t.Fatalf("registry still resolves v1: %s", out)
		}
		if !e.manifestExists("team/app", d1) {
			t.Fatal("the manifest went with the tag; v1b should keep it")
		}
		if _, err := alice.GetTag(ctx, "team/app", "v1"); !client.IsNotFound(err) {
			t.Fatalf("API still has v1: %v", err)
		}
		if tg, err := alice.GetTag(ctx, "team/app", "v1b"); err != nil || tg.Digest != d1 {
			t.Fatalf("API v1b = %+v, %v", tg, err)
		}
		audit, err := e.admin.ListAudit(ctx, client.AuditQuery{Action: "tag.delete"})
		if err != nil || len(audit.Items) == 0 || !strings.Contains(audit.Items[0].Detail, d1) {
			t.Fatalf("audit = %+v, %v; want the digest", audit.Items, err)
		}
	})

	t.Run("owner deletes the repository: every manifest goes", func(t *testing.T) {
		d3 := e.push("bob", "team/app:v3", "three")
		e.waitTag("team/app", "v3", d3)
		if err := alice.DeleteRepository(ctx, "team/app"); err != nil {
			t.Fatal(err)
		}
		if got := e.registryTags("team/app"); len(got) != 0 {
			t.Fatalf("registry tags after the repository delete = %v", got)
		}
		for _, d := range []string{d1, d2, d3} {
			if e.manifestExists("team/app", d) {
				t.Fatalf("registry still has %s", d)
			}
		}
		if _, err := alice.GetRepository(ctx, "team/app"); !client.IsNotFound(err) {
			t.Fatalf("API still has the repository: %v", err)
		}
		// The events of the deletes arrive after the answer: they must not
		// bring anything back.
		time.Sleep(500 * time.Millisecond)
		if tags, err := e.admin.ListTags(ctx, "team/app", client.ListOptions{}); !client.IsNotFound(err) && (err != nil || len(tags.Items) > 0) {
			t.Fatalf("API after the events: %+v, %v", tags, err)
		}
		// Nor does the catalog sync (the registry still lists the
		// repository, with no tags).
		rep, err := e.syncer.Run(ctx)
		if err != nil {
			t.Fatalf("sync: %v (%+v)", err, rep)
		}
		if _, err := alice.GetRepository(ctx, "team/app"); !client.IsNotFound(err) {
			t.Fatalf("API after a sync: %v, want the repository gone", err)
		}
		if _, err := alice.GetTag(ctx, "team/app", "v1b"); !client.IsNotFound(err) {
			t.Fatalf("API after a sync: v1b %v", err)
		}
		audit, err := e.admin.ListAudit(ctx, client.AuditQuery{Action: "repository.delete"})
		if err != nil || len(audit.Items) == 0 {
			t.Fatalf("audit: %v", err)
		}
		for _, d := range []string{d1, d2, d3} {
			if !strings.Contains(audit.Items[0].Detail, d) {
				t.Fatalf("audit detail %q lacks %s", audit.Items[0].Detail, d)
			}
		}
	})

	t.Run("a tag already gone from the registry", func(t *testing.T) {
		d := e.push("bob", "team/gone:v1", "gone")
		e.waitTag("team/gone", "v1", d)
		// Deleted behind the API's back, its event not yet applied: the
		// database may still have the tag; the API's delete still works.
		e.ok("admin", "delete", e.ref+"/team/gone@"+d)
		if err := alice.DeleteTag(ctx, "team/gone", "v1"); err != nil && !client.IsNotFound(err) {
			t.Fatal(err)
		}
		if _, err := alice.GetTag(ctx, "team/gone", "v1"); !client.IsNotFound(err) {
			t.Fatalf("API still has the tag: %v", err)
		}
	})

	t.Run("registry down: 503 and the database unchanged", func(t *testing.T) {
		d := e.push("bob", "team/kept:v1", "kept")
		e.waitTag("team/kept", "v1", d)
		e.reg.Stop()
		err := alice.DeleteTag(ctx, "team/kept", "v1")
		if client.StatusOf(err) != http.StatusServiceUnavailable || !isUnavailable(err) {
			t.Fatalf("tag delete with the registry down: %v, want 503 unavailable", err)
		}
		err = alice.DeleteRepository(ctx, "team/kept")
		if client.StatusOf(err) != http.StatusServiceUnavailable {
			t.Fatalf("repository delete with the registry down: %v, want 503", err)
		}
		if _, err := alice.GetTag(ctx, "team/kept", "v1"); err != nil {
			t.Fatalf("the database changed with the registry down: %v", err)
		}
	})
}

// With storage.delete.enabled off the registry answers deletes with 405:
// the API says 409 naming the setting and changes nothing.
func TestDeletesDisabledInTheRegistry(t *testing.T) {
	e := start(t, false)
	ctx := t.Context()
	alice, _ := e.seed()
	d := e.push("bob", "team/app:v1", "one")
	e.waitTag("team/app", "v1", d)
	for what, del := range map[string]func() error{
		"tag":        func() error { return alice.DeleteTag(ctx, "team/app", "v1") },
		"repository": func() error { return alice.DeleteRepository(ctx, "team/app") },
	} {
		err := del()
		var ce *apiv1.Error
		if !client.IsConflict(err) || !errors.As(err, &ce) || !strings.Contains(ce.Message, "storage.delete.enabled") {
			t.Fatalf("%s delete: %v, want 409 naming storage.delete.enabled", what, err)
		}
	}
	if got := e.registryTags("team/app"); !slices.Equal(got, []string{"v1"}) {
		t.Fatalf("registry tags = %v", got)
	}
	if _, err := alice.GetTag(ctx, "team/app", "v1"); err != nil {
		t.Fatalf("the database changed: %v", err)
	}
}

func isUnavailable(err error) bool {
	var ce *apiv1.Error
	return errors.As(err, &ce) && ce.Code == "unavailable"
}
