package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/rbac"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// runRegistry runs the conformance tests of store.RegistryStore (registry
// events, catalog sync, leader lock).
func runRegistry(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s registryStore)
	}{
		{"RegistryEventsApply", testEventsApply},
		{"RegistryEventsNamespace", testEventsNamespace},
		{"RegistryEventsDedupeConcurrent", testEventsDedupeConcurrent},
		{"RegistryEventsReordering", testEventsReordering},
		{"RegistryEventsConcurrentRepository", testEventsConcurrentRepository},
		{"RegistryEventsBatch", testEventsBatch},
		{"RegistryEventsBatchEqualsSequential", testEventsBatchEqualsSequential},
		{"RegistryState", testRegistryState},
		{"RegistryReconcile", testReconcile},
		{"RegistryReconcileSnapshotGuard", testReconcileSnapshotGuard},
		{"RegistryRemoveRepository", testRemoveRepository},
		{"RegistryPrune", testRegistryPrune},
		{"RegistryLeaderLock", testLeaderLock},
		{"RegistryManifests", testManifests},
		{"RegistryManifestDeleteAccessories", testManifestDeleteAccessories},
		{"RegistryReconcileManifests", testReconcileManifests},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			rs, isRS := s.(store.RegistryStore)
			if !isRS {
				t.Fatalf("%T does not implement store.RegistryStore", s)
			}
			tc.fn(t, registryStore{s, rs})
		})
	}
}

type registryStore struct {
	store.Store
	store.RegistryStore
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	digestC = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	ociMT   = "application/vnd.oci.image.manifest.v1+json"
)

var eventSeq atomic.Int64

// base is the registry's clock in these tests.
var base = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

func push(repo, tag, digest string, sec int) store.RegistryEvent {
	return store.RegistryEvent{ID: fmt.Sprintf("ev-%d", eventSeq.Add(1)), Action: store.ActionPush,
		Repository: repo, Tag: tag, Digest: digest, MediaType: ociMT, Size: 1234, Actor: "alice", Timestamp: at(sec)}
}

func pull(repo, tag string, sec int) store.RegistryEvent {
	return store.RegistryEvent{ID: fmt.Sprintf("ev-%d", eventSeq.Add(1)), Action: store.ActionPull,
		Repository: repo, Tag: tag, Digest: digestA, MediaType: ociMT, Timestamp: at(sec)}
}

func del(repo, tag, digest string, sec int) store.RegistryEvent {
	return store.RegistryEvent{ID: fmt.Sprintf("ev-%d", eventSeq.Add(1)), Action: store.ActionDelete,
		Repository: repo, Tag: tag, Digest: digest, Timestamp: at(sec)}
}

func apply(t testing.TB, s registryStore, e store.RegistryEvent, owner string) bool {
	t.Helper()
	applied, err := s.ApplyEvent(ctx(t), e, owner)
	ok(t, err)
	return applied
}

// tagsOf returns "tag=digest" for every tag of repo; nil when the
// repository does not exist.
func tagsOf(t testing.TB, s registryStore, repo string) []string {
	t.Helper()
	tags, err := s.ListTags(ctx(t), repo, store.ListOptions{Limit: 1000})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	ok(t, err)
	out := []string{}
	for _, tg := range tags {
		out = append(out, tg.Name+"="+tg.Digest)
	}
	return out
}

