package kubernetes_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Every manifest is checked twice: as a file, and as kustomize composes the
// production overlay (sigs.k8s.io/kustomize/api, the library behind
// `kubectl apply -k`). Each resource is decoded with sigs.k8s.io/yaml's
// UnmarshalStrict into its real Kubernetes API type (k8s.io/api), or, for
// CloudNativePG's, into the structs of cnpg_test.go: an unknown or
// misspelt field fails. Then the relations between them are checked: what
// selects what, which port and secret names resolve, and that shutdown,
// probes and connection budgets agree with how `rapport serve` behaves.

// bundle is the decoded resources of one kustomize build.
type bundle struct {
	deployments  []appsv1.Deployment
	services     []corev1.Service
	accounts     []corev1.ServiceAccount
	namespaces   []corev1.Namespace
	pdbs         []policyv1.PodDisruptionBudget
	hpas         []autoscalingv2.HorizontalPodAutoscaler
	policies     []networkingv1.NetworkPolicy
	ingresses    []networkingv1.Ingress
	jobs         []batchv1.Job
	clusters     []cnpgCluster
	poolers      []cnpgPooler
	backups      []cnpgScheduledBackup
	objectStores []barmanObjectStore
	namespaced   map[string]string // kind/name → namespace
}

// decode strictly decodes one resource into its type by kind.
func (b *bundle) decode(t *testing.T, where string, doc []byte) {
	t.Helper()
	var tm typeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	strict := func(into any) bool {
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			t.Errorf("%s: %s: %v", where, tm.Kind, err)
			return false
		}
		return true
	}
	want := map[string]string{
		"Deployment": "apps/v1", "Service": "v1", "ServiceAccount": "v1", "Namespace": "v1",
		"PodDisruptionBudget": "policy/v1", "HorizontalPodAutoscaler": "autoscaling/v2",
		"NetworkPolicy": "networking.k8s.io/v1", "Ingress": "networking.k8s.io/v1", "Job": "batch/v1",
		"Cluster": "postgresql.cnpg.io/v1", "Pooler": "postgresql.cnpg.io/v1", "ScheduledBackup": "postgresql.cnpg.io/v1",
		"ObjectStore": "barmancloud.cnpg.io/v1",
	}
	if v, ok := want[tm.Kind]; !ok {
		t.Errorf("%s: kind %q has no type in this test: add one", where, tm.Kind)
		return
	} else if v != tm.APIVersion {
		t.Errorf("%s: %s has apiVersion %q, want %q", where, tm.Kind, tm.APIVersion, v)
		return
	}
	var meta struct {
		Metadata objectMeta `json:"metadata"`
	}
	_ = yaml.Unmarshal(doc, &meta)
	if tm.Kind != "Namespace" {
		b.namespaced[tm.Kind+"/"+meta.Metadata.Name] = meta.Metadata.Namespace
	}
	switch tm.Kind {
	case "Deployment":
		var o appsv1.Deployment
		if strict(&o) {
			b.deployments = append(b.deployments, o)
		}
	case "Service":
		var o corev1.Service
		if strict(&o) {
			b.services = append(b.services, o)
		}
	case "ServiceAccount":
		var o corev1.ServiceAccount
		if strict(&o) {
			b.accounts = append(b.accounts, o)
		}
	case "Namespace":
		var o corev1.Namespace
		if strict(&o) {
			b.namespaces = append(b.namespaces, o)
		}
	case "PodDisruptionBudget":
		var o policyv1.PodDisruptionBudget
		if strict(&o) {
			b.pdbs = append(b.pdbs, o)
		}
	case "HorizontalPodAutoscaler":
		var o autoscalingv2.HorizontalPodAutoscaler
		if strict(&o) {
			b.hpas = append(b.hpas, o)
		}
	case "NetworkPolicy":
		var o networkingv1.NetworkPolicy
		if strict(&o) {
			b.policies = append(b.policies, o)
		}
	case "Ingress":
		var o networkingv1.Ingress
		if strict(&o) {
			b.ingresses = append(b.ingresses, o)
		}
	case "Job":
		var o batchv1.Job
		if strict(&o) {
			b.jobs = append(b.jobs, o)
		}
	case "Cluster":
		var o cnpgCluster
		if strict(&o) {
			b.clusters = append(b.clusters, o)
		}
	case "Pooler":
		var o cnpgPooler
		if strict(&o) {
			b.poolers = append(b.poolers, o)
		}
	case "ScheduledBackup":
		var o cnpgScheduledBackup
		if strict(&o) {
			b.backups = append(b.backups, o)
		}
	case "ObjectStore":
		var o barmanObjectStore
		if strict(&o) {
			b.objectStores = append(b.objectStores, o)
		}
	}
}

