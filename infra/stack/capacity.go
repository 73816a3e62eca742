package stack

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// InstanceType is one row of the node capacity table (x86_64 types only: the
// node group runs the AL2023_x86_64_STANDARD AMI).
type InstanceType struct {
	Name      string
	VCPU      int
	MemoryMiB int64 // nominal memory
	MaxPods   int   // VPC CNI limit without prefix delegation (eni-max-pods)
}

// instanceTypes is the small capacity table the program and tests size nodes from.
var instanceTypes = []InstanceType{
	{"t3.medium", 2, 4096, 17},
	{"t3.large", 2, 8192, 35},
	{"t3.xlarge", 4, 16384, 58},
	{"t3.2xlarge", 8, 32768, 58},
	{"m5.large", 2, 8192, 29},
	{"m5.xlarge", 4, 16384, 58},
	{"m6i.large", 2, 8192, 29},
	{"m6i.xlarge", 4, 16384, 58},
	{"m6i.2xlarge", 8, 32768, 58},
	{"m7i.large", 2, 8192, 29},
	{"m7i.xlarge", 4, 16384, 58},
	{"c6i.large", 2, 4096, 29},
	{"c6i.xlarge", 4, 8192, 58},
	{"r6i.large", 2, 16384, 29},
}

// InstanceTypeNames lists the instance types accepted for nodeInstanceType.
func InstanceTypeNames() []string {
	names := make([]string, len(instanceTypes))
	for i, t := range instanceTypes {
		names[i] = t.Name
	}
	return names
}

// LookupInstanceType finds a row of the capacity table.
func LookupInstanceType(name string) (InstanceType, bool) {
	for _, t := range instanceTypes {
		if t.Name == name {
			return t, true
		}
	}
	return InstanceType{}, false
}

// usableMemoryFraction approximates the memory the kubelet reports as capacity
// (the hypervisor and kernel keep the rest of the nominal size).
const usableMemoryFraction = 0.93

// AllocatableCPUMilli follows the EKS AMI kube-reserved CPU formula: 6% of the
// first core, 1% of the second, 0.5% of cores 3-4 and 0.25% of the rest.
func (t InstanceType) AllocatableCPUMilli() int64 {
	reserved := 0.0
	for core := 1; core <= t.VCPU; core++ {
		switch {
		case core == 1:
			reserved += 60
		case core == 2:
			reserved += 10
		case core <= 4:
			reserved += 5
		default:
			reserved += 2.5
		}
	}
	return int64(t.VCPU)*1000 - int64(math.Ceil(reserved))
}

// AllocatableMemoryMi follows the EKS AMI formula: kube-reserved is
// 255Mi + 11Mi per pod, and the hard eviction threshold keeps 100Mi.
func (t InstanceType) AllocatableMemoryMi() int64 {
	capacity := int64(float64(t.MemoryMiB) * usableMemoryFraction)
	return capacity - (255 + 11*int64(t.MaxPods)) - 100
}

// Workload is a set of identical pods with their requests.
type Workload struct {
	Name     string
	Replicas int
	CPUMilli int64
	MemoryMi int64
}

// Requests of the components the program installs; the Helm values are built
// from the same numbers, so the capacity check and the cluster agree.
var (
	prometheusRequests       = Workload{Name: "prometheus", Replicas: 1, CPUMilli: 200, MemoryMi: 768}
	alertmanagerRequests     = Workload{Name: "alertmanager", Replicas: 1, CPUMilli: 50, MemoryMi: 64}
	grafanaRequests          = Workload{Name: "grafana", Replicas: 1, CPUMilli: 100, MemoryMi: 192}
	grafanaSidecarRequests   = Workload{Name: "grafana-sidecar", CPUMilli: 20, MemoryMi: 64} // per sidecar container, two sidecars
	operatorRequests         = Workload{Name: "prometheus-operator", Replicas: 1, CPUMilli: 100, MemoryMi: 128}
	kubeStateMetricsRequests = Workload{Name: "kube-state-metrics", Replicas: 1, CPUMilli: 50, MemoryMi: 64}
	nodeExporterRequests     = Workload{Name: "node-exporter", CPUMilli: 50, MemoryMi: 32} // DaemonSet
	lbControllerRequests     = Workload{Name: "aws-load-balancer-controller", Replicas: 2, CPUMilli: 100, MemoryMi: 128}
	metricsServerRequests    = Workload{Name: "metrics-server", Replicas: 1, CPUMilli: 100, MemoryMi: 200}
	// EKS defaults that also land on the nodes.
	coreDNSRequests   = Workload{Name: "coredns", Replicas: 2, CPUMilli: 100, MemoryMi: 70}
	awsNodeRequests   = Workload{Name: "aws-node", CPUMilli: 25, MemoryMi: 0}    // DaemonSet
	kubeProxyRequests = Workload{Name: "kube-proxy", CPUMilli: 100, MemoryMi: 0} // DaemonSet
)

