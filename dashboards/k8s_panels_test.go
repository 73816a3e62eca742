package dashboards

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// k8sCase evaluates one Kubernetes panel query on series shaped like
// kube-state-metrics' and cAdvisor's, with promtool's PromQL unit tests:
// there is no cluster here, but the joins (on pod phase, on scheduling)
// are exactly what these panels got wrong before.
type k8sCase struct {
	dashboard, panel, refID string
	color                   string
	want                    []sample
}

type sample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

// The pods behind the cases, in namespace flashscale unless said:
//
//	flashscale-blue-7d9f8-aaaaa  Running, ready, 250m, on node-a, using 125m
//	flashscale-blue-7d9f8-bbbbb  Running, not ready (draining), 250m, on node-a, using 125m
//	flashscale-blue-7d9f8-ccccc  Pending, scheduled on node-b (pulling its image), 250m
//	flashscale-blue-7d9f8-ddddd  Pending, no node has room, 250m
//	jobs/migrate-1               Succeeded (a completed Job), not ready, 500m, on node-a
var k8sSeries = []map[string]string{
	// phases: 1 for the pod's phase
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", phase="Running"}`, "values": "1x20"},
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", phase="Pending"}`, "values": "0x20"},
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-bbbbb", phase="Running"}`, "values": "1x20"},
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-ccccc", phase="Pending"}`, "values": "1x20"},
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-ccccc", phase="Running"}`, "values": "0x20"},
	{"series": `kube_pod_status_phase{namespace="flashscale", pod="flashscale-blue-7d9f8-ddddd", phase="Pending"}`, "values": "1x20"},
	{"series": `kube_pod_status_phase{namespace="jobs", pod="migrate-1", phase="Succeeded"}`, "values": "1x20"},
	{"series": `kube_pod_status_phase{namespace="jobs", pod="migrate-1", phase="Running"}`, "values": "0x20"},
	// readiness
	{"series": `kube_pod_status_ready{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", condition="true"}`, "values": "1x20"},
	{"series": `kube_pod_status_ready{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", condition="false"}`, "values": "0x20"},
	{"series": `kube_pod_status_ready{namespace="flashscale", pod="flashscale-blue-7d9f8-bbbbb", condition="false"}`, "values": "1x20"},
	{"series": `kube_pod_status_ready{namespace="flashscale", pod="flashscale-blue-7d9f8-ccccc", condition="false"}`, "values": "1x20"},
	{"series": `kube_pod_status_ready{namespace="flashscale", pod="flashscale-blue-7d9f8-ddddd", condition="false"}`, "values": "1x20"},
	{"series": `kube_pod_status_ready{namespace="jobs", pod="migrate-1", condition="false"}`, "values": "1x20"},
	// scheduling: kube-state-metrics leaves node empty until the pod is bound
	{"series": `kube_pod_info{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", node="node-a"}`, "values": "1x20"},
	{"series": `kube_pod_info{namespace="flashscale", pod="flashscale-blue-7d9f8-bbbbb", node="node-a"}`, "values": "1x20"},
	{"series": `kube_pod_info{namespace="flashscale", pod="flashscale-blue-7d9f8-ccccc", node="node-b"}`, "values": "1x20"},
	{"series": `kube_pod_info{namespace="flashscale", pod="flashscale-blue-7d9f8-ddddd", node=""}`, "values": "1x20"},
	{"series": `kube_pod_info{namespace="jobs", pod="migrate-1", node="node-a"}`, "values": "1x20"},
	// CPU requests, in cores
	{"series": `kube_pod_container_resource_requests{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", container="flashscale", resource="cpu", unit="core"}`, "values": "0.25x20"},
	{"series": `kube_pod_container_resource_requests{namespace="flashscale", pod="flashscale-blue-7d9f8-bbbbb", container="flashscale", resource="cpu", unit="core"}`, "values": "0.25x20"},
	{"series": `kube_pod_container_resource_requests{namespace="flashscale", pod="flashscale-blue-7d9f8-ccccc", container="flashscale", resource="cpu", unit="core"}`, "values": "0.25x20"},
	{"series": `kube_pod_container_resource_requests{namespace="flashscale", pod="flashscale-blue-7d9f8-ddddd", container="flashscale", resource="cpu", unit="core"}`, "values": "0.25x20"},
	{"series": `kube_pod_container_resource_requests{namespace="jobs", pod="migrate-1", container="migrate", resource="cpu", unit="core"}`, "values": "0.5x20"},
	{"series": `kube_node_status_allocatable{node="node-a", resource="cpu", unit="core"}`, "values": "1.93x20"},
	{"series": `kube_node_status_allocatable{node="node-b", resource="cpu", unit="core"}`, "values": "1.93x20"},
	// cAdvisor: 0.125 cores each for the two Running pods (15 s samples)
	{"series": `container_cpu_usage_seconds_total{namespace="flashscale", pod="flashscale-blue-7d9f8-aaaaa", container="flashscale"}`, "values": "0+1.875x20"},
	{"series": `container_cpu_usage_seconds_total{namespace="flashscale", pod="flashscale-blue-7d9f8-bbbbb", container="flashscale"}`, "values": "0+1.875x20"},
	// the HPA's conditions and the Deployment during a flip
	{"series": `kube_horizontalpodautoscaler_status_condition{namespace="flashscale", horizontalpodautoscaler="flashscale-blue", condition="ScalingActive", status="true"}`, "values": "0x20"},
	{"series": `kube_horizontalpodautoscaler_status_condition{namespace="flashscale", horizontalpodautoscaler="flashscale-blue", condition="ScalingActive", status="false"}`, "values": "1x20"},
	{"series": `kube_horizontalpodautoscaler_status_condition{namespace="flashscale", horizontalpodautoscaler="flashscale-blue", condition="AbleToScale", status="true"}`, "values": "1x20"},
	{"series": `kube_horizontalpodautoscaler_status_desired_replicas{namespace="flashscale", horizontalpodautoscaler="flashscale-blue"}`, "values": "2 2 2 2 3 3 3 3 4 4 4 4 4 4 4 4 4 4 4 4"},
	{"series": `kube_deployment_status_replicas_available{namespace="flashscale", deployment="flashscale-blue"}`, "values": "2x20"},
	{"series": `kube_deployment_spec_replicas{namespace="flashscale", deployment="flashscale-blue"}`, "values": "4x20"},
}