// build runs kustomize on dir, as `kubectl kustomize dir` does, and decodes
// every resource it outputs.
func build(t *testing.T, dir string) *bundle {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	b := &bundle{namespaced: map[string]string{}}
	for _, r := range m.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		b.decode(t, dir+": "+r.GetKind()+"/"+r.GetName(), doc)
	}
	return b
}

// kustomizations lists every kustomization.yaml under the manifests.
func kustomizations(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "kustomization.yaml" {
			out = append(out, filepath.Dir(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Each kustomization decodes strictly, every resource and patch it lists
// exists, and every manifest file is listed by one and decodes strictly on
// its own.
func TestEveryKustomizationListsFilesThatExistAndDecode(t *testing.T) {
	listed := map[string]bool{}
	dirs := kustomizations(t)
	if len(dirs) < 4 {
		t.Fatalf("found only %v", dirs)
	}
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var k kusttypes.Kustomization
		if err := yaml.UnmarshalStrict(raw, &k); err != nil {
			t.Errorf("%s/kustomization.yaml: %v", dir, err)
			continue
		}
		paths := append([]string{}, k.Resources...)
		for _, p := range k.Patches {
			if p.Path != "" {
				paths = append(paths, p.Path)
			}
		}
		for _, p := range paths {
			full := filepath.Join(dir, p)
			st, err := os.Stat(full)
			if err != nil {
				t.Errorf("%s lists %s: %v", dir, p, err)
				continue
			}
			if st.IsDir() {
				if _, err := os.Stat(filepath.Join(full, "kustomization.yaml")); err != nil {
					t.Errorf("%s lists directory %s, which has no kustomization.yaml", dir, p)
				}
				continue
			}
			listed[full] = true
		}
	}
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" || d.Name() == "kustomization.yaml" {
			return err
		}
		if !listed[p] {
			t.Errorf("%s is in no kustomization", p)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b := &bundle{namespaced: map[string]string{}}
		b.decode(t, p, raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The single-file manifest this layout replaces is gone.
	if _, err := os.Stat(filepath.Join("..", "kubernetes.yaml")); err == nil {
		t.Error("deploy/kubernetes.yaml still exists beside the kustomize layout")
	}
}

func env(c corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

func selects(t *testing.T, what string, sel map[string]string, podLabels map[string]string) {
	t.Helper()
	if len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(podLabels)) {
		t.Errorf("%s selector %v does not select the pods %v", what, sel, podLabels)
	}
}

func portNamed(c corev1.Container, name string) (corev1.ContainerPort, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p, true
		}
	}
	return corev1.ContainerPort{}, false
}

func mustDuration(t *testing.T, name, v string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s %q: %v", name, v, err)
	}
	return d
}

func atoi(t *testing.T, what, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s %q: %v", what, s, err)
	}
	return n
}

