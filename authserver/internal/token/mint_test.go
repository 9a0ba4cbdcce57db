package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time      { return c.t }
func (c *fakeClock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)} }
func b64d(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
func bigFrom(t testing.TB, s string) *big.Int { t.Helper(); return new(big.Int).SetBytes(b64d(t, s)) }

func newTestMinter(t testing.TB, alg string, clock *fakeClock) (*Minter, *Keyring, *MemoryKeyStore) {
	t.Helper()
	store := NewMemoryKeyStore()
	kr := NewKeyring(store, "dockmaster")
	if _, err := kr.Rotate(context.Background(), KeySpec{Alg: alg}, clock.Now()); err != nil {
		t.Fatal(err)
	}
	m, err := NewMinter(kr, MinterConfig{Issuer: "dockmaster", Lifetime: 5 * time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m, kr, store
}

var grant = Claims{
	Subject: "alice",
	Service: "registry.example",
	Access: []ResourceActions{
		{Type: "repository", Name: "team/app", Actions: []string{"pull", "push"}},
		{Type: "repository", Class: "plugin", Name: "team/plug", Actions: []string{"pull"}},
		{Type: "registry", Name: "catalog", Actions: nil},
	},
}

func TestMintRoundTrip(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			clock := newClock()
			m, kr, _ := newTestMinter(t, alg, clock)
			tok, err := m.MintToken(context.Background(), grant)
			if err != nil {
				t.Fatal(err)
			}
			key, _ := kr.Signer(context.Background())

			parser := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithTimeFunc(clock.Now),
				jwt.WithIssuer("dockmaster"), jwt.WithAudience("registry.example"), jwt.WithExpirationRequired())
			parsed, err := parser.Parse(tok.Raw, func(*jwt.Token) (any, error) { return key.Public(), nil })
			if err != nil {
				t.Fatalf("verify with the public key: %v", err)
			}
			h := parsed.Header
			if h["alg"] != alg || h["typ"] != "JWT" || h["kid"] != key.KID {
				t.Errorf("header %v", h)
			}
			// The default header names the key by kid alone.
			if _, ok := h["x5c"]; ok {
				t.Errorf("x5c in the default header %v", h)
			}
			if _, ok := h["jwk"]; ok {
				t.Error("jwk in header")
			}

			// The claims, as raw JSON, in the registry's wire format.
			var c map[string]any
			if err := json.Unmarshal(b64d(t, strings.Split(tok.Raw, ".")[1]), &c); err != nil {
				t.Fatal(err)
			}
			now := clock.Now().Unix()
			want := map[string]any{"iss": "dockmaster", "sub": "alice", "aud": "registry.example",
				"iat": float64(now), "nbf": float64(now - 5), "exp": float64(now + 300), "jti": tok.JTI}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("claim %s = %v, want %v", k, c[k], v)
				}
			}
			if len(tok.JTI) < 20 {
				t.Errorf("jti %q too short", tok.JTI)
			}
			access, _ := json.Marshal(c["access"])
			wantAccess := `[{"actions":["pull","push"],"name":"team/app","type":"repository"},` +
				`{"actions":["pull"],"class":"plugin","name":"team/plug","type":"repository"},` +
				`{"actions":[],"name":"catalog","type":"registry"}]`
			if string(access) != wantAccess {
				t.Errorf("access %s\nwant   %s", access, wantAccess)
			}
			if !tok.ExpiresAt.Equal(clock.Now().Add(5*time.Minute)) || !tok.IssuedAt.Equal(clock.Now()) || tok.KID != key.KID {
				t.Errorf("token facts %+v", tok)
			}
		})
	}
}

func TestMintEmptyAccessAndUniqueJTI(t *testing.T) {
	clock := newClock()
	m, _, _ := newTestMinter(t, AlgES256, clock)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		tok, err := m.MintToken(context.Background(), Claims{Subject: "", Service: "svc"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok.JTI] {
			t.Fatal("jti repeated")
		}
		seen[tok.JTI] = true
		if !strings.Contains(string(b64d(t, strings.Split(tok.Raw, ".")[1])), `"access":[]`) {
			t.Fatal("empty access is not []")
		}
	}
	if _, err := m.Mint(context.Background(), Claims{Subject: "a"}); err == nil {
		t.Error("minted without a service")
	}
}

