package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// registryThumbprint is distribution v3.1.2's registry/auth/token
// getJWKThumbprint (util.go), copied statement by statement: the registry
// computes this for every rootcertbundle key and looks the header's kid up in
// the result.
func registryThumbprint(publickey crypto.PublicKey) string {
	hashAndEncode := func(payload string) string {
		shasum := sha256.Sum256([]byte(payload))
		return base64.RawURLEncoding.EncodeToString(shasum[:])
	}
	switch pubkey := publickey.(type) {
	case *rsa.PublicKey:
		eBig := big.NewInt(int64(pubkey.E)).Bytes()
		e := base64.RawURLEncoding.EncodeToString(eBig)
		n := base64.RawURLEncoding.EncodeToString(pubkey.N.Bytes())
		return hashAndEncode(fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, e, n))
	case *ecdsa.PublicKey:
		crv := pubkey.Params().Name
		x := base64.RawURLEncoding.EncodeToString(pubkey.X.Bytes())
		y := base64.RawURLEncoding.EncodeToString(pubkey.Y.Bytes())
		return hashAndEncode(fmt.Sprintf(`{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`, crv, x, y))
	case ed25519.PublicKey:
		x := base64.RawURLEncoding.EncodeToString(pubkey)
		return hashAndEncode(fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, x))
	default:
		return ""
	}
}

// strictRFC7638 pads EC coordinates to the curve size, as RFC 7638/7518 and
// go-jose do. It is what the registry does NOT do.
func strictRFC7638(pub *ecdsa.PublicKey) string {
	size := (pub.Curve.Params().BitSize + 7) / 8
	x := b64(pub.X.FillBytes(make([]byte, size)))
	y := b64(pub.Y.FillBytes(make([]byte, size)))
	sum := sha256.Sum256([]byte(fmt.Sprintf(`{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`, pub.Curve.Params().Name, x, y)))
	return b64(sum[:])
}

func hasShortCoordinate(pub *ecdsa.PublicKey) bool {
	return len(pub.X.Bytes()) < 32 || len(pub.Y.Bytes()) < 32
}

// TestThumbprintMatchesRegistryP256 generates many P-256 keys: our kid must
// equal the registry's for every one of them, including the ~1/128 whose
// coordinates have a leading zero byte, where strict RFC 7638 differs.
func TestThumbprintMatchesRegistryP256(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 600
	}
	short := 0
	for i := 0; i < n; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Thumbprint(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if want := registryThumbprint(&k.PublicKey); got != want {
			t.Fatalf("key %d (x %d bytes, y %d bytes): kid %s, registry computes %s",
				i, len(k.X.Bytes()), len(k.Y.Bytes()), got, want)
		}
		strict := strictRFC7638(&k.PublicKey)
		if hasShortCoordinate(&k.PublicKey) {
			short++
			if strict == got {
				t.Fatalf("key %d has a short coordinate but strict RFC 7638 kid equals ours", i)
			}
		} else if strict != got {
			t.Fatalf("key %d: full-size coordinates but kid %s != RFC 7638 %s", i, got, strict)
		}
	}
	// Expected ~n/128; zero would mean the interesting case was never exercised.
	if short == 0 {
		t.Fatalf("none of %d keys had a coordinate with a leading zero byte", n)
	}
	t.Logf("%d P-256 keys, %d with a leading zero byte in x or y: all kids equal the registry's", n, short)
}

func TestThumbprintOtherKeyTypes(t *testing.T) {
	// RFC 8037 A.3, also the registry's own test vector.
	x, _ := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	got, err := Thumbprint(ed25519.PublicKey(x))
	if err != nil || got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Fatalf("Ed25519 thumbprint = %q, %v", got, err)
	}
	for i := 0; i < 20; i++ {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		if got, _ := Thumbprint(pub); got != registryThumbprint(pub) {
			t.Fatalf("Ed25519 kid %s != registry %s", got, registryThumbprint(pub))
		}
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Thumbprint(&rk.PublicKey); got != registryThumbprint(&rk.PublicKey) {
		t.Fatalf("RSA kid %s != registry %s", got, registryThumbprint(&rk.PublicKey))
	}
	if _, err := Thumbprint("not a key"); err == nil {
		t.Fatal("Thumbprint of a string: no error")
	}
}

