package registry

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Tar is a tar archive holding one file, name, with content (fixed mode
// and time, so the same content gives the same digest).
func Tar(t testing.TB, name string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Layer writes a one-file image layer with content (distinct content:
// distinct digest) into a temporary file and returns its path, for
// `crane append -f`.
func Layer(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(path, Tar(t, "hello.txt", []byte(content)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