// daemonSets run one pod on every node.
func daemonSets() []Workload {
	return []Workload{awsNodeRequests, kubeProxyRequests, nodeExporterRequests}
}

// PlatformWorkloads are the cluster-wide pods besides the app: monitoring stack,
// load balancer controller, metrics-server and CoreDNS.
func PlatformWorkloads() []Workload {
	grafana := grafanaRequests
	grafana.CPUMilli += 2 * grafanaSidecarRequests.CPUMilli
	grafana.MemoryMi += 2 * grafanaSidecarRequests.MemoryMi
	return []Workload{prometheusRequests, alertmanagerRequests, grafana, operatorRequests,
		kubeStateMetricsRequests, lbControllerRequests, metricsServerRequests, coreDNSRequests, yaceRequests}
}

// CapacityReport is the result of packing pods onto nodes.
type CapacityReport struct {
	Nodes          int
	Pods           int
	CPUMilliNeeded int64
	CPUMilliTotal  int64
	MemoryMiNeeded int64
	MemoryMiTotal  int64
	Unplaced       []string
}

// Fits reports whether every pod found a node.
func (r CapacityReport) Fits() bool { return len(r.Unplaced) == 0 }

func (r CapacityReport) String() string {
	return fmt.Sprintf("%d pods on %d nodes: CPU %dm of %dm, memory %dMi of %dMi",
		r.Pods, r.Nodes, r.CPUMilliNeeded, r.CPUMilliTotal, r.MemoryMiNeeded, r.MemoryMiTotal)
}

// Pack places the workloads on `nodes` nodes of type t (first fit, largest
// requests first) after reserving every node's DaemonSet pods.
func Pack(t InstanceType, nodes int, workloads []Workload) CapacityReport {
	type node struct {
		cpu, mem int64
		pods     int
	}
	free := make([]node, nodes)
	for i := range free {
		free[i] = node{cpu: t.AllocatableCPUMilli(), mem: t.AllocatableMemoryMi(), pods: t.MaxPods}
		for _, ds := range daemonSets() {
			free[i].cpu -= ds.CPUMilli
			free[i].mem -= ds.MemoryMi
			free[i].pods--
		}
	}
	report := CapacityReport{Nodes: nodes}
	for _, n := range free {
		report.CPUMilliTotal += n.cpu
		report.MemoryMiTotal += n.mem
	}
	var pods []Workload
	for _, w := range workloads {
		for i := 0; i < w.Replicas; i++ {
			pods = append(pods, w)
		}
	}
	sort.SliceStable(pods, func(i, j int) bool {
		if pods[i].CPUMilli != pods[j].CPUMilli {
			return pods[i].CPUMilli > pods[j].CPUMilli
		}
		return pods[i].MemoryMi > pods[j].MemoryMi
	})
	for _, p := range pods {
		report.Pods++
		report.CPUMilliNeeded += p.CPUMilli
		report.MemoryMiNeeded += p.MemoryMi
		placed := false
		for i := range free {
			if free[i].cpu >= p.CPUMilli && free[i].mem >= p.MemoryMi && free[i].pods > 0 {
				free[i].cpu -= p.CPUMilli
				free[i].mem -= p.MemoryMi
				free[i].pods--
				placed = true
				break
			}
		}
		if !placed {
			report.Unplaced = append(report.Unplaced, p.Name)
		}
	}
	return report
}

