// Package metrics exposes Rapport's Prometheus metrics: HTTP requests by
// route pattern, database pools, the job queue, live event streams, webhook
// deliveries, exports and the build. It is served on a listener of its own
// (RAPPORT_METRICS_ADDR), never on the application's port.
//
// The packages it observes do not import Prometheus: the HTTP layer reports
// through the Observer interface it declares, and the live hub and the
// notifier keep plain counters that collectors here read at scrape time.
package metrics

import (
	"log/slog"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version and Commit name the build; set them with
// -ldflags "-X rapport/internal/metrics.Version=1.4.0 -X rapport/internal/metrics.Commit=abc123".
// Left empty, they come from the module and VCS information Go embeds.
var (
	Version string
	Commit  string
)

// Metrics is one process's registry and the metrics it records itself.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	inFlight  prometheus.Gauge

	exportRows      *prometheus.CounterVec
	exportDurations *prometheus.HistogramVec
}

// New returns a registry with the Go runtime, process, build and HTTP
// metrics. Register adds the collectors of the other parts.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status class.",
		}, []string{"route", "method", "code"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rapport_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method (event streams last as long as they are open).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_http_requests_in_flight",
			Help: "HTTP requests being answered now, event streams included.",
		}),
		exportRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_export_rows_total",
			Help: "Rows written by cycle exports, by format.",
		}, []string{"format"}),
		exportDurations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rapport_export_duration_seconds",
			Help:    "Time to write a cycle export, by format and outcome (complete, or cut: the client left, it timed out or shutdown cut it).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"format", "outcome"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(),
		m.requests, m.durations, m.inFlight, m.exportRows, m.exportDurations,
	)
	return m
}

// Register adds collectors (pools, jobs, live streams, webhooks).
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Registry is the underlying registry, for tests that gather directly.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text (or OpenMetrics) format.
// A collector that fails (the database is down) leaves its series out; the
// others are still served.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	opts := promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second, EnableOpenMetrics: true}
	if log != nil {
		opts.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, opts))
	return mux
}

// StartRequest counts a request in flight; call the returned function when
// it is answered.
func (m *Metrics) StartRequest() func() {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// Request records an answered request. route is the router's pattern
// (never the raw path, whose ids would make a series per object); "" for a
// request no route matched.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = knownMethod(method)
	m.requests.WithLabelValues(route, method, statusClass(status)).Inc()
	m.durations.WithLabelValues(route, method).Observe(d.Seconds())
}

// Export records a finished cycle export.
func (m *Metrics) Export(format string, rows int64, d time.Duration, complete bool) {
	outcome := "complete"
	if !complete {
		outcome = "cut"
	}
	m.exportRows.WithLabelValues(format).Add(float64(rows))
	m.exportDurations.WithLabelValues(format, outcome).Observe(d.Seconds())
}

// statusClass is "2xx", "4xx", ...: a status code's class keeps the
// series few while the ratio of 5xx stays visible.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// knownMethod keeps the method label to the methods HTTP defines, so that a
// client cannot make up series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// Build returns the running build's version and commit: Version and Commit
// when set at link time, else what Go embedded from the module and VCS.
func Build() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && commit == "" {
				commit = s.Value
			}
		}
	}
	if version == "" {
		version = "unknown"
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}

// buildInfo is rapport_build_info{version, commit, go_version} 1.
func buildInfo() prometheus.Collector {
	version, commit := Build()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "rapport_build_info",
		Help:        "The running build: version, commit and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "go_version": runtime.Version()},
	})
	g.Set(1)
	return g
}
