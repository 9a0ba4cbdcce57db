package mediatype

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Kinds of artifact, as the store and the API name them.
const (
	KindImage       = "image"
	KindIndex       = "index"
	KindHelmChart   = "helm-chart"
	KindSignature   = "signature"
	KindSBOM        = "sbom"
	KindAttestation = "attestation"
	KindArtifact    = "artifact"
	// KindUnknown: the manifest could not be read (too large, not JSON, the
	// registry refused) or has not been read yet.
	KindUnknown = "unknown"
)

// Kinds is every kind, for validation and documentation.
var Kinds = []string{KindImage, KindIndex, KindHelmChart, KindSignature, KindSBOM, KindAttestation, KindArtifact, KindUnknown}

// Media types that are not in image-spec.
const (
	DockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerConfig       = "application/vnd.docker.container.image.v1+json"
	HelmConfig         = "application/vnd.cncf.helm.config.v1+json"
	CosignSimpleSign   = "application/vnd.dev.cosign.simplesigning.v1+json"
	NotarySignature    = "application/vnd.cncf.notary.signature"
	SigstoreBundle     = "application/vnd.dev.sigstore.bundle"
	InToto             = "application/vnd.in-toto"
	DSSEEnvelope       = "application/vnd.dsse.envelope.v1+json"
)

// MaxManifestBytes caps a manifest read for classification: the registry's
// own limit is 4 MiB; anything bigger is recorded as unknown.
const MaxManifestBytes = 4 << 20

// MaxConfigBytes caps a config blob read for chart details (a Chart.yaml as
// JSON is a few KiB).
const MaxConfigBytes = 64 << 10

// Artifact is what the manifest itself tells about an artifact.
type Artifact struct {
	// ArtifactType is the manifest's artifactType, else its config media
	// type (an index without one: "").
	ArtifactType string
	Kind         string
	// Subject is the digest the manifest refers to (OCI 1.1 subject), "".
	Subject string
	// Platforms of an index ("linux/amd64", "linux/arm64/v8"), in order.
	Platforms []string
	// Config is the config descriptor of an image manifest (charts: the
	// Chart.yaml as JSON).
	Config ocispec.Descriptor
}

// IsIndex reports whether mt is an OCI index or a Docker manifest list.
func IsIndex(mt string) bool {
	mt = Base(mt)
	return mt == ocispec.MediaTypeImageIndex || mt == DockerManifestList
}

// Classify derives the kind from an artifact type (artifactType or config
// media type), the manifest's media type and its layers' media types (cosign
// signs with an image config and a simple-signing layer). It is pure.
func Classify(manifestType, artifactType string, layerTypes []string) string {
	at := strings.ToLower(Base(artifactType))
	if at == "" && IsIndex(manifestType) {
		return KindIndex
	}
	switch {
	case at == HelmConfig:
		return KindHelmChart
	case at == NotarySignature, strings.HasPrefix(at, SigstoreBundle), at == CosignSimpleSign:
		return KindSignature
	case isSBOM(at):
		return KindSBOM
	case strings.HasPrefix(at, InToto), at == DSSEEnvelope:
		return KindAttestation
	case at == ocispec.MediaTypeImageConfig, at == DockerConfig:
		// Cosign's legacy signatures and attestations are images whose
		// layers say what they are.
		for _, l := range layerTypes {
			switch l := strings.ToLower(Base(l)); {
			case l == CosignSimpleSign:
				return KindSignature
			case l == DSSEEnvelope, strings.HasPrefix(l, InToto):
				return KindAttestation
			case isSBOM(l):
				return KindSBOM
			}
		}
		return KindImage
	case at == "" && Base(manifestType) == "application/vnd.docker.distribution.manifest.v1+json",
		at == "" && Base(manifestType) == "application/vnd.docker.distribution.manifest.v1+prettyjws":
		return KindImage
	}
	return KindArtifact
}

