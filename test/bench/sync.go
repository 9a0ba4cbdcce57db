package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/dockmaster/dockmaster/internal/registryproc"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Figure 5, the cron sync: `dockmaster sync` against a registry holding
// syncRepos × syncTags, next to crane listing the same catalog.
const (
	syncRepos = 2000
	syncTags  = 5
)

// syncAvailable reports whether the binary has a usable `sync` command.
func (b *bench) syncAvailable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, b.bin, "sync", "-h").CombinedOutput()
	return strings.Contains(string(out), "dockmaster sync")
}

func (b *bench) syncFigure(ctx context.Context) error {
	if !b.syncAvailable(ctx) {
		b.add(row{figure: "5. cron sync", value: "not available"})
		b.notes = append(b.notes, "cron sync: this build has no `dockmaster sync` command; figure 5 not measured")
		return nil
	}
	if err := b.measureSync(ctx); err != nil {
		b.logf("sync figure: %v", err)
		b.add(row{figure: "5. cron sync", value: "not measured: " + firstLine(err.Error())})
	}
	return nil
}

// tool returns a cached `go install`ed binary (the tests' cache).
func tool(name, pkg, version string) (string, error) {
	return registryproc.Tool(name, pkg, version, func(f string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+f+"\n", a...) })
}

func (b *bench) measureSync(ctx context.Context) error {
	regBin, err := tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion)
	if err != nil {
		return err
	}
	crane, err := tool("crane", registryproc.CranePkg, registryproc.CraneVersion)
	if err != nil {
		return err
	}
	base, _ := os.UserCacheDir()
	regDir := filepath.Join(base, "dockmaster", fmt.Sprintf("bench-registry-%s-%dx%d", registryproc.RegistryVersion, syncRepos, syncTags))
	seeded := filepath.Join(regDir, "storage", ".seeded") // beside the registry's data
	if err := os.MkdirAll(regDir, 0o755); err != nil {
		return err
	}
	reg, err := b.startRegistry(regBin, regDir, b.o.serverCore)
	if err != nil {
		return err
	}
	defer reg.Stop()
	if _, err := os.Stat(seeded); err != nil {
		b.logf("seeding the registry with %d repositories × %d tags (once; cached in %s) ...", syncRepos, syncTags, regDir)
		t0 := time.Now()
		if err := seedRegistry(ctx, reg.URL, syncRepos, syncTags, 16); err != nil {
			return err
		}
		b.logf("seeded in %s", time.Since(t0).Round(time.Second))
		if err := os.WriteFile(seeded, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
			return err
		}
	}

	// crane: catalog + ls of every repository (sequential, as a script would).
	host := strings.TrimPrefix(reg.URL, "http://")
	t0 := time.Now()
	out, err := exec.CommandContext(ctx, crane, "catalog", "--insecure", host).Output()
	if err != nil {
		return fmt.Errorf("crane catalog: %w", err)
	}
	repos := strings.Fields(string(out))
	for _, r := range repos {
		if err := exec.CommandContext(ctx, crane, "ls", "--insecure", host+"/"+r).Run(); err != nil {
			return fmt.Errorf("crane ls %s: %w", r, err)
		}
	}
	craneTime := time.Since(t0)
	b.logf("crane catalog + ls of %d repositories: %s", len(repos), craneTime.Round(time.Millisecond))

	dataDir := filepath.Join(b.tmp, "sync-data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	// run syncs once and checks the report it prints: every repository
	// and tag listed, and added (first run) or left alone (second run).
	run := func(wantAdded int) (time.Duration, error) {
		cmd := exec.CommandContext(ctx, b.bin, "sync", "--data-dir", dataDir, "--registry-url", reg.URL)
		cmd.Env = append(os.Environ(), "DOCKMASTER_ADMIN_PASSWORD="+b.adminPW)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		t := time.Now()
		err := cmd.Run()
		d := time.Since(t)
		if err != nil {
			return 0, fmt.Errorf("dockmaster sync: %w\n%s%s", err, stdout.Bytes(), stderr.Bytes())
		}
		report := strings.TrimSpace(stdout.String())
		b.logf("dockmaster sync (%s): %s", d.Round(time.Millisecond), report)
		var nRepos, nTags, added, updated, deleted int
		if _, err := fmt.Sscanf(report, "sync: %d repositories, %d tags listed; tags +%d ~%d -%d;",
			&nRepos, &nTags, &added, &updated, &deleted); err != nil {
			return 0, fmt.Errorf("dockmaster sync: unexpected report %q: %w", report, err)
		}
		if nRepos != len(repos) || nTags != syncRepos*syncTags || added != wantAdded || updated != 0 || deleted != 0 {
			return 0, fmt.Errorf("dockmaster sync: report %q, want %d repositories, %d tags listed, +%d ~0 -0",
				report, len(repos), syncRepos*syncTags, wantAdded)
		}
		// Figure 8: the enrichment's own rate, reading every manifest the
		// first run found (the report says how many, in how long).
		if i := strings.Index(report, "manifests read "); i >= 0 && wantAdded > 0 {
			var n int
			var took string
			if _, err := fmt.Sscanf(report[i:], "manifests read %d in %s", &n, &took); err == nil {
				took = strings.TrimSuffix(took, ";")
				if dur, err := time.ParseDuration(took); err == nil && dur > 0 {
					r := float64(n) / dur.Seconds()
					b.add(row{figure: fmt.Sprintf("8. enrichment (sync, %d real manifests)", n),
						value: fmt.Sprintf("%.0f manifests/s", r), target: "every manifest read", pass: ptr(n == syncRepos*syncTags)})
				}
			}
		}
		return d, nil
	}
	full, err := run(syncRepos * syncTags)
	if err != nil {
		return err
	}
	again, err := run(0)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"full", full}, {"no change", again}} {
		ratio := full.Seconds() / craneTime.Seconds()
		if f.name != "full" {
			ratio = again.Seconds() / craneTime.Seconds()
		}
		b.add(row{figure: fmt.Sprintf("5. cron sync %d×%d, %s run", syncRepos, syncTags, f.name),
			value: f.d.Round(time.Millisecond).String(), ref: "crane " + craneTime.Round(time.Millisecond).String(),
			pct: fmt.Sprintf("%.0f %%", 100*ratio), target: "≤ 1.5× crane", pass: ptr(ratio <= 1.5)})
	}
	return nil
}

