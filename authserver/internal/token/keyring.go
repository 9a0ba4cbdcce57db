package token

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// KeyStore keeps the signing keys. Implementations must be safe for concurrent use.
type KeyStore interface {
	// ListKeys returns every key, active and retired, in any order.
	ListKeys(ctx context.Context) ([]StoredKey, error)
	// AddKey stores a new key; a duplicate KID is an error.
	AddKey(ctx context.Context, k StoredKey) error
	// RetireKey sets RetiredAt of an active key; retiring a retired key keeps
	// its first RetiredAt. An unknown kid is ErrKeyNotFound.
	RetireKey(ctx context.Context, kid string, at time.Time) error
}

// KeyDeleter is implemented by stores that can forget keys; Keyring.Prune uses it.
type KeyDeleter interface {
	DeleteKey(ctx context.Context, kid string) error
}

// Errors of the keyring and stores.
var (
	ErrNoActiveKey  = errors.New("token: no active signing key")
	ErrKeyNotFound  = errors.New("token: key not found")
	ErrDuplicateKey = errors.New("token: key already exists")
)

// RetiredGrace is how long past one token lifetime a retired key stays
// published: the registry accepts tokens up to 60 s after exp (its leeway),
// plus a minute for clock skew between the auth servers and the registry.
const RetiredGrace = 2 * time.Minute

// Keyring selects the signing key and the published keys from a KeyStore.
type Keyring struct {
	store  KeyStore
	issuer string

	mu     sync.Mutex
	parsed map[string]*Key // by kid; the key material of a kid never changes

	// listTTL > 0 reuses the store's key list that long (see CacheList).
	listTTL  time.Duration
	listed   []StoredKey
	listedAt time.Time
	now      func() time.Time
}

// CacheList makes the keyring reuse the store's key list for ttl instead of
// reading it for every token. A key rotated in by another replica then
// starts signing here up to ttl later; the old key stays published far
// longer than that, so nothing fails meanwhile. Rotate on this keyring
// clears the cache at once.
func (kr *Keyring) CacheList(ttl time.Duration) *Keyring {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.listTTL = ttl
	return kr
}

// list returns the stored keys, from the cache while it is fresh.
func (kr *Keyring) list(ctx context.Context) ([]StoredKey, error) {
	kr.mu.Lock()
	if kr.listTTL > 0 && kr.listed != nil && kr.now().Sub(kr.listedAt) < kr.listTTL {
		l := kr.listed
		kr.mu.Unlock()
		return l, nil
	}
	kr.mu.Unlock()
	stored, err := kr.store.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	kr.mu.Lock()
	kr.listed, kr.listedAt = stored, kr.now()
	kr.mu.Unlock()
	return stored, nil
}

// forget drops the cached key list.
func (kr *Keyring) forget() {
	kr.mu.Lock()
	kr.listed = nil
	kr.mu.Unlock()
}

// NewKeyring returns a keyring over store; issuer is the CN of the
// certificates of keys it generates.
func NewKeyring(store KeyStore, issuer string) *Keyring {
	return &Keyring{store: store, issuer: issuer, parsed: map[string]*Key{}, now: time.Now}
}

// keys lists and parses every stored key, newest first.
func (kr *Keyring) keys(ctx context.Context) ([]*Key, error) {
	stored, err := kr.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("token: list keys: %w", err)
	}
	out := make([]*Key, 0, len(stored))
	kr.mu.Lock()
	defer kr.mu.Unlock()
	for _, sk := range stored {
		k, ok := kr.parsed[sk.KID]
		if !ok {
			if k, err = ParseKey(sk); err != nil {
				return nil, err
			}
			kr.parsed[sk.KID] = k
		}
		// RetiredAt is the one thing that changes: copy, don't mutate the cache.
		kc := *k
		kc.RetiredAt, kc.CreatedAt = sk.RetiredAt, sk.CreatedAt
		out = append(out, &kc)
	}
	slices.SortFunc(out, func(a, b *Key) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.KID, b.KID)
	})
	return out, nil
}

