package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dockmaster/dockmaster/authserver/internal/app"
	"github.com/dockmaster/dockmaster/authserver/internal/catalogsync"
)

// historyRetention is how long event ids and tombstones are kept: longer
// than any registry retries a notification.
const historyRetention = 7 * 24 * time.Hour

// cmdSync reconciles the database with the registry: once, or every
// --every with /metrics and /healthz served on --listen. Several replicas
// may run it; one at a time does the work (the leader lock).
func cmdSync(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var every time.Duration
	var force bool
	cfg, err := loadConfig("sync", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.DurationVar(&every, "every", 0, "run every interval (e.g. 5m) instead of once, serving /metrics on --listen")
		fs.BoolVar(&force, "force", false, "lift the guard that refuses to delete most of the catalog at once (one-off repair)")
	})
	if err != nil {
		return err
	}
	if cfg.RegistryURL == "" {
		return errors.New("--registry-url / DOCKMASTER_REGISTRY_URL: the sync needs the registry's API URL")
	}
	log := newLogger(cfg, stderr)
	st, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	_, minter, err := app.Signing(ctx, cfg, st)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	syncer := catalogsync.New(catalogsync.Deps{
		Store:       st,
		RegistryURL: cfg.RegistryURL,
		Tokens:      app.SyncTokens(minter, cfg.Service),
		Logger:      log,
		OwnerTeam:   app.AdminsTeam,
		Force:       force,
		Metrics:     catalogsync.NewPrometheusMetrics(reg),
	})
	housekeeping := func(ctx context.Context) {
		now := time.Now()
		if n, err := st.PruneRegistryHistory(ctx, now.Add(-historyRetention)); err != nil {
			log.Warn("sync: pruning event history failed", "err", err)
		} else if n > 0 {
			log.Info("sync: pruned event history", "rows", n)
		}
		if _, err := st.DeleteExpiredRefreshTokens(ctx, now); err != nil {
			log.Warn("sync: deleting expired refresh tokens failed", "err", err)
		}
	}

	if every <= 0 {
		rep, err := syncer.Run(ctx)
		printReport(stdout, rep)
		if err == nil {
			housekeeping(ctx)
		}
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	srv := &http.Server{Addr: cfg.Listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sync: metrics listener failed", "addr", cfg.Listen, "err", err)
		}
	}()
	defer srv.Shutdown(context.WithoutCancel(ctx))
	log.Info("sync: running periodically", "every", every, "registry", cfg.RegistryURL, "metrics", "http://"+cfg.Listen+"/metrics")
	go func() {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			housekeeping(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	err = syncer.RunEvery(ctx, every)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func printReport(w io.Writer, r catalogsync.Report) {
	if r.Skipped {
		fmt.Fprintln(w, "sync: another replica holds the lock; skipped")
		return
	}
	fmt.Fprintf(w, "sync: %d repositories, %d tags listed; tags +%d ~%d -%d; repositories +%d -%d; manifests read %d in %s; orphaned accessories deleted %d; %d errors; deletions skipped: %v; %s\n",
		r.Repositories, r.Tags, r.Added, r.Updated, r.Deleted, r.RepositoriesAdded, r.RepositoriesDeleted,
		r.Enriched, r.EnrichDuration.Round(time.Millisecond), r.OrphansDeleted, r.Errors, r.DeletionsSkipped, r.Duration.Round(time.Millisecond))
}