// startRegistry runs the registry without auth in dir (its storage in
// dir/storage), pinned to core.
func (b *bench) startRegistry(bin, dir string, core int) (*registryproc.Registry, error) {
	return registryproc.Start(dir, registryproc.Options{
		Binary:        bin,
		DeleteEnabled: true,
		LogLevel:      "error",
		Wrapper:       pinned(core),
	})
}

// seedRegistry pushes repos × tags tiny OCI manifests (one config blob per
// repository, no layers) with workers in parallel.
func seedRegistry(ctx context.Context, url string, repos, tags, workers int) error {
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := seedRepo(ctx, hc, url, fmt.Sprintf("bench/repo-%04d", i), tags); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
loop:
	for i := range repos {
		select {
		case jobs <- i:
		case err = <-errs:
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func seedRepo(ctx context.Context, hc *http.Client, url, repo string, tags int) error {
	config := fmt.Appendf(nil, `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"config":{"Labels":{"repo":%q}}}`, repo)
	cd := digestOf(config)
	// distribution v3 does not take a monolithic POST: open an upload
	// session, then PUT the blob to it.
	if err := uploadBlob(ctx, hc, url, repo, cd, config); err != nil {
		return err
	}
	for t := range tags {
		m := fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},"layers":[],"annotations":{"tag":"%d"}}`, cd, len(config), t)
		if err := put(ctx, hc, http.MethodPut, fmt.Sprintf("%s/v2/%s/manifests/v%d", url, repo, t), "application/vnd.oci.image.manifest.v1+json", m, http.StatusCreated); err != nil {
			return err
		}
	}
	return nil
}

func uploadBlob(ctx context.Context, hc *http.Client, base, repo, digest string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s blob upload: status %d", repo, resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		return fmt.Errorf("POST %s blob upload: %w", repo, err)
	}
	q := loc.Query()
	q.Set("digest", digest)
	loc.RawQuery = q.Encode()
	return put(ctx, hc, http.MethodPut, loc.String(), "application/octet-stream", body, http.StatusCreated)
}

func put(ctx context.Context, hc *http.Client, method, url, ct string, body []byte, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, url, resp.StatusCode, msg)
	}
	return nil
}

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