var k8sCases = []k8sCase{
	// Completed Jobs are never ready: they are not "not ready" pods.
	{"flashscale-cluster", "Pods not ready", "A", "blue", []sample{{"{}", 3}}},
	// Requests held on nodes: Running and scheduled Pending pods, not the
	// finished Job and not the pod that has no node.
	{"flashscale-scaling", "Cluster CPU: requested vs allocatable", "A", "blue", []sample{{"{}", 0.75}}},
	{"flashscale-scaling", "Cluster CPU: requested vs allocatable", "B", "blue", []sample{{"{}", 3.86}}},
	{"flashscale-scaling", "Cluster CPU: requested vs allocatable", "C", "blue", []sample{{"{}", 0.25}}},
	// Utilisation over Running pods' requests: 0.25 of 0.5 cores, not of 1.
	{"flashscale-scaling", "CPU utilisation vs HPA target (% of request)", "C", "blue", []sample{{`{color="blue"}`, 50}}},
	// ScalingActive false reads 0; AbleToScale true reads 1.
	{"flashscale-scaling", "HPA conditions", "A", "blue", []sample{
		{`{color="blue", condition="AbleToScale", horizontalpodautoscaler="flashscale-blue"}`, 1},
		{`{color="blue", condition="ScalingActive", horizontalpodautoscaler="flashscale-blue"}`, 0}}},
	// desired went 2 -> 3 (1m) -> 4 (2m): one change in the 1m window.
	{"flashscale-scaling", "HPA rescales", "A", "blue", []sample{{`{color="blue", horizontalpodautoscaler="flashscale-blue"}`, 1}}},
	{"flashscale-scaling", "Deployment replicas: available vs desired", "A", "blue", []sample{{`{color="blue", deployment="flashscale-blue"}`, 4}}},
	{"flashscale-scaling", "Deployment replicas: available vs desired", "C", "blue", []sample{{`{color="blue", deployment="flashscale-blue"}`, 2}}},
}

func TestKubernetesPanelsOnExporterShapes(t *testing.T) {
	promtool := prometheusTool(t, "promtool")
	qs := panelQueries(loadDashboards(t))
	var exprTests []map[string]any
	for _, c := range k8sCases {
		i := slices.IndexFunc(qs, func(q query) bool { return q.dashboard == c.dashboard && q.panel == c.panel && q.refID == c.refID })
		if i < 0 {
			t.Fatalf("%s: no panel %q target %s", c.dashboard, c.panel, c.refID)
		}
		exprTests = append(exprTests, map[string]any{
			// Rounded: rate()'s extrapolation leaves float noise, and the
			// point here is which pods the joins keep.
			"expr":        "round(" + mustExpand(t, qs[i], c.color) + ", 0.001)",
			"eval_time":   "2m15s",
			"exp_samples": c.want,
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "none.yaml"), []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := yaml.Marshal(map[string]any{
		"rule_files":          []string{"none.yaml"},
		"evaluation_interval": "15s",
		"tests": []any{map[string]any{
			"interval":         "15s",
			"input_series":     k8sSeries,
			"promql_expr_test": exprTests,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "k8s-panels.test.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "k8s-panels.test.yaml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
