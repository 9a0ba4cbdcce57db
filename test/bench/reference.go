package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The reference is the floor a token service cannot go below on this
// machine: the same HTTP stack, the same JWT library, the same kind of key
// (ES256, P-256, kid-only header: the Minter's default key header mode) and the same claims as Dockmaster's
// token.Minter — and nothing else: no database, no password check, no RBAC.
//
// Dockmaster's own token package lives under authserver/internal, which Go
// does not let test/bench import, so the few lines of key generation and
// signing are copied here from authserver/internal/token (keys.go, mint.go)
// and must stay equivalent to them.

type refKey struct {
	kid    string
	signer crypto.Signer
	cert   []byte // DER
}

func newRefKey(issuer string) (*refKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// The kid as token.Thumbprint computes it: minimal big-endian coordinates.
	x, y := priv.X.Bytes(), priv.Y.Bytes()
	members := fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`,
		base64.RawURLEncoding.EncodeToString(x), base64.RawURLEncoding.EncodeToString(y))
	sum := sha256.Sum256([]byte(members))
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber:          serial.Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: issuer},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, err
	}
	return &refKey{kid: base64.RawURLEncoding.EncodeToString(sum[:]), signer: priv, cert: der}, nil
}

type refAccess struct {
	Type    string   `json:"type"`
	Class   string   `json:"class,omitempty"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// refClaims is the registry's ClaimSet, as token.claimSet.
type refClaims struct {
	Issuer     string      `json:"iss"`
	Subject    string      `json:"sub"`
	Audience   string      `json:"aud"`
	Expiration int64       `json:"exp"`
	NotBefore  int64       `json:"nbf"`
	IssuedAt   int64       `json:"iat"`
	JWTID      string      `json:"jti"`
	Access     []refAccess `json:"access"`
}

func (c *refClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.Expiration, 0)), nil
}
func (c *refClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}
func (c *refClaims) GetNotBefore() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.NotBefore, 0)), nil
}
func (c *refClaims) GetIssuer() (string, error)  { return c.Issuer, nil }
func (c *refClaims) GetSubject() (string, error) { return c.Subject, nil }
func (c *refClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

// referenceHandler answers GET /auth/token with a token for a fixed subject
// whose grant is the requested scope, taken at face value (no parsing
// beyond splitting it); POST /registry/events checks the bearer secret and
// decodes the envelope; /healthz answers ok.
func referenceHandler(issuer, service, eventsSecret string) (http.Handler, error) {
	key, err := newRefKey(issuer)
	if err != nil {
		return nil, err
	}
	const lifetime = 5 * time.Minute
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /auth/token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var access []refAccess
		for _, s := range q["scope"] {
			// type:name:actions, name may hold a host:port — split from the right.
			i, j := strings.Index(s, ":"), strings.LastIndex(s, ":")
			if i < 0 || j <= i {
				continue
			}
			access = append(access, refAccess{Type: s[:i], Name: s[i+1 : j], Actions: strings.Split(s[j+1:], ",")})
		}
		if access == nil {
			access = []refAccess{}
		}
		sub := "bench"
		if user, _, ok := r.BasicAuth(); ok {
			sub = user
		}
		jtiB := make([]byte, 16)
		_, _ = rand.Read(jtiB)
		now := time.Now().Truncate(time.Second)
		claims := &refClaims{
			Issuer: issuer, Subject: sub, Audience: service,
			Expiration: now.Add(lifetime).Unix(), NotBefore: now.Add(-5 * time.Second).Unix(), IssuedAt: now.Unix(),
			JWTID: base64.RawURLEncoding.EncodeToString(jtiB), Access: access,
		}
		t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
		t.Header["kid"] = key.kid
		raw, err := t.SignedString(key.signer)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		_ = json.NewEncoder(w).Encode(struct {
			Token       string `json:"token"`
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
			IssuedAt    string `json:"issued_at"`
		}{raw, raw, int(lifetime / time.Second), now.UTC().Format(time.RFC3339)})
	})
	want := []byte("Bearer " + eventsSecret)
	mux.HandleFunc("POST /registry/events", func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var env struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&env); err != nil {
			http.Error(w, "bad envelope", http.StatusBadRequest)
			return
		}
		for _, raw := range env.Events {
			var ev struct {
				ID     string `json:"id"`
				Action string `json:"action"`
				Target struct {
					MediaType  string `json:"mediaType"`
					Digest     string `json:"digest"`
					Repository string `json:"repository"`
					Tag        string `json:"tag"`
				} `json:"target"`
			}
			_ = json.Unmarshal(raw, &ev)
		}
		w.WriteHeader(http.StatusOK)
	})
	return mux, nil
}

// serveReference runs the reference server on addr until ctx ends.
func serveReference(ctx context.Context, addr, eventsSecret string) error {
	h, err := referenceHandler("dockmaster", "dockmaster", eventsSecret)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