func TestGenerateKey(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, alg := range Algorithms {
		t.Run(alg, func(t *testing.T) {
			sk, err := GenerateKey(KeySpec{Alg: alg}, "dockmaster-test", now)
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParseKey(sk)
			if err != nil {
				t.Fatal(err)
			}
			if k.Cert.Subject.CommonName != "dockmaster-test" {
				t.Errorf("CN = %q", k.Cert.Subject.CommonName)
			}
			if !k.Cert.NotAfter.After(now.AddDate(10, 0, 0)) || k.Cert.NotBefore.After(now) {
				t.Errorf("validity %s .. %s", k.Cert.NotBefore, k.Cert.NotAfter)
			}
			if err := k.Cert.CheckSignatureFrom(k.Cert); err != nil {
				t.Errorf("not self-signed: %v", err)
			}
			if want, _ := Thumbprint(k.Public()); sk.KID != want || sk.KID != registryThumbprint(k.Public()) {
				t.Errorf("kid %s, thumbprint %s", sk.KID, want)
			}
			if s := fmt.Sprintf("%v %+v %#v %s", sk, sk, sk, sk); strings.Contains(s, "PRIVATE") {
				t.Errorf("formatting a StoredKey leaks the private key: %s", s)
			}
		})
	}
	if _, err := GenerateKey(KeySpec{Alg: "HS256"}, "x", now); err == nil {
		t.Error("HS256 accepted")
	}
}

func TestGenerateRSABits(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		spec     KeySpec
		wantBits int
		name     string
	}{
		{KeySpec{Alg: AlgRS256}, DefaultRSABits, "RS256-3072"},
		{KeySpec{Alg: AlgRS256, Bits: 2048}, 2048, "RS256-2048"},
		{KeySpec{Alg: AlgRS256, Bits: 4096}, 4096, "RS256-4096"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.spec.String() != tc.name {
				t.Errorf("String() = %q", tc.spec.String())
			}
			sk, err := GenerateKey(tc.spec, "x", now)
			if err != nil {
				t.Fatal(err)
			}
			k, err := ParseKey(sk)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.Public().(*rsa.PublicKey).N.BitLen(); got != tc.wantBits {
				t.Errorf("%d bits, want %d", got, tc.wantBits)
			}
		})
	}
	for _, bad := range []KeySpec{{Alg: AlgRS256, Bits: 1024}, {Alg: AlgRS256, Bits: 3000}, {Alg: AlgES256, Bits: 2048}, {Alg: AlgEdDSA, Bits: 4096}, {Alg: "HS256"}} {
		if _, err := GenerateKey(bad, "x", now); !errors.Is(err, ErrUnsupportedAlg) {
			t.Errorf("%+v: err %v, want ErrUnsupportedAlg", bad, err)
		}
	}
	if err := (KeySpec{}).Validate(); err != nil || (KeySpec{}).String() != DefaultAlg {
		t.Errorf("zero spec: %v %q", err, KeySpec{}.String())
	}
}

// BenchmarkSign is the cost of signing one token per algorithm and RSA size
// (README, "Keys"): go test -run '^$' -bench Sign ./authserver/internal/token
func BenchmarkSign(b *testing.B) {
	specs := []KeySpec{{Alg: AlgES256}, {Alg: AlgEdDSA}, {Alg: AlgRS256, Bits: 2048}, {Alg: AlgRS256, Bits: 3072}, {Alg: AlgRS256, Bits: 4096}}
	for _, spec := range specs {
		b.Run(spec.String(), func(b *testing.B) {
			kr := NewKeyring(NewMemoryKeyStore(), "bench")
			if _, err := kr.Rotate(context.Background(), spec, time.Now()); err != nil {
				b.Fatal(err)
			}
			m, err := NewMinter(kr, MinterConfig{Issuer: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Mint(ctx, grant); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestParseKeyRejectsMismatches(t *testing.T) {
	now := time.Now()
	a, _ := GenerateKey(KeySpec{Alg: AlgES256}, "x", now)
	b, _ := GenerateKey(KeySpec{Alg: AlgES256}, "x", now)
	cases := map[string]func(*StoredKey){
		"wrong kid":      func(k *StoredKey) { k.KID = b.KID },
		"wrong alg":      func(k *StoredKey) { k.Alg = AlgRS256 },
		"other cert":     func(k *StoredKey) { k.CertPEM = b.CertPEM },
		"no private key": func(k *StoredKey) { k.PrivatePEM = nil },
		"garbage cert": func(k *StoredKey) {
			k.CertPEM = []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		},
		"unsupported alg": func(k *StoredKey) { k.Alg = "ES384" },
		"strict RFC kid":  func(k *StoredKey) { k.KID = "" },
		"cert as private": func(k *StoredKey) { k.PrivatePEM = k.CertPEM },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			k := a
			mutate(&k)
			if _, err := ParseKey(k); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	if sk, err := newStoredKey(AlgRS256, "x", small, now); err == nil {
		if _, err := ParseKey(sk); err == nil {
			t.Error("1024-bit RSA key accepted")
		}
	}
}
