//go:build unix

package token

// The proof that the real registry (distribution v3.1.2) accepts what the
// Minter signs, refuses every forgery of security.md item 10, and keeps
// accepting tokens of a rotated-out key while it is published.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dockmaster/dockmaster/internal/testutil/registry"
)

const (
	testIssuer  = "dockmaster-test-issuer"
	testService = "dockmaster-test-registry"
	testRepo    = "test/app"
)

var fullGrant = Claims{
	Subject: "alice",
	Service: testService,
	Access: []ResourceActions{
		{Type: "repository", Name: testRepo, Actions: []string{"pull", "push"}},
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
	},
}

// realmServer is a token endpoint granting whatever is asked (the test is
// about signatures, not policy). It records the scopes it was asked for.
type realmServer struct {
	*httptest.Server
	Realm string

	mu     sync.Mutex
	scopes []string
}

func startRealm(t *testing.T, m *Minter) *realmServer {
	t.Helper()
	rs := &realmServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/auth/token" {
			http.NotFound(w, r)
			return
		}
		c := Claims{Subject: "crane-user", Service: r.URL.Query().Get("service")}
		for _, param := range r.URL.Query()["scope"] {
			for _, s := range strings.Fields(param) {
				rs.mu.Lock()
				rs.scopes = append(rs.scopes, s)
				rs.mu.Unlock()
				typ, rest, ok1 := strings.Cut(s, ":")
				i := strings.LastIndex(rest, ":")
				if !ok1 || i < 0 {
					continue
				}
				c.Access = append(c.Access, ResourceActions{Type: typ, Name: rest[:i], Actions: strings.Split(rest[i+1:], ",")})
			}
		}
		tok, err := m.MintToken(r.Context(), c)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"token": tok.Raw, "access_token": tok.Raw,
			"expires_in": int(tok.ExpiresAt.Sub(tok.IssuedAt).Seconds()),
			"issued_at":  tok.IssuedAt.Format(time.RFC3339),
		})
	}))
	t.Cleanup(rs.Close)
	// crane refuses a realm on a loopback IP literal: name it localhost.
	_, port, _ := net.SplitHostPort(rs.Listener.Addr().String())
	rs.Realm = "http://localhost:" + port + "/auth/token"
	return rs
}

func (rs *realmServer) Scopes() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.scopes...)
}

// do sends one request with a bearer token and returns the status.
func do(t *testing.T, method, u, bearer, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header, b
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pushBlob uploads b (POST then PUT) and returns the status of the PUT.
func pushBlob(t *testing.T, reg *registry.Registry, bearer string, b []byte) int {
	t.Helper()
	code, h, body := do(t, http.MethodPost, reg.URL+"/v2/"+testRepo+"/blobs/uploads/", bearer, "", nil)
	if code != http.StatusAccepted {
		t.Fatalf("start upload: %d %s", code, body)
	}
	loc, err := url.Parse(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	if loc, err = loc.Parse(h.Get("Location")); err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", digestOf(b))
	loc.RawQuery = q.Encode()
	code, _, body = do(t, http.MethodPut, loc.String(), bearer, "application/octet-stream", b)
	if code != http.StatusCreated {
		t.Fatalf("finish upload: %d %s", code, body)
	}
	return code
}

// pushImage writes a small random OCI image as testRepo:tag through the API.
func pushImage(t *testing.T, reg *registry.Registry, bearer, tag string) string {
	t.Helper()
	layer := make([]byte, 1024)
	_, _ = rand.Read(layer)
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digestOf(layer) + `"]}}`)
	pushBlob(t, reg, bearer, layer)
	pushBlob(t, reg, bearer, config)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digestOf(config), "size": len(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digestOf(layer), "size": len(layer)}},
	})
	code, _, body := do(t, http.MethodPut, reg.URL+"/v2/"+testRepo+"/manifests/"+tag, bearer, "application/vnd.oci.image.manifest.v1+json", manifest)
	if code != http.StatusCreated {
		t.Fatalf("put manifest: %d %s", code, body)
	}
	code, _, body = do(t, http.MethodGet, reg.URL+"/v2/"+testRepo+"/manifests/"+tag, bearer, "", nil)
	if code != http.StatusOK || !bytes.Equal(body, manifest) {
		t.Fatalf("get manifest: %d %s", code, body)
	}
	return digestOf(manifest)
}

