package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
	"github.com/dockmaster/dockmaster/authserver/internal/store"
)

// manifestsOf lists every manifest of repo as "digest tag,tag" (or
// "digest untagged"), then the accessories of each as "digest accessory of
// subject"; nil when the repository does not exist.
func manifestsOf(t testing.TB, s registryStore, repo string) []string {
	t.Helper()
	ms, err := s.ListManifests(ctx(t), store.ManifestFilter{Repository: repo, ListOptions: store.ListOptions{Limit: 1000}})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	ok(t, err)
	out := []string{}
	var subjects []string
	for _, m := range ms {
		tags := "untagged"
		if len(m.Tags) > 0 {
			tags = strings.Join(m.Tags, ",")
		}
		out = append(out, m.Digest+" "+tags)
		subjects = append(subjects, m.Digest)
	}
	for _, sub := range subjects {
		acc, err := s.ListManifests(ctx(t), store.ManifestFilter{Repository: repo, Subject: sub, ListOptions: store.ListOptions{Limit: 1000}})
		ok(t, err)
		for _, a := range acc {
			out = append(out, a.Digest+" accessory of "+sub)
		}
	}
	return out
}

func testManifests(t *testing.T, s registryStore) {
	const repo = "art/app"
	fallback := mediatype.FallbackTagPrefix(digestA)
	apply(t, s, push(repo, "v1", digestA, 1), "")
	apply(t, s, push(repo, "", digestC, 2), "") // untagged
	apply(t, s, push(repo, fallback, digestB, 3), "")

	// The fallback tag is neither listed nor counted.
	eq(t, "tags", strings.Join(tagsOf(t, s, repo), " "), "v1="+digestA)
	rp, err := s.GetRepository(ctx(t), repo)
	ok(t, err)
	eq(t, "tag count", rp.TagCount, 1)

	m, err := s.GetManifest(ctx(t), repo, digestB)
	ok(t, err)
	eq(t, "subject from the fallback tag", m.Subject, digestA)
	eq(t, "kind before reading", m.Kind, "")
	eq(t, "tags of an accessory", len(m.Tags), 0)

	pending, err := s.PendingManifests(ctx(t), 100)
	ok(t, err)
	var mine []string
	for _, p := range pending {
		if p.Repository == repo {
			mine = append(mine, p.Digest)
		}
	}
	slices.Sort(mine)
	eq(t, "pending", strings.Join(mine, " "), digestA+" "+digestB+" "+digestC)

	done, err := s.SetManifestDetails(ctx(t), store.ManifestDetails{Repository: repo, Digest: digestA, Kind: mediatype.KindHelmChart,
		ArtifactType: mediatype.HelmConfig, Chart: &store.Chart{Name: "hello", Version: "0.1.0", AppVersion: "1.16.0", Icon: "https://x/i.png"}})
	ok(t, err)
	eq(t, "details recorded", done, true)
	ok(t, s.SetManifestDetailsBatch(ctx(t), []store.ManifestDetails{
		{Repository: repo, Digest: digestB, Kind: mediatype.KindSBOM, ArtifactType: "application/spdx+json"},
		{Repository: repo, Digest: digestC, Kind: mediatype.KindIndex, Platforms: []string{"linux/amd64", "linux/arm64"}},
		{Repository: repo, Digest: "sha256:" + strings.Repeat("f", 64), Kind: mediatype.KindImage}, // not in the catalog: skipped
	}))
	done, err = s.SetManifestDetails(ctx(t), store.ManifestDetails{Repository: repo, Digest: "sha256:" + strings.Repeat("d", 64), Kind: mediatype.KindImage})
	ok(t, err)
	eq(t, "details of a manifest the catalog does not have", done, false)

	m, err = s.GetManifest(ctx(t), repo, digestA)
	ok(t, err)
	eq(t, "kind", m.Kind, mediatype.KindHelmChart)
	eq(t, "artifact type", m.ArtifactType, mediatype.HelmConfig)
	if m.Chart == nil || *m.Chart != (store.Chart{Name: "hello", Version: "0.1.0", AppVersion: "1.16.0", Icon: "https://x/i.png"}) {
		t.Errorf("chart = %+v", m.Chart)
	}
	eq(t, "tags", strings.Join(m.Tags, ","), "v1")
	eq(t, "size", m.Size, int64(1234))
	eq(t, "pushed by", m.PushedBy, "alice")
	m, err = s.GetManifest(ctx(t), repo, digestB)
	ok(t, err)
	eq(t, "subject kept when the manifest names none", m.Subject, digestA)
	m, err = s.GetManifest(ctx(t), repo, digestC)
	ok(t, err)
	eq(t, "platforms", strings.Join(m.Platforms, ","), "linux/amd64,linux/arm64")
	_, err = s.GetManifest(ctx(t), repo, "sha256:"+strings.Repeat("e", 64))
	is(t, err, store.ErrNotFound)

	tg, err := s.GetTag(ctx(t), repo, "v1")
	ok(t, err)
	eq(t, "tag kind", tg.Kind, mediatype.KindHelmChart)

	// Lists: accessories apart, untagged, by kind.
	eq(t, "manifests", strings.Join(manifestsOf(t, s, repo), "; "),
		digestA+" v1; "+digestC+" untagged; "+digestB+" accessory of "+digestA)
	untagged := false
	ms, err := s.ListManifests(ctx(t), store.ManifestFilter{Repository: repo, Tagged: &untagged})
	ok(t, err)
	eq(t, "untagged", strings.Join(names(ms, func(m store.Manifest) string { return m.Digest }), " "), digestC)
	ms, err = s.ListManifests(ctx(t), store.ManifestFilter{Repository: repo, Kind: mediatype.KindIndex})
	ok(t, err)
	eq(t, "kind index", len(ms), 1)
	_, err = s.ListManifests(ctx(t), store.ManifestFilter{Repository: "art/none"})
	is(t, err, store.ErrNotFound)

	apply(t, s, push("art/other", "v1", digestA, 1), "")
	repos, err := s.ListRepositories(ctx(t), store.RepositoryFilter{Namespace: "art", Kind: mediatype.KindHelmChart})
	ok(t, err)
	eq(t, "repositories with a chart", strings.Join(names(repos, func(r store.Repository) string { return r.Name }), " "), repo)
	repos, err = s.ListRepositories(ctx(t), store.RepositoryFilter{Namespace: "art", Kind: mediatype.KindUnknown})
	ok(t, err)
	eq(t, "repositories with unread manifests", strings.Join(names(repos, func(r store.Repository) string { return r.Name }), " "), "art/other")
}

