package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// TransportOptions describe the HTTP client of NewHTTPClient.
type TransportOptions struct {
	// CAPEM holds PEM certificates trusted in addition to the system's.
	CAPEM string
	// Insecure skips verification of the server's certificate.
	Insecure bool
	// Timeout bounds each request (0: none).
	Timeout time.Duration
}

// NewHTTPClient returns an http.Client for WithHTTPClient that trusts
// o.CAPEM (or, with o.Insecure, any certificate) and times out after
// o.Timeout. It starts from a clone of http.DefaultTransport, so proxies
// from the environment still apply.
func NewHTTPClient(o TransportOptions) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAPEM != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(o.CAPEM)) {
			return nil, errors.New("client: CA PEM holds no certificate")
		}
		tlsCfg.RootCAs = pool
	}
	if o.Insecure {
		tlsCfg.InsecureSkipVerify = true //nolint:gosec // the operator asked for it
	}
	tr.TLSClientConfig = tlsCfg
	if o.Timeout < 0 {
		return nil, errors.New("client: negative timeout")
	}
	return &http.Client{Transport: tr, Timeout: o.Timeout}, nil
}

// IsNoRoute reports whether err is the server's answer to a path it does
// not serve at all (as opposed to an object that does not exist): a server
// older than the call.
func IsNoRoute(err error) bool {
	return IsNotFound(err) && strings.HasPrefix(errMessage(err), "no such route")
}

// Routes reads the server's OpenAPI document and returns the operations it
// serves, as "METHOD /api/v1/pattern" keys (e.g. "GET /api/v1/teams/{team}").
// A caller checks the calls it needs before it makes them.
func (c *Client) Routes(ctx context.Context) (map[string]bool, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := c.do(ctx, http.MethodGet, "/openapi.json", nil, nil, &doc); err != nil {
		return nil, err
	}
	routes := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			routes[strings.ToUpper(m)+" "+p] = true
		}
	}
	return routes, nil
}

// RegistryToken asks the token service (GET /auth/token) for a registry
// bearer token for service and scopes ("repository:team/app:pull,push"),
// authenticating with Basic user and secret (a password, an application
// token or a robot secret). The token grants the intersection of what was
// asked and what the caller may do.
func (c *Client) RegistryToken(ctx context.Context, user, secret, service string, scopes []string) (string, time.Duration, error) {
	u := *c.base
	u.Path = c.base.Path + "/auth/token"
	u.RawPath = ""
	q := u.Query()
	q.Set("service", service)
	for _, s := range scopes {
		q.Add("scope", s)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", 0, fmt.Errorf("client: token: %w", err)
	}
	req.SetBasicAuth(user, secret)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("client: token: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes))
	if err != nil {
		return "", 0, fmt.Errorf("client: token: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, decodeError(resp.StatusCode, data)
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return "", 0, fmt.Errorf("client: token: decode response: %w", err)
	}
	tok := body.Token
	if tok == "" {
		tok = body.AccessToken
	}
	if tok == "" {
		return "", 0, errors.New("client: token: the answer holds no token")
	}
	return tok, time.Duration(body.ExpiresIn) * time.Second, nil
}