func testEventsApply(t *testing.T, s registryStore) {
	user(t, s, "alice", true)
	ok(t, s.CreateTeam(ctx(t), store.Team{Name: "admins", Protected: true}, "alice"))
	const repo = "team/app"

	eq(t, "push applied", apply(t, s, push(repo, "v1", digestA, 1), "admins"), true)
	tg, err := s.GetTag(ctx(t), repo, "v1")
	ok(t, err)
	eq(t, "digest", tg.Digest, digestA)
	eq(t, "media type", tg.MediaType, ociMT)
	eq(t, "size", tg.Size, int64(1234))
	eq(t, "pushed by", tg.PushedBy, "alice")
	sameTime(t, "pushed at", tg.PushedAt, at(1))

	// Pulls count on the repository and the tag; a pull by digest only on
	// the repository; the newest pull time wins.
	apply(t, s, pull(repo, "v1", 5), "admins")
	apply(t, s, pull(repo, "v1", 3), "admins")
	apply(t, s, pull(repo, "", 4), "admins")
	r, err := s.GetRepository(ctx(t), repo)
	ok(t, err)
	eq(t, "repository pull count", r.PullCount, int64(3))
	sameTime(t, "repository last pulled", r.LastPulledAt, at(5))
	tg, err = s.GetTag(ctx(t), repo, "v1")
	ok(t, err)
	eq(t, "tag pull count", tg.PullCount, int64(2))
	sameTime(t, "tag last pulled", tg.LastPulledAt, at(5))

	// A re-push keeps the pull counters.
	apply(t, s, push(repo, "v1", digestB, 6), "admins")
	tg, err = s.GetTag(ctx(t), repo, "v1")
	ok(t, err)
	eq(t, "digest after re-push", tg.Digest, digestB)
	eq(t, "tag pull count after re-push", tg.PullCount, int64(2))

	// Pulls of unknown repositories are only recorded.
	apply(t, s, pull("team/unknown", "v1", 6), "admins")
	_, err = s.GetRepository(ctx(t), "team/unknown")
	is(t, err, store.ErrNotFound)

	// Push by digest records the repository and nothing else.
	apply(t, s, push("team/bydigest", "", digestC, 7), "admins")
	sameNames(t, "tags of a push by digest", tagsOf(t, s, "team/bydigest"), []string{})

	// Manifest delete removes every tag pointing at the digest.
	apply(t, s, push(repo, "v2", digestB, 8), "admins")
	apply(t, s, push(repo, "v3", digestC, 8), "admins")
	apply(t, s, del(repo, "", digestB, 9), "admins")
	sameNames(t, "tags after manifest delete", tagsOf(t, s, repo), []string{"v3=" + digestC})

	// Tag delete keeps the repository.
	apply(t, s, del(repo, "v3", "", 10), "admins")
	sameNames(t, "tags after tag delete", tagsOf(t, s, repo), []string{})

	// Repository delete.
	apply(t, s, push(repo, "v4", digestA, 11), "admins")
	apply(t, s, del(repo, "", "", 12), "admins")
	if got := tagsOf(t, s, repo); got != nil {
		t.Fatalf("repository after delete: tags %q, want it gone", got)
	}

	// Unknown actions are recorded (deduplicated) and change nothing.
	mount := push("team/mounted", "", digestA, 13)
	mount.Action = "mount"
	eq(t, "mount applied", apply(t, s, mount, "admins"), true)
	eq(t, "mount again", apply(t, s, mount, "admins"), false)
	_, err = s.GetRepository(ctx(t), "team/mounted")
	is(t, err, store.ErrNotFound)

	// Without an id there is nothing to deduplicate by.
	if _, err := s.ApplyEvent(ctx(t), store.RegistryEvent{Action: store.ActionPush, Repository: repo}, ""); err == nil {
		t.Fatal("ApplyEvent without id: no error")
	}
}