func ok2(t testing.TB, s registryStore, d store.ManifestDetails) {
	t.Helper()
	done, err := s.SetManifestDetails(ctx(t), d)
	ok(t, err)
	if !done {
		t.Fatalf("details of %s not recorded", d.Digest)
	}
}

func testManifestDeleteAccessories(t *testing.T, s registryStore) {
	const repo = "art/del"
	fallback := mediatype.FallbackTagPrefix(digestA)
	apply(t, s, push(repo, "v1", digestA, 1), "")
	apply(t, s, push(repo, "keep", digestC, 1), "")
	apply(t, s, push(repo, fallback, digestB, 2), "")        // referrers index by fallback tag
	apply(t, s, push(repo, fallback+".sig", digestB, 2), "") // cosign-style tag on the same
	sbom := "sha256:" + strings.Repeat("5", 64)
	sig := "sha256:" + strings.Repeat("6", 64)
	apply(t, s, push(repo, "", sbom, 3), "")
	ok2(t, s, store.ManifestDetails{Repository: repo, Digest: sbom, Kind: mediatype.KindSBOM, Subject: digestA})
	apply(t, s, push(repo, "", sig, 4), "") // a signature of the SBOM
	ok2(t, s, store.ManifestDetails{Repository: repo, Digest: sig, Kind: mediatype.KindSignature, Subject: sbom})

	ok(t, s.DeleteManifest(ctx(t), repo, digestA))
	eq(t, "what is left", strings.Join(manifestsOf(t, s, repo), "; "), digestC+" keep")
	st, err := s.RegistryState(ctx(t))
	ok(t, err)
	for _, r := range st {
		if r.Name == repo {
			eq(t, "tags left, fallback tags included", fmt.Sprint(r.Tags), fmt.Sprint([]store.TagState{{Name: "keep", Digest: digestC, MediaType: ociMT, Size: 1234}}))
		}
	}
	is(t, s.DeleteManifest(ctx(t), repo, digestA), store.ErrNotFound)
	// An older push of a deleted accessory does not bring it back.
	apply(t, s, push(repo, "", sig, 4), "")
	eq(t, "after a replayed push", strings.Join(manifestsOf(t, s, repo), "; "), digestC+" keep")
}

func testReconcileManifests(t *testing.T, s registryStore) {
	const repo = "art/sync"
	fallback := mediatype.FallbackTagPrefix(digestA)
	_, err := s.ReconcileRepository(ctx(t), store.Reconcile{Repository: repo, Snapshot: at(10), Tags: []store.TagState{
		{Name: "v1", Digest: digestA, MediaType: ociMT, Size: 10},
		{Name: "v2", Digest: digestA, MediaType: ociMT, Size: 10},
		{Name: fallback, Digest: digestB, MediaType: "application/vnd.oci.image.index.v1+json", Size: 20},
	}})
	ok(t, err)
	eq(t, "manifests", strings.Join(manifestsOf(t, s, repo), "; "), digestA+" v1,v2; "+digestB+" accessory of "+digestA)
	rp, err := s.GetRepository(ctx(t), repo)
	ok(t, err)
	eq(t, "tag count", rp.TagCount, 2)
}
