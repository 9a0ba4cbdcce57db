package mediatype

import (
	"slices"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, artifactType string
		layers                       []string
		want                         string
	}{
		{"oci image", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.config.v1+json", []string{"application/vnd.oci.image.layer.v1.tar+gzip"}, KindImage},
		{"docker image", DockerManifest, DockerConfig, nil, KindImage},
		{"schema1", "application/vnd.docker.distribution.manifest.v1+prettyjws", "", nil, KindImage},
		{"oci index", "application/vnd.oci.image.index.v1+json", "", nil, KindIndex},
		{"docker list", DockerManifestList, "", nil, KindIndex},
		{"index with artifact type", "application/vnd.oci.image.index.v1+json", "application/spdx+json", nil, KindSBOM},
		{"helm", "application/vnd.oci.image.manifest.v1+json", HelmConfig, []string{"application/vnd.cncf.helm.chart.content.v1.tar+gzip"}, KindHelmChart},
		{"helm with params", "application/vnd.oci.image.manifest.v1+json", "Application/Vnd.Cncf.Helm.Config.V1+json; x=y", nil, KindHelmChart},
		{"notation", "application/vnd.oci.image.manifest.v1+json", NotarySignature, nil, KindSignature},
		{"sigstore bundle", "application/vnd.oci.image.manifest.v1+json", "application/vnd.dev.sigstore.bundle.v0.3+json", nil, KindSignature},
		{"cosign legacy sig", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.config.v1+json", []string{CosignSimpleSign}, KindSignature},
		{"cosign legacy att", DockerManifest, DockerConfig, []string{DSSEEnvelope}, KindAttestation},
		{"spdx", "application/vnd.oci.image.manifest.v1+json", "application/spdx+json", nil, KindSBOM},
		{"cyclonedx", "application/vnd.oci.image.manifest.v1+json", "application/vnd.cyclonedx+json", nil, KindSBOM},
		{"sbom layer", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.config.v1+json", []string{"text/spdx"}, KindSBOM},
		{"in-toto", "application/vnd.oci.image.manifest.v1+json", "application/vnd.in-toto+json", nil, KindAttestation},
		{"custom", "application/vnd.oci.image.manifest.v1+json", "application/vnd.example.thing.v1", nil, KindArtifact},
		{"empty config", "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.empty.v1+json", nil, KindArtifact},
		{"nothing", "application/vnd.oci.image.manifest.v1+json", "", nil, KindArtifact},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Classify(tc.manifest, tc.artifactType, tc.layers); got != tc.want {
				t.Errorf("Classify(%q, %q, %v) = %q, want %q", tc.manifest, tc.artifactType, tc.layers, got, tc.want)
			}
		})
	}
}

const sub = "sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestInspect(t *testing.T) {
	for _, tc := range []struct {
		name, mt, body string
		kind, at, subj string
		platforms      []string
		err            bool
	}{
		{name: "helm", mt: "application/vnd.oci.image.manifest.v1+json",
			body: `{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"` + sub + `","size":117},"layers":[]}`,
			kind: KindHelmChart, at: HelmConfig},
		{name: "artifact with subject", mt: "application/vnd.oci.image.manifest.v1+json",
			body: `{"schemaVersion":2,"artifactType":"application/spdx+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` + sub + `","size":2},"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + sub + `","size":5}}`,
			kind: KindSBOM, at: "application/spdx+json", subj: sub},
		{name: "bad subject digest ignored", mt: "application/vnd.oci.image.manifest.v1+json",
			body: `{"schemaVersion":2,"artifactType":"x/y","subject":{"digest":"sha256:nothex"}}`, kind: KindArtifact, at: "x/y"},
		{name: "index", mt: "application/vnd.oci.image.index.v1+json",
			body: `{"schemaVersion":2,"manifests":[{"digest":"` + sub + `","platform":{"os":"linux","architecture":"amd64"}},{"digest":"` + sub + `","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},{"digest":"` + sub + `"}]}`,
			kind: KindIndex, platforms: []string{"linux/amd64", "linux/arm64/v8"}},
		{name: "body media type wins", mt: "application/octet-stream",
			body: `{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`, kind: KindIndex},
		{name: "not json", mt: "application/vnd.oci.image.manifest.v1+json", body: `<html>`, err: true},
		{name: "too large", mt: "application/vnd.oci.image.manifest.v1+json", body: `{"a":"` + strings.Repeat("x", MaxManifestBytes) + `"}`, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Inspect(tc.mt, []byte(tc.body))
			if tc.err {
				if err == nil {
					t.Fatalf("Inspect = %+v, want an error", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != tc.kind || a.ArtifactType != tc.at || a.Subject != tc.subj || !slices.Equal(a.Platforms, tc.platforms) {
				t.Errorf("Inspect = %+v, want kind %q type %q subject %q platforms %v", a, tc.kind, tc.at, tc.subj, tc.platforms)
			}
		})
	}
}

func TestParseChart(t *testing.T) {
	c, err := ParseChart([]byte(`{"name":"hello","version":"0.1.0","appVersion":"1.16.0","description":"A Helm chart","icon":"https://example.com/i.png","apiVersion":"v2","type":"application"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c != (Chart{Name: "hello", Version: "0.1.0", AppVersion: "1.16.0", Description: "A Helm chart", Icon: "https://example.com/i.png"}) {
		t.Errorf("chart = %+v", c)
	}
	for _, bad := range []string{"name: hello", "", `{"name":"` + strings.Repeat("x", MaxConfigBytes) + `"}`} {
		if _, err := ParseChart([]byte(bad)); err == nil {
			t.Errorf("ParseChart(%.20q) succeeded", bad)
		}
	}
	c, _ = ParseChart([]byte(`{"name":"` + strings.Repeat("n", 5000) + `"}`))
	if len(c.Name) != maxChartField {
		t.Errorf("name kept %d bytes", len(c.Name))
	}
}

func TestFallbackSubject(t *testing.T) {
	hex := strings.TrimPrefix(sub, "sha256:")
	for tag, want := range map[string]string{
		"sha256-" + hex:                  sub,
		"sha256-" + hex + ".sig":         sub,
		"sha256-" + hex + ".sbom":        sub,
		"sha256-" + hex[:63]:             "",
		"sha256-" + strings.ToUpper(hex): "",
		"latest":                         "",
		"sha256-":                        "",
	} {
		got, ok := FallbackSubject(tag)
		if got != want || ok != (want != "") {
			t.Errorf("FallbackSubject(%q) = %q, %v; want %q", tag, got, ok, want)
		}
	}
	if p := FallbackTagPrefix(sub); p != "sha256-"+hex {
		t.Errorf("prefix = %q", p)
	}
	if p := FallbackTagPrefix("nope"); p != "" {
		t.Errorf("prefix = %q", p)
	}
}
