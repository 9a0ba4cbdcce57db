package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
	"github.com/dockmaster/dockmaster/authserver/internal/service"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
	"github.com/dockmaster/dockmaster/internal/apiv1"
)

// fakeRegistry is the registry as the service declares it.
type fakeRegistry struct {
	tags    map[string]string // tag → digest
	deleted []string
	fail    error
}

func (f *fakeRegistry) Tags(context.Context, string) ([]string, error) {
	var out []string
	for t := range f.tags {
		out = append(out, t)
	}
	return out, nil
}

func (f *fakeRegistry) ManifestDigest(_ context.Context, _, tag string) (string, error) {
	if d, ok := f.tags[tag]; ok {
		return d, nil
	}
	return "", fmt.Errorf("tag %s: %w", tag, registryclient.ErrNotFound)
}

func (f *fakeRegistry) DeleteManifest(_ context.Context, _, ref string) error {
	if f.fail != nil {
		return f.fail
	}
	f.deleted = append(f.deleted, ref)
	return nil
}

// TestRepositoryRules: repositories and tags are seen by who may pull them
// (everyone else gets not found), changed by who may push or own them,
// deleted by who has the delete right, in the registry first.
func TestRepositoryRules(t *testing.T) {
	ctx := context.Background()
	_, st := newService(t)
	reg := &fakeRegistry{tags: map[string]string{"v1": "sha256:aa"}}
	svc := service.New(service.Deps{Store: st, Registry: reg})
	alice, bob := actor(rbac.UserKind, "alice", false), actor(rbac.UserKind, "bob", false)
	if _, err := svc.CreateTeam(ctx, alice, service.NewTeam{Name: "devs"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateNamespace(ctx, alice, service.NewNamespace{Name: "app", Team: "devs"}); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"v1", "v2"} {
		if err := st.PutTag(ctx, store.Tag{Repository: "app/web", Name: tag, Digest: "sha256:" + tag, PushedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}

	_, err := svc.Repository(ctx, bob, "app/web")
	wantCode(t, "stranger reads a private repository", err, apiv1.CodeNotFound, "")
	_, err = svc.Repository(ctx, alice, "app/none")
	wantCode(t, "missing repository", err, apiv1.CodeNotFound, "")
	desc := "the web front"
	_, err = svc.UpdateRepository(ctx, bob, "app/web", &desc)
	wantCode(t, "stranger updates", err, apiv1.CodeNotFound, "")
	rp, err := svc.UpdateRepository(ctx, alice, "app/web", &desc)
	if err != nil || rp.Description != desc {
		t.Fatalf("owner updates: %+v, %v", rp, err)
	}
	keep, err := svc.RepositoryFilter(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := keep(rp); err != nil || ok {
		t.Fatalf("stranger lists a private repository: %t, %v", ok, err)
	}

	_, err = svc.Tag(ctx, alice, "app/web", "-bad")
	wantCode(t, "invalid tag", err, apiv1.CodeNotFound, "")
	err = svc.DeleteTag(ctx, bob, "app/web", "v1")
	wantCode(t, "stranger deletes a tag", err, apiv1.CodeNotFound, "")
	if err := svc.DeleteTag(ctx, alice, "app/web", "v1"); err != nil {
		t.Fatal(err)
	}
	if len(reg.deleted) != 1 || reg.deleted[0] != "v1" {
		t.Fatalf("registry deletes: %v", reg.deleted)
	}
	_, err = svc.Tag(ctx, alice, "app/web", "v1")
	wantCode(t, "deleted tag", err, apiv1.CodeNotFound, "")

	reg.fail = registryclient.ErrDeleteDisabled
	err = svc.DeleteRepository(ctx, alice, "app/web")
	wantCode(t, "registry refuses deletes", err, apiv1.CodeConflict, "")
	if _, err := svc.Repository(ctx, alice, "app/web"); err != nil {
		t.Fatalf("repository gone after a refused delete: %v", err)
	}
	reg.fail = nil
	if err := svc.DeleteRepository(ctx, alice, "app/web"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Repository(ctx, alice, "app/web")
	wantCode(t, "deleted repository", err, apiv1.CodeNotFound, "")

	events, err := st.ListAudit(ctx, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Action == "repository.update" || e.Action == "repository.delete" || e.Action == "tag.delete" {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	want := map[string]int{"repository.update denied": 1, "repository.update success": 1,
		"tag.delete denied": 1, "tag.delete success": 1, "repository.delete error": 1, "repository.delete success": 1}
	if len(outcomes) != len(want) {
		t.Errorf("audit: %v, want %v", outcomes, want)
	}
	for key, n := range want {
		if outcomes[key] != n {
			t.Errorf("audit %q: %d, want %d (all: %v)", key, outcomes[key], n, outcomes)
		}
	}
}
