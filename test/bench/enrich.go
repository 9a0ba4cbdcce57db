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
// figure (its Prometheus counters), after letting its queue drain a little.
func (b *bench) enrichmentNote(ctx context.Context, dm *server, db string) {
	if b.registryURL == "" {
		return
	}
	var got map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		got, err = scrapeEnrich(ctx, dm.url+"/metrics")
		if err != nil {
			b.notes = append(b.notes, fmt.Sprintf("events, %s: enrichment counters not read: %v", db, err))
			return
		}
		if got["queued"] == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.notes = append(b.notes, fmt.Sprintf("events, %s, with enrichment behind the answers: %.0f manifests read (%.0f recorded as unknown), %.0f dropped by the full queue (left pending for the sweep), %.0f still queued",
		db, got["enriched"]+got["unknown"], got["unknown"], got["dropped"], got["queued"]))
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
