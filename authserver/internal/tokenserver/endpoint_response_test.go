package tokenserver

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestTokenResponseEncoding(t *testing.T) {
	for _, r := range []tokenResponse{
		{},
		{Token: "a.b.c", AccessToken: "a.b.c", ExpiresIn: 300, IssuedAt: "2026-11-28T10:00:00Z"},
		{Token: "x", AccessToken: "x", ExpiresIn: -1, IssuedAt: "t", RefreshToken: "r_abc-DEF",
			Scope: "repository:team/app:pull,push repository(plugin):a/b:* registry:catalog:*"},
		{Token: "x", AccessToken: "y", Scope: "odd \"quoted\" \\ <tag> & \x00\x1f \u2028 é \xff"},
	} {
		var want bytes.Buffer
		_ = json.NewEncoder(&want).Encode(r)
		if got := appendTokenResponse(nil, &r); string(got) != want.String() {
			t.Errorf("appendTokenResponse:\n got %q\nwant %q", got, want.String())
		}
		w := httptest.NewRecorder()
		writeTokenResponse(w, &r)
		if w.Body.String() != want.String() || w.Header().Get("Content-Type") != "application/json" ||
			w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("Pragma") != "no-cache" {
			t.Errorf("writeTokenResponse: %q %v", w.Body, w.Header())
		}
	}
}
