package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// regClient speaks the registry API through the LB the way docker does:
// a token from the realm, then /v2/ with it.
type regClient struct {
	base string // https://localhost:PORT
	hc   *http.Client
}

type accessEntry struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// token asks /auth/token for scope as user (anonymous when user is empty)
// and returns the token and the access it grants (read from the JWT).
func (r regClient) token(ctx context.Context, user, pass, scope string) (string, []accessEntry, error) {
	q := url.Values{"service": {"dockmaster"}, "scope": {scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/auth/token?"+q.Encode(), nil)
	if err != nil {
		return "", nil, err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("token: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	var tr struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", nil, fmt.Errorf("token body: %w", err)
	}
	parts := strings.Split(tr.Token, ".")
	if len(parts) != 3 {
		return "", nil, fmt.Errorf("token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", nil, fmt.Errorf("JWT payload: %w", err)
	}
	var claims struct {
		Access []accessEntry `json:"access"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", nil, fmt.Errorf("JWT claims: %w", err)
	}
	return tr.Token, claims.Access, nil
}

// jwtKID returns the kid of a JWT's header ("" when unreadable).
func jwtKID(tok string) string {
	h, _, _ := strings.Cut(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return ""
	}
	var hdr struct {
		KID string `json:"kid"`
	}
	_ = json.Unmarshal(b, &hdr)
	return hdr.KID
}

func granted(access []accessEntry, name string) []string {
	var out []string
	for _, a := range access {
		if a.Type == "repository" && a.Name == name {
			out = append(out, a.Actions...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (r regClient) do(ctx context.Context, method, u, tok, ctype string, body []byte) (*http.Response, []byte, error) {
	if !strings.HasPrefix(u, "http") {
		u = r.base + u
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp, b, err
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

// pushBlob uploads b monolithically (POST, then PUT with the digest).
func (r regClient) pushBlob(ctx context.Context, tok, repo string, b []byte) (string, error) {
	d := digestOf(b)
	if resp, _, err := r.do(ctx, http.MethodHead, "/v2/"+repo+"/blobs/"+d, tok, "", nil); err == nil && resp.StatusCode == http.StatusOK {
		return d, nil
	}
	resp, body, err := r.do(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", tok, "", nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("start upload: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("upload location: %w", err)
	}
	q := loc.Query()
	q.Set("digest", d)
	loc.RawQuery = q.Encode()
	resp, body, err = r.do(ctx, http.MethodPut, loc.String(), tok, "application/octet-stream", b)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("finish upload: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return d, nil
}

// pushImage pushes a one-layer OCI image holding content as repo:tag and
// returns the manifest's digest.
func (r regClient) pushImage(ctx context.Context, tok, repo, tag string, content []byte) (string, error) {
	layer, err := tarOf("hello.txt", content)
	if err != nil {
		return "", err
	}
	ld, err := r.pushBlob(ctx, tok, repo, layer)
	if err != nil {
		return "", err
	}
	cfg := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%q]}}`, ld))
	cd, err := r.pushBlob(ctx, tok, repo, cfg)
	if err != nil {
		return "", err
	}
	manifest := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},`+
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":%q,"size":%d}]}`, cd, len(cfg), ld, len(layer)))
	resp, body, err := r.do(ctx, http.MethodPut, "/v2/"+repo+"/manifests/"+tag, tok, "application/vnd.oci.image.manifest.v1+json", manifest)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("put manifest: %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return digestOf(manifest), nil
}

// pull fetches repo:ref's manifest and every blob it names, checking digests.
func (r regClient) pull(ctx context.Context, tok, repo, ref string) (string, error) {
	resp, body, err := r.do(ctx, http.MethodGet, "/v2/"+repo+"/manifests/"+ref, tok, "", nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("get manifest %s:%s: %s", repo, ref, resp.Status)
	}
	var m struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Layers []struct {
			Digest string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("manifest: %w", err)
	}
	blobs := []string{m.Config.Digest}
	for _, l := range m.Layers {
		blobs = append(blobs, l.Digest)
	}
	for _, d := range blobs {
		resp, b, err := r.do(ctx, http.MethodGet, "/v2/"+repo+"/blobs/"+d, tok, "", nil)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK || digestOf(b) != d {
			return "", fmt.Errorf("blob %s: %s", d, resp.Status)
		}
	}
	return digestOf(body), nil
}