// The production overlay, composed by kustomize, is a complete and
// consistent deployment of Rapport.
func TestProductionOverlayComposesAConsistentDeployment(t *testing.T) {
	b := build(t, "overlays/production")
	counts := map[string]int{"Deployment": len(b.deployments), "Service": len(b.services), "ServiceAccount": len(b.accounts),
		"Namespace": len(b.namespaces), "PodDisruptionBudget": len(b.pdbs), "HorizontalPodAutoscaler": len(b.hpas),
		"NetworkPolicy": len(b.policies), "Ingress": len(b.ingresses), "Cluster": len(b.clusters), "Pooler": len(b.poolers),
		"ScheduledBackup": len(b.backups), "ObjectStore": len(b.objectStores)}
	for kind, n := range counts {
		if n != 1 {
			t.Fatalf("%d %s in the overlay, want 1", n, kind)
		}
	}
	ns := b.namespaces[0].Name
	for k, v := range b.namespaced {
		if v != ns {
			t.Errorf("%s is in namespace %q, want %q", k, v, ns)
		}
	}

	d := b.deployments[0]
	pod := d.Spec.Template
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	selects(t, "the Deployment's", d.Spec.Selector.MatchLabels, pod.Labels)
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if i := strings.LastIndex(c.Image, ":"); i < 0 || strings.Contains(c.Image[i:], "/") || c.Image[i+1:] == "latest" {
		t.Errorf("image %q: pin a tag, never latest", c.Image)
	}
	if pod.Spec.ServiceAccountName != b.accounts[0].Name {
		t.Errorf("service account %q is not the one defined (%q)", pod.Spec.ServiceAccountName, b.accounts[0].Name)
	}
	e := env(c)
	for _, name := range []string{"RAPPORT_BASE_URL", "RAPPORT_ADDR", "RAPPORT_METRICS_ADDR", "DATABASE_URL", "RAPPORT_SHUTDOWN_TIMEOUT", "RAPPORT_DRAIN_WINDOW"} {
		if e[name].Value == "" {
			t.Errorf("no %s in the container's environment", name)
		}
	}
	if e["RAPPORT_TRUST_PROXY"].Value != "1" {
		t.Error("RAPPORT_TRUST_PROXY is not 1: behind the ingress every request would come from the controller's address")
	}
	if u, err := url.Parse(e["RAPPORT_BASE_URL"].Value); err != nil || u.Scheme != "https" {
		t.Errorf("RAPPORT_BASE_URL %q: want https", e["RAPPORT_BASE_URL"].Value)
	}
	for _, p := range []struct{ env, port string }{{"RAPPORT_ADDR", "http"}, {"RAPPORT_METRICS_ADDR", "metrics"}} {
		cp, ok := portNamed(c, p.port)
		if !ok {
			t.Errorf("no container port %q", p.port)
			continue
		}
		if !strings.HasSuffix(e[p.env].Value, ":"+strconv.Itoa(int(cp.ContainerPort))) {
			t.Errorf("%s %q does not listen on container port %s (%d)", p.env, e[p.env].Value, p.port, cp.ContainerPort)
		}
	}
	if mp, ok := portNamed(c, "metrics"); ok && pod.Annotations["prometheus.io/port"] != strconv.Itoa(int(mp.ContainerPort)) {
		t.Errorf("prometheus.io/port %q is not the metrics port %d", pod.Annotations["prometheus.io/port"], mp.ContainerPort)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Error("no CPU or memory request: the autoscaler and the scheduler need them")
	}

	// Probes on the endpoints the app has.
	probes := []struct {
		name string
		p    *corev1.Probe
		path string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}, {"startup", c.StartupProbe, "/healthz"}}
	for _, p := range probes {
		if p.p == nil || p.p.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", p.name)
			continue
		}
		if p.p.HTTPGet.Path != p.path || p.p.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("%s probe on %s port %s, want %s on http", p.name, p.p.HTTPGet.Path, p.p.HTTPGet.Port.String(), p.path)
		}
	}

	// Shutdown: preStop, then the app's drain and grace; the kubelet waits
	// longer than all of it; readiness notices the drain inside its window.
	drain := mustDuration(t, "RAPPORT_DRAIN_WINDOW", e["RAPPORT_DRAIN_WINDOW"].Value)
	grace := mustDuration(t, "RAPPORT_SHUTDOWN_TIMEOUT", e["RAPPORT_SHUTDOWN_TIMEOUT"].Value)
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Sleep.Seconds <= 0 {
		t.Fatal("no preStop sleep: the pod gets SIGTERM while still in the Service's endpoints")
	}
	preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if pod.Spec.TerminationGracePeriodSeconds == nil || time.Duration(*pod.Spec.TerminationGracePeriodSeconds)*time.Second <= preStop+grace {
		t.Errorf("terminationGracePeriodSeconds %v must exceed preStop %s + RAPPORT_SHUTDOWN_TIMEOUT %s", pod.Spec.TerminationGracePeriodSeconds, preStop, grace)
	}
	if rp := c.ReadinessProbe; rp != nil && time.Duration(rp.PeriodSeconds*rp.FailureThreshold)*time.Second > drain {
		t.Errorf("readiness notices the drain after %ds, past the drain window %s", rp.PeriodSeconds*rp.FailureThreshold, drain)
	}

	// The Service reaches the pods on ports they have.
	svc := b.services[0]
	selects(t, "the Service's", svc.Spec.Selector, pod.Labels)
	svcPorts := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = true
		if _, ok := portNamed(c, p.TargetPort.StrVal); !ok {
			t.Errorf("Service port %s targets %q, which the container does not have", p.Name, p.TargetPort.String())
		}
	}

	// Autoscaler and disruption budget.
	hpa := b.hpas[0]
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != d.Name {
		t.Errorf("the autoscaler scales %s/%s, not the Deployment %s", hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas != *d.Spec.Replicas || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("autoscaler %v..%d, want from the Deployment's %d", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas, *d.Spec.Replicas)
	}
	if len(hpa.Spec.Metrics) == 0 || hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
		t.Error("the autoscaler does not scale on CPU")
	}
	pdb := b.pdbs[0]
	selects(t, "the PodDisruptionBudget's", pdb.Spec.Selector.MatchLabels, pod.Labels)
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() >= int(*d.Spec.Replicas) {
		t.Errorf("PDB maxUnavailable %v leaves no replica serving", pdb.Spec.MaxUnavailable)
	}

	// Database: CloudNativePG cluster, the pooler in session mode, backups.
	cl, pl, bk, st := b.clusters[0], b.poolers[0], b.backups[0], b.objectStores[0]
	if cl.Spec.Instances != 3 {
		t.Errorf("Cluster instances %d, want 3", cl.Spec.Instances)
	}
	if !strings.Contains(cl.Spec.ImageName, ":") || strings.HasSuffix(cl.Spec.ImageName, ":latest") {
		t.Errorf("Cluster image %q: pin a tag", cl.Spec.ImageName)
	}
	if pl.Spec.Cluster.Name != cl.Metadata.Name || pl.Spec.Type != "rw" {
		t.Errorf("the Pooler points at %q (%s), want the Cluster %q (rw)", pl.Spec.Cluster.Name, pl.Spec.Type, cl.Metadata.Name)
	}
	if pl.Spec.PgBouncer.PoolMode != "session" {
		t.Errorf("pool mode %q: LISTEN/NOTIFY, advisory locks and session settings need session", pl.Spec.PgBouncer.PoolMode)
	}
	if pl.Metadata.Name == cl.Metadata.Name {
		t.Error("the Pooler must not share the Cluster's name")
	}
	if bk.Spec.Cluster.Name != cl.Metadata.Name || bk.Spec.Method != "plugin" || len(strings.Fields(bk.Spec.Schedule)) != 6 {
		t.Errorf("ScheduledBackup %+v: want the Cluster, method plugin and a six-field schedule (seconds first)", bk.Spec)
	}
	var archiver bool
	for _, p := range cl.Spec.Plugins {
		if p.Name == bk.Spec.PluginConfiguration.Name && p.IsWALArchiver && p.Parameters["barmanObjectName"] == st.Metadata.Name {
			archiver = true
		}
	}
	if !archiver {
		t.Errorf("the Cluster archives WAL through no plugin %q to the ObjectStore %q", bk.Spec.PluginConfiguration.Name, st.Metadata.Name)
	}
	if !strings.HasPrefix(st.Spec.Configuration.DestinationPath, "s3://") || strings.Contains(st.Spec.Configuration.DestinationPath, "replace-me") {
		t.Errorf("backups go to %q: the overlay must name its bucket", st.Spec.Configuration.DestinationPath)
	}

	// The app reaches the database through the pooler with the operator's
	// generated credentials; pgx takes the user and password from PGUSER
	// and PGPASSWORD.
	dbURL, err := url.Parse(e["DATABASE_URL"].Value)
	if err != nil {
		t.Fatal(err)
	}
	if cl.Spec.Bootstrap.InitDB == nil {
		t.Fatal("the Cluster does not bootstrap a database (initdb)")
	}
	if dbURL.Hostname() != pl.Metadata.Name || strings.TrimPrefix(dbURL.Path, "/") != cl.Spec.Bootstrap.InitDB.Database {
		t.Errorf("DATABASE_URL %s: want host %s (the pooler) and database %s", dbURL.Redacted(), pl.Metadata.Name, cl.Spec.Bootstrap.InitDB.Database)
	}
	if dbURL.User != nil {
		t.Error("DATABASE_URL carries credentials: they belong in the secret")
	}
	for _, v := range []string{"PGUSER", "PGPASSWORD"} {
		ref := e[v].ValueFrom
		if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != cl.Metadata.Name+"-app" {
			t.Errorf("%s does not come from the operator's secret %s-app", v, cl.Metadata.Name)
		}
	}
	t.Setenv("PGUSER", "rapport")
	t.Setenv("PGPASSWORD", "from-the-secret")
	pc, err := pgxpool.ParseConfig(e["DATABASE_URL"].Value)
	if err != nil {
		t.Fatal(err)
	}
	if pc.ConnConfig.User != "rapport" || pc.ConnConfig.Password != "from-the-secret" || pc.ConnConfig.Host != pl.Metadata.Name {
		t.Errorf("pgx reads %s@%s, want the credentials from PGUSER/PGPASSWORD", pc.ConnConfig.User, pc.ConnConfig.Host)
	}

	// Connection budget: in session mode every client connection holds a
	// server connection, so the pooler and PostgreSQL must hold every
	// replica's pools at the autoscaler's maximum (docs/operations.md:
	// pages + exports + 11).
	perReplica := atoi(t, "RAPPORT_DB_POOL_SIZE", e["RAPPORT_DB_POOL_SIZE"].Value) + atoi(t, "RAPPORT_EXPORTS", e["RAPPORT_EXPORTS"].Value) + 11
	need := perReplica * int(hpa.Spec.MaxReplicas)
	if n := atoi(t, "default_pool_size", pl.Spec.PgBouncer.Parameters["default_pool_size"]); n < need {
		t.Errorf("pooler default_pool_size %d < %d replicas × %d connections", n, hpa.Spec.MaxReplicas, perReplica)
	}
	if n := atoi(t, "max_client_conn", pl.Spec.PgBouncer.Parameters["max_client_conn"]); n < need {
		t.Errorf("pooler max_client_conn %d < %d", n, need)
	}
	if n := atoi(t, "max_connections", cl.Spec.PostgreSQL.Parameters["max_connections"]); n <= need {
		t.Errorf("max_connections %d leaves no room beyond the app's %d", n, need)
	}

	// Network policy: the app's pods; in from the ingress controller and
	// Prometheus on ports they have; out to DNS and the pooler.
	np := b.policies[0]
	sel, err := metav1Selector(np)
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(pod.Labels)) {
		t.Errorf("the NetworkPolicy does not select the app's pods %v", pod.Labels)
	}
	if len(np.Spec.PolicyTypes) != 2 {
		t.Errorf("policy types %v, want Ingress and Egress", np.Spec.PolicyTypes)
	}
	for _, r := range np.Spec.Ingress {
		for _, p := range r.Ports {
			if _, ok := portNamed(c, p.Port.StrVal); !ok {
				t.Errorf("the NetworkPolicy admits port %s, which the container does not have", p.Port.String())
			}
		}
	}
	var dns, db bool
	for _, r := range np.Spec.Egress {
		for _, p := range r.Ports {
			if p.Port.IntValue() == 53 && p.Protocol != nil && *p.Protocol == corev1.ProtocolUDP {
				dns = true
			}
			if p.Port.IntValue() == 5432 {
				for _, to := range r.To {
					if to.PodSelector != nil && to.PodSelector.MatchLabels["cnpg.io/poolerName"] == pl.Metadata.Name {
						db = true
					}
				}
			}
		}
	}
	if !dns || !db {
		t.Errorf("egress: DNS %v, the pooler %v; want both", dns, db)
	}

	// Ingress: to the Service's http port, without buffering the event
	// streams, and holding them open past their heartbeat.
	ing := b.ingresses[0]
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			be := p.Backend.Service
			if be == nil || be.Name != svc.Name || !svcPorts[be.Port.Name] {
				t.Errorf("the Ingress routes %s to %+v, not a port of Service %s", p.Path, be, svc.Name)
			} else if be.Port.Name != "http" {
				t.Errorf("the Ingress routes %s to port %s: only http is public", p.Path, be.Port.Name)
			}
		}
	}
	a := ing.Annotations
	if a["nginx.ingress.kubernetes.io/proxy-buffering"] != "off" {
		t.Error("the Ingress buffers responses: live updates would arrive late")
	}
	if n := atoi(t, "proxy-read-timeout", a["nginx.ingress.kubernetes.io/proxy-read-timeout"]); n <= 20 {
		t.Errorf("proxy-read-timeout %ds does not outlast the streams' 20 s heartbeat", n)
	}
	if len(ing.Spec.TLS) == 0 {
		t.Error("the Ingress serves no TLS")
	}
}

