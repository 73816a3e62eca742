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
	autoscalerRequests       = Workload{Name: "cluster-autoscaler", Replicas: 1, CPUMilli: 100, MemoryMi: 300}
	// The EBS CSI driver's EKS add-on defaults, summed over its containers
	// (an estimate: the add-on sets them, not this program).
	ebsCSIControllerRequests = Workload{Name: "ebs-csi-controller", Replicas: 2, CPUMilli: 60, MemoryMi: 240}
	ebsCSINodeRequests       = Workload{Name: "ebs-csi-node", CPUMilli: 30, MemoryMi: 120} // DaemonSet
	// EKS defaults that also land on the nodes.
	coreDNSRequests   = Workload{Name: "coredns", Replicas: 2, CPUMilli: 100, MemoryMi: 70}
	awsNodeRequests   = Workload{Name: "aws-node", CPUMilli: 25, MemoryMi: 0}    // DaemonSet
	kubeProxyRequests = Workload{Name: "kube-proxy", CPUMilli: 100, MemoryMi: 0} // DaemonSet
)

// daemonSets run one pod on every node.
func daemonSets() []Workload {
	return []Workload{awsNodeRequests, kubeProxyRequests, nodeExporterRequests, ebsCSINodeRequests}
}

// PlatformWorkloads are the cluster-wide pods besides the app: monitoring stack,
// load balancer controller, metrics-server, cluster autoscaler, the EBS CSI
// controller and CoreDNS.
func PlatformWorkloads() []Workload {
	grafana := grafanaRequests
	grafana.CPUMilli += 2 * grafanaSidecarRequests.CPUMilli
	grafana.MemoryMi += 2 * grafanaSidecarRequests.MemoryMi
	return []Workload{prometheusRequests, alertmanagerRequests, grafana, operatorRequests,
		kubeStateMetricsRequests, lbControllerRequests, metricsServerRequests, autoscalerRequests, ebsCSIControllerRequests, coreDNSRequests, yaceRequests}
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

// RDS sets max_connections to LEAST(DBInstanceClassMemory/9531392, 5000);
// DBInstanceClassMemory is the class's memory less what RDS keeps for the
// operating system, about a tenth.
const (
	rdsBytesPerConnection   = 9531392
	rdsUsableMemoryFraction = 0.9
	rdsMaxConnectionsCap    = 5000
	// defaultMaxConnections is PostgreSQL's own default (your own database).
	defaultMaxConnections = 100
	// maxPoolPerPod is the service's default pool (FLASHSCALE_DB_MAX_CONNS):
	// more per pod does not help a checkout that admission bounds anyway.
	maxPoolPerPod = 20
	minPoolPerPod = 2
)

// DBInstanceMemoryGiB is the nominal memory of an RDS instance class, for
// the t, m and r families.
func DBInstanceMemoryGiB(class string) (float64, bool) {
	parts := strings.Split(class, ".")
	if len(parts) != 3 || parts[0] != "db" || parts[1] == "" {
		return 0, false
	}
	family, size := parts[1], parts[2]
	if family[0] == 't' {
		mem, ok := map[string]float64{"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}[size]
		return mem, ok
	}
	base := map[byte]float64{'m': 8, 'r': 16}[family[0]]
	steps := map[string]float64{"large": 1, "xlarge": 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16, "12xlarge": 24, "16xlarge": 32, "24xlarge": 48}
	if mult, ok := steps[size]; ok && base > 0 {
		return base * mult, true
	}
	return 0, false
}

// RDSMaxConnections estimates an instance class's max_connections.
func RDSMaxConnections(class string) (int, bool) {
	mem, ok := DBInstanceMemoryGiB(class)
	if !ok {
		return 0, false
	}
	return min(int(mem*rdsUsableMemoryFraction*(1<<30)/rdsBytesPerConnection), rdsMaxConnectionsCap), true
}

// DatabaseReserve is what stays free for superusers (RDS keeps 3 + 2),
// migrations and operators: a tenth, at least 10.
func DatabaseReserve(maxConnections int) int { return max(10, maxConnections/10) }

// MaxAppPods is the most service pods that can hold connections at once:
// both colours at HPA max, plus the surge of one colour rolling out
// (maxSurge 25%).
func (c *Config) MaxAppPods() int { return 2*c.HpaMaxReplicas + (c.HpaMaxReplicas+3)/4 }

// sizeDatabasePools sets each pod's pool so MaxAppPods pools plus the
// reserve fit the database's max_connections.
func (c *Config) sizeDatabasePools(r *configReader) error {
	c.DbMaxConnections = defaultMaxConnections
	if !c.BYOC {
		n, ok := RDSMaxConnections(c.DbInstanceClass)
		if _, set := r.ctx.GetConfig(fullKey("dbMaxConnections")); !ok && !set {
			return fmt.Errorf("invalid config %s: %q is not a class whose memory the program knows (t, m or r families); set %s to its max_connections",
				fullKey("dbInstanceClass"), c.DbInstanceClass, fullKey("dbMaxConnections"))
		}
		c.DbMaxConnections = n
	}
	if _, set := r.ctx.GetConfig(fullKey("dbMaxConnections")); set {
		c.DbMaxConnections = r.integer("dbMaxConnections", 10, 100000)
		if len(r.errs) > 0 {
			return r.errs[len(r.errs)-1]
		}
	}
	usable := c.DbMaxConnections - DatabaseReserve(c.DbMaxConnections)
	c.DbPoolPerPod = min(maxPoolPerPod, usable/c.MaxAppPods())
	if c.DbPoolPerPod < minPoolPerPod {
		return fmt.Errorf("invalid config %s/%s: %d pods (both colours at hpaMaxReplicas=%d plus a rollout's surge) would get %d database connections each from max_connections %d (%s); allowed: at least %d each: pick a larger dbInstanceClass, lower hpaMaxReplicas, or put RDS Proxy in front and set %s",
			fullKey("dbInstanceClass"), fullKey("hpaMaxReplicas"), c.MaxAppPods(), c.HpaMaxReplicas, c.DbPoolPerPod, c.DbMaxConnections, c.DbInstanceClass, minPoolPerPod, fullKey("dbMaxConnections"))
	}
	return nil
}
