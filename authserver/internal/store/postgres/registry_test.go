package postgres_test

import (
	"os"
	"strings"
	"testing"
)

// registry.go is shared with the sqlite package like the other method files.
func TestRegistryFileIdentical(t *testing.T) {
	pg, err := os.ReadFile("registry.go")
	if err != nil {
		t.Fatal(err)
	}
	lite, err := os.ReadFile("../sqlite/registry.go")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Replace(string(pg), "package postgres\n", "package sqlite\n", 1) != string(lite) {
		t.Error("registry.go differs from ../sqlite/registry.go: copy it (changing only the package clause)")
	}
}