// access reports whether the registry lets bearer pull and push testRepo:
// pull = GET tags/list not 401, push = POST blobs/uploads/ is 202.
func access(t *testing.T, reg *registry.Registry, bearer string) (pull, push bool) {
	t.Helper()
	code, _, body := do(t, http.MethodGet, reg.URL+"/v2/"+testRepo+"/tags/list", bearer, "", nil)
	switch code {
	case http.StatusOK, http.StatusNotFound:
		pull = true
	case http.StatusUnauthorized:
	default:
		t.Fatalf("tags/list: unexpected %d %s", code, body)
	}
	code, _, body = do(t, http.MethodPost, reg.URL+"/v2/"+testRepo+"/blobs/uploads/", bearer, "", nil)
	switch code {
	case http.StatusAccepted:
		push = true
	case http.StatusUnauthorized:
	default:
		t.Fatalf("blobs/uploads: unexpected %d %s", code, body)
	}
	return pull, push
}

func wantAccepted(t *testing.T, reg *registry.Registry, name, bearer string) {
	t.Helper()
	if pull, push := access(t, reg, bearer); !pull || !push {
		t.Errorf("%s: pull=%v push=%v, want both accepted\nheader %s", name, pull, push, tokenHeader(bearer))
	}
}

func wantRefused(t *testing.T, reg *registry.Registry, name, bearer string) {
	t.Helper()
	if pull, push := access(t, reg, bearer); pull || push {
		t.Errorf("%s: pull=%v push=%v, want 401 for both\nheader %s", name, pull, push, tokenHeader(bearer))
	}
}

func tokenHeader(raw string) string {
	h, _, _ := strings.Cut(raw, ".")
	b, _ := base64.RawURLEncoding.DecodeString(h)
	return string(b)
}

