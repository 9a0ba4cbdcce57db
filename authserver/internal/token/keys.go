// Package token holds the signing keys of the token service, mints the JWTs the
// registry verifies and publishes the public half (JWKS and a PEM bundle).
//
// It does no HTTP and no SQL: keys are kept behind KeyStore.
package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Signing algorithms (JOSE names).
const (
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
	AlgEdDSA = "EdDSA"

	// DefaultAlg is what a fresh installation signs with.
	DefaultAlg = AlgES256
)

// Algorithms lists the supported signing algorithms, default first.
var Algorithms = []string{AlgES256, AlgRS256, AlgEdDSA}

// RSA key sizes. Signing cost grows steeply with the size (see
// BenchmarkSign): a 3072-bit key signs at about a third of the rate of a
// 2048-bit one, and 4096 bits at about half of 3072's. Verification (the
// registry's side) stays cheap at every size.
const (
	DefaultRSABits = 3072
	minRSABits     = 2048
)

// RSABits lists the RSA sizes a new key may have, default first.
func RSABits() []int { return []int{DefaultRSABits, 2048, 4096} }

// KeySpec says which key to generate. Bits applies to RS256 only (zero
// means DefaultRSABits) and must be zero for the other algorithms; a zero
// Alg means DefaultAlg.
type KeySpec struct {
	Alg  string
	Bits int
}

// String is how the spec reads in messages: ES256, RS256-3072.
func (s KeySpec) String() string {
	s = s.withDefaults()
	if s.Alg == AlgRS256 {
		return fmt.Sprintf("%s-%d", s.Alg, s.Bits)
	}
	return s.Alg
}

func (s KeySpec) withDefaults() KeySpec {
	if s.Alg == "" {
		s.Alg = DefaultAlg
	}
	if s.Alg == AlgRS256 && s.Bits == 0 {
		s.Bits = DefaultRSABits
	}
	return s
}

// Validate reports an unsupported algorithm or size.
func (s KeySpec) Validate() error {
	s = s.withDefaults()
	if !slices.Contains(Algorithms, s.Alg) {
		return fmt.Errorf("%w: %q", ErrUnsupportedAlg, s.Alg)
	}
	switch {
	case s.Alg == AlgRS256 && !slices.Contains(RSABits(), s.Bits):
		return fmt.Errorf("%w: RSA key size %d (want one of 2048, 3072, 4096)", ErrUnsupportedAlg, s.Bits)
	case s.Alg != AlgRS256 && s.Bits != 0:
		return fmt.Errorf("%w: a key size applies to %s only, not %s", ErrUnsupportedAlg, AlgRS256, s.Alg)
	}
	return nil
}

// certValidity is long on purpose: the certificate only carries the public key
// to the registry (rootcertbundle, x5c); keys are rotated by the keyring, not by
// certificate expiry. The registry does check the validity window, so it must
// never lapse while the key is published.
const certValidity = 20 * 365 * 24 * time.Hour

// Errors.
var (
	ErrUnsupportedAlg = errors.New("token: unsupported signing algorithm")
	ErrInvalidKey     = errors.New("token: invalid stored key")
)

// StoredKey is a signing key as kept by a KeyStore. PrivatePEM is a PKCS#8
// "PRIVATE KEY" block; CertPEM a self-signed certificate for the same key.
// A zero RetiredAt means the key is active.
type StoredKey struct {
	KID        string
	Alg        string
	PrivatePEM []byte
	CertPEM    []byte
	CreatedAt  time.Time
	RetiredAt  time.Time
}

// Retired reports whether the key was retired at or before t.
func (k StoredKey) Retired(t time.Time) bool {
	return !k.RetiredAt.IsZero() && !k.RetiredAt.After(t)
}

// String never prints the private key.
func (k StoredKey) String() string {
	return fmt.Sprintf("StoredKey{KID:%s Alg:%s CreatedAt:%s RetiredAt:%s PrivatePEM:[redacted]}",
		k.KID, k.Alg, k.CreatedAt.Format(time.RFC3339), k.RetiredAt.Format(time.RFC3339))
}

// GoString never prints the private key either (%#v).
func (k StoredKey) GoString() string { return k.String() }

// Key is a parsed StoredKey.
type Key struct {
	KID       string
	Alg       string
	Signer    crypto.Signer
	Cert      *x509.Certificate
	CreatedAt time.Time
	RetiredAt time.Time
}

// Public returns the public key.
func (k *Key) Public() crypto.PublicKey { return k.Signer.Public() }

// String never prints the private key.
func (k *Key) String() string {
	return fmt.Sprintf("Key{KID:%s Alg:%s}", k.KID, k.Alg)
}

