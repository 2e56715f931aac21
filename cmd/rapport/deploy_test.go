package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The deployment files' shutdown settings match how serve drains: the
// orchestrator waits longer than Rapport's grace period before it kills
// it, and the load balancer's readiness checks notice the drain before the
// listener closes. Every RAPPORT_* value of the Deployment is parsed by
// serve's own configuration parser. (deploy/kubernetes's tests validate
// the manifests as a whole.)

type k8sDeployment struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				Containers                    []struct {
					Name string `yaml:"name"`
					Env  []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					Lifecycle struct {
						PreStop struct {
							Sleep struct {
								Seconds int `yaml:"seconds"`
							} `yaml:"sleep"`
						} `yaml:"preStop"`
					} `yaml:"lifecycle"`
					ReadinessProbe struct {
						HTTPGet struct {
							Path string `yaml:"path"`
						} `yaml:"httpGet"`
						PeriodSeconds    int `yaml:"periodSeconds"`
						FailureThreshold int `yaml:"failureThreshold"`
					} `yaml:"readinessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// serveConfigFrom parses serve's settings from a deployment's environment,
// as the container would.
func serveConfigFrom(t *testing.T, env map[string]string) serveConfig {
	t.Helper()
	for _, k := range []string{"RAPPORT_SHUTDOWN_TIMEOUT", "RAPPORT_DRAIN_WINDOW", "RAPPORT_SMTP_URL", "RAPPORT_MAIL_FROM"} {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, err := parseServe(nil)
	if err != nil {
		t.Fatalf("the deployment's settings are refused: %v", err)
	}
	return c
}

func TestKubernetesShutdownFitsTheGracePeriod(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", "base", "deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	for {
		var d k8sDeployment
		if err := dec.Decode(&d); err != nil {
			break
		}
		if d.Kind != "Deployment" {
			continue
		}
		found = true
		pod := d.Spec.Template.Spec
		if len(pod.Containers) != 1 {
			t.Fatalf("want one container, got %d", len(pod.Containers))
		}
		ct := pod.Containers[0]
		env := map[string]string{}
		for _, e := range ct.Env {
			if e.Value != "" && strings.HasPrefix(e.Name, "RAPPORT_") {
				env[e.Name] = e.Value
			}
		}
		c := serveConfigFrom(t, env)
		preStop := time.Duration(ct.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		grace := time.Duration(pod.TerminationGracePeriodSeconds) * time.Second
		if preStop <= 0 {
			t.Error("no preStop sleep: the pod gets SIGTERM while still in the Service's endpoints")
		}
		if need := preStop + c.ShutdownTimeout; grace <= need {
			t.Errorf("terminationGracePeriodSeconds %s: the kubelet kills Rapport before preStop (%s) and its shutdown timeout (%s) are over",
				grace, preStop, c.ShutdownTimeout)
		}
		p := ct.ReadinessProbe
		if p.HTTPGet.Path != "/readyz" {
			t.Errorf("readiness probe on %q, want /readyz", p.HTTPGet.Path)
		}
		if unready := time.Duration(p.PeriodSeconds*p.FailureThreshold) * time.Second; unready > c.DrainWindow {
			t.Errorf("readiness notices the drain only after %s, past the drain window %s", unready, c.DrainWindow)
		}
	}
	if !found {
		t.Fatal("no Deployment in deploy/kubernetes/base/deployment.yaml")
	}
}

func TestComposeStopGracePeriodFitsTheShutdown(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Command         []string          `yaml:"command"`
			Environment     map[string]string `yaml:"environment"`
			StopGracePeriod string            `yaml:"stop_grace_period"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	app, ok := f.Services["app"]
	if !ok {
		t.Fatal("no app service")
	}
	env := map[string]string{}
	for k, v := range app.Environment {
		if strings.HasPrefix(k, "RAPPORT_") {
			env[k] = v
		}
	}
	c := serveConfigFrom(t, env)
	stop := 10 * time.Second // Docker's default
	if app.StopGracePeriod != "" {
		if stop, err = time.ParseDuration(app.StopGracePeriod); err != nil {
			t.Fatalf("stop_grace_period %q: %v", app.StopGracePeriod, err)
		}
	}
	if stop <= c.ShutdownTimeout {
		t.Errorf("stop_grace_period %s: Docker kills Rapport before its shutdown timeout (%s) is over", stop, c.ShutdownTimeout)
	}
	// The app's email goes to the compose file's own Mailpit.
	if c.SMTP == nil {
		t.Fatal("the app has no RAPPORT_SMTP_URL")
	}
	if _, ok := f.Services[c.SMTP.Host]; !ok || c.SMTP.Port != 1025 || c.MailFrom.Email == "" {
		t.Errorf("email goes to %s from %q, not to the compose file's Mailpit", c.SMTP, c.MailFrom.Email)
	}
}