// forge signs claims with an arbitrary header and key (nil key: no signature).
func forge(t *testing.T, header map[string]any, claims any, method jwt.SigningMethod, key any) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	cb, _ := json.Marshal(claims)
	input := b64(hb) + "." + b64(cb)
	if method == nil {
		return input + "."
	}
	sig, err := method.Sign(input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func validClaims(sub string) *claimSet {
	now := time.Now()
	return &claimSet{
		Issuer: testIssuer, Subject: sub, Audience: testService,
		IssuedAt: now.Unix(), NotBefore: now.Add(-5 * time.Second).Unix(), Expiration: now.Add(5 * time.Minute).Unix(),
		JWTID: "forged", Access: fullGrant.Access,
	}
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture: a keyring rotated RS256 -> EdDSA -> ES256 (all published), and
// tokens minted by each key while it was current, with and without x5c.
type fixture struct {
	kr      *Keyring
	keys    []*Key            // oldest first
	minted  map[string]string // "<alg>/x5c" or "<alg>/kid" -> token
	current *Key
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{kr: NewKeyring(NewMemoryKeyStore(), testIssuer), minted: map[string]string{}}
	withX5C, err := NewMinter(f.kr, MinterConfig{Issuer: testIssuer, KeyHeader: KeyHeaderX5C})
	if err != nil {
		t.Fatal(err)
	}
	kidOnly, _ := NewMinter(f.kr, MinterConfig{Issuer: testIssuer, KeyHeader: KeyHeaderKID})
	for i, alg := range []string{AlgRS256, AlgEdDSA, AlgES256} {
		k, err := f.kr.Rotate(ctx, KeySpec{Alg: alg}, time.Now().Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		f.keys = append(f.keys, k)
		if f.minted[alg+"/x5c"], err = withX5C.Mint(ctx, fullGrant); err != nil {
			t.Fatal(err)
		}
		if f.minted[alg+"/kid"], err = kidOnly.Mint(ctx, fullGrant); err != nil {
			t.Fatal(err)
		}
	}
	f.current = f.keys[len(f.keys)-1]
	return f
}

// TestRealRegistry runs the registry with each key source and checks what it
// accepts and refuses.
func TestRealRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real registry")
	}
	bin := registry.Binary(t)
	f := newFixture(t)
	ctx := context.Background()
	lifetime := DefaultLifetime
	published, err := f.kr.Published(ctx, time.Now(), lifetime)
	if err != nil || len(published) != 3 {
		t.Fatalf("published %d keys: %v", len(published), err)
	}
	jwks, err := f.kr.JWKS(ctx, time.Now(), lifetime)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := f.kr.CertBundle(ctx, time.Now(), lifetime)
	if err != nil {
		t.Fatal(err)
	}
	jwksPath, bundlePath := writeFile(t, "jwks.json", jwks), writeFile(t, "bundle.pem", bundle)

	variants := []struct {
		name string
		opts registry.Options
		// x5cAccepted: whether tokens carrying x5c verify. With a jwks file
		// alone they do not: the registry tries x5c first and needs it to
		// chain to rootcertbundle, which is then empty.
		x5cAccepted bool
	}{
		{"jwks", registry.Options{JWKSPath: jwksPath, SigningAlgorithms: Algorithms}, false},
		// No allow-list: the registry's defaults include HS256, so the
		// HS256-with-public-key forgery really reaches signature checking.
		{"rootcertbundle", registry.Options{RootCertBundlePath: bundlePath}, true},
		{"both", registry.Options{JWKSPath: jwksPath, RootCertBundlePath: bundlePath, SigningAlgorithms: Algorithms}, true},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			opts := v.opts
			opts.Binary, opts.Realm, opts.Service, opts.Issuer = bin, "http://localhost:1/auth/token", testService, testIssuer
			reg := registry.Start(t, opts)

			if code, _ := reg.Ping(ctx, ""); code != http.StatusUnauthorized {
				t.Fatalf("GET /v2/ without a token: %d", code)
			}

			// Accepted: every algorithm, the current key and both rotated-out
			// (still published) keys, with kid only.
			current := f.minted[f.current.Alg+"/kid"]
			pushImage(t, reg, current, "v1")
			for _, alg := range []string{AlgRS256, AlgEdDSA, AlgES256} {
				wantAccepted(t, reg, alg+" kid only", f.minted[alg+"/kid"])
				if v.x5cAccepted {
					wantAccepted(t, reg, alg+" kid+x5c", f.minted[alg+"/x5c"])
				} else {
					wantRefused(t, reg, alg+" kid+x5c with jwks only (registry tries x5c first)", f.minted[alg+"/x5c"])
				}
			}
			good := current
			if v.x5cAccepted {
				good = f.minted[f.current.Alg+"/x5c"]
			}
			if code, _ := reg.Ping(ctx, good); code != http.StatusOK {
				t.Fatalf("GET /v2/ with a good token: %d", code)
			}

			refused, control := forgeries(t, f, !v.x5cAccepted)
			wantAccepted(t, reg, "control: hand-signed genuine token", control)
			for name, tok := range refused {
				wantRefused(t, reg, name, tok)
			}

			// A valid token without push is refused for push only.
			pullOnly, _ := NewMinter(f.kr, MinterConfig{Issuer: testIssuer, KeyHeader: KeyHeaderKID})
			tok, _ := pullOnly.Mint(ctx, Claims{Subject: "bob", Service: testService,
				Access: []ResourceActions{{Type: "repository", Name: testRepo, Actions: []string{"pull"}}}})
			if pull, push := access(t, reg, tok); !pull || push {
				t.Errorf("pull-only token: pull=%v push=%v", pull, push)
			}
		})
	}
}