func testEventsNamespace(t *testing.T, s registryStore) {
	user(t, s, "alice", true)
	ok(t, s.CreateTeam(ctx(t), store.Team{Name: "admins", Protected: true}, "alice"))
	team(t, s, "devs", "alice")
	namespace(t, s, "devs", "devs")

	apply(t, s, push("newns/app", "v1", digestA, 1), "admins")
	ns, err := s.GetNamespace(ctx(t), "newns")
	ok(t, err)
	eq(t, "team", ns.Team, "admins")
	eq(t, "visibility", ns.Visibility, rbac.Private)

	// An existing namespace (team or personal) is left alone.
	apply(t, s, push("devs/app", "v1", digestA, 1), "admins")
	apply(t, s, push("alice/app", "v1", digestA, 1), "admins")
	ns, err = s.GetNamespace(ctx(t), "devs")
	ok(t, err)
	eq(t, "existing namespace team", ns.Team, "devs")
	ns, err = s.GetNamespace(ctx(t), "alice")
	ok(t, err)
	eq(t, "personal namespace owner", ns.Owner, "alice")

	// No such team: only the repository is recorded.
	apply(t, s, push("orphan/app", "v1", digestA, 1), "nosuchteam")
	_, err = s.GetNamespace(ctx(t), "orphan")
	is(t, err, store.ErrNotFound)
	sameNames(t, "orphan tags", tagsOf(t, s, "orphan/app"), []string{"v1=" + digestA})

	// The global namespace is not a namespace row.
	apply(t, s, push("busybox", "latest", digestA, 1), "admins")
	sameNames(t, "global tags", tagsOf(t, s, "busybox"), []string{"latest=" + digestA})

	// Many repositories of one new namespace at once: one namespace, no error.
	ok(t, errors.Join(concurrently(8, func(i int) error {
		_, err := s.ApplyEvent(ctx(t), push(fmt.Sprintf("burst/app%d", i), "v1", digestA, 1), "admins")
		return err
	})...))
	ns, err = s.GetNamespace(ctx(t), "burst")
	ok(t, err)
	eq(t, "burst namespace team", ns.Team, "admins")
}

func testEventsDedupeConcurrent(t *testing.T, s registryStore) {
	apply(t, s, push("team/app", "v1", digestA, 1), "")
	e := pull("team/app", "v1", 2)
	var applied atomic.Int32
	ok(t, errors.Join(concurrently(16, func(int) error {
		a, err := s.ApplyEvent(ctx(t), e, "")
		if a {
			applied.Add(1)
		}
		return err
	})...))
	eq(t, "concurrent duplicates applied", applied.Load(), int32(1))
	tg, err := s.GetTag(ctx(t), "team/app", "v1")
	ok(t, err)
	eq(t, "pull count", tg.PullCount, int64(1))

	// A replay later is ignored too: a push replayed after a delete does not
	// bring the tag back.
	p := push("team/app", "v2", digestB, 3)
	apply(t, s, p, "")
	apply(t, s, del("team/app", "v2", "", 4), "")
	eq(t, "replayed push applied", apply(t, s, p, ""), false)
	sameNames(t, "tags", tagsOf(t, s, "team/app"), []string{"v1=" + digestA})
}

