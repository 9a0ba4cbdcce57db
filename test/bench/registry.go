package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// The registry's side of a token: every request to the registry carries one
// and the registry verifies it every time. Figure 6 runs the real registry
// (distribution v3.1.2, pinned to the server core) with token auth and a
// rootcertbundle, loads it with GET /v2/ and a manifest HEAD (what a pull
// does most) using a token of each key header mode, and reads the registry's
// CPU time from /proc/<pid>/stat: CPU µs per request, kid next to x5c.

const (
	regIssuer = "dockmaster-bench"
	regRepo   = "bench/app"
	// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat:
	// 100 on every Linux architecture Go supports.
	clockTicks = 100
)

// registryFigure measures figure 6.
func (b *bench) registryFigure(ctx context.Context) error {
	bin, err := registryproc.Tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion, b.logf)
	if err != nil {
		return err
	}
	key, err := newRefKey(regIssuer)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(b.tmp, "registry-")
	if err != nil {
		return err
	}
	bundle := filepath.Join(dir, "bundle.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: key.cert}), 0o600); err != nil {
		return err
	}
	reg, err := registryproc.Start(dir, registryproc.Options{
		Realm: "http://localhost:1/auth/token", Service: service, Issuer: regIssuer,
		RootCertBundlePath: bundle, SigningAlgorithms: []string{"ES256"},
		Binary: bin, Wrapper: pinned(b.o.serverCore), LogLevel: "error",
	})
	if err != nil {
		return err
	}
	defer reg.Stop()

	access := []refAccess{{Type: "repository", Name: regRepo, Actions: []string{"pull", "push"}}}
	tokens := map[string]string{}
	for _, mode := range []string{"kid", "x5c"} {
		if tokens[mode], err = signRef(key, access, mode == "x5c", time.Hour); err != nil {
			return err
		}
	}
	if err := pushRefImage(ctx, reg.URL, tokens["kid"], "v1"); err != nil {
		return fmt.Errorf("seed the registry: %w", err)
	}
	b.add(row{figure: "6. registry: token size, kid (x5c in the reference column)",
		value: fmt.Sprintf("%d B", len(tokens["kid"])), ref: fmt.Sprintf("%d B", len(tokens["x5c"])),
		pct: pctStr(float64(len(tokens["kid"])), float64(len(tokens["x5c"])))})

	targets := []struct{ name, method, path string }{
		{"GET /v2/", http.MethodGet, "/v2/"},
		{"HEAD manifest", http.MethodHead, "/v2/" + regRepo + "/manifests/v1"},
	}
	for i, tg := range targets {
		// Alternate which mode runs first, so a drift in the machine's load
		// does not favour one mode.
		order := []string{"kid", "x5c"}
		if i%2 == 1 {
			order = []string{"x5c", "kid"}
		}
		cpu := map[string]float64{}
		rates := map[string]float64{}
		for _, mode := range order {
			cfg := LoadConfig{Mode: "registry", Method: tg.method, URL: reg.URL + tg.path, Bearer: tokens[mode],
				Conns: b.o.lowConns, Duration: b.o.duration, Warmup: b.o.warmup}
			before, err := procCPU(reg.PID())
			if err != nil {
				return err
			}
			res, err := b.load(ctx, cfg, nil, "")
			if err != nil {
				return err
			}
			after, err := procCPU(reg.PID())
			if err != nil {
				return err
			}
			if res.BadStatus > 0 || res.Errors > 0 || res.Requests == 0 {
				return fmt.Errorf("registry %s with a %s token: %s", tg.name, mode, res.summary())
			}
			// The warm-up's requests are not counted but its CPU is: scale
			// by the measured requests plus the warm-up's at the same rate.
			total := float64(res.Requests) * (1 + cfg.Warmup.Seconds()/res.Elapsed.Seconds())
			cpu[mode] = (after - before).Seconds() * 1e6 / total
			rates[mode] = res.Rate()
			b.logf("registry %s, %s token: %s, %.1f µs CPU per request", tg.name, mode, res.summary(), cpu[mode])
		}
		b.add(row{figure: fmt.Sprintf("6. registry %s, %d conns: CPU/request, kid (x5c as reference)", tg.name, b.o.lowConns),
			value: fmt.Sprintf("%.1f µs", cpu["kid"]), ref: fmt.Sprintf("%.1f µs", cpu["x5c"]), pct: pctStr(cpu["kid"], cpu["x5c"])})
		b.add(row{figure: "   (rate)", value: rate(rates["kid"]), ref: rate(rates["x5c"]), pct: pctStr(rates["kid"], rates["x5c"])})
	}
	return nil
}

// procCPU is the user+system CPU time pid has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("registry CPU: %w", err)
	}
	// The command name (field 2) may hold spaces: fields start after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("registry CPU: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("registry CPU: short /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("registry CPU: /proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// signRef signs a token as the Minter does, in either key header mode.
func signRef(key *refKey, access []refAccess, withX5C bool, lifetime time.Duration) (string, error) {
	now := time.Now().Truncate(time.Second)
	claims := &refClaims{
		Issuer: regIssuer, Subject: "bench", Audience: service,
		Expiration: now.Add(lifetime).Unix(), NotBefore: now.Add(-5 * time.Second).Unix(), IssuedAt: now.Unix(),
		JWTID: randomHex(16), Access: access,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = key.kid
	if withX5C {
		t.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(key.cert)}
	}
	return t.SignedString(key.signer)
}

// pushRefImage pushes a one-layer OCI image as regRepo:tag (monolithic blob
// uploads), so a manifest HEAD finds something.
func pushRefImage(ctx context.Context, base, bearer, tag string) error {
	send := func(method, u, contentType string, body []byte, want int) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		if res.StatusCode != want {
			return nil, fmt.Errorf("%s %s: %s %s", method, u, res.Status, msg)
		}
		return res, nil
	}
	digest := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	layer := []byte(randomHex(512))
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["` + digest(layer) + `"]}}`)
	baseURL, err := url.Parse(base)
	if err != nil {
		return err
	}
	for _, blob := range [][]byte{layer, config} {
		res, err := send(http.MethodPost, base+"/v2/"+regRepo+"/blobs/uploads/", "", nil, http.StatusAccepted)
		if err != nil {
			return err
		}
		loc, err := baseURL.Parse(res.Header.Get("Location"))
		if err != nil {
			return err
		}
		q := loc.Query()
		q.Set("digest", digest(blob))
		loc.RawQuery = q.Encode()
		if _, err := send(http.MethodPut, loc.String(), "application/octet-stream", blob, http.StatusCreated); err != nil {
			return err
		}
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(layer), "size": len(layer)}},
	})
	if err != nil {
		return err
	}
	_, err = send(http.MethodPut, base+"/v2/"+regRepo+"/manifests/"+tag, "application/vnd.oci.image.manifest.v1+json", manifest, http.StatusCreated)
	return err
}
