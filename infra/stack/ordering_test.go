package stack

import (
	"strings"
	"testing"
)

// graph is the dependency graph the engine orders creation by, as the
// mocks saw it: each resource's dependencies (explicit and through inputs).
type graph map[string][]string

func dependencyGraph(m *mocks) graph {
	g := graph{}
	for name, r := range m.resources {
		for _, urn := range r.Dependencies {
			g[name] = append(g[name], urn[strings.LastIndex(urn, "::")+2:])
		}
	}
	return g
}

// after reports whether a is created only once b exists: a depends on b,
// directly or through other resources.
func (g graph) after(a, b string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		for _, d := range g[n] {
			if d == b {
				return true
			}
			if !seen[d] {
				seen[d] = true
				if walk(d) {
					return true
				}
			}
		}
		return false
	}
	return walk(a)
}

func TestGraphAfter(t *testing.T) {
	t.Parallel()
	g := graph{"pod": {"ingress"}, "ingress": {"service"}, "service": {"controller"}}
	if !g.after("pod", "controller") || !g.after("pod", "ingress") {
		t.Error("transitive dependencies are missed")
	}
	if g.after("controller", "pod") || g.after("service", "pod") || g.after("pod", "nodes") {
		t.Error("a missing dependency is reported as present")
	}
}

func names(m *mocks, types ...string) []string {
	var out []string
	for _, typ := range types {
		for _, r := range m.byType(typ) {
			out = append(out, r.Name)
		}
	}
	return out
}

func requireAfter(t *testing.T, g graph, what []string, before string, why string) {
	t.Helper()
	if len(what) == 0 {
		t.Errorf("no resources for the rule %q", why)
	}
	for _, n := range what {
		if n != before && !g.after(n, before) {
			t.Errorf("%s is not created after %s: %s", n, before, why)
		}
	}
}

const (
	typeDeployment  = "kubernetes:apps/v1:Deployment"
	typeService     = "kubernetes:core/v1:Service"
	typeIngress     = "kubernetes:networking.k8s.io/v1:Ingress"
	typeHelm        = "kubernetes:helm.sh/v3:Release"
	typeHPA         = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	typeCustom      = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
	typeRule        = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
	typeNodeGroup   = "aws:eks/nodeGroup:NodeGroup"
	typeAddon       = "aws:eks/addon:Addon"
	typeAttachment  = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeStorage     = "kubernetes:storage.k8s.io/v1:StorageClass"
	lbRelease       = "lb-controller-release"
	monitoringRel   = "monitoring-release"
	metricsRelease  = "metrics-server-release"
	appIngress      = "flashscale-traffic-ingress"
	nodeGroupName   = "cluster-nodes"
	autoscalerRel   = "cluster-autoscaler-release"
	storageClassRes = "cluster-gp3"
)

// TestCreationOrder asserts the ordering rules a first `pulumi up` needs.
func TestCreationOrder(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	m := res.mocks
	g := dependencyGraph(m)
	addonRes := func(name string) string {
		for _, r := range m.byType(typeAddon) {
			if r.str("addonName") == name {
				return r.Name
			}
		}
		t.Fatalf("no EKS add-on %s", name)
		return ""
	}

	var releases []string
	for _, n := range names(m, typeHelm) {
		if n != lbRelease {
			releases = append(releases, n)
		}
	}
	// 1. The load balancer controller's webhooks (Service mutator, Ingress
	// validator, pod readiness gates) serve before anything creates
	// Services, Ingresses or pods.
	requireAfter(t, g, releases, lbRelease, "Helm releases create Services and pods")
	requireAfter(t, g, names(m, typeDeployment, typeService, typeIngress), lbRelease, "the app's Services, Ingress and pods pass the controller's webhooks")
	// 2. CRDs (and the IngressClass) before the objects that use them.
	requireAfter(t, g, names(m, typeCustom, typeRule), monitoringRel, "kube-prometheus-stack installs the monitoring.coreos.com CRDs")
	requireAfter(t, g, []string{appIngress}, lbRelease, "the controller's chart creates the IngressClass alb")
	// 3. The Ingress (and so its ALB and target groups) before the first pods.
	requireAfter(t, g, names(m, typeDeployment), appIngress, "pods get readiness gates only once the target groups exist")
	// 4. HPAs after their Deployment and the metrics API.
	for _, color := range Colors {
		requireAfter(t, g, []string{"flashscale-app-" + color + "-hpa"}, "flashscale-app-"+color+"-deployment", "an HPA scales an existing Deployment")
	}
	requireAfter(t, g, names(m, typeHPA), metricsRelease, "HPAs read the metrics API")
	// 5. Nodes after their role's policies (deletes otherwise hang on ENIs)
	// and the networking add-ons they need to become Ready.
	requireAfter(t, g, []string{nodeGroupName}, addonRes("vpc-cni"), "nodes need the CNI with its own IAM role")
	requireAfter(t, g, []string{nodeGroupName}, addonRes("kube-proxy"), "nodes need kube-proxy")
	for _, a := range m.byType(typeAttachment) {
		if strings.HasPrefix(a.Name, "cluster-node-") {
			requireAfter(t, g, []string{nodeGroupName}, a.Name, "the node group needs its role's policies, and must go before them on delete")
		}
	}
	// 6. Workloads after nodes; the controller after cluster DNS.
	requireAfter(t, g, names(m, typeHelm), nodeGroupName, "releases wait for pods to be ready")
	requireAfter(t, g, []string{addonRes("coredns"), addonRes("aws-ebs-csi-driver")}, nodeGroupName, "Deployment add-ons become ACTIVE only with nodes")
	requireAfter(t, g, []string{lbRelease}, addonRes("coredns"), "the controller resolves AWS endpoints through cluster DNS")
	// 7. Storage before the Prometheus volume.
	requireAfter(t, g, []string{storageClassRes}, addonRes("aws-ebs-csi-driver"), "gp3 is provisioned by the EBS CSI driver")
	requireAfter(t, g, []string{monitoringRel}, storageClassRes, "Prometheus' volume uses the gp3 StorageClass")
	// 8. The autoscaler after its nodes and the controller.
	requireAfter(t, g, []string{autoscalerRel}, nodeGroupName, "the autoscaler runs on the nodes it scales")
	// 9. Pods after what they mount or read.
	for _, dep := range []string{"flashscale-app-service-account", "flashscale-app-database-secret", "flashscale-app-namespace"} {
		requireAfter(t, g, names(m, typeDeployment), dep, "pods read it at start")
	}
}

// TestCreationOrderOnOwnCluster: without the program's add-ons, the app
// still creates its pods after the Ingress, and only then the HPAs.
func TestCreationOrderOnOwnCluster(t *testing.T) {
	t.Parallel()
	res := run(t, byocConfig(), byocSecretKeys, writeMonitoringFiles(t))
	if res.err != nil {
		t.Fatal(res.err)
	}
	g := dependencyGraph(res.mocks)
	requireAfter(t, g, names(res.mocks, typeDeployment), appIngress, "pods after the Ingress")
	requireAfter(t, g, names(res.mocks, typeHPA), metricsRelease, "HPAs read the metrics API")
	requireAfter(t, g, names(res.mocks, typeCustom, typeRule), monitoringRel, "CRDs first")
}