func TestMintKeyHeader(t *testing.T) {
	clock := newClock()
	_, kr, _ := newTestMinter(t, AlgES256, clock)
	key, _ := kr.Signer(context.Background())
	wantX5C := base64.StdEncoding.EncodeToString(key.Cert.Raw)
	for _, tc := range []struct {
		mode, wantMode string
		x5c            bool
	}{
		{"", KeyHeaderKID, false},
		{KeyHeaderKID, KeyHeaderKID, false},
		{KeyHeaderX5C, KeyHeaderX5C, true},
	} {
		t.Run("mode="+tc.mode, func(t *testing.T) {
			m, err := NewMinter(kr, MinterConfig{Issuer: "i", KeyHeader: tc.mode, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if m.KeyHeader() != tc.wantMode || m.WithLifetime(time.Hour).KeyHeader() != tc.wantMode {
				t.Errorf("KeyHeader() = %q, want %q", m.KeyHeader(), tc.wantMode)
			}
			raw, err := m.Mint(context.Background(), grant)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("ES256 token, key header %s: %d bytes", tc.wantMode, len(raw))
			var h map[string]any
			if err := json.Unmarshal(b64d(t, strings.Split(raw, ".")[0]), &h); err != nil {
				t.Fatal(err)
			}
			if h["kid"] != key.KID || h["alg"] != AlgES256 {
				t.Errorf("header %v", h)
			}
			x5c, has := h["x5c"].([]any)
			if has != tc.x5c || (has && (len(x5c) != 1 || x5c[0] != wantX5C)) {
				t.Errorf("x5c %v, want present=%v", h["x5c"], tc.x5c)
			}
			wantKeys := 3 // alg, typ, kid
			if tc.x5c {
				wantKeys = 4
			}
			if len(h) != wantKeys {
				t.Errorf("header has %d members, want %d: %v", len(h), wantKeys, h)
			}
			if m.Lifetime() != DefaultLifetime {
				t.Errorf("default lifetime %s", m.Lifetime())
			}
		})
	}
	if _, err := NewMinter(kr, MinterConfig{Issuer: "i", KeyHeader: "jwk"}); err == nil {
		t.Error("key header jwk accepted")
	}
}

func TestNewMinterValidates(t *testing.T) {
	kr := NewKeyring(NewMemoryKeyStore(), "i")
	for name, cfg := range map[string]MinterConfig{
		"no issuer":      {},
		"short lifetime": {Issuer: "i", Lifetime: 30 * time.Second},
		"negative back":  {Issuer: "i", Backdate: -time.Second},
	} {
		if _, err := NewMinter(kr, cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The bounds themselves are allowed: the shortest lifetime, a
	// backdate of a nanosecond.
	if _, err := NewMinter(kr, MinterConfig{Issuer: "i", Lifetime: MinLifetime, Backdate: time.Nanosecond}); err != nil {
		t.Errorf("lifetime %s, backdate 1ns: %v", MinLifetime, err)
	}
	m, err := NewMinter(kr, MinterConfig{Issuer: "i"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Mint(context.Background(), grant); !errors.Is(err, ErrNoActiveKey) {
		t.Errorf("mint without keys: %v", err)
	}
}

// jwkPublic rebuilds the public key from a JWK's members.
func jwkPublic(t *testing.T, j JWK) any {
	t.Helper()
	switch j.Kty {
	case "EC":
		if len(b64d(t, j.X)) != 32 || len(b64d(t, j.Y)) != 32 {
			t.Fatalf("EC coordinates not padded to 32 bytes: %+v", j)
		}
		return &ecdsa.PublicKey{Curve: elliptic.P256(), X: bigFrom(t, j.X), Y: bigFrom(t, j.Y)}
	case "RSA":
		return &rsa.PublicKey{N: bigFrom(t, j.N), E: int(bigFrom(t, j.E).Int64())}
	case "OKP":
		return ed25519.PublicKey(b64d(t, j.X))
	}
	t.Fatalf("kty %q", j.Kty)
	return nil
}

func TestJWKSAndCertBundle(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := NewMemoryKeyStore()
	kr := NewKeyring(store, "dockmaster")
	for _, alg := range []string{AlgRS256, AlgEdDSA, AlgES256} {
		clock.Add(time.Second)
		if _, err := kr.Rotate(ctx, KeySpec{Alg: alg}, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	published, err := kr.Published(ctx, clock.Now(), 5*time.Minute)
	if err != nil || len(published) != 3 {
		t.Fatalf("published %d keys, %v", len(published), err)
	}
	doc, err := kr.JWKS(ctx, clock.Now(), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), `"d"`) || strings.Contains(string(doc), "PRIVATE") {
		t.Fatalf("private material in JWKS:\n%s", doc)
	}
	var set JWKSet
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 3 || set.Keys[0].Alg != AlgES256 {
		t.Fatalf("keys %+v", set.Keys)
	}
	for i, j := range set.Keys {
		k := published[i]
		if j.KID != k.KID || j.Alg != k.Alg || j.Use != "sig" {
			t.Errorf("jwk %+v for key %s", j, k)
		}
		pub := jwkPublic(t, j)
		if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Errorf("jwk %s: public key differs", j.KID)
		}
		if kid, _ := Thumbprint(pub); kid != j.KID {
			t.Errorf("jwk %s: thumbprint %s", j.KID, kid)
		}
		der, _ := base64.StdEncoding.DecodeString(j.X5C[0])
		cert, err := x509.ParseCertificate(der)
		if err != nil || !cert.Equal(k.Cert) {
			t.Errorf("jwk %s: x5c %v", j.KID, err)
		}
	}

	bundle, err := kr.CertBundle(ctx, clock.Now(), 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for rest := bundle; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		kid, _ := Thumbprint(cert.PublicKey)
		kids = append(kids, kid)
	}
	if len(kids) != 3 || kids[0] != published[0].KID || kids[2] != published[2].KID {
		t.Errorf("bundle kids %v", kids)
	}
}

func TestRotationKeepsOldKeyPublishedForOneLifetime(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	m, kr, store := newTestMinter(t, AlgES256, clock)
	lifetime := m.Lifetime()
	old, _ := kr.Signer(ctx)
	oldToken, err := m.MintToken(ctx, grant)
	if err != nil {
		t.Fatal(err)
	}

	clock.Add(time.Hour)
	rotatedAt := clock.Now()
	next, err := kr.Rotate(ctx, KeySpec{Alg: AlgEdDSA}, rotatedAt)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := kr.Signer(ctx); s.KID != next.KID || next.KID == old.KID {
		t.Fatalf("signer %s after rotation to %s", s.KID, next.KID)
	}
	newToken, _ := m.MintToken(ctx, grant)
	if newToken.KID != next.KID || !strings.Contains(string(b64d(t, strings.Split(newToken.Raw, ".")[0])), `"EdDSA"`) {
		t.Fatalf("minted with %s", newToken.KID)
	}
	if oldToken.KID != old.KID {
		t.Fatal("old token not from the old key")
	}

	publishedKIDs := func(at time.Time) []string {
		keys, err := kr.Published(ctx, at, lifetime)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, k := range keys {
			kids = append(kids, k.KID)
		}
		return kids
	}
	// Through one lifetime (+ grace) after the rotation: both published, new first.
	for _, at := range []time.Time{rotatedAt, rotatedAt.Add(lifetime), rotatedAt.Add(lifetime + RetiredGrace - time.Second)} {
		if kids := publishedKIDs(at); len(kids) != 2 || kids[0] != next.KID || kids[1] != old.KID {
			t.Fatalf("at rotation+%s published %v", at.Sub(rotatedAt), kids)
		}
	}
	// A token minted just before the rotation is valid until rotatedAt+lifetime
	// (+60s registry leeway): its key must outlive that.
	if !rotatedAt.Add(lifetime + RetiredGrace).After(rotatedAt.Add(lifetime + 60*time.Second)) {
		t.Fatal("grace shorter than the registry's leeway")
	}
	after := rotatedAt.Add(lifetime + RetiredGrace)
	if kids := publishedKIDs(after); len(kids) != 1 || kids[0] != next.KID {
		t.Fatalf("after the window published %v", kids)
	}

	// Prune forgets the old key only after the window.
	if n, err := kr.Prune(ctx, rotatedAt.Add(lifetime), lifetime); err != nil || n != 0 {
		t.Fatalf("early prune removed %d, %v", n, err)
	}
	if n, err := kr.Prune(ctx, after, lifetime); err != nil || n != 1 {
		t.Fatalf("prune removed %d, %v", n, err)
	}
	if all, _ := store.ListKeys(ctx); len(all) != 1 || all[0].KID != next.KID {
		t.Fatalf("store keeps %v", all)
	}
}

func TestKeyringEnsureAndStoreErrors(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := NewMemoryKeyStore()
	kr := NewKeyring(store, "i")
	if _, err := kr.Signer(ctx); !errors.Is(err, ErrNoActiveKey) {
		t.Fatalf("empty keyring: %v", err)
	}
	k1, err := kr.Ensure(ctx, KeySpec{Alg: ""}, clock.Now())
	if err != nil || k1.Alg != DefaultAlg {
		t.Fatalf("ensure: %v %v", k1, err)
	}
	k2, err := kr.Ensure(ctx, KeySpec{Alg: AlgRS256}, clock.Now())
	if err != nil || k2.KID != k1.KID {
		t.Fatalf("second ensure made a new key: %v %v", k2, err)
	}
	sk, _ := store.ListKeys(ctx)
	if err := store.AddKey(ctx, sk[0]); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("duplicate add: %v", err)
	}
	if err := store.RetireKey(ctx, "nope", clock.Now()); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("retire unknown: %v", err)
	}
	// Retiring twice keeps the first time.
	_ = store.RetireKey(ctx, k1.KID, clock.Now())
	_ = store.RetireKey(ctx, k1.KID, clock.Now().Add(time.Hour))
	if sk, _ := store.ListKeys(ctx); !sk[0].RetiredAt.Equal(clock.Now()) {
		t.Errorf("retired at %s", sk[0].RetiredAt)
	}
	// A corrupt stored key is an error, not a silent skip.
	bad := NewMemoryKeyStore()
	_ = bad.AddKey(ctx, StoredKey{KID: "x", Alg: AlgES256, PrivatePEM: []byte("junk")})
	if _, err := NewKeyring(bad, "i").Signer(ctx); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("corrupt key: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := kr.Signer(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
}