// AppWorkloads are both colours' pods at the given replica count.
func AppWorkloads(c *Config, replicasPerColor int) []Workload {
	var ws []Workload
	for _, color := range Colors {
		ws = append(ws, Workload{Name: "flashscale-" + color, Replicas: replicasPerColor, CPUMilli: c.CPURequestMilli, MemoryMi: c.MemoryRequestMi})
	}
	return ws
}

// CapacityScenarios checks that (1) nodeMaxSize nodes hold both colours at HPA
// max plus the platform, and (2) nodeDesiredSize nodes hold both colours at HPA
// min plus the platform (the state right after `pulumi up`).
func CapacityScenarios(c *Config) (atMax, atDesired CapacityReport) {
	t, _ := LookupInstanceType(c.NodeInstanceType)
	atMax = Pack(t, c.NodeMaxSize, append(AppWorkloads(c, c.HpaMaxReplicas), PlatformWorkloads()...))
	atDesired = Pack(t, c.NodeDesiredSize, append(AppWorkloads(c, c.HpaMinReplicas), PlatformWorkloads()...))
	return atMax, atDesired
}

// CheckCapacity fails when the node group cannot hold the workloads.
func CheckCapacity(c *Config) error {
	if _, ok := LookupInstanceType(c.NodeInstanceType); !ok {
		return fmt.Errorf("invalid config %s: %q is not in the capacity table", fullKey("nodeInstanceType"), c.NodeInstanceType)
	}
	atMax, atDesired := CapacityScenarios(c)
	if !atMax.Fits() {
		return fmt.Errorf("invalid config %s: %d x %s cannot hold both colours at %s=%d (%s cpu, %s memory each) plus the monitoring stack: %s; %d pods unplaced (raise nodeMaxSize, pick a larger nodeInstanceType, or lower hpaMaxReplicas/requests)",
			fullKey("nodeMaxSize"), c.NodeMaxSize, c.NodeInstanceType, fullKey("hpaMaxReplicas"), c.HpaMaxReplicas, c.CPURequest, c.MemoryRequest, atMax, len(atMax.Unplaced))
	}
	if !atDesired.Fits() {
		return fmt.Errorf("invalid config %s: %d x %s cannot hold both colours at %s=%d plus the monitoring stack: %s; %d pods unplaced",
			fullKey("nodeDesiredSize"), c.NodeDesiredSize, c.NodeInstanceType, fullKey("hpaMinReplicas"), c.HpaMinReplicas, atDesired, len(atDesired.Unplaced))
	}
	return nil
}

// ParseCPU parses a Kubernetes CPU quantity ("250m", "1", "1.5") into millicores.
func ParseCPU(q string) (int64, error) {
	s := strings.TrimSpace(q)
	if strings.HasSuffix(s, "m") {
		n, err := strconv.ParseInt(strings.TrimSuffix(s, "m"), 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a CPU quantity (allowed: millicores such as 250m, or cores such as 1 or 0.5)", q)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a CPU quantity (allowed: millicores such as 250m, or cores such as 1 or 0.5)", q)
	}
	return int64(math.Round(f * 1000)), nil
}

// ParseMemoryMi parses a Kubernetes memory quantity ("256Mi", "1Gi", "512M") into MiB (rounded up).
func ParseMemoryMi(q string) (int64, error) {
	s := strings.TrimSpace(q)
	units := []struct {
		suffix string
		bytes  float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.bytes
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a memory quantity (allowed: such as 256Mi or 1Gi)", q)
	}
	return int64(math.Ceil(f * mult / (1 << 20))), nil
}

// GoMemLimit is the Go runtime's soft memory limit for the service
// container: 90% of its memory limit.
func (c Config) GoMemLimit() string { return fmt.Sprintf("%dMiB", c.MemoryLimitMi*9/10) }