func metav1Selector(np networkingv1.NetworkPolicy) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
}

// The migration Job of a release runs `rapport migrate up` with the same
// image, namespace and database as the Deployment, and the NetworkPolicy
// lets it reach the database.
func TestMigrationJobMatchesTheRelease(t *testing.T) {
	app := build(t, "overlays/production")
	mig := build(t, "overlays/production/migrate")
	if len(mig.jobs) != 1 {
		t.Fatalf("%d Jobs in the migrate overlay, want 1", len(mig.jobs))
	}
	job := mig.jobs[0]
	c := job.Spec.Template.Spec.Containers[0]
	appC := app.deployments[0].Spec.Template.Spec.Containers[0]
	if c.Image != appC.Image {
		t.Errorf("the Job runs %s, the Deployment %s", c.Image, appC.Image)
	}
	if strings.Join(c.Args, " ") != "migrate up" {
		t.Errorf("the Job runs %v, want migrate up", c.Args)
	}
	if job.Namespace != app.namespaces[0].Name {
		t.Errorf("the Job is in %q, the app in %q", job.Namespace, app.namespaces[0].Name)
	}
	je, ae := env(c), env(appC)
	for _, v := range []string{"DATABASE_URL", "PGUSER", "PGPASSWORD"} {
		if fmt.Sprint(je[v]) != fmt.Sprint(ae[v]) {
			t.Errorf("%s differs between the Job (%v) and the Deployment (%v)", v, je[v], ae[v])
		}
	}
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || job.Spec.BackoffLimit == nil {
		t.Error("the Job should not restart in place and needs a backoff limit")
	}
	sel, err := metav1Selector(app.policies[0])
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(labels.Set(job.Spec.Template.Labels)) {
		t.Errorf("the NetworkPolicy does not cover the Job's pods %v: they could not reach the database", job.Spec.Template.Labels)
	}
}

