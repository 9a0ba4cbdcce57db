package main

import (
	"net/http"
	"os"
	"testing"
	"time"
)

// TestProcCPU: our own CPU time grows after busy work.
func TestProcCPU(t *testing.T) {
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for end := time.Now().Add(150 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	after, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := after - before; d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("CPU grew by %s over 150ms of busy work (x=%d)", d, x)
	}
	if _, err := procCPU(-1); err == nil {
		t.Error("no error for a missing process")
	}
}

// TestRegistryLoadRequest: the registry mode sends Method with the bearer.
func TestRegistryLoadRequest(t *testing.T) {
	mk, err := LoadConfig{Mode: "registry", Method: http.MethodHead, URL: "http://127.0.0.1:1/v2/a/manifests/v1", Bearer: "tok"}.requestFunc()
	if err != nil {
		t.Fatal(err)
	}
	req, err := mk(0)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != http.MethodHead || req.Header.Get("Authorization") != "Bearer tok" || req.Header.Get("Accept") == "" {
		t.Errorf("request %s %v", req.Method, req.Header)
	}
}
