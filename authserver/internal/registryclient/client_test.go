package registryclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dockmaster/dockmaster/authserver/internal/registryclient"
)

// tokens records the scopes asked for and hands out "tok-N".
type tokens struct {
	mu    sync.Mutex
	asked [][]string
}

func (s *tokens) Token(ctx context.Context, scopes []string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, scopes)
	return "tok", nil
}

// registry challenges requests without "Bearer tok" like distribution does
// and answers DELETE and HEAD on manifests with status.
func registry(t *testing.T, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, _, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			action := "pull"
			if r.Method == http.MethodDelete {
				action = "delete"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="http://x/auth/token",service="reg",scope="repository:`+repo+`:`+action+`"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodHead && status == http.StatusOK {
			w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("a", 64))
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDeleteManifest(t *testing.T) {
	tests := []struct {
		status int
		want   error // nil: success; errAny: some other error
	}{
		{http.StatusAccepted, nil},
		{http.StatusNotFound, registryclient.ErrNotFound},
		{http.StatusMethodNotAllowed, registryclient.ErrDeleteDisabled},
		{http.StatusForbidden, registryclient.ErrDenied},
		{http.StatusInternalServerError, errAny},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv := registry(t, tc.status)
			ts := &tokens{}
			c, err := registryclient.New(srv.URL, registryclient.Options{Tokens: ts})
			if err != nil {
				t.Fatal(err)
			}
			err = c.DeleteManifest(t.Context(), "team/app", "v1")
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("err = %v", err)
			case tc.want == errAny:
				if err == nil || errors.Is(err, registryclient.ErrNotFound) || errors.Is(err, registryclient.ErrDeleteDisabled) {
					t.Fatalf("err = %v, want a plain failure", err)
				}
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			// One token, for pull and delete on the repository (plus the
			// challenge's own scope).
			if len(ts.asked) != 1 || !slices.Contains(ts.asked[0], "repository:team/app:pull,delete") {
				t.Fatalf("scopes asked = %v", ts.asked)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestManifestDigest(t *testing.T) {
	c, err := registryclient.New(registry(t, http.StatusOK).URL, registryclient.Options{Tokens: &tokens{}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.ManifestDigest(t.Context(), "team/app", "v1")
	if err != nil || d != "sha256:"+strings.Repeat("a", 64) {
		t.Fatalf("digest = %q, %v", d, err)
	}
}

func TestInvalidReferencesNeverReachTheRegistry(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	c, _ := registryclient.New(srv.URL, registryclient.Options{})
	for _, ref := range [][2]string{{"team/app", "../../_catalog"}, {"Team/App", "v1"}, {"team/app", "v1?x=y"}, {"team/app", "sha256:../x"}} {
		if err := c.DeleteManifest(t.Context(), ref[0], ref[1]); err == nil {
			t.Errorf("delete %v: no error", ref)
		}
	}
	if hits != 0 {
		t.Fatalf("%d requests reached the registry", hits)
	}
}