// Every order of a scenario's events ends in the registry's final state.
func testEventsReordering(t *testing.T, s registryStore) {
	type ev struct {
		action, tag, digest string
		sec                 int
	}
	fallbackA := mediatype.FallbackTagPrefix(digestA)
	scenarios := []struct {
		name   string
		events []ev
		want   []string // nil: the repository is gone
		// manifests, when non-nil: what manifestsOf lists at the end.
		manifests []string
	}{
		{"untagged push, then manifest delete", []ev{{"push", "", digestA, 1}, {"delete", "", digestA, 2}},
			[]string{}, []string{}},
		{"tag deleted, manifest stays untagged", []ev{{"push", "v1", digestA, 1}, {"delete", "v1", "", 2}},
			[]string{}, []string{digestA + " untagged"}},
		{"accessory by fallback tag", []ev{{"push", "v1", digestA, 1}, {"push", fallbackA, digestB, 2}},
			[]string{"v1=" + digestA}, []string{digestA + " v1", digestB + " accessory of " + digestA}},
		{"accessory and subject deleted", []ev{{"push", "v1", digestA, 1}, {"push", fallbackA + ".sig", digestB, 2},
			{"delete", "", digestB, 3}, {"delete", "", digestA, 4}}, []string{}, []string{}},
		{"untagged, repository deleted, pushed again", []ev{{"push", "", digestA, 1}, {"delete", "", "", 2}, {"push", "", digestB, 3}},
			[]string{}, []string{digestB + " untagged"}},
		{"push, delete tag, push again", []ev{{"push", "v1", digestA, 1}, {"delete", "v1", "", 2}, {"push", "v1", digestB, 3}},
			[]string{"v1=" + digestB}, nil},
		{"push then tag delete", []ev{{"push", "v1", digestA, 1}, {"push", "v2", digestB, 1}, {"delete", "v1", "", 2}},
			[]string{"v2=" + digestB}, nil},
		{"push then manifest delete", []ev{{"push", "v1", digestA, 1}, {"push", "v2", digestA, 2}, {"push", "v3", digestB, 2}, {"delete", "", digestA, 3}},
			[]string{"v3=" + digestB}, []string{digestB + " v3"}},
		{"manifest deleted, pushed again", []ev{{"push", "v1", digestA, 1}, {"delete", "", digestA, 2}, {"push", "v1", digestA, 3}},
			[]string{"v1=" + digestA}, []string{digestA + " v1"}},
		{"retag", []ev{{"push", "v1", digestA, 1}, {"push", "v1", digestB, 2}, {"delete", "", digestA, 3}},
			[]string{"v1=" + digestB}, []string{digestB + " v1"}},
		{"repository delete", []ev{{"push", "v1", digestA, 1}, {"push", "v2", digestB, 2}, {"delete", "", "", 3}},
			nil, nil},
		{"repository delete, then a new push", []ev{{"push", "v1", digestA, 1}, {"delete", "", "", 2}, {"push", "v2", digestB, 3}},
			[]string{"v2=" + digestB}, []string{digestB + " v2"}},
	}
	for si, sc := range scenarios {
		perms := permutations(len(sc.events))
		for pi, perm := range perms {
			repo := fmt.Sprintf("reorder/s%dp%d", si, pi)
			for _, i := range perm {
				e := sc.events[i]
				switch e.action {
				case "push":
					apply(t, s, push(repo, e.tag, e.digest, e.sec), "")
				case "delete":
					apply(t, s, del(repo, e.tag, e.digest, e.sec), "")
				}
			}
			got := tagsOf(t, s, repo)
			if sc.want == nil {
				if len(got) > 0 {
					t.Errorf("%s, order %v: tags %q, want the repository gone", sc.name, perm, got)
				}
				continue
			}
			if !slices.Equal(got, sc.want) {
				t.Errorf("%s, order %v: tags %q, want %q", sc.name, perm, got, sc.want)
			}
			if sc.manifests != nil {
				if m := manifestsOf(t, s, repo); !slices.Equal(m, sc.manifests) {
					t.Errorf("%s, order %v: manifests %q, want %q", sc.name, perm, m, sc.manifests)
				}
			}
		}
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// Concurrent events on one repository, delivered out of order, converge.
func testEventsConcurrentRepository(t *testing.T, s registryStore) {
	const repo = "team/busy"
	var events []store.RegistryEvent
	for i := 1; i <= 20; i++ {
		events = append(events, push(repo, "latest", fmt.Sprintf("sha256:%064d", i), i))
	}
	events = append(events, del(repo, "old", "", 5), push(repo, "old", digestA, 4))
	// Started newest first, so most arrive out of order.
	ok(t, errors.Join(concurrently(len(events), func(i int) error {
		_, err := s.ApplyEvent(ctx(t), events[len(events)-1-i], "")
		return err
	})...))
	sameNames(t, "tags", tagsOf(t, s, repo), []string{fmt.Sprintf("latest=sha256:%064d", 20)})
}

func testRegistryState(t *testing.T, s registryStore) {
	state, err := s.RegistryState(ctx(t))
	ok(t, err)
	eq(t, "empty state", len(state), 0)
	apply(t, s, push("b/app", "v2", digestB, 1), "")
	apply(t, s, push("b/app", "v1", digestA, 1), "")
	apply(t, s, push("a/app", "", digestA, 1), "")
	state, err = s.RegistryState(ctx(t))
	ok(t, err)
	eq(t, "repositories", len(state), 2)
	eq(t, "first", state[0].Name, "a/app")
	eq(t, "first tags", len(state[0].Tags), 0)
	eq(t, "second", state[1].Name, "b/app")
	want := []store.TagState{{Name: "v1", Digest: digestA, MediaType: ociMT, Size: 1234},
		{Name: "v2", Digest: digestB, MediaType: ociMT, Size: 1234}}
	if !slices.Equal(state[1].Tags, want) {
		t.Fatalf("tags = %+v, want %+v", state[1].Tags, want)
	}
}

func testReconcile(t *testing.T, s registryStore) {
	user(t, s, "alice", true)
	ok(t, s.CreateTeam(ctx(t), store.Team{Name: "admins", Protected: true}, "alice"))
	const repo = "synced/app"
	apply(t, s, push(repo, "keep", digestA, 1), "")
	apply(t, s, push(repo, "change", digestA, 1), "")
	apply(t, s, push(repo, "gone", digestA, 1), "")
	snap := at(100)
	res, err := s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: snap, OwnerTeam: "admins",
		Tags: []store.TagState{
			{Name: "keep", Digest: digestA, MediaType: ociMT, Size: 1234},
			{Name: "change", Digest: digestB, MediaType: ociMT, Size: 99},
			{Name: "new", Digest: digestC, MediaType: ociMT, Size: 5},
		}})
	ok(t, err)
	eq(t, "added", res.Added, 1)
	eq(t, "updated", res.Updated, 1)
	eq(t, "deleted", res.Deleted, 1)
	eq(t, "repository created", res.RepositoryCreated, false)
	sameNames(t, "tags", tagsOf(t, s, repo), []string{"change=" + digestB, "keep=" + digestA, "new=" + digestC})

	// Idempotent.
	res, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: at(101), Tags: []store.TagState{
		{Name: "keep", Digest: digestA, MediaType: ociMT, Size: 1234},
		{Name: "change", Digest: digestB, MediaType: ociMT, Size: 99},
		{Name: "new", Digest: digestC, MediaType: ociMT, Size: 5},
	}})
	ok(t, err)
	eq(t, "second run", res, store.ReconcileResult{})

	// Late events older than the snapshot do not undo the sync.
	apply(t, s, push(repo, "gone", digestA, 50), "")
	apply(t, s, del(repo, "keep", "", 50), "")
	sameNames(t, "tags after late events", tagsOf(t, s, repo), []string{"change=" + digestB, "keep=" + digestA, "new=" + digestC})

	// KeepUnlisted upserts and deletes nothing.
	res, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: at(102), KeepUnlisted: true,
		Tags: []store.TagState{{Name: "keep", Digest: digestB, MediaType: ociMT, Size: 1}}})
	ok(t, err)
	eq(t, "keep unlisted", res, store.ReconcileResult{Updated: 1})
	sameNames(t, "tags after keep unlisted", tagsOf(t, s, repo), []string{"change=" + digestB, "keep=" + digestB, "new=" + digestC})

	// A repository new to the store, in a new namespace.
	res, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: "fresh/app", Snapshot: snap, OwnerTeam: "admins",
		Tags: []store.TagState{{Name: "v1", Digest: digestA, MediaType: ociMT}}})
	ok(t, err)
	eq(t, "fresh created", res.RepositoryCreated, true)
	eq(t, "fresh added", res.Added, 1)
	ns, err := s.GetNamespace(ctx(t), "fresh")
	ok(t, err)
	eq(t, "fresh namespace team", ns.Team, "admins")

	// Tags created through the API (no event) are reconciled by pushed_at.
	ok(t, s.PutTag(ctx(t), store.Tag{Repository: "api/app", Name: "old", Digest: digestA, PushedAt: at(10)}))
	res, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: "api/app", Snapshot: snap})
	ok(t, err)
	eq(t, "api tag deleted", res.Deleted, 1)
}

