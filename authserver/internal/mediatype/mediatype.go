// Package mediatype knows which media types are image manifests and indexes:
// the events receiver records only those, and the registry client asks for
// them when it resolves a tag. It imports nothing of ours so both can use it.
package mediatype

import (
	"mime"
	"slices"
	"strings"
)

// Manifests are the Docker and OCI manifest and index media types:
// events for anything else (blobs, layers, configs) are ignored.
var Manifests = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
	"application/vnd.docker.distribution.manifest.v1+json",
}

// IsManifest reports whether mt (parameters allowed) is one of Manifests.
func IsManifest(mt string) bool { return IsManifestBase(Base(mt)) }

// Base is mt without parameters (lowercased by the parser), or mt as it is
// when it does not parse.
func Base(mt string) string {
	if base, _, err := mime.ParseMediaType(mt); err == nil {
		return base
	}
	return mt
}

// IsManifestBase is IsManifest of a Base result, for callers that keep the
// base to store it (parsing once).
func IsManifestBase(base string) bool {
	return slices.Contains(Manifests, strings.ToLower(strings.TrimSpace(base)))
}