// GenerateKey creates a key as spec says with a self-signed certificate
// whose subject CN is issuer. The kid is Thumbprint of the public key.
func GenerateKey(spec KeySpec, issuer string, now time.Time) (StoredKey, error) {
	if err := spec.Validate(); err != nil {
		return StoredKey{}, err
	}
	spec = spec.withDefaults()
	var signer crypto.Signer
	var err error
	switch spec.Alg {
	case AlgES256:
		signer, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgRS256:
		signer, err = rsa.GenerateKey(rand.Reader, spec.Bits)
	case AlgEdDSA:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return StoredKey{}, fmt.Errorf("token: generate %s key: %w", spec, err)
	}
	return newStoredKey(spec.Alg, issuer, signer, now)
}

func newStoredKey(alg, issuer string, signer crypto.Signer, now time.Time) (StoredKey, error) {
	kid, err := Thumbprint(signer.Public())
	if err != nil {
		return StoredKey{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return StoredKey{}, fmt.Errorf("token: certificate serial: %w", err)
	}
	now = now.UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)),
		Subject:      pkix.Name{CommonName: issuer},
		// Back-dated a little so a registry with a slow clock accepts it at once.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return StoredKey{}, fmt.Errorf("token: self-sign certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return StoredKey{}, fmt.Errorf("token: marshal private key: %w", err)
	}
	return StoredKey{
		KID:        kid,
		Alg:        alg,
		PrivatePEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		CertPEM:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		CreatedAt:  now,
	}, nil
}

// ParseKey parses and checks a StoredKey: the algorithm matches the key type,
// the certificate holds the same public key, and KID is its Thumbprint.
func ParseKey(sk StoredKey) (*Key, error) {
	block, _ := pem.Decode(sk.PrivatePEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: kid %q: no PKCS#8 PRIVATE KEY block", ErrInvalidKey, sk.KID)
	}
	raw, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: kid %q: %v", ErrInvalidKey, sk.KID, err)
	}
	signer, ok := raw.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: kid %q: %T is not a signer", ErrInvalidKey, sk.KID, raw)
	}
	if err := checkAlg(sk.Alg, signer.Public()); err != nil {
		return nil, fmt.Errorf("%w: kid %q: %v", ErrInvalidKey, sk.KID, err)
	}
	cblock, _ := pem.Decode(sk.CertPEM)
	if cblock == nil || cblock.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: kid %q: no CERTIFICATE block", ErrInvalidKey, sk.KID)
	}
	cert, err := x509.ParseCertificate(cblock.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: kid %q: %v", ErrInvalidKey, sk.KID, err)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := signer.Public().(equaler); !ok || !pub.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("%w: kid %q: certificate is for another key", ErrInvalidKey, sk.KID)
	}
	kid, err := Thumbprint(signer.Public())
	if err != nil {
		return nil, err
	}
	if kid != sk.KID {
		return nil, fmt.Errorf("%w: kid %q does not match the key's thumbprint %q", ErrInvalidKey, sk.KID, kid)
	}
	return &Key{KID: sk.KID, Alg: sk.Alg, Signer: signer, Cert: cert, CreatedAt: sk.CreatedAt, RetiredAt: sk.RetiredAt}, nil
}

func checkAlg(alg string, pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if alg != AlgES256 || k.Curve != elliptic.P256() {
			return fmt.Errorf("%w: %s with an EC key on %s", ErrUnsupportedAlg, alg, k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if alg != AlgRS256 {
			return fmt.Errorf("%w: %s with an RSA key", ErrUnsupportedAlg, alg)
		}
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w: RSA key of %d bits (minimum %d)", ErrUnsupportedAlg, k.N.BitLen(), minRSABits)
		}
	case ed25519.PublicKey:
		if alg != AlgEdDSA {
			return fmt.Errorf("%w: %s with an Ed25519 key", ErrUnsupportedAlg, alg)
		}
	default:
		return fmt.Errorf("%w: key type %T", ErrUnsupportedAlg, pub)
	}
	return nil
}

// Thumbprint is the key id: the SHA-256 JWK thumbprint (RFC 7638) of pub,
// base64url without padding, computed exactly as distribution v3's
// registry/auth/token.GetJWKThumbprint does, because the registry matches the
// header's kid against that value for every rootcertbundle key.
//
// It differs from strict RFC 7638 in one place: EC coordinates are the
// minimal big-endian bytes of the integer (big.Int.Bytes), NOT left-padded to
// the curve size, so for about 1 in 128 P-256 keys (a coordinate with a
// leading zero byte) the value differs from go-jose's or RFC 7638's. RSA (n, e
// minimal bytes) and Ed25519 agree with RFC 7638.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	var members string
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		members = fmt.Sprintf(`{"crv":"%s","kty":"EC","x":"%s","y":"%s"}`,
			k.Curve.Params().Name, b64(k.X.Bytes()), b64(k.Y.Bytes()))
	case *rsa.PublicKey:
		members = fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`,
			b64(big.NewInt(int64(k.E)).Bytes()), b64(k.N.Bytes()))
	case ed25519.PublicKey:
		members = fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, b64(k))
	default:
		return "", fmt.Errorf("%w: key type %T", ErrUnsupportedAlg, pub)
	}
	sum := sha256.Sum256([]byte(members))
	return b64(sum[:]), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
