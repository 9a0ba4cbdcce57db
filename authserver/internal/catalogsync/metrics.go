package catalogsync

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// PrometheusMetrics exposes the last runs as dockmaster_sync_* metrics.
type PrometheusMetrics struct {
	runs     *prometheus.CounterVec
	changes  *prometheus.CounterVec
	errors   prometheus.Counter
	listed   *prometheus.GaugeVec
	duration prometheus.Histogram
	lastOK   prometheus.Gauge
}

// NewPrometheusMetrics registers the sync metrics on reg.
func NewPrometheusMetrics(reg prometheus.Registerer) *PrometheusMetrics {
	m := &PrometheusMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "runs_total",
			Help: "Catalog sync runs by result (ok, skipped, incomplete, guard, error).",
		}, []string{"result"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "changes_total",
			Help: "Changes written by the catalog sync, by kind.",
		}, []string{"kind"}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "errors_total",
			Help: "Failed listings and writes of the catalog sync.",
		}),
		listed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "listed",
			Help: "What the last completed run listed in the registry.",
		}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "duration_seconds",
			Help:    "Catalog sync run duration.",
			Buckets: prometheus.ExponentialBuckets(0.1, 2, 14),
		}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dockmaster", Subsystem: "sync", Name: "last_success_timestamp_seconds",
			Help: "Unix time of the last run that finished without errors.",
		}),
	}
	reg.MustRegister(m.runs, m.changes, m.errors, m.listed, m.duration, m.lastOK)
	return m
}

// Observe records one run.
func (m *PrometheusMetrics) Observe(r Report, err error) {
	result := "ok"
	switch {
	case r.Skipped:
		result = "skipped"
	case errors.Is(err, ErrDeleteGuard):
		result = "guard"
	case errors.Is(err, ErrIncomplete):
		result = "incomplete"
	case err != nil:
		result = "error"
	}
	m.runs.WithLabelValues(result).Inc()
	if r.Skipped {
		return
	}
	m.changes.WithLabelValues("tag_added").Add(float64(r.Added))
	m.changes.WithLabelValues("tag_updated").Add(float64(r.Updated))
	m.changes.WithLabelValues("tag_deleted").Add(float64(r.Deleted))
	m.changes.WithLabelValues("repository_added").Add(float64(r.RepositoriesAdded))
	m.changes.WithLabelValues("repository_deleted").Add(float64(r.RepositoriesDeleted))
	m.errors.Add(float64(r.Errors))
	m.duration.Observe(r.Duration.Seconds())
	if err == nil {
		m.listed.WithLabelValues("repositories").Set(float64(r.Repositories))
		m.listed.WithLabelValues("tags").Set(float64(r.Tags))
		m.lastOK.SetToCurrentTime()
	}
}
