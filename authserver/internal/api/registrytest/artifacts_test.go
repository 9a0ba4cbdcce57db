//go:build unix

package registrytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/client"
	"github.com/dockmaster/dockmaster/internal/testutil/pgtest"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

// Media types as helm, oras and cosign write them.
const (
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	ociConfig   = "application/vnd.oci.image.config.v1+json"
	ociEmpty    = "application/vnd.oci.empty.v1+json"
	ociLayer    = "application/vnd.oci.image.layer.v1.tar"
	helmConfig  = "application/vnd.cncf.helm.config.v1+json"
	helmLayer   = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	cosignLayer = "application/vnd.dev.cosign.simplesigning.v1+json"
	spdxType    = "application/spdx+json"
	customType  = "application/vnd.example.thing.v1"
)

func sha(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

type desc struct {
	MediaType    string            `json:"mediaType"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	Platform     *platform         `json:"platform,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
}

type manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        *desc             `json:"config,omitempty"`
	Layers        []desc            `json:"layers,omitempty"`
	Manifests     []desc            `json:"manifests,omitempty"`
	Subject       *desc             `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// oci writes blobs and manifests with the registry's HTTP API, as helm,
// oras and cosign do, with a token the server issues to admin.
type oci struct {
	e   *env
	tok map[string]string
}

func (o *oci) token(repo string) string {
	t := o.e.t
	t.Helper()
	if tk, ok := o.tok[repo]; ok {
		return tk
	}
	q := url.Values{"service": {o.e.service}, "scope": {"repository:" + repo + ":pull,push,delete"}}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, o.e.public+"/auth/token?"+q.Encode(), nil)
	req.SetBasicAuth("admin", o.e.adminPW)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" {
		t.Fatalf("token for %s: %s %v", repo, resp.Status, err)
	}
	o.tok[repo] = body.Token
	return body.Token
}

func (o *oci) do(method, repo, u, contentType string, body []byte) *http.Response {
	t := o.e.t
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+o.token(repo))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", ociManifest+", "+ociIndex+", application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// blob uploads b (monolithic) and returns its descriptor.
func (o *oci) blob(repo, mediaType string, b []byte) desc {
	t := o.e.t
	t.Helper()
	resp := o.do(http.MethodPost, repo, o.e.reg.URL+"/v2/"+repo+"/blobs/uploads/", "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start upload: %s", resp.Status)
	}
	loc, err := url.Parse(o.e.reg.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if loc, err = loc.Parse(resp.Header.Get("Location")); err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", sha(b))
	loc.RawQuery = q.Encode()
	resp = o.do(http.MethodPut, repo, loc.String(), "application/octet-stream", b)
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, msg)
	}
	return desc{MediaType: mediaType, Digest: sha(b), Size: len(b)}
}

// put writes m under ref (a tag, or "" for by digest) and returns its
// descriptor.
func (o *oci) put(repo, ref string, m manifest) desc {
	t := o.e.t
	t.Helper()
	m.SchemaVersion = 2
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if ref == "" {
		ref = sha(b)
	}
	resp := o.do(http.MethodPut, repo, o.e.reg.URL+"/v2/"+repo+"/manifests/"+ref, m.MediaType, b)
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("put manifest %s:%s: %s %s", repo, ref, resp.Status, msg)
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != sha(b) {
		t.Fatalf("registry digest %s, want %s", got, sha(b))
	}
	return desc{MediaType: m.MediaType, ArtifactType: m.ArtifactType, Digest: sha(b), Size: len(b)}
}

// pull sends GET or HEAD for repo:ref as a client pulling it.
func (o *oci) pull(method, repo, ref string) {
	o.e.t.Helper()
	resp := o.do(method, repo, o.e.reg.URL+"/v2/"+repo+"/manifests/"+ref, "", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		o.e.t.Fatalf("%s %s:%s: %s", method, repo, ref, resp.Status)
	}
}

// fallbackTag is the referrers tag schema's tag of subject.
func fallbackTag(subject string) string { return strings.Replace(subject, ":", "-", 1) }

// waitManifest waits until the API has read repo@digest (its kind is no
// longer unknown, or it is unknown with a reason).
func (e *env) waitManifest(repo, digest string) apiv1.Manifest {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := e.admin.GetManifest(e.t.Context(), repo, digest)
		if err == nil && (m.Kind != apiv1.KindUnknown || m.Problem != "") {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s@%s not read within 10s: %+v %v", repo, digest, m, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestArtifacts(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			url := ""
			if db == "postgres" {
				url = pgtest.URL(t)
			}
			testArtifacts(t, startOn(t, true, url))
		})
	}
}

func testArtifacts(t *testing.T, e *env) {
	ctx := t.Context()
	alice, bob := e.seed()
	o := &oci{e: e, tok: map[string]string{}}

	// An image (crane), and a multi-platform index beside it.
	img := e.push("bob", "team/app:v1", "one")
	var platforms []desc
	for _, arch := range []string{"amd64", "arm64"} {
		cfg := o.blob("team/app", ociConfig, []byte(`{"architecture":"`+arch+`","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`))
		layer := o.blob("team/app", ociLayer, registry.Tar(t, "arch.txt", []byte(arch)))
		d := o.put("team/app", "", manifest{MediaType: ociManifest, Config: &cfg, Layers: []desc{layer}})
		d.Platform = &platform{OS: "linux", Architecture: arch}
		platforms = append(platforms, d)
	}
	multi := o.put("team/app", "multi", manifest{MediaType: ociIndex, Manifests: platforms})

	// A Helm chart: the manifest and config as helm push writes them.
	chartCfg := o.blob("team/charts", helmConfig, []byte(`{"name":"hello","version":"0.1.0","description":"A Helm chart for Kubernetes","apiVersion":"v2","appVersion":"1.16.0","type":"application"}`))
	chartTgz := o.blob("team/charts", helmLayer, []byte("\x1f\x8b\x08\x00not really a tarball"))
	chart := o.put("team/charts", "0.1.0", manifest{MediaType: ociManifest, Config: &chartCfg, Layers: []desc{chartTgz},
		Annotations: map[string]string{"org.opencontainers.image.title": "hello", "org.opencontainers.image.version": "0.1.0"}})
	// Hostile: a chart whose config is not JSON.
	badCfg := o.blob("team/charts", helmConfig, []byte("apiVersion: v2\nname: yaml-not-json\n"))
	badChart := o.put("team/charts", "bad", manifest{MediaType: ociManifest, Config: &badCfg, Layers: []desc{chartTgz}})

	// An oras artifact with a custom artifact type.
	empty := o.blob("team/things", ociEmpty, []byte("{}"))
	thingLayer := o.blob("team/things", "text/plain", []byte("a thing"))
	thing := o.put("team/things", "v1", manifest{MediaType: ociManifest, ArtifactType: customType, Config: &empty, Layers: []desc{thingLayer}})

	// A cosign-style signature of the image under its fallback tag
	// (sha256-<hex>.sig), and an SBOM with subject plus the referrers
	// fallback index oras writes on a registry without the referrers API.
	subject := desc{MediaType: "application/vnd.docker.distribution.manifest.v2+json", Digest: img}
	if m, err := e.crn("admin", "manifest", e.ref+"/team/app:v1"); err == nil {
		subject.Size = len(m)
		var mt struct {
			MediaType string `json:"mediaType"`
		}
		_ = json.Unmarshal([]byte(m), &mt)
		subject.MediaType = mt.MediaType
	}
	sigCfg := o.blob("team/app", ociConfig, []byte(`{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}`))
	sigLayer := o.blob("team/app", cosignLayer, []byte(`{"critical":{"image":{"docker-manifest-digest":"`+img+`"}}}`))
	sig := o.put("team/app", fallbackTag(img)+".sig", manifest{MediaType: ociManifest, Config: &sigCfg, Layers: []desc{sigLayer}})
	emptyApp := o.blob("team/app", ociEmpty, []byte("{}"))
	sbomLayer := o.blob("team/app", spdxType, []byte(`{"spdxVersion":"SPDX-2.3","name":"app"}`))
	sbom := o.put("team/app", "", manifest{MediaType: ociManifest, ArtifactType: spdxType, Config: &emptyApp, Layers: []desc{sbomLayer}, Subject: &subject})
	refIndex := o.put("team/app", fallbackTag(img), manifest{MediaType: ociIndex, Manifests: []desc{sbom}})
	// Hostile: a referrer whose subject does not exist.
	ghost := "sha256:" + strings.Repeat("9", 64)
	orphan := o.put("team/app", "", manifest{MediaType: ociManifest, ArtifactType: spdxType, Config: &emptyApp, Layers: []desc{sbomLayer},
		Subject: &desc{MediaType: ociManifest, Digest: ghost, Size: 100}})

	t.Run("kinds", func(t *testing.T) {
		for _, c := range []struct {
			repo, digest, kind, artifactType string
		}{
			{"team/app", img, apiv1.KindImage, "application/vnd.docker.container.image.v1+json"},
			{"team/app", multi.Digest, apiv1.KindIndex, ""},
			{"team/charts", chart.Digest, apiv1.KindHelmChart, helmConfig},
			{"team/things", thing.Digest, apiv1.KindArtifact, customType},
			{"team/app", sig.Digest, apiv1.KindSignature, ociConfig},
			{"team/app", sbom.Digest, apiv1.KindSBOM, spdxType},
			{"team/app", orphan.Digest, apiv1.KindSBOM, spdxType},
		} {
			m := e.waitManifest(c.repo, c.digest)
			if m.Kind != c.kind || m.ArtifactType != c.artifactType {
				t.Errorf("%s@%s: kind %q type %q, want %q %q", c.repo, c.digest, m.Kind, m.ArtifactType, c.kind, c.artifactType)
			}
		}
		m := e.waitManifest("team/app", multi.Digest)
		if !slices.Equal(m.Platforms, []string{"linux/amd64", "linux/arm64"}) || !slices.Equal(m.Tags, []string{"multi"}) {
			t.Errorf("index: platforms %v tags %v", m.Platforms, m.Tags)
		}
		tg, err := alice.GetTag(ctx, "team/charts", "0.1.0")
		if err != nil || tg.Kind != apiv1.KindHelmChart || tg.ArtifactType != helmConfig {
			t.Errorf("tag 0.1.0: %+v %v", tg, err)
		}
	})

	t.Run("chart details", func(t *testing.T) {
		m := e.waitManifest("team/charts", chart.Digest)
		want := apiv1.Chart{Name: "hello", Version: "0.1.0", AppVersion: "1.16.0", Description: "A Helm chart for Kubernetes"}
		if m.Chart == nil || *m.Chart != want {
			t.Errorf("chart = %+v, want %+v", m.Chart, want)
		}
		bad := e.waitManifest("team/charts", badChart.Digest)
		if bad.Kind != apiv1.KindHelmChart || bad.Chart != nil || !strings.Contains(bad.Problem, "chart config") {
			t.Errorf("chart with a YAML config: %+v", bad)
		}
		page, err := alice.ListRepositoriesWhere(ctx, client.RepositoryQuery{Kind: apiv1.KindHelmChart}, client.ListOptions{})
		if err != nil || len(page.Items) != 1 || page.Items[0].Name != "team/charts" {
			t.Errorf("repositories with charts: %+v %v", page.Items, err)
		}
	})

	t.Run("accessories grouped under their subject", func(t *testing.T) {
		e.waitManifest("team/app", sbom.Digest)
		e.waitManifest("team/app", sig.Digest)
		m, err := alice.GetManifest(ctx, "team/app", img)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range m.Accessories {
			got = append(got, a.Kind+" "+a.Digest)
		}
		slices.Sort(got)
		want := []string{"sbom " + sbom.Digest, "signature " + sig.Digest}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("accessories of the image = %v, want %v", got, want)
		}
		tags, err := alice.ListTags(ctx, "team/app", client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tg := range tags.Items {
			names = append(names, tg.Name)
		}
		if !slices.Equal(names, []string{"multi", "v1"}) {
			t.Errorf("tags = %v: fallback tags must not be listed", names)
		}
		rp, err := alice.GetRepository(ctx, "team/app")
		if err != nil || rp.TagCount != 2 {
			t.Errorf("tag_count = %d (%v), want 2", rp.TagCount, err)
		}
		o := e.waitManifest("team/app", orphan.Digest)
		if o.Subject != ghost {
			t.Errorf("referrer of a missing subject: %+v", o)
		}
	})

	t.Run("untagged manifests", func(t *testing.T) {
		page, err := alice.ListManifests(ctx, "team/app", client.ManifestQuery{Untagged: true}, client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range page.Items {
			got = append(got, m.Digest)
		}
		want := []string{platforms[0].Digest, platforms[1].Digest}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("untagged = %v, want the two platform manifests %v", got, want)
		}
		page, err = alice.ListManifests(ctx, "team/app", client.ManifestQuery{Kind: apiv1.KindIndex}, client.ListOptions{})
		if err != nil || len(page.Items) != 1 || page.Items[0].Digest != multi.Digest {
			t.Errorf("kind=index: %+v %v", page.Items, err)
		}
	})

	t.Run("HEAD is not a pull", func(t *testing.T) {
		waitPulls := func(want int64) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				rp, err := alice.GetRepository(ctx, "team/things")
				if err != nil {
					t.Fatal(err)
				}
				if rp.PullCount >= want {
					// Events arrive in order: what came before is counted.
					if rp.PullCount != want {
						t.Fatalf("pull_count = %d, want %d: a HEAD was counted", rp.PullCount, want)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("pull_count = %d, want %d", rp.PullCount, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		o.pull(http.MethodGet, "team/things", "v1")
		waitPulls(1)
		o.pull(http.MethodHead, "team/things", "v1")
		o.pull(http.MethodHead, "team/things", thing.Digest)
		o.pull(http.MethodGet, "team/things", "v1")
		waitPulls(2)
		time.Sleep(200 * time.Millisecond)
		waitPulls(2)
	})

	t.Run("deleting the subject deletes its accessories", func(t *testing.T) {
		if err := bob.DeleteManifest(ctx, "team/app", img); !client.IsForbidden(err) {
			t.Fatalf("bob deletes: %v, want 403", err)
		}
		if err := alice.DeleteManifest(ctx, "team/app", "sha256:nothex"); !client.IsInvalid(err) {
			t.Fatalf("bad digest: %v, want 400", err)
		}
		if err := alice.DeleteManifest(ctx, "team/app", img); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{img, sig.Digest, sbom.Digest, refIndex.Digest} {
			if e.manifestExists("team/app", d) {
				t.Errorf("registry still has %s", d)
			}
			if _, err := alice.GetManifest(ctx, "team/app", d); !client.IsNotFound(err) {
				t.Errorf("API still has %s: %v", d, err)
			}
		}
		if got := e.registryTags("team/app"); !slices.Equal(got, []string{"multi"}) {
			t.Errorf("registry tags = %v, want multi only (no fallback tags left)", got)
		}
		// The registry's delete events arrive after the answer: nothing
		// comes back.
		time.Sleep(300 * time.Millisecond)
		if _, err := alice.GetManifest(ctx, "team/app", sig.Digest); !client.IsNotFound(err) {
			t.Errorf("after the events: %v", err)
		}
	})

	t.Run("the sync removes orphaned accessories", func(t *testing.T) {
		rep, err := e.syncer.Run(ctx)
		if err != nil {
			t.Fatalf("sync: %v (%+v)", err, rep)
		}
		if rep.OrphansDeleted != 1 {
			t.Errorf("orphans deleted = %d, want 1 (%+v)", rep.OrphansDeleted, rep)
		}
		if e.manifestExists("team/app", orphan.Digest) {
			t.Error("the registry still has the orphaned referrer")
		}
		if _, err := alice.GetManifest(ctx, "team/app", orphan.Digest); !client.IsNotFound(err) {
			t.Errorf("the API still has the orphaned referrer: %v", err)
		}
		if m := e.waitManifest("team/app", multi.Digest); m.Kind != apiv1.KindIndex {
			t.Errorf("index after the sync: %+v", m)
		}
	})
}

// TestHelmCLI pushes a chart made by `helm package` with helm v4 (built
// from the module proxy once) and pulls it back: the API shows it as a
// chart with the details from its Chart.yaml.
func TestHelmCLI(t *testing.T) {
	e := start(t, true)
	ctx := t.Context()
	alice, _ := e.seed()
	helm := registry.Helm(t)
	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, helm, args...)
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home+"/config", "XDG_CACHE_HOME="+home+"/cache",
			"XDG_DATA_HOME="+home+"/data", "NO_PROXY=*", "no_proxy=*")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	chartDir := filepath.Join(home, "hello")
	if err := os.MkdirAll(filepath.Join(chartDir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	chartYAML := "apiVersion: v2\nname: hello\ndescription: A Helm chart for Kubernetes\ntype: application\nversion: 0.1.0\nappVersion: \"1.16.0\"\nicon: https://example.com/hello.png\n"
	if err := os.WriteFile(filepath.Join(chartDir, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(chartDir, "templates", "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("package", chartDir, "-d", home)
	run("registry", "login", e.ref, "-u", "admin", "-p", e.adminPW, "--plain-http")
	run("push", filepath.Join(home, "hello-0.1.0.tgz"), "oci://"+e.ref+"/team/charts", "--plain-http")
	var tg apiv1.Tag
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if tg, err = alice.GetTag(ctx, "team/charts/hello", "0.1.0"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pushed chart is not in the API: %v", err)
		}
	}
	m := e.waitManifest("team/charts/hello", tg.Digest)
	want := apiv1.Chart{Name: "hello", Version: "0.1.0", AppVersion: "1.16.0", Description: "A Helm chart for Kubernetes", Icon: "https://example.com/hello.png"}
	if m.Kind != apiv1.KindHelmChart || m.ArtifactType != helmConfig || m.Chart == nil || *m.Chart != want {
		t.Fatalf("helm push shows as %+v (chart %+v), want a helm-chart with %+v", m, m.Chart, want)
	}
	out := t.TempDir()
	run("pull", "oci://"+e.ref+"/team/charts/hello", "--version", "0.1.0", "--plain-http", "-d", out)
	if _, err := os.Stat(filepath.Join(out, "hello-0.1.0.tgz")); err != nil {
		t.Fatalf("helm pull: %v", err)
	}
}

// TestOrasCLI pushes an artifact with a custom type and attaches an SBOM
// to an image with oras (built from the module proxy once): on
// distribution v3.1.2, which has no referrers API, oras writes the
// referrers tag schema; the API groups the SBOM under the image, hides the
// fallback tag, and deleting the image removes both.
func TestOrasCLI(t *testing.T) {
	e := start(t, true)
	ctx := t.Context()
	alice, _ := e.seed()
	oras := registry.Oras(t)
	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, oras, args...)
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+home+"/docker", "NO_PROXY=*", "no_proxy=*")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("oras %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for name, body := range map[string]string{"thing.txt": "a thing", "sbom.spdx.json": `{"spdxVersion":"SPDX-2.3","name":"app"}`} {
		if err := os.WriteFile(filepath.Join(home, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("login", e.ref, "-u", "admin", "-p", e.adminPW, "--plain-http")
	run("push", "--plain-http", e.ref+"/team/things:v1", "--artifact-type", customType, "thing.txt")
	img := e.push("admin", "team/app:v1", "image")
	run("attach", "--plain-http", e.ref+"/team/app:v1", "--artifact-type", spdxType, "sbom.spdx.json")
	if out := run("discover", "--plain-http", e.ref+"/team/app:v1"); !strings.Contains(out, spdxType) {
		t.Fatalf("oras discover does not list the SBOM:\n%s", out)
	}

	var thing apiv1.Tag
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if thing, err = alice.GetTag(ctx, "team/things", "v1"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the oras push is not in the API: %v", err)
		}
	}
	if m := e.waitManifest("team/things", thing.Digest); m.Kind != apiv1.KindArtifact || m.ArtifactType != customType {
		t.Errorf("oras push shows as kind %q type %q", m.Kind, m.ArtifactType)
	}
	var accessories []apiv1.Accessory
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		m, err := alice.GetManifest(ctx, "team/app", img)
		if err == nil && len(m.Accessories) == 1 && m.Accessories[0].Kind == apiv1.KindSBOM {
			accessories = m.Accessories
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the image's accessories: %+v %v, want the SBOM", m.Accessories, err)
		}
	}
	if accessories[0].ArtifactType != spdxType {
		t.Errorf("accessory %+v", accessories[0])
	}
	if got := e.registryTags("team/app"); len(got) != 2 {
		t.Fatalf("registry tags %v: want v1 and oras's fallback tag", got)
	}
	tags, err := alice.ListTags(ctx, "team/app", client.ListOptions{})
	if err != nil || len(tags.Items) != 1 || tags.Items[0].Name != "v1" {
		t.Errorf("API tags %+v %v, want v1 only", tags.Items, err)
	}

	if err := alice.DeleteManifest(ctx, "team/app", img); err != nil {
		t.Fatal(err)
	}
	if got := e.registryTags("team/app"); len(got) != 0 {
		t.Errorf("registry tags after deleting the image: %v", got)
	}
	if e.manifestExists("team/app", accessories[0].Digest) {
		t.Error("the registry still has the SBOM")
	}
	if _, err := alice.GetManifest(ctx, "team/app", accessories[0].Digest); !client.IsNotFound(err) {
		t.Errorf("the API still has the SBOM: %v", err)
	}
}