// Signer returns the newest active key, or ErrNoActiveKey.
func (kr *Keyring) Signer(ctx context.Context) (*Key, error) {
	keys, err := kr.keys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.RetiredAt.IsZero() {
			return k, nil
		}
	}
	return nil, ErrNoActiveKey
}

// Ensure returns the signing key, creating one as spec says when there is none.
func (kr *Keyring) Ensure(ctx context.Context, spec KeySpec, now time.Time) (*Key, error) {
	k, err := kr.Signer(ctx)
	if !errors.Is(err, ErrNoActiveKey) {
		return k, err
	}
	return kr.Rotate(ctx, spec, now)
}

// Rotate adds a new key as spec says and retires every other active key at now.
// The new key is stored first, so a failure half-way leaves several active
// keys (all published, the newest signs) rather than none.
func (kr *Keyring) Rotate(ctx context.Context, spec KeySpec, now time.Time) (*Key, error) {
	sk, err := GenerateKey(spec, kr.issuer, now)
	if err != nil {
		return nil, err
	}
	// Keep the new key strictly the newest even if now repeats.
	sk.CreatedAt = now
	kr.forget()
	defer kr.forget()
	before, err := kr.keys(ctx)
	if err != nil {
		return nil, err
	}
	if err := kr.store.AddKey(ctx, sk); err != nil {
		return nil, fmt.Errorf("token: add key: %w", err)
	}
	for _, k := range before {
		if k.RetiredAt.IsZero() {
			if err := kr.store.RetireKey(ctx, k.KID, now); err != nil {
				return nil, fmt.Errorf("token: retire key %s: %w", k.KID, err)
			}
		}
	}
	return ParseKey(sk)
}