// Item 23: nothing changed after the snapshot is deleted by a reconcile
// based on a listing taken before the change.
func testReconcileSnapshotGuard(t *testing.T, s registryStore) {
	const repo = "guard/app"
	apply(t, s, push(repo, "old", digestA, 1), "")
	snap := at(10)
	// Events after the snapshot, applied before the sync writes.
	apply(t, s, push(repo, "fresh", digestB, 11), "")
	apply(t, s, push(repo, "old", digestC, 12), "")
	apply(t, s, del(repo, "deleted", "", 13), "")
	res, err := s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: snap, Tags: []store.TagState{
		{Name: "old", Digest: digestA, MediaType: ociMT, Size: 1234},
		{Name: "deleted", Digest: digestA, MediaType: ociMT, Size: 1234},
	}})
	ok(t, err)
	eq(t, "result", res, store.ReconcileResult{})
	sameNames(t, "tags", tagsOf(t, s, repo), []string{"fresh=" + digestB, "old=" + digestC})

	// A repository deleted after the snapshot is not brought back.
	apply(t, s, push("guard/deleted", "v1", digestA, 1), "")
	apply(t, s, del("guard/deleted", "", "", 11), "")
	_, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: "guard/deleted", Snapshot: snap,
		Tags: []store.TagState{{Name: "v1", Digest: digestA}}})
	ok(t, err)
	if got := tagsOf(t, s, "guard/deleted"); got != nil {
		t.Fatalf("repository deleted after the snapshot came back with %q", got)
	}

	// Changes older than the snapshot are reconciled.
	res, err = s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: at(20)})
	ok(t, err)
	eq(t, "deleted after a later snapshot", res.Deleted, 2)
}

