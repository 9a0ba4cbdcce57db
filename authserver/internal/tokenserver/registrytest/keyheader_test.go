//go:build unix

package registrytest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dockmaster/dockmaster/authserver/internal/token"
	"github.com/dockmaster/dockmaster/internal/apiv1"
	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

// TestKeyHeaderModes: tokens from the token endpoint in each key header
// mode, against the real registry given each key source alone, before and
// after a key rotation. kid mode verifies with rootcertbundle alone and with
// jwks alone; x5c mode with rootcertbundle alone, and a registry given only
// jwks refuses it (it tries x5c first and needs it to chain to a
// rootcertbundle it does not have) — which is why kid is the default.
func TestKeyHeaderModes(t *testing.T) {
	for _, mode := range token.KeyHeaders() {
		t.Run(mode, func(t *testing.T) {
			e := startWith(t, mode)
			ctx := context.Background()
			_, err := e.admin.CreateUser(ctx, apiv1.CreateUser{Username: "alice", Password: userPW})
			e.mustAPI("create alice", err)

			// want says whether a registry given source alone accepts tokens
			// of this mode.
			want := func(source string) bool { return mode == token.KeyHeaderKID || source == keySourceBundle }
			check := func(phase string, regs map[string]*registry.Registry, toks map[string]string) {
				t.Helper()
				for source, reg := range regs {
					for name, tok := range toks {
						got := e.bearerStatus(reg, tok) != http.StatusUnauthorized
						if got != want(source) {
							t.Errorf("%s: %s token with %s alone: accepted=%v, want %v\nheader %s",
								phase, name, source, got, want(source), tokenHeader(t, tok))
						}
					}
				}
			}

			before := e.userToken("alice")
			kidBefore := e.checkHeader(before, mode)
			regs := map[string]*registry.Registry{
				keySourceBundle: e.startRegistryWith(keySourceBundle),
				keySourceJWKS:   e.startRegistryWith(keySourceJWKS),
			}
			check("before rotation", regs, map[string]string{"current key": before})

			if _, err := e.kr.Rotate(ctx, token.KeySpec{Alg: token.AlgES256}, time.Now()); err != nil {
				t.Fatal(err)
			}
			// The operator exports again and restarts the registries.
			regs = map[string]*registry.Registry{
				keySourceBundle: e.startRegistryWith(keySourceBundle),
				keySourceJWKS:   e.startRegistryWith(keySourceJWKS),
			}
			after := e.userToken("alice")
			if kidAfter := e.checkHeader(after, mode); kidAfter == kidBefore {
				t.Fatal("still signing with the old key after rotation")
			}
			check("after rotation", regs, map[string]string{"rotated-out key": before, "new key": after})

			if mode == token.KeyHeaderKID {
				// A real client through the challenge, with jwks alone.
				e.reg = regs[keySourceJWKS]
				e.login("alice", "alice", userPW)
				e.ok("crane push, kid mode, jwks alone", e.push("alice", e.ref("alice/app:v1"), "kid mode"))
				e.ok("crane pull, kid mode, jwks alone", e.crn("alice", "digest", e.ref("alice/app:v1")))
			}
		})
	}
}

// userToken gets a pull+push token for alice/app from the token endpoint.
func (e *env) userToken(user string) string {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/auth/token?service="+service+"&scope=repository:alice/app:pull,push", nil)
	req.SetBasicAuth(user, userPW)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("token: %s", res.Status)
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(res, &body); err != nil {
		e.t.Fatal(err)
	}
	return body.Token
}

// bearerStatus is the registry's answer to GET tags/list with tok: 401 when
// the token is refused (404 NAME_UNKNOWN or 200 when it is accepted).
func (e *env) bearerStatus(reg *registry.Registry, tok string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, reg.URL+"/v2/alice/app/tags/list", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// checkHeader asserts the token header is exactly what mode promises and
// returns its kid.
func (e *env) checkHeader(tok, mode string) string {
	e.t.Helper()
	var h map[string]any
	if err := json.Unmarshal([]byte(tokenHeader(e.t, tok)), &h); err != nil {
		e.t.Fatal(err)
	}
	kid, _ := h["kid"].(string)
	signer, err := e.kr.Signer(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if kid != signer.KID {
		e.t.Errorf("kid %q, want the signing key's %q", kid, signer.KID)
	}
	x5c, hasX5C := h["x5c"].([]any)
	switch mode {
	case token.KeyHeaderKID:
		if hasX5C || len(h) != 3 {
			e.t.Errorf("kid mode header %v, want alg, typ and kid only", h)
		}
	case token.KeyHeaderX5C:
		if !hasX5C || len(x5c) != 1 || x5c[0] != base64.StdEncoding.EncodeToString(signer.Cert.Raw) {
			e.t.Errorf("x5c mode header %v, want the signing key's certificate", h)
		}
	}
	return kid
}

func tokenHeader(t *testing.T, raw string) string {
	t.Helper()
	h, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