// Published returns the keys a verifier must know at now: every active key
// and every key retired less than lifetime+RetiredGrace ago, newest first.
func (kr *Keyring) Published(ctx context.Context, now time.Time, lifetime time.Duration) ([]*Key, error) {
	keys, err := kr.keys(ctx)
	if err != nil {
		return nil, err
	}
	cutoff := now.Add(-(lifetime + RetiredGrace))
	out := keys[:0]
	for _, k := range keys {
		if k.RetiredAt.IsZero() || k.RetiredAt.After(cutoff) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Prune deletes keys retired before the publication window and returns how
// many went. It does nothing if the store is not a KeyDeleter.
func (kr *Keyring) Prune(ctx context.Context, now time.Time, lifetime time.Duration) (int, error) {
	del, ok := kr.store.(KeyDeleter)
	if !ok {
		return 0, nil
	}
	keys, err := kr.keys(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := now.Add(-(lifetime + RetiredGrace))
	n := 0
	for _, k := range keys {
		if !k.RetiredAt.IsZero() && !k.RetiredAt.After(cutoff) {
			if err := del.DeleteKey(ctx, k.KID); err != nil {
				return n, fmt.Errorf("token: delete key %s: %w", k.KID, err)
			}
			kr.mu.Lock()
			delete(kr.parsed, k.KID)
			kr.mu.Unlock()
			n++
		}
	}
	return n, nil
}

// JWK is one public key of a JWKS (RFC 7517). EC and OKP coordinates are
// padded to the curve size as RFC 7518 requires (the registry's go-jose
// refuses them otherwise); kid is Thumbprint, which is not padded.
type JWK struct {
	Kty string   `json:"kty"`
	Use string   `json:"use"`
	Alg string   `json:"alg"`
	KID string   `json:"kid"`
	Crv string   `json:"crv,omitempty"`
	X   string   `json:"x,omitempty"`
	Y   string   `json:"y,omitempty"`
	N   string   `json:"n,omitempty"`
	E   string   `json:"e,omitempty"`
	X5C []string `json:"x5c,omitempty"`
}

// JWKSet is the document at /.well-known/jwks.json and the registry's `jwks` file.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK returns the public JWK of k.
func PublicJWK(k *Key) (JWK, error) {
	j := JWK{Use: "sig", Alg: k.Alg, KID: k.KID, X5C: []string{base64.StdEncoding.EncodeToString(k.Cert.Raw)}}
	switch pub := k.Public().(type) {
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		j.Kty, j.Crv = "EC", pub.Curve.Params().Name
		j.X = b64(pub.X.FillBytes(make([]byte, size)))
		j.Y = b64(pub.Y.FillBytes(make([]byte, size)))
	case *rsa.PublicKey:
		j.Kty = "RSA"
		j.N = b64(pub.N.Bytes())
		j.E = b64(bigEndian(pub.E))
	case ed25519.PublicKey:
		j.Kty, j.Crv, j.X = "OKP", "Ed25519", b64(pub)
	default:
		return JWK{}, fmt.Errorf("%w: key type %T", ErrUnsupportedAlg, pub)
	}
	return j, nil
}

func bigEndian(e int) []byte {
	var b []byte
	for ; e > 0; e >>= 8 {
		b = append([]byte{byte(e)}, b...)
	}
	return b
}

// JWKS returns the published public keys as a JWKS document.
func (kr *Keyring) JWKS(ctx context.Context, now time.Time, lifetime time.Duration) ([]byte, error) {
	keys, err := kr.Published(ctx, now, lifetime)
	if err != nil {
		return nil, err
	}
	return MarshalJWKS(keys)
}

// MarshalJWKS encodes keys (public halves only) as a JWKS document.
func MarshalJWKS(keys []*Key) ([]byte, error) {
	set := JWKSet{Keys: make([]JWK, 0, len(keys))}
	for _, k := range keys {
		j, err := PublicJWK(k)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, j)
	}
	return json.MarshalIndent(set, "", "  ")
}

// CertBundle returns the certificates of the published keys as PEM, for the
// registry's `rootcertbundle`.
func (kr *Keyring) CertBundle(ctx context.Context, now time.Time, lifetime time.Duration) ([]byte, error) {
	keys, err := kr.Published(ctx, now, lifetime)
	if err != nil {
		return nil, err
	}
	return MarshalCertBundle(keys), nil
}

// MarshalCertBundle encodes the certificates of keys as PEM.
func MarshalCertBundle(keys []*Key) []byte {
	var buf bytes.Buffer
	for _, k := range keys {
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw})
	}
	return buf.Bytes()
}

// MemoryKeyStore is a KeyStore (and KeyDeleter) in memory, for tests and
// single-process use.
type MemoryKeyStore struct {
	mu   sync.Mutex
	keys []StoredKey
}

// NewMemoryKeyStore returns an empty store.
func NewMemoryKeyStore() *MemoryKeyStore { return &MemoryKeyStore{} }

var (
	_ KeyStore   = (*MemoryKeyStore)(nil)
	_ KeyDeleter = (*MemoryKeyStore)(nil)
)

// ListKeys implements KeyStore.
func (s *MemoryKeyStore) ListKeys(ctx context.Context) ([]StoredKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), nil
}

// AddKey implements KeyStore.
func (s *MemoryKeyStore) AddKey(ctx context.Context, k StoredKey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.keys {
		if have.KID == k.KID {
			return fmt.Errorf("%w: %s", ErrDuplicateKey, k.KID)
		}
	}
	s.keys = append(s.keys, k)
	return nil
}

// RetireKey implements KeyStore.
func (s *MemoryKeyStore) RetireKey(ctx context.Context, kid string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].KID == kid {
			if s.keys[i].RetiredAt.IsZero() {
				s.keys[i].RetiredAt = at
			}
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrKeyNotFound, kid)
}

// DeleteKey implements KeyDeleter.
func (s *MemoryKeyStore) DeleteKey(ctx context.Context, kid string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].KID == kid {
			s.keys = slices.Delete(s.keys, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrKeyNotFound, kid)
}