// The recovery Cluster that docs/operations.md shows decodes strictly and
// recovers from the archive the production Cluster writes.
func TestDocumentedRecoveryClusterReadsTheArchive(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	app := build(t, "overlays/production")
	cl, st := app.clusters[0], app.objectStores[0]
	var found int
	for _, block := range strings.Split(string(raw), "```yaml\n")[1:] {
		doc := block[:strings.Index(block, "```")]
		var r cnpgCluster
		if err := yaml.UnmarshalStrict([]byte(doc), &r); err != nil {
			t.Errorf("docs/operations.md: %v\n%s", err, doc)
			continue
		}
		if r.Kind != "Cluster" {
			continue
		}
		found++
		rec := r.Spec.Bootstrap.Recovery
		if rec == nil || len(r.Spec.ExternalClusters) != 1 || r.Spec.ExternalClusters[0].Name != rec.Source {
			t.Fatalf("the documented Cluster does not recover from its external cluster: %+v", r.Spec)
		}
		p := r.Spec.ExternalClusters[0].Plugin
		var plugin string
		for _, pl := range cl.Spec.Plugins {
			plugin = pl.Name
		}
		if p.Name != plugin || p.Parameters["barmanObjectName"] != st.Metadata.Name || p.Parameters["serverName"] != cl.Metadata.Name {
			t.Errorf("the documented recovery reads %+v, want plugin %s, object store %s, server %s", p, plugin, st.Metadata.Name, cl.Metadata.Name)
		}
		if r.Metadata.Name == cl.Metadata.Name {
			t.Error("the documented recovery reuses the running Cluster's name")
		}
		if rec.RecoveryTarget != nil {
			if _, err := time.Parse("2006-01-02 15:04:05-07", rec.RecoveryTarget.TargetTime); err != nil {
				t.Errorf("targetTime %q: %v", rec.RecoveryTarget.TargetTime, err)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d Cluster examples in docs/operations.md, want 1", found)
	}
}
