package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func selfSigned(tb testing.TB, cn string) []byte {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

func jwksServer(tb testing.TB, status int, set jwks) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(set)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

func TestFetchBundle(t *testing.T) {
	a, b := selfSigned(t, "a"), selfSigned(t, "b")
	enc := base64.StdEncoding.EncodeToString
	ctx := context.Background()
	hc := &http.Client{Timeout: 2 * time.Second}

	t.Run("certificates in kid order, whatever the document's order", func(t *testing.T) {
		one := jwksServer(t, 200, jwks{Keys: []jwk{{KID: "k2", X5C: []string{enc(b)}}, {KID: "k1", X5C: []string{enc(a)}}}})
		two := jwksServer(t, 200, jwks{Keys: []jwk{{KID: "k1", X5C: []string{enc(a)}}, {KID: "k2", X5C: []string{enc(b)}}}})
		p1, err := fetchBundle(ctx, hc, []string{one.URL})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := fetchBundle(ctx, hc, []string{two.URL})
		if err != nil {
			t.Fatal(err)
		}
		if string(p1) != string(p2) {
			t.Fatal("the same key set gave two bundles: a reorder would restart the registry")
		}
		blk, rest := pem.Decode(p1)
		if blk == nil || string(blk.Bytes) != string(a) {
			t.Fatal("first certificate is not k1's")
		}
		if blk, _ = pem.Decode(rest); blk == nil || string(blk.Bytes) != string(b) {
			t.Fatal("second certificate is not k2's")
		}
	})

	t.Run("falls back to the next replica", func(t *testing.T) {
		down := jwksServer(t, 503, jwks{})
		up := jwksServer(t, 200, jwks{Keys: []jwk{{KID: "k1", X5C: []string{enc(a)}}}})
		if _, err := fetchBundle(ctx, hc, []string{down.URL, up.URL}); err != nil {
			t.Fatal(err)
		}
	})

	for name, set := range map[string]jwks{
		"no keys":           {},
		"key without x5c":   {Keys: []jwk{{KID: "k1"}}},
		"not a certificate": {Keys: []jwk{{KID: "k1", X5C: []string{enc([]byte("junk"))}}}},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			srv := jwksServer(t, 200, set)
			if p, err := fetchBundle(ctx, hc, []string{srv.URL}); err == nil {
				t.Fatalf("got a bundle (%d bytes), want an error: the registry must keep its current keys", len(p))
			}
		})
	}

	t.Run("every replica down is an error naming each", func(t *testing.T) {
		d1, d2 := jwksServer(t, 500, jwks{}), jwksServer(t, 503, jwks{})
		_, err := fetchBundle(ctx, hc, []string{d1.URL, d2.URL})
		if err == nil || !strings.Contains(err.Error(), d1.URL) || !strings.Contains(err.Error(), d2.URL) {
			t.Fatalf("err = %v, want both URLs named", err)
		}
	})
}