func testRemoveRepository(t *testing.T, s registryStore) {
	apply(t, s, push("rm/old", "v1", digestA, 1), "")
	apply(t, s, push("rm/old", "v2", digestB, 2), "")
	apply(t, s, push("rm/young", "v1", digestA, 1), "")
	apply(t, s, push("rm/young", "v2", digestA, 20), "")
	apply(t, s, push("rm/bydigest", "", digestA, 20), "")
	snap := at(10)

	res, err := s.RemoveRepository(ctx(t), "rm/old", snap)
	ok(t, err)
	eq(t, "old removed", res, store.ReconcileResult{Deleted: 2, RepositoryDeleted: true})
	if got := tagsOf(t, s, "rm/old"); got != nil {
		t.Fatalf("rm/old still has %q", got)
	}
	res, err = s.RemoveRepository(ctx(t), "rm/young", snap)
	ok(t, err)
	eq(t, "young kept", res, store.ReconcileResult{})
	sameNames(t, "young tags", tagsOf(t, s, "rm/young"), []string{"v1=" + digestA, "v2=" + digestA})
	res, err = s.RemoveRepository(ctx(t), "rm/bydigest", snap)
	ok(t, err)
	eq(t, "pushed by digest after the snapshot kept", res, store.ReconcileResult{})
	res, err = s.RemoveRepository(ctx(t), "rm/none", snap)
	ok(t, err)
	eq(t, "missing", res, store.ReconcileResult{})

	// A late push older than the removal does not resurrect it; a newer one does.
	apply(t, s, push("rm/old", "v3", digestC, 5), "")
	if got := tagsOf(t, s, "rm/old"); got != nil {
		t.Fatalf("late old push resurrected rm/old: %q", got)
	}
	apply(t, s, push("rm/old", "v4", digestC, 15), "")
	sameNames(t, "newer push", tagsOf(t, s, "rm/old"), []string{"v4=" + digestC})
}

func testRegistryPrune(t *testing.T, s registryStore) {
	e := push("prune/app", "v1", digestA, 1)
	apply(t, s, e, "")
	apply(t, s, del("prune/app", "v2", "", 2), "")
	n, err := s.PruneRegistryHistory(ctx(t), time.Now().Add(time.Hour))
	ok(t, err)
	if n < 2 {
		t.Fatalf("pruned %d rows, want at least the event ids and the tombstone", n)
	}
	// The tag itself is untouched.
	sameNames(t, "tags", tagsOf(t, s, "prune/app"), []string{"v1=" + digestA})
}

