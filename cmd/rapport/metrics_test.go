package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"
)

// scrape reads the metrics endpoint and parses it as Prometheus does.
func scrape(t *testing.T, u string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, raw)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return fams, string(raw)
}

// series finds a metric of family name whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// After a few requests, the metrics listener (its own port, never the app's)
// reports requests by route pattern, the pools, the job queue, open event
// streams, exports and the build.
func TestMetricsEndpointReportsRoutesPoolsJobsStreamsAndExports(t *testing.T) {
	metricsAddr := freeAddr(t)
	db, res := overloadEnv(t, map[string]string{"RAPPORT_METRICS_ADDR": metricsAddr})
	r := startReplica(t)
	metricsURL := "http://" + metricsAddr + "/metrics"

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var retroID, cycleID, personID int64
	var member string
	if err := conn.QueryRow(ctx, `SELECT r.id, u.email FROM retros r JOIN team_members tm ON tm.team_id = r.team_id
		JOIN users u ON u.id = tm.user_id WHERE u.active ORDER BY r.id, u.id LIMIT 1`).Scan(&retroID, &member); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM review_cycles ORDER BY id LIMIT 1`).Scan(&cycleID); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT id FROM users WHERE org_id = $1 ORDER BY id LIMIT 1`, res.OrgID).Scan(&personID); err != nil {
		t.Fatal(err)
	}

	admin := signInAs(t, r.base, res, "admin")
	for _, p := range []string{"/", "/kudos", fmt.Sprintf("/people/%d", personID), "/no/such/page", "/definitions"} {
		if pr := get(admin, r.base+p); pr.err != nil {
			t.Fatal(pr.err)
		}
	}
	if pr := get(admin, fmt.Sprintf("%s/exports/cycles/%d/csv", r.base, cycleID)); pr.status != 200 {
		t.Fatalf("export: %d %v", pr.status, pr.err)
	}
	// The old address of the definitions page moves; it never serves metrics.
	if pr := get(admin, r.base+"/metrics"); pr.status != http.StatusMovedPermanently || strings.Contains(pr.body, "rapport_http") {
		t.Errorf("GET /metrics on the app's port: %d %q", pr.status, pr.body)
	}
	// A password-reset request queues a background job.
	resp, err := http.PostForm(r.base+"/password/forgot", url.Values{"email": {member}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A live stream stays open while we scrape.
	mc := signIn(t, r.base, member)
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	req, _ := http.NewRequestWithContext(streamCtx, "GET", fmt.Sprintf("%s/retros/%d/events", r.base, retroID), nil)
	sc := &http.Client{Jar: mc.Jar}
	stream, err := sc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("event stream: %d", stream.StatusCode)
	}
	if _, err := bufio.NewReader(stream.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}

	fams, raw := scrape(t, metricsURL)
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"rapport_http_requests_total", map[string]string{"route": "/people/{id}", "method": "GET", "code": "2xx"}, 1},
		{"rapport_http_requests_total", map[string]string{"route": "/exports/cycles/{id}/csv", "method": "GET", "code": "2xx"}, 1},
		{"rapport_http_requests_total", map[string]string{"route": "/login", "method": "POST", "code": "3xx"}, 1},
		{"rapport_http_requests_total", map[string]string{"route": "/metrics", "method": "GET", "code": "3xx"}, 1},
		{"rapport_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "code": "4xx"}, 1},
		{"rapport_http_request_duration_seconds", map[string]string{"route": "/kudos", "method": "GET"}, 1},
		{"rapport_http_requests_in_flight", nil, 1}, // the open stream
		{"rapport_db_pool_max_connections", map[string]string{"pool": "pages"}, 1},
		{"rapport_db_pool_max_connections", map[string]string{"pool": "readiness"}, 1},
		{"rapport_db_pool_max_connections", map[string]string{"pool": "jobs"}, 1},
		{"rapport_db_pool_max_connections", map[string]string{"pool": "exports"}, 1},
		{"rapport_db_pool_acquires_total", map[string]string{"pool": "pages"}, 1},
		{"rapport_db_pool_total_connections", map[string]string{"pool": "pages"}, 1},
		{"rapport_db_pool_idle_connections", map[string]string{"pool": "pages"}, 0},
		{"rapport_db_pool_acquired_connections", map[string]string{"pool": "pages"}, 0},
		{"rapport_db_pool_empty_acquires_total", map[string]string{"pool": "pages"}, 0},
		{"rapport_db_pool_acquire_seconds_total", map[string]string{"pool": "pages"}, 0},
		{"rapport_jobs_collect_errors", nil, 0},
		{"rapport_live_streams_open", nil, 1},
		{"rapport_live_events_fanned_out_total", nil, 0},
		{"rapport_webhook_deliveries_total", map[string]string{"result": "delivered"}, 0},
		{"rapport_webhook_deliveries_total", map[string]string{"result": "failed"}, 0},
		{"rapport_export_rows_total", map[string]string{"format": "csv"}, 1},
		{"rapport_export_duration_seconds", map[string]string{"format": "csv", "outcome": "complete"}, 1},
		{"rapport_build_info", map[string]string{"go_version": runtime.Version()}, 1},
		{"go_goroutines", nil, 1},
	}
	for _, c := range checks {
		m := series(fams, c.name, c.labels)
		if m == nil {
			t.Errorf("no series %s%v", c.name, c.labels)
			continue
		}
		if v := value(m); v < c.min {
			t.Errorf("%s%v = %v, want at least %v", c.name, c.labels, v, c.min)
		}
	}
	if m := series(fams, "rapport_jobs_collect_errors", nil); m != nil && value(m) != 0 {
		t.Errorf("reading the job queue failed")
	}
	// The reset request's job is counted by kind and state (the collector
	// caches for 15 s, and this is its first read).
	var jobs float64
	for _, m := range fams["rapport_jobs"].GetMetric() {
		jobs += value(m)
	}
	if jobs < 1 {
		t.Errorf("rapport_jobs counts no job after a password-reset request:\n%s", grep(raw, "rapport_jobs"))
	}
	// Never a raw path: no route label holds a number.
	digits := regexp.MustCompile(`route="[^"]*[0-9][^"]*"`)
	if m := digits.FindString(raw); m != "" {
		t.Errorf("a route label carries a raw path: %s", m)
	}
	if testing.Verbose() {
		t.Logf("scrape sample:\n%s", sample(raw))
	}
	stopStream()
}

// grep keeps the lines of s that contain word.
func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// sample is the scrape's Rapport series without help text or histogram
// buckets, for reading in the test log.
func sample(raw string) string {
	var out []string
	for _, l := range strings.Split(raw, "\n") {
		if strings.HasPrefix(l, "rapport_") && !strings.Contains(l, "_bucket{") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The metrics address must not be the application's port.
func TestMetricsAddrMustDifferFromTheAppPort(t *testing.T) {
	_, err := parseServe([]string{"--addr", ":8080", "--metrics-addr", "0.0.0.0:8080"})
	if err == nil || !strings.Contains(err.Error(), "RAPPORT_METRICS_ADDR") {
		t.Fatalf("metrics on the app's port accepted: %v", err)
	}
	if _, err := parseServe([]string{"--metrics-addr", "nonsense"}); err == nil || !strings.Contains(err.Error(), "RAPPORT_METRICS_ADDR") {
		t.Fatalf("bad metrics address accepted: %v", err)
	}
	c, err := parseServe([]string{"--addr", ":8080"})
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("metrics are on by default (%q, %v)", c.MetricsAddr, err)
	}
}
