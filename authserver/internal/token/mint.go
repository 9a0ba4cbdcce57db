package token

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ResourceActions is one entry of the `access` claim, the same JSON as the
// registry's token.ResourceActions.
type ResourceActions struct {
	Type    string   `json:"type"`
	Class   string   `json:"class,omitempty"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// Claims is what the caller decides: who, for which service, with which access.
// Everything else (iss, times, jti) is the Minter's.
type Claims struct {
	Subject string
	// Service becomes `aud`; the registry requires it to equal its auth.token.service.
	Service string
	Access  []ResourceActions
}

// Token is a minted JWT with the facts a token endpoint reports.
type Token struct {
	Raw       string
	KID       string
	JTI       string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Defaults of MinterConfig.
const (
	DefaultLifetime = 5 * time.Minute
	DefaultBackdate = 5 * time.Second
	MinLifetime     = 60 * time.Second
)

// MinterConfig configures a Minter. Zero values take the defaults.
type MinterConfig struct {
	// Issuer is `iss`; the registry's auth.token.issuer must equal it.
	Issuer string
	// Lifetime is exp - iat (default 5m, at least 60s per the token spec).
	Lifetime time.Duration
	// Backdate is iat - nbf, for clocks slightly behind ours (default 5s).
	Backdate time.Duration
	// KeyHeader says how the header names the key: KeyHeaderKID (the
	// default) or KeyHeaderX5C. See KeyHeaders.
	KeyHeader string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Key header modes: how a token's header names its key.
const (
	// KeyHeaderKID puts only `kid` (Thumbprint, as the registry computes
	// it) in the header. distribution v3 finds the key among its jwks kids
	// and the thumbprints of its rootcertbundle keys, so either key source
	// alone verifies it, and the registry parses no certificate per request.
	KeyHeaderKID = "kid"
	// KeyHeaderX5C adds the key's certificate (`x5c`), for registries older
	// than v3 and other verifiers that find the key only that way. The
	// registry (v3.1.2) tries x5c first and, when present, requires it to
	// chain to rootcertbundle: a registry given only `jwks` refuses these
	// tokens. Each costs the registry a certificate parse and chain check
	// per request and grows the token by the certificate.
	KeyHeaderX5C = "x5c"

	// DefaultKeyHeader is the mode of a fresh installation.
	DefaultKeyHeader = KeyHeaderKID
)

// KeyHeaders lists the key header modes, default first.
func KeyHeaders() []string { return []string{KeyHeaderKID, KeyHeaderX5C} }

// Minter signs registry tokens with the keyring's current key.
type Minter struct {
	keys *Keyring
	cfg  MinterConfig
}

// NewMinter validates cfg, fills defaults and returns a Minter.
func NewMinter(keys *Keyring, cfg MinterConfig) (*Minter, error) {
	if keys == nil {
		return nil, errors.New("token: minter needs a keyring")
	}
	if cfg.Issuer == "" {
		return nil, errors.New("token: minter needs an issuer")
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Lifetime < MinLifetime {
		return nil, fmt.Errorf("token: lifetime %s is below %s", cfg.Lifetime, MinLifetime)
	}
	if cfg.Backdate < 0 {
		return nil, errors.New("token: negative backdate")
	}
	if cfg.Backdate == 0 {
		cfg.Backdate = DefaultBackdate
	}
	switch cfg.KeyHeader {
	case "":
		cfg.KeyHeader = DefaultKeyHeader
	case KeyHeaderKID, KeyHeaderX5C:
	default:
		return nil, fmt.Errorf("token: key header %q is not one of %s", cfg.KeyHeader, strings.Join(KeyHeaders(), ", "))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Minter{keys: keys, cfg: cfg}, nil
}

// KeyHeader is the configured key header mode (KeyHeaderKID or KeyHeaderX5C).
func (m *Minter) KeyHeader() string { return m.cfg.KeyHeader }

// Lifetime is the configured token lifetime (what Keyring.Published needs).
func (m *Minter) Lifetime() time.Duration { return m.cfg.Lifetime }

// WithLifetime returns a Minter like m that mints tokens of the given
// lifetime. Unlike NewMinter it does not check the lifetime: the token
// endpoint derives a minter per settings lifetime and clamps it itself.
func (m *Minter) WithLifetime(lifetime time.Duration) *Minter {
	cfg := m.cfg
	cfg.Lifetime = lifetime
	return &Minter{keys: m.keys, cfg: cfg}
}

// Mint returns a signed token for c.
func (m *Minter) Mint(ctx context.Context, c Claims) (string, error) {
	t, err := m.MintToken(ctx, c)
	return t.Raw, err
}

// MintToken returns a signed token for c with its id and times.
func (m *Minter) MintToken(ctx context.Context, c Claims) (Token, error) {
	if c.Service == "" {
		return Token{}, errors.New("token: claims without a service (aud)")
	}
	key, err := m.keys.Signer(ctx)
	if err != nil {
		return Token{}, err
	}
	jti, err := newJTI()
	if err != nil {
		return Token{}, err
	}
	now := m.cfg.Now().Truncate(time.Second)
	access := make([]ResourceActions, 0, len(c.Access))
	for _, ra := range c.Access {
		if ra.Actions == nil {
			ra.Actions = []string{}
		}
		access = append(access, ra)
	}
	claims := &claimSet{
		Issuer:     m.cfg.Issuer,
		Subject:    c.Subject,
		Audience:   c.Service,
		Expiration: now.Add(m.cfg.Lifetime).Unix(),
		NotBefore:  now.Add(-m.cfg.Backdate).Unix(),
		IssuedAt:   now.Unix(),
		JWTID:      jti,
		Access:     access,
	}
	raw, err := sign(key, claims, m.cfg.KeyHeader == KeyHeaderX5C)
	if err != nil {
		return Token{}, err
	}
	return Token{Raw: raw, KID: key.KID, JTI: jti, IssuedAt: now, ExpiresAt: now.Add(m.cfg.Lifetime)}, nil
}

// claimSet is the registry's token.ClaimSet on the wire.
type claimSet struct {
	Issuer     string            `json:"iss"`
	Subject    string            `json:"sub"`
	Audience   string            `json:"aud"`
	Expiration int64             `json:"exp"`
	NotBefore  int64             `json:"nbf"`
	IssuedAt   int64             `json:"iat"`
	JWTID      string            `json:"jti"`
	Access     []ResourceActions `json:"access"`
}

// claimSet implements jwt.Claims only so that jwt.Token can sign it; the
// library's validation is never run on our own tokens.
var _ jwt.Claims = (*claimSet)(nil)

func (c *claimSet) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Expiration, 0)), nil
}
func (c *claimSet) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}
func (c *claimSet) GetNotBefore() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.NotBefore, 0)), nil
}
func (c *claimSet) GetIssuer() (string, error)  { return c.Issuer, nil }
func (c *claimSet) GetSubject() (string, error) { return c.Subject, nil }
func (c *claimSet) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// signingMethod maps our algorithm names to jwt's.
func signingMethod(alg string) (jwt.SigningMethod, error) {
	switch alg {
	case AlgES256:
		return jwt.SigningMethodES256, nil
	case AlgRS256:
		return jwt.SigningMethodRS256, nil
	case AlgEdDSA:
		return jwt.SigningMethodEdDSA, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

// sign signs claims with key; the header carries alg, typ, kid and, if
// withX5C, the key's certificate.
func sign(key *Key, claims jwt.Claims, withX5C bool) (string, error) {
	method, err := signingMethod(key.Alg)
	if err != nil {
		return "", err
	}
	t := jwt.NewWithClaims(method, claims)
	t.Header["kid"] = key.KID
	if withX5C {
		t.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(key.Cert.Raw)}
	}
	var signKey crypto.Signer = key.Signer
	raw, err := t.SignedString(signKey)
	if err != nil {
		return "", fmt.Errorf("token: sign with %s: %w", key.KID, err)
	}
	return raw, nil
}

func newJTI() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("token: jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