func isSBOM(t string) bool {
	for _, p := range []string{"application/spdx", "text/spdx", "application/vnd.spdx", "application/vnd.cyclonedx",
		"application/vnd.syft", "application/vnd.dev.cosign.artifact.sbom"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// wireManifest holds the fields of every manifest and index format we read.
type wireManifest struct {
	MediaType    string               `json:"mediaType"`
	ArtifactType string               `json:"artifactType"`
	Config       *ocispec.Descriptor  `json:"config"`
	Layers       []ocispec.Descriptor `json:"layers"`
	Manifests    []ocispec.Descriptor `json:"manifests"`
	Subject      *ocispec.Descriptor  `json:"subject"`
	FSLayers     []json.RawMessage    `json:"fsLayers"` // schema 1
	Annotations  map[string]string    `json:"annotations"`
	Blobs        []ocispec.Descriptor `json:"blobs"` // the old OCI artifact manifest
}

// ErrNotManifest: the body is not a manifest we can read.
var ErrNotManifest = errors.New("not a readable manifest")

// Inspect reads a manifest body of media type mt (from the registry's
// Content-Type; the body's own mediaType wins when set). It is pure.
func Inspect(mt string, body []byte) (Artifact, error) {
	if len(body) > MaxManifestBytes {
		return Artifact{}, fmt.Errorf("%w: larger than %d bytes", ErrNotManifest, MaxManifestBytes)
	}
	var m wireManifest
	if err := json.Unmarshal(body, &m); err != nil {
		return Artifact{}, fmt.Errorf("%w: %w", ErrNotManifest, err)
	}
	if m.MediaType != "" {
		mt = m.MediaType
	}
	var a Artifact
	a.ArtifactType = Base(m.ArtifactType)
	if m.Subject != nil && m.Subject.Digest.Validate() == nil {
		a.Subject = m.Subject.Digest.String()
	}
	var layers []string
	for _, l := range m.Layers {
		layers = append(layers, l.MediaType)
	}
	if IsIndex(mt) {
		for _, d := range m.Manifests {
			if d.Platform != nil && d.Platform.OS != "" {
				p := d.Platform.OS + "/" + d.Platform.Architecture
				if d.Platform.Variant != "" {
					p += "/" + d.Platform.Variant
				}
				a.Platforms = append(a.Platforms, p)
			}
		}
	} else if m.Config != nil {
		a.Config = *m.Config
		if a.ArtifactType == "" {
			a.ArtifactType = Base(m.Config.MediaType)
		}
	}
	a.Kind = Classify(mt, a.ArtifactType, layers)
	return a, nil
}

// Chart is what the API shows of a Helm chart: its config blob is the
// Chart.yaml as JSON.
type Chart struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion,omitempty"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// maxChartField bounds each chart field kept.
const maxChartField = 1024

// ParseChart reads a Helm chart's config blob. It is pure.
func ParseChart(body []byte) (Chart, error) {
	var c Chart
	if len(body) > MaxConfigBytes {
		return c, fmt.Errorf("chart config larger than %d bytes", MaxConfigBytes)
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return Chart{}, fmt.Errorf("chart config: %w", err)
	}
	for _, f := range []*string{&c.Name, &c.Version, &c.AppVersion, &c.Description, &c.Icon} {
		if len(*f) > maxChartField {
			*f = strings.ToValidUTF8((*f)[:maxChartField], "")
		}
	}
	return c, nil
}

// fallbackTagRE is the referrers tag schema (OCI distribution 1.1) and
// cosign's tags: sha256-<hex>[.suffix].
var fallbackTagRE = regexp.MustCompile(`^(sha256|sha512)-([a-f0-9]{64}|[a-f0-9]{128})(\.[A-Za-z0-9_-]{1,60})?$`)

// FallbackSubject returns the subject digest a referrers-fallback tag (or a
// cosign .sig/.att/.sbom tag) names; ok is false for any other tag.
func FallbackSubject(tag string) (string, bool) {
	m := fallbackTagRE.FindStringSubmatch(tag)
	if m == nil {
		return "", false
	}
	d := digest.Digest(m[1] + ":" + m[2])
	if d.Validate() != nil {
		return "", false
	}
	return d.String(), true
}

// FallbackTagPrefix is the prefix every fallback tag of subject starts with
// ("sha256-<hex>"), "" for a digest that is not valid.
func FallbackTagPrefix(subject string) string {
	d, err := digest.Parse(subject)
	if err != nil {
		return ""
	}
	return d.Algorithm().String() + "-" + d.Encoded()
}