// forgeries returns tokens that must all be refused, and a control token
// built the same way by hand but genuine, which must be accepted (else the
// refusals would prove nothing). omitX5C picks the form of otherwise valid
// headers the variant accepts.
func forgeries(t *testing.T, f *fixture, omitX5C bool) (refused map[string]string, control string) {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	mint := func(name string, cfg MinterConfig, c Claims) {
		cfg.KeyHeader = KeyHeaderX5C
		if omitX5C {
			cfg.KeyHeader = KeyHeaderKID
		}
		if cfg.Issuer == "" {
			cfg.Issuer = testIssuer
		}
		m, err := NewMinter(f.kr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if out[name], err = m.Mint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	past := func() time.Time { return time.Now().Add(-10 * time.Minute) }
	future := func() time.Time { return time.Now().Add(10 * time.Minute) }
	mint("expired (exp 5m ago, beyond the 60s leeway)", MinterConfig{Now: past}, fullGrant)
	mint("not yet valid (nbf in 10m)", MinterConfig{Now: future}, fullGrant)
	other := fullGrant
	other.Service = "another-registry"
	mint("other audience", MinterConfig{}, other)
	mint("other issuer", MinterConfig{Issuer: "evil-issuer"}, fullGrant)

	cur := f.current
	x5c := []string{base64.StdEncoding.EncodeToString(cur.Cert.Raw)}
	hdr := func(alg string, extra map[string]any) map[string]any {
		h := map[string]any{"alg": alg, "typ": "JWT", "kid": cur.KID}
		if !omitX5C {
			h["x5c"] = x5c
		}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	claims := validClaims("mallory")

	out["alg none"] = forge(t, hdr("none", nil), claims, nil, nil)
	out["alg none, no kid"] = forge(t, map[string]any{"alg": "none", "typ": "JWT"}, claims, nil, nil)

	// HS256 with the public key as the HMAC secret, in every encoding an
	// attacker could guess.
	pkix, _ := x509.MarshalPKIXPublicKey(cur.Public())
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cur.Cert.Raw})
	jwk, _ := PublicJWK(cur)
	jwkJSON, _ := json.Marshal(jwk)
	for name, secret := range map[string][]byte{"public PEM": pubPEM, "cert PEM": certPEM, "public DER": pkix, "JWK JSON": jwkJSON} {
		out["HS256 keyed with the "+name] = forge(t, hdr("HS256", nil), claims, jwt.SigningMethodHS256, secret)
		out["HS256 keyed with the "+name+", kid only"] = forge(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": cur.KID}, claims, jwt.SigningMethodHS256, secret)
	}

	// An attacker's own key, presented in every way the header allows.
	evil, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	evilSK, err := newStoredKey(AlgES256, testIssuer, evil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	evilKey, _ := ParseKey(evilSK)
	evilJWK, _ := PublicJWK(evilKey)
	evilJWKNoCert := evilJWK
	evilJWKNoCert.X5C = nil
	evilJWKTrustedKID := evilJWKNoCert
	evilJWKTrustedKID.KID = cur.KID
	evilX5C := []string{base64.StdEncoding.EncodeToString(evilKey.Cert.Raw)}
	es := jwt.SigningMethodES256
	out["foreign jwk header"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "jwk": evilJWKNoCert}, claims, es, evil)
	out["foreign jwk header with its kid"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": evilKey.KID, "jwk": evilJWKNoCert}, claims, es, evil)
	out["foreign jwk header claiming the trusted kid"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": cur.KID, "jwk": evilJWKTrustedKID}, claims, es, evil)
	out["foreign jwk header with a self-signed x5c"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "jwk": evilJWK}, claims, es, evil)
	out["key not published (kid only)"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": evilKey.KID}, claims, es, evil)
	out["key not published (self-signed x5c)"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": evilKey.KID, "x5c": evilX5C}, claims, es, evil)
	out["trusted kid, signed by another key"] = forge(t, hdr("ES256", nil), claims, es, evil)
	out["trusted x5c, signed by another key"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "x5c": x5c}, claims, es, evil)
	out["no kid, no x5c, no jwk"] = forge(t, map[string]any{"alg": "ES256", "typ": "JWT"}, claims, es, cur.Signer)

	// A genuine token whose payload was changed after signing.
	good := forge(t, hdr("ES256", nil), claims, es, cur.Signer)
	parts := strings.Split(good, ".")
	tampered := *claims
	tampered.Subject = "admin"
	tb, _ := json.Marshal(&tampered)
	out["payload changed after signing"] = parts[0] + "." + b64(tb) + "." + parts[2]
	return out, good
}

// TestRealRegistryWithCrane has a real client do the whole challenge flow:
// 401 from the registry, token from our endpoint, then push, list, catalog, pull.
func TestRealRegistryWithCrane(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real registry and crane")
	}
	bin, crane := registry.Binary(t), registry.Crane(t)
	f := newFixture(t)
	m, err := NewMinter(f.kr, MinterConfig{Issuer: testIssuer})
	if err != nil {
		t.Fatal(err)
	}
	realm := startRealm(t, m)
	bundle, _ := f.kr.CertBundle(context.Background(), time.Now(), DefaultLifetime)
	reg := registry.Start(t, registry.Options{Binary: bin, Realm: realm.Realm, Service: testService, Issuer: testIssuer,
		RootCertBundlePath: writeFile(t, "bundle.pem", bundle), SigningAlgorithms: Algorithms})

	home := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, crane, append(args, "--insecure")...)
		cmd.Env = append(os.Environ(), "HOME="+home, "DOCKER_CONFIG="+home, "NO_PROXY=*", "no_proxy=*")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	layer := writeFile(t, "layer.tar", registry.Tar(t, "hello.txt", []byte("hello from dockmaster\n")))
	ref := reg.Host + "/" + testRepo + ":crane"
	run("append", "-f", layer, "-t", ref, "--oci-empty-base")
	if out := run("ls", reg.Host+"/"+testRepo); !strings.Contains(out, "crane") {
		t.Errorf("crane ls: %q", out)
	}
	if out := run("catalog", reg.Host); !strings.Contains(out, testRepo) {
		t.Errorf("crane catalog: %q", out)
	}
	run("pull", ref, filepath.Join(t.TempDir(), "img.tar"))

	scopes := strings.Join(realm.Scopes(), " ")
	for _, want := range []string{"repository:" + testRepo + ":push,pull", "repository:" + testRepo + ":pull", "registry:catalog:*"} {
		if !strings.Contains(scopes, want) {
			t.Errorf("token endpoint never asked for %q; asked for %s", want, scopes)
		}
	}
}

// TestRealRegistryKIDWithLeadingZeroCoordinates: for P-256 keys whose x or y
// starts with a zero byte, the registry's thumbprint of a rootcertbundle key
// differs from strict RFC 7638. A kid-only token must name the key the way
// the registry does: ours is accepted, the strict RFC 7638 kid is refused.
func TestRealRegistryKIDWithLeadingZeroCoordinates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real registry")
	}
	var keys []*Key
	var shortX, shortY bool
	for tries := 0; !(shortX && shortY) && tries < 100000; tries++ {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		x, y := len(k.X.Bytes()) < 32, len(k.Y.Bytes()) < 32
		if (x && !shortX) || (y && !shortY) {
			shortX, shortY = shortX || x, shortY || y
			sk, err := newStoredKey(AlgES256, testIssuer, k, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			pk, err := ParseKey(sk)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, pk)
		}
	}
	if !shortX || !shortY {
		t.Fatal("no key with a short coordinate found")
	}
	reg := registry.Start(t, registry.Options{Realm: "http://localhost:1/auth/token", Service: testService, Issuer: testIssuer,
		RootCertBundlePath: writeFile(t, "bundle.pem", MarshalCertBundle(keys)), SigningAlgorithms: []string{AlgES256}})
	for _, k := range keys {
		pub := k.Public().(*ecdsa.PublicKey)
		strict := strictRFC7638(pub)
		if strict == k.KID {
			t.Fatalf("key %s: strict RFC 7638 kid is the same", k.KID)
		}
		desc := fmt.Sprintf("x %d bytes, y %d bytes", len(pub.X.Bytes()), len(pub.Y.Bytes()))
		claims := validClaims("alice")
		wantAccepted(t, reg, "our kid, "+desc, forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": k.KID}, claims, jwt.SigningMethodES256, k.Signer))
		wantRefused(t, reg, "strict RFC 7638 kid, "+desc, forge(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": strict}, claims, jwt.SigningMethodES256, k.Signer))
		// And the Minter itself, kid only.
		kr := NewKeyring(NewMemoryKeyStore(), testIssuer)
		sk := StoredKey{KID: k.KID, Alg: AlgES256, CreatedAt: time.Now()}
		pkcs8, _ := x509.MarshalPKCS8PrivateKey(k.Signer)
		sk.PrivatePEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
		sk.CertPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw})
		if err := kr.store.AddKey(context.Background(), sk); err != nil {
			t.Fatal(err)
		}
		m, _ := NewMinter(kr, MinterConfig{Issuer: testIssuer, KeyHeader: KeyHeaderKID})
		tok, err := m.Mint(context.Background(), fullGrant)
		if err != nil {
			t.Fatal(err)
		}
		wantAccepted(t, reg, "Minter kid only, "+desc, tok)
	}
	t.Logf("checked %d keys with leading-zero coordinates against the real registry", len(keys))
}
