package events

import "github.com/prometheus/client_golang/prometheus"

// PrometheusMetrics counts outcomes in dockmaster_registry_events_total.
type PrometheusMetrics struct {
	events *prometheus.CounterVec
}

// NewPrometheusMetrics registers the counter on reg.
func NewPrometheusMetrics(reg prometheus.Registerer) *PrometheusMetrics {
	m := &PrometheusMetrics{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "dockmaster", Subsystem: "registry", Name: "events_total",
		Help: "Registry notification events by outcome (applied, duplicate, ignored, rejected, malformed, unauthorized, too_large, unavailable).",
	}, []string{"outcome"})}
	for _, o := range []string{OutcomeApplied, OutcomeDuplicate, OutcomeIgnored, OutcomeRejected, OutcomeMalformed,
		OutcomeUnauthorized, OutcomeTooLarge, OutcomeUnavailable} {
		m.events.WithLabelValues(o)
	}
	reg.MustRegister(m.events)
	return m
}

// Event counts one outcome.
func (m *PrometheusMetrics) Event(outcome string) { m.events.WithLabelValues(outcome).Inc() }
