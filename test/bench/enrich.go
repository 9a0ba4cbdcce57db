package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dockmaster/dockmaster/internal/registryproc"
)

// enrichmentRegistry starts an empty registry (no auth) for the event
// figures' servers: the enricher reads every pushed manifest from it
// behind the events' answers (the figure's digests are made up, so each
// read is a round trip answered 404 and recorded as unknown — the
// enrichment's full cost but for the body). Like the load generator, which
// stands for the registry posting events, it runs on the load core: in a
// deployment the registry replicas are other processes, and serving the
// reads is their work, not the server's. stop ends it.
func (b *bench) enrichmentRegistry() (stop func(), err error) {
	bin, err := tool("registry", registryproc.RegistryPkg, registryproc.RegistryVersion)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.tmp, "enrich-registry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	reg, err := b.startRegistry(bin, dir, b.o.loadCore)
	if err != nil {
		return nil, err
	}
	b.registryURL = reg.URL
	return func() { b.registryURL = ""; reg.Stop() }, nil
}

// enrichmentNote records what the enricher of dm did during the event
// figure and, as its own rate, how fast it read what was queued once the
// figure's load stopped (its Prometheus counters).
func (b *bench) enrichmentNote(ctx context.Context, dm *server, db string) {
	if b.registryURL == "" {
		return
	}
	read := func(m map[string]float64) float64 { return m["enriched"] + m["unknown"] }
	during, err := scrapeEnrich(ctx, dm.url+"/metrics")
	if err != nil {
		b.notes = append(b.notes, fmt.Sprintf("events, %s: enrichment counters not read: %v", db, err))
		return
	}
	start, got := time.Now(), during
	for got["queued"] > 0 && time.Since(start) < 30*time.Second {
		time.Sleep(100 * time.Millisecond)
		if got, err = scrapeEnrich(ctx, dm.url+"/metrics"); err != nil {
			b.notes = append(b.notes, fmt.Sprintf("events, %s: enrichment counters not read: %v", db, err))
			return
		}
	}
	after, took := read(got)-read(during), time.Since(start)
	own := "-"
	if after > 0 {
		own = fmt.Sprintf("%.0f manifests/s", after/took.Seconds())
	}
	b.notes = append(b.notes, fmt.Sprintf("events, %s, enrichment: %.0f manifests read during the figure (it yields to the notifications), %.0f after it in %.1f s = %s (its own rate), %.0f recorded as unknown in all, %.0f dropped by the full queue (left pending for the sweep), %.0f still queued",
		db, read(during), after, took.Seconds(), own, got["unknown"], got["dropped"], got["queued"]))
}

// scrapeEnrich reads dockmaster_enrich_manifests_total by outcome and
// dockmaster_enrich_queue from a /metrics page.
func scrapeEnrich(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		var v float64
		switch {
		case strings.HasPrefix(line, "dockmaster_enrich_manifests_total{"):
			k, rest, _ := strings.Cut(strings.TrimPrefix(line, `dockmaster_enrich_manifests_total{outcome="`), `"}`)
			if _, err := fmt.Sscan(strings.TrimSpace(rest), &v); err == nil {
				out[k] = v
			}
		case strings.HasPrefix(line, "dockmaster_enrich_queue "):
			if _, err := fmt.Sscan(strings.TrimPrefix(line, "dockmaster_enrich_queue "), &v); err == nil {
				out["queued"] = v
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no dockmaster_enrich_* metrics at %s", url)
	}
	return out, sc.Err()
}