func testLeaderLock(t *testing.T, s registryStore) {
	release, got, err := s.TryLock(ctx(t), "sync")
	ok(t, err)
	eq(t, "first TryLock", got, true)
	_, again, err := s.TryLock(ctx(t), "sync")
	ok(t, err)
	eq(t, "second TryLock while held", again, false)
	otherRelease, other, err := s.TryLock(ctx(t), "other")
	ok(t, err)
	eq(t, "another name", other, true)
	otherRelease()
	release()
	release() // idempotent

	// Many contenders: exactly one wins at a time.
	var winners atomic.Int32
	releases := make([]func(), 10)
	ok(t, errors.Join(concurrently(10, func(i int) error {
		rel, won, err := s.TryLock(ctx(t), "sync")
		if won {
			winners.Add(1)
			releases[i] = rel
		}
		return err
	})...))
	eq(t, "winners", winners.Load(), int32(1))
	for _, rel := range releases {
		if rel != nil {
			rel()
		}
	}
	release, got, err = s.TryLock(ctx(t), "sync")
	ok(t, err)
	eq(t, "TryLock after release", got, true)
	release()
}

// batchStore is the group-commit method both stores have.
type batchStore interface {
	ApplyEvents(ctx context.Context, evs []store.RegistryEvent, ownerTeam string) ([]bool, error)
}

// testEventsBatch: ApplyEvents applies in order, each id once (within the
// batch too, and against earlier transactions), concurrent batches over
// the same repositories converge, and a bad event fails the whole batch.
func testEventsBatch(t *testing.T, s registryStore) {
	bs, isBS := s.RegistryStore.(batchStore)
	if !isBS {
		// Both SQL stores have it (sqlstore); skipping would hide losing it.
		t.Fatalf("%T has no ApplyEvents", s.RegistryStore)
	}
	p1 := push("batch/app", "v1", digestA, 1)
	p2 := push("batch/app", "v1", digestB, 2)
	before := push("batch/other", "v1", digestA, 1)
	apply(t, s, before, "")
	got, err := bs.ApplyEvents(ctx(t), []store.RegistryEvent{p1, p2, p1, before, pull("batch/app", "v1", 3)}, "")
	ok(t, err)
	if want := []bool{true, true, false, false, true}; !slices.Equal(got, want) {
		t.Fatalf("applied %v, want %v", got, want)
	}
	if tags := tagsOf(t, s, "batch/app"); !slices.Equal(tags, []string{"v1=" + digestB}) {
		t.Fatalf("tags %q, want v1 at B", tags)
	}
	if again := apply(t, s, p2, ""); again {
		t.Fatal("an id applied in a batch was applied again")
	}

	// All or nothing.
	bad := push("batch/bad", "v1", digestA, 1)
	bad.ID = ""
	good := push("batch/good", "v1", digestA, 1)
	if _, err := bs.ApplyEvents(ctx(t), []store.RegistryEvent{good, bad}, ""); err == nil {
		t.Fatal("a batch with an invalid event: no error")
	}
	if tags := tagsOf(t, s, "batch/good"); tags != nil {
		t.Fatalf("a failed batch left %q", tags)
	}

	// Concurrent batches over the same repositories, in opposite orders.
	ok(t, errors.Join(concurrently(8, func(i int) error {
		evs := []store.RegistryEvent{push("batch/x", fmt.Sprintf("t%d", i), digestA, 10+i),
			push("batch/y", fmt.Sprintf("t%d", i), digestB, 10+i)}
		if i%2 == 1 {
			evs[0], evs[1] = evs[1], evs[0]
		}
		_, err := bs.ApplyEvents(ctx(t), evs, "")
		return err
	})...))
	if n := len(tagsOf(t, s, "batch/x")) + len(tagsOf(t, s, "batch/y")); n != 16 {
		t.Fatalf("%d tags after concurrent batches, want 16", n)
	}
}
