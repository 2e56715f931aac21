package metrics_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"rapport/internal/metrics"
)

// The example alert rules and dashboard are decoded strictly into typed
// structs of the Prometheus rule-file format (an unknown or misspelt field
// fails), and every Rapport metric they name must be one the app exports.
// The PromQL itself is not parsed: github.com/prometheus/prometheus, which
// holds the parser, is far too heavy a dependency for this; the checks here
// are brackets, durations, label templates and metric names.

// ruleFile is Prometheus's rule-file format
// (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/).
type ruleFile struct {
	Groups []struct {
		Name     string `yaml:"name"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// exported is the name of every series the app exports, histograms'
// _bucket/_sum/_count included.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	names := map[string]bool{}
	descs := make(chan *prometheus.Desc, 1000)
	// Describe lists every family, including those with no series yet.
	go func() {
		for _, c := range []prometheus.Collector{
			metrics.NewPoolCollector(nil), metrics.NewJobCollector(nil, 0),
			metrics.NewLiveCollector(nil), metrics.NewWebhookCollector(nil),
		} {
			c.Describe(descs)
		}
		close(descs)
	}()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range descs {
		if mm := fqName.FindStringSubmatch(d.String()); mm != nil {
			names[mm[1]] = true
		}
	}
	// Vectors without observations are not gathered: record one each.
	m.Request("/", "GET", 200, 0)
	m.Export("csv", 1, 0, true)
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		names[f.GetName()] = true
		if f.GetType().String() == "HISTOGRAM" {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[f.GetName()+s] = true
			}
		}
	}
	return names
}

var metricName = regexp.MustCompile(`\brapport_[a-z_]+`)

// checkExpr checks one PromQL expression as far as this test can.
func checkExpr(t *testing.T, where, expr string, names map[string]bool) {
	t.Helper()
	if strings.TrimSpace(expr) == "" {
		t.Errorf("%s: empty expression", where)
		return
	}
	for _, pair := range []string{"()", "{}", "[]"} {
		if strings.Count(expr, pair[:1]) != strings.Count(expr, pair[1:]) {
			t.Errorf("%s: unbalanced %s in %q", where, pair, expr)
		}
	}
	found := metricName.FindAllString(expr, -1)
	if len(found) == 0 {
		t.Errorf("%s: names no Rapport metric: %q", where, expr)
	}
	for _, n := range found {
		if !names[n] {
			t.Errorf("%s: %s is not a metric Rapport exports", where, n)
		}
	}
}

func TestAlertRulesDecodeStrictlyAndNameExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	names := exported(t)
	alerts := map[string]bool{}
	for _, g := range f.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q: a name and rules are required", g.Name)
		}
		for _, r := range g.Rules {
			if (r.Alert == "") == (r.Record == "") {
				t.Errorf("group %s: a rule needs exactly one of alert and record", g.Name)
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s twice", r.Alert)
			}
			alerts[r.Alert] = true
			checkExpr(t, r.Alert, r.Expr, names)
			if r.For != "" {
				if _, err := model.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: needs a severity label and a summary", r.Alert)
			}
			for k, v := range r.Annotations {
				if strings.Count(v, "{{") != strings.Count(v, "}}") {
					t.Errorf("%s: annotation %s has an unclosed template", r.Alert, k)
				}
			}
		}
	}
	// The rules the operations guide promises.
	for _, want := range []string{"RapportHighErrorRatio", "RapportSlowPages", "RapportPoolWaiting", "RapportJobsStuck", "RapportJobsFailing"} {
		if !alerts[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

// The dashboard is Grafana JSON whose every query names exported metrics.
func TestGrafanaDashboardQueriesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "rapport.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("rapport.json: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard without title, uid or panels")
	}
	names := exported(t)
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkExpr(t, "panel "+p.Title, q.Expr, names)
		}
	}
}
