package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var paramRE = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// samplePath fills a pattern's wildcards with plausible values.
func samplePath(pattern string) string {
	return paramRE.ReplaceAllStringFunc(pattern, func(m string) string {
		switch strings.Trim(m, "{}.") {
		case "kind":
			return "user"
		case "tag":
			return "latest"
		case "id":
			return "0123456789abcdef"
		}
		return "sample"
	})
}

type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// TestOpenAPIMatchesRoutes proves the document and the mux agree: every
// operation in the document is served (not answered by the catch-all), and
// every route the mux serves is in the document.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	r := h.do(anon, "GET", "/api/v1/openapi.json", nil)
	expect(t, r, http.StatusOK, "")
	var doc openAPIDoc
	r.decode(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}

	served := map[string]bool{}
	for _, rt := range h.api.Routes() {
		served[rt.Method+" "+paramRE.ReplaceAllString(rt.Pattern, "{$1}")] = true
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(documented)
	if len(documented) != len(served) {
		t.Errorf("%d documented operations, %d routes", len(documented), len(served))
	}
	for k := range served {
		if _, ok := doc.Paths[strings.SplitN(k, " ", 2)[1]][strings.ToLower(strings.SplitN(k, " ", 2)[0])]; !ok {
			t.Errorf("route %s is not documented", k)
		}
	}
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		body := any(nil)
		if method == "POST" || method == "PATCH" {
			body = "{}"
		}
		res := h.do(h.admin, method, samplePath(path), body)
		if e := res.err(); res.status == http.StatusMethodNotAllowed || strings.HasPrefix(e.Message, "no such route") {
			t.Errorf("documented %s is not served: %d %s", op, res.status, res.body)
		}
	}
	// The catch-all answers unknown paths and methods in JSON.
	expect(t, h.do(h.admin, "GET", "/api/v1/nothing-here", nil), http.StatusNotFound, "")
	res := h.do(h.admin, "PUT", "/api/v1/teams", "{}")
	expect(t, res, http.StatusMethodNotAllowed, "")
	if res.header.Get("Allow") == "" {
		t.Fatal("405 without Allow")
	}
}
