package main

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is a real OTLP/HTTP trace endpoint (what a collector's
// port 4318 does): it decodes the protobuf export requests and keeps the
// spans.
type otlpReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = gz
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req collectorpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&collectorpb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *otlpReceiver) all() []*tracepb.Span {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*tracepb.Span(nil), rc.spans...)
}

func attr(s *tracepb.Span, key string) (string, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.GetStringValue(), true
		}
	}
	return "", false
}

// With an OTLP endpoint in the standard environment, serve traces each
// request as a span named after its route pattern, continuing the
// caller's trace (W3C traceparent), with its database statements as
// spans of the same trace; the access log line carries the trace id;
// health checks are not traced; everything queued is sent at shutdown.
func TestTracingExportsRequestAndStatementSpansOverOTLP(t *testing.T) {
	rc := newOTLPReceiver(t)
	_, res := overloadEnv(t, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": rc.srv.URL,
		"OTEL_BSP_SCHEDULE_DELAY":     "100",
		"OTEL_SERVICE_NAME":           "rapport-test",
		"RAPPORT_LOG_LEVEL":           "info",
		"RAPPORT_LOG_FORMAT":          "json",
	})
	r := startReplica(t)
	c := signInAs(t, r.base, res, "manager")

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("GET", r.base+"/oneonones", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /oneonones: %d", resp.StatusCode)
	}
	r.stop()
	r.waitExit(t, 30*time.Second)

	var server *tracepb.Span
	var statements int
	for _, s := range rc.all() {
		if strings.Contains(s.Name, "/readyz") || strings.Contains(s.Name, "/healthz") {
			t.Errorf("a health check was traced: %s", s.Name)
		}
		if hex.EncodeToString(s.TraceId) != traceID {
			continue
		}
		if s.Kind == tracepb.Span_SPAN_KIND_SERVER {
			server = s
			continue
		}
		if _, ok := attr(s, "db.query.text"); ok {
			statements++
		} else if _, ok := attr(s, "db.statement"); ok {
			statements++
		}
	}
	if server == nil {
		t.Fatalf("no server span in the caller's trace %s among %d spans", traceID, len(rc.all()))
	}
	if server.Name != "GET /oneonones" {
		t.Errorf("server span named %q, want GET /oneonones", server.Name)
	}
	if route, _ := attr(server, "http.route"); route != "/oneonones" {
		t.Errorf("http.route %q", route)
	}
	if hex.EncodeToString(server.ParentSpanId) != "00f067aa0ba902b7" {
		t.Errorf("the server span's parent is %x, not the caller's span", server.ParentSpanId)
	}
	if statements == 0 {
		t.Error("no database statement spans in the request's trace")
	}
	if !strings.Contains(r.logs.String(), `"trace_id":"`+traceID+`"`) {
		t.Errorf("no log line carries the trace id:\n%s", r.logs.String())
	}
	t.Logf("%d spans received; the request's trace: server span %q and %d statement spans", len(rc.all()), server.Name, statements)
}

func TestTracingIsOffByDefaultAndRefusesGRPC(t *testing.T) {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER", "OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		t.Setenv(k, "")
	}
	c, err := parseServe(nil)
	if err != nil || c.Tracing {
		t.Fatalf("tracing on without any OTEL_* setting (%v)", err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	if c, err := parseServe(nil); err != nil || !c.Tracing {
		t.Fatalf("an OTLP endpoint does not turn tracing on (%v)", err)
	}
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if c, _ := parseServe(nil); c.Tracing {
		t.Fatal("OTEL_SDK_DISABLED=true leaves tracing on")
	}
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	if _, err := parseServe(nil); err == nil || !strings.Contains(err.Error(), "http/protobuf") {
		t.Fatalf("grpc accepted: %v", err)
	}
}
