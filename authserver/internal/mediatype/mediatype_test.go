package mediatype_test

import (
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/mediatype"
)

func TestManifests(t *testing.T) {
	for _, mt := range mediatype.Manifests {
		if !mediatype.IsManifest(mt) {
			t.Errorf("%s not a manifest type", mt)
		}
	}
	if !mediatype.IsManifest("application/vnd.oci.image.index.v1+json; charset=utf-8") {
		t.Error("parameters not allowed")
	}
	layerMT := "application/vnd.oci.image.layer.v1.tar+gzip"
	for _, mt := range []string{"", layerMT, "application/octet-stream", "application/vnd.oci.image.config.v1+json"} {
		if mediatype.IsManifest(mt) {
			t.Errorf("%q taken for a manifest type", mt)
		}
	}
}
