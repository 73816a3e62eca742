package stack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestResources runs the program once with a complete config and checks every
// resource and the properties the issue names.
func TestResources(t *testing.T) {
	t.Parallel()
	root := writeMonitoringFiles(t)
	res := run(t, baseConfig(), nil, root)
	if res.err != nil {
		t.Fatalf("program failed: %v", res.err)
	}
	m := res.mocks

	t.Run("naming, parents and the explicit Kubernetes provider", func(t *testing.T) {
		kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
		components := map[string]string{}
		for _, name := range m.order {
			r := m.resources[name]
			if strings.HasPrefix(r.Type, "flashscale:infra:") {
				components[name] = r.Type
			}
		}
		for _, want := range []string{"Network", "Cluster", "Registry", "Database", "LoadBalancerController", "MetricsServer", "Monitoring", "ClusterLayer", "App", "Traffic", "Dashboards"} {
			found := false
			for _, typ := range components {
				found = found || typ == "flashscale:infra:"+want
			}
			if !found {
				t.Errorf("component flashscale:infra:%s not registered", want)
			}
		}
		for _, name := range m.order {
			r := m.resources[name]
			if !kebab.MatchString(name) {
				t.Errorf("resource name %q is not kebab-case", name)
			}
			if typ, isComponent := components[name]; isComponent {
				// The cluster layer's parts are its children; the rest are top level.
				want := "pulumi:pulumi:Stack::flashscale-dev"
				switch typ {
				case "flashscale:infra:App", "flashscale:infra:Traffic", "flashscale:infra:Dashboards":
					want = "flashscale:infra:ClusterLayer::flashscale"
				}
				if !strings.HasSuffix(r.Parent, want) {
					t.Errorf("component %s has parent %s, want %s", name, r.Parent, want)
				}
				if want != "pulumi:pulumi:Stack::flashscale-dev" && !strings.HasPrefix(name, "flashscale-") {
					t.Errorf("component %s is not named after the cluster layer", name)
				}
				continue
			}
			if !strings.Contains(r.Parent, "flashscale:infra:") {
				t.Errorf("%s is not parented to a component (parent %q)", name, r.Parent)
			}
			if parentName := r.Parent[strings.LastIndex(r.Parent, "::")+2:]; !strings.HasPrefix(name, parentName+"-") {
				t.Errorf("%s is not named after its component %s", name, parentName)
			}
			if strings.HasPrefix(r.Type, "kubernetes:") && !strings.Contains(r.Provider, "pulumi:providers:kubernetes::cluster-k8s::") {
				t.Errorf("%s (%s) does not use the explicit Kubernetes provider (provider %q)", name, r.Type, r.Provider)
			}
		}
		k8sProvider := m.get(t, "cluster-k8s")
		if k8sProvider.str("kubeconfig") == "" {
			t.Error("the Kubernetes provider is not built from the cluster's kubeconfig")
		}
	})

	t.Run("network", func(t *testing.T) {
		vpc := m.get(t, "network-vpc")
		if vpc.str("cidrBlock") != "10.0.0.0/16" || vpc.get("enableDnsHostnames") != true || vpc.get("enableDnsSupport") != true {
			t.Errorf("vpc inputs: %v", vpc.plainInputs())
		}
		subnets := m.byType("aws:ec2/subnet:Subnet")
		if len(subnets) != 4 {
			t.Fatalf("want 2 public + 2 private subnets, got %d", len(subnets))
		}
		zones := map[string]map[string]bool{"public": {}, "private": {}}
		for _, s := range subnets {
			kind := "private"
			roleTag := "kubernetes.io/role/internal-elb"
			if strings.Contains(s.Name, "public") {
				kind, roleTag = "public", "kubernetes.io/role/elb"
			}
			if s.str("tags", roleTag) != "1" {
				t.Errorf("%s lacks tag %s=1 for load balancer discovery", s.Name, roleTag)
			}
			if s.str("tags", "kubernetes.io/cluster/flashscale-dev") != "shared" {
				t.Errorf("%s lacks tag kubernetes.io/cluster/flashscale-dev=shared", s.Name)
			}
			if s.get("mapPublicIpOnLaunch") == true {
				t.Errorf("%s maps public IPs on launch", s.Name)
			}
			zones[kind][s.str("availabilityZone")] = true
		}
		if len(zones["public"]) != 2 || len(zones["private"]) != 2 {
			t.Errorf("subnets must span two AZs: %v", zones)
		}
		if n := len(m.byType("aws:ec2/natGateway:NatGateway")); n != 2 {
			t.Errorf("natGateways=perAz: want 2 NAT gateways, got %d", n)
		}
		for _, rt := range m.byType("aws:ec2/routeTable:RouteTable") {
			route := rt.get("routes", "0").(map[string]any)
			if route["cidrBlock"] != "0.0.0.0/0" {
				t.Errorf("%s default route: %v", rt.Name, route)
			}
			if strings.Contains(rt.Name, "private") && !strings.HasPrefix(route["natGatewayId"].(string), "network-nat-") {
				t.Errorf("%s must route through a NAT gateway: %v", rt.Name, route)
			}
			if strings.Contains(rt.Name, "public") && route["gatewayId"] != "network-igw-id" {
				t.Errorf("%s must route through the internet gateway: %v", rt.Name, route)
			}
		}
	})

	t.Run("cluster", func(t *testing.T) {
		cluster := m.get(t, "cluster-eks")
		if cluster.Type != "eks:index:Cluster" || !cluster.Remote {
			t.Fatalf("cluster-eks: type %s remote %v", cluster.Type, cluster.Remote)
		}
		if cluster.get("skipDefaultNodeGroup") != true {
			t.Error("the default node group (EC2 launch configurations) must be skipped")
		}
		for _, typ := range []string{"eks:index:NodeGroup", "eks:index:NodeGroupV2", "eks:index:ManagedNodeGroup", "aws:ec2/launchConfiguration:LaunchConfiguration"} {
			if len(m.byType(typ)) > 0 {
				t.Errorf("unexpected %s", typ)
			}
		}
		if cluster.str("authenticationMode") != "API" || cluster.str("version") != "1.35" || cluster.str("name") != "flashscale-dev" {
			t.Errorf("cluster inputs: %v", cluster.plainInputs())
		}
		if !reflect.DeepEqual(cluster.get("privateSubnetIds"), []any{"network-private-0-id", "network-private-1-id"}) ||
			cluster.get("nodeAssociatePublicIpAddress") != false {
			t.Errorf("nodes must be private: %v", cluster.plainInputs())
		}
		nodes := m.get(t, "cluster-nodes")
		if nodes.Type != "aws:eks/nodeGroup:NodeGroup" {
			t.Fatalf("cluster-nodes: type %s", nodes.Type)
		}
		if nodes.str("amiType") != "AL2023_x86_64_STANDARD" {
			t.Errorf("node AMI type %q, want Amazon Linux 2023", nodes.str("amiType"))
		}
		if !reflect.DeepEqual(nodes.get("subnetIds"), []any{"network-private-0-id", "network-private-1-id"}) {
			t.Errorf("node subnets %v, want the private subnets", nodes.get("subnetIds"))
		}
		if !reflect.DeepEqual(nodes.get("instanceTypes"), []any{"m6i.large"}) ||
			!reflect.DeepEqual(nodes.get("scalingConfig"), map[string]any{"minSize": 2.0, "desiredSize": 3.0, "maxSize": 6.0}) {
			t.Errorf("node sizing: %v %v", nodes.get("instanceTypes"), nodes.get("scalingConfig"))
		}
		if nodes.str("clusterName") != "flashscale-dev" || !strings.HasSuffix(nodes.str("nodeRoleArn"), ":role/cluster-node-role") {
			t.Errorf("node group cluster %v role %v", nodes.get("clusterName"), nodes.get("nodeRoleArn"))
		}
		oidc := m.get(t, "cluster-oidc")
		if oidc.str("url") != testIssuer || !reflect.DeepEqual(oidc.get("clientIdLists"), []any{"sts.amazonaws.com"}) {
			t.Errorf("OIDC provider: %v", oidc.plainInputs())
		}
		policies := map[string]bool{}
		for _, a := range m.byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
			if strings.HasPrefix(a.Name, "cluster-node-") {
				policies[a.str("policyArn")] = true
			}
		}
		for _, p := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"} {
			if !policies["arn:aws:iam::aws:policy/"+p] {
				t.Errorf("node role lacks %s", p)
			}
		}
	})

	t.Run("registry", func(t *testing.T) {
		repo := m.get(t, "registry-repo")
		if repo.str("imageTagMutability") != "IMMUTABLE" || repo.get("imageScanningConfiguration", "scanOnPush") != true ||
			repo.str("encryptionConfigurations", "0", "encryptionType") != "KMS" {
			t.Errorf("repository: %v", repo.plainInputs())
		}
		var policy struct {
			Rules []struct {
				Selection map[string]any `json:"selection"`
				Action    map[string]any `json:"action"`
			} `json:"rules"`
		}
		if err := json.Unmarshal([]byte(m.get(t, "registry-lifecycle").str("policy")), &policy); err != nil || len(policy.Rules) != 3 {
			t.Fatalf("lifecycle policy: %v %+v", err, policy)
		}
		if policy.Rules[1].Selection["tagStatus"] != "untagged" || policy.Rules[2].Selection["countType"] != "imageCountMoreThan" {
			t.Errorf("lifecycle rules: %+v", policy.Rules)
		}
	})

	t.Run("database", func(t *testing.T) {
		db := m.get(t, "database-postgres")
		want := map[string]any{
			"engine": "postgres", "storageEncrypted": true, "publiclyAccessible": false, "multiAz": true,
			"deletionProtection": true, "backupRetentionPeriod": 7.0, "port": 5432.0, "skipFinalSnapshot": false,
		}
		for k, v := range want {
			if got := db.get(k); got != v {
				t.Errorf("database %s = %v, want %v", k, got, v)
			}
		}
		if !db.isSecret("password") {
			t.Error("database password must be a secret input")
		}
		if !reflect.DeepEqual(m.get(t, "database-subnets").get("subnetIds"), []any{"network-private-0-id", "network-private-1-id"}) {
			t.Error("database must be in the private subnets")
		}
		sg := m.get(t, "database-sg")
		ingress, _ := sg.get("ingress").([]any)
		if len(ingress) != 1 {
			t.Fatalf("database SG ingress: %v", sg.get("ingress"))
		}
		rule := ingress[0].(map[string]any)
		if rule["fromPort"] != 5432.0 || rule["toPort"] != 5432.0 || rule["protocol"] != "tcp" ||
			!reflect.DeepEqual(rule["securityGroups"], []any{testClusterSG}) || rule["cidrBlocks"] != nil {
			t.Errorf("database SG must allow only 5432 from the nodes' security group: %v", rule)
		}
		secret := m.get(t, "flashscale-app-database-secret")
		if !secret.isSecret("stringData", "DATABASE_URL") {
			t.Error("DATABASE_URL must be a secret")
		}
		wantURL := "postgres://flashscale:" + testDBPassword + "@" + testDBAddress + ":5432/flashscale?sslmode=verify-full&sslrootcert=%2Fetc%2Fflashscale%2Fdatabase-ca%2Fca.pem"
		if got := secret.str("stringData", "DATABASE_URL"); got != wantURL {
			t.Errorf("DATABASE_URL = %q, want %q", got, wantURL)
		}
	})

	t.Run("load balancer controller", func(t *testing.T) {
		policy := m.get(t, "lb-controller-policy").str("policy")
		embedded, err := os.ReadFile("lbcontroller_iam_policy.json")
		if err != nil || policy != string(embedded) {
			t.Fatalf("controller policy must be the documented policy file (err %v)", err)
		}
		for _, action := range []string{"elasticloadbalancing:CreateLoadBalancer", "ec2:DescribeRouteTables", "elasticloadbalancing:DescribeListenerAttributes", "ec2:GetSecurityGroupsForVpc", "elasticloadbalancing:SetRulePriorities"} {
			if !strings.Contains(policy, `"`+action+`"`) {
				t.Errorf("controller policy lacks %s", action)
			}
		}
		var trust struct {
			Statement []struct {
				Effect    string
				Principal map[string]string
				Action    string
				Condition map[string]map[string]string
			}
		}
		if err := json.Unmarshal([]byte(m.get(t, "lb-controller-role").str("assumeRolePolicy")), &trust); err != nil || len(trust.Statement) != 1 {
			t.Fatalf("trust policy: %v %+v", err, trust)
		}
		st := trust.Statement[0]
		issuer := strings.TrimPrefix(testIssuer, "https://")
		if st.Effect != "Allow" || st.Action != "sts:AssumeRoleWithWebIdentity" ||
			st.Principal["Federated"] != "arn:aws:iam::"+testAccount+":oidc-provider/"+issuer {
			t.Errorf("trust statement: %+v", st)
		}
		wantCond := map[string]string{
			issuer + ":sub": "system:serviceaccount:kube-system:aws-load-balancer-controller",
			issuer + ":aud": "sts.amazonaws.com",
		}
		if !reflect.DeepEqual(st.Condition["StringEquals"], wantCond) || len(st.Condition) != 1 {
			t.Errorf("IRSA conditions %v, want StringEquals %v", st.Condition, wantCond)
		}
		rel := m.get(t, "lb-controller-release")
		if rel.str("chart") != "aws-load-balancer-controller" || rel.str("version") != LBControllerChartVersion ||
			rel.str("repositoryOpts", "repo") != "https://aws.github.io/eks-charts" || rel.str("namespace") != "kube-system" {
			t.Errorf("controller release: %v", rel.plainInputs())
		}
		if rel.str("values", "clusterName") != "flashscale-dev" || rel.str("values", "region") != testRegion ||
			rel.str("values", "vpcId") != "network-vpc-id" {
			t.Errorf("controller needs clusterName, region and vpcId: %v", rel.get("values"))
		}
		if rel.str("values", "serviceAccount", "name") != "aws-load-balancer-controller" ||
			rel.str("values", "serviceAccount", "annotations", "eks.amazonaws.com/role-arn") != "arn:aws:iam::"+testAccount+":role/lb-controller-role" {
			t.Errorf("controller service account: %v", rel.get("values", "serviceAccount"))
		}
	})

	t.Run("helm charts are pinned", func(t *testing.T) {
		semver := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
		releases := m.byType("kubernetes:helm.sh/v3:Release")
		// load balancer controller, metrics-server, kube-prometheus-stack, cluster autoscaler, YACE
		if len(releases) != 5 {
			t.Fatalf("want 5 Helm releases, got %d", len(releases))
		}
		for _, r := range releases {
			if !semver.MatchString(r.str("version")) || r.str("repositoryOpts", "repo") == "" {
				t.Errorf("%s: chart %s version %q repo %q is not pinned", r.Name, r.str("chart"), r.str("version"), r.str("repositoryOpts", "repo"))
			}
		}
		ms := m.get(t, "metrics-server-release")
		if ms.str("chart") != "metrics-server" || ms.str("version") != MetricsServerChartVersion || ms.str("namespace") != "kube-system" {
			t.Errorf("metrics-server release: %v", ms.plainInputs())
		}
	})

	t.Run("monitoring", func(t *testing.T) {
		rel := m.get(t, "monitoring-release")
		if rel.str("chart") != "kube-prometheus-stack" || rel.str("version") != MonitoringChartVersion ||
			rel.str("namespace") != "monitoring" || rel.str("name") != MonitoringRelease {
			t.Errorf("monitoring release: %v", rel.plainInputs())
		}
		if m.get(t, "monitoring-namespace").str("metadata", "name") != "monitoring" {
			t.Error("monitoring namespace")
		}
		spec := []string{"values", "prometheus", "prometheusSpec"}
		for _, k := range []string{"serviceMonitorSelectorNilUsesHelmValues", "podMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues"} {
			if rel.get(append(spec, k)...) != false {
				t.Errorf("%s must be false so Prometheus selects our ServiceMonitor and rules", k)
			}
		}
		for _, component := range []string{"grafana", "alertmanager"} {
			if rel.get("values", component, "enabled") != true {
				t.Errorf("%s must be enabled", component)
			}
		}
		if rel.str("values", "prometheus", "prometheusSpec", "resources", "requests", "cpu") != "200m" {
			t.Error("Prometheus requests must come from the capacity table")
		}
		admin := rel.get("values", "grafana", "admin").(map[string]any)
		if admin["existingSecret"] != "grafana-admin" || admin["passwordKey"] != "admin-password" {
			t.Errorf("grafana admin: %v", admin)
		}
		if rel.get("values", "grafana", "adminPassword") != nil {
			t.Error("the Grafana password must not be a plain Helm value")
		}
		adminSecret := m.get(t, "monitoring-grafana-admin")
		if adminSecret.str("metadata", "namespace") != "monitoring" || adminSecret.str("stringData", "admin-password") != testGrafanaPass ||
			!adminSecret.isSecret("stringData", "admin-password") {
			t.Errorf("grafana admin secret: %v", adminSecret.get("metadata"))
		}
		sidecar := rel.get("values", "grafana", "sidecar", "dashboards").(map[string]any)
		if sidecar["enabled"] != true || sidecar["label"] != "grafana_dashboard" || sidecar["labelValue"] != "1" {
			t.Errorf("grafana dashboard sidecar: %v", sidecar)
		}
		// The grafana chart joins searchNamespace with "," into the sidecar's NAMESPACE.
		searched := map[string]bool{}
		for _, ns := range sidecar["searchNamespace"].([]any) {
			searched[ns.(string)] = true
		}
		cms := dashboardConfigMaps(m)
		if len(cms) != 2 {
			t.Fatalf("want one ConfigMap per dashboard (2), got %d", len(cms))
		}
		for _, cm := range cms {
			if !searched[cm.str("metadata", "namespace")] || cm.str("metadata", "labels", "grafana_dashboard") != "1" {
				t.Errorf("%s is not picked up by the sidecar (searches %v): %v", cm.Name, sidecar["searchNamespace"], cm.get("metadata"))
			}
			data := cm.get("data").(map[string]any)
			for file, body := range data {
				want, err := os.ReadFile(filepath.Join(root, "dashboards", file))
				if err != nil || body != string(want) {
					t.Errorf("%s: data %s does not match the dashboard file (%v)", cm.Name, file, err)
				}
			}
		}
		rules := m.get(t, "flashscale-dashboards-alert-rules")
		if rules.str("apiVersion") != "monitoring.coreos.com/v1" || rules.str("kind") != "PrometheusRule" ||
			rules.str("metadata", "labels", "release") != MonitoringRelease ||
			rules.str("spec", "groups", "0", "rules", "0", "alert") != "FlashscaleHighErrorRate" {
			t.Errorf("PrometheusRule: %v", rules.plainInputs())
		}
	})

	t.Run("app", func(t *testing.T) {
		ns := m.get(t, "flashscale-app-namespace")
		if ns.str("metadata", "name") != "flashscale" || ns.str("metadata", "labels", "elbv2.k8s.aws/pod-readiness-gate-inject") != "enabled" {
			t.Errorf("app namespace: %v", ns.get("metadata"))
		}
		versions := map[string]string{"blue": "1.4.2", "green": "1.5.0"}
		for _, color := range Colors {
			d := m.get(t, "flashscale-app-"+color+"-deployment")
			if d.str("metadata", "name") != "flashscale-"+color || d.str("metadata", "namespace") != "flashscale" {
				t.Errorf("%s metadata: %v", d.Name, d.get("metadata"))
			}
			labels := map[string]any{"app": "flashscale", "color": color}
			if !reflect.DeepEqual(d.get("spec", "selector", "matchLabels"), labels) ||
				d.get("spec", "template", "metadata", "labels", "app") != "flashscale" ||
				d.get("spec", "template", "metadata", "labels", "color") != color {
				t.Errorf("%s labels/selector: %v", d.Name, d.get("spec", "selector"))
			}
			if d.get("spec", "replicas") != 2.0 {
				t.Errorf("%s must start at the HPA minimum (2), got %v", d.Name, d.get("spec", "replicas"))
			}
			if !reflect.DeepEqual(d.IgnoreChanges, []string{"spec.replicas"}) {
				t.Errorf("%s ignoreChanges = %v, want [spec.replicas]", d.Name, d.IgnoreChanges)
			}
			pod := []string{"spec", "template", "spec"}
			c := append(append([]string{}, pod...), "containers", "0")
			at := func(p ...string) any { return d.get(append(append([]string{}, c...), p...)...) }
			if at("image") != testRepoURL+":"+versions[color] {
				t.Errorf("%s image = %v", d.Name, at("image"))
			}
			if at("ports", "0", "containerPort") != 8080.0 || at("ports", "0", "name") != "http" {
				t.Errorf("%s ports: %v", d.Name, at("ports"))
			}
			env := map[string]any{}
			for _, e := range at("env").([]any) {
				em := e.(map[string]any)
				if em["value"] != nil {
					env[em["name"].(string)] = em["value"]
				} else {
					env[em["name"].(string)] = em["valueFrom"]
				}
			}
			if env["DEPLOY_COLOR"] != color || env["APP_VERSION"] != versions[color] || env["FLASHSCALE_DRAIN_TIMEOUT"] != "20s" || env["GOMEMLIMIT"] != "460MiB" {
				t.Errorf("%s env: %v", d.Name, env)
			}
			if !reflect.DeepEqual(env["DATABASE_URL"], map[string]any{"secretKeyRef": map[string]any{"name": "flashscale-database", "key": "DATABASE_URL"}}) {
				t.Errorf("%s DATABASE_URL must come from the Secret: %v", d.Name, env["DATABASE_URL"])
			}
			if _, ok := env["FLASHSCALE_ADMIN_TOKEN"]; ok {
				t.Errorf("%s: FLASHSCALE_ADMIN_TOKEN set although adminToken is not", d.Name)
			}
			probes := map[string]string{"startupProbe": "/healthz", "readinessProbe": "/readyz", "livenessProbe": "/healthz"}
			for probe, path := range probes {
				if at(probe, "httpGet", "path") != path || at(probe, "httpGet", "port") != "http" {
					t.Errorf("%s %s: %v", d.Name, probe, at(probe))
				}
			}
			wantResources := map[string]any{
				"requests": map[string]any{"cpu": "250m", "memory": "256Mi"},
				"limits":   map[string]any{"cpu": "1", "memory": "512Mi"},
			}
			if !reflect.DeepEqual(at("resources"), wantResources) {
				t.Errorf("%s resources: %v", d.Name, at("resources"))
			}
			sc := at("securityContext").(map[string]any)
			if sc["runAsNonRoot"] != true || sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false ||
				!reflect.DeepEqual(sc["capabilities"], map[string]any{"drop": []any{"ALL"}}) ||
				!reflect.DeepEqual(sc["seccompProfile"], map[string]any{"type": "RuntimeDefault"}) {
				t.Errorf("%s container securityContext: %v", d.Name, sc)
			}
			psc := d.get(append(pod, "securityContext")...).(map[string]any)
			if psc["runAsNonRoot"] != true || !reflect.DeepEqual(psc["seccompProfile"], map[string]any{"type": "RuntimeDefault"}) {
				t.Errorf("%s pod securityContext: %v", d.Name, psc)
			}
			sleep, _ := at("lifecycle", "preStop", "sleep", "seconds").(float64)
			grace, _ := d.get(append(pod, "terminationGracePeriodSeconds")...).(float64)
			if sleep != 15 || grace <= sleep+20 {
				t.Errorf("%s preStop sleep %v and grace %v: grace must exceed preStop + 20s drain", d.Name, sleep, grace)
			}
			if d.str(append(pod, "topologySpreadConstraints", "0", "topologyKey")...) != "topology.kubernetes.io/zone" {
				t.Errorf("%s must spread across zones", d.Name)
			}

			hpa := m.get(t, "flashscale-app-"+color+"-hpa")
			if hpa.str("apiVersion") != "autoscaling/v2" || hpa.str("spec", "scaleTargetRef", "name") != "flashscale-"+color ||
				hpa.get("spec", "minReplicas") != 2.0 || hpa.get("spec", "maxReplicas") != 10.0 ||
				hpa.get("spec", "metrics", "0", "resource", "target", "averageUtilization") != 60.0 ||
				hpa.str("spec", "metrics", "0", "resource", "name") != "cpu" {
				t.Errorf("%s: %v", hpa.Name, hpa.get("spec"))
			}
			if w, _ := hpa.get("spec", "behavior", "scaleDown", "stabilizationWindowSeconds").(float64); w <= 0 {
				t.Errorf("%s needs a scale-down stabilization window", hpa.Name)
			}
			pdb := m.get(t, "flashscale-app-"+color+"-pdb")
			if pdb.str("apiVersion") != "policy/v1" || !reflect.DeepEqual(pdb.get("spec", "selector", "matchLabels"), labels) ||
				pdb.get("spec", "maxUnavailable") != 1.0 {
				t.Errorf("%s: %v", pdb.Name, pdb.get("spec"))
			}
		}
	})

	t.Run("metrics are scraped with the colour label", func(t *testing.T) {
		sm := m.get(t, "flashscale-app-service-monitor")
		if sm.str("kind") != "ServiceMonitor" || sm.str("metadata", "labels", "release") != MonitoringRelease ||
			sm.str("spec", "selector", "matchLabels", "app") != "flashscale" ||
			!reflect.DeepEqual(sm.get("spec", "podTargetLabels"), []any{"color"}) ||
			sm.str("spec", "endpoints", "0", "port") != "http" || sm.str("spec", "endpoints", "0", "path") != "/metrics" {
			t.Errorf("ServiceMonitor: %v", sm.plainInputs())
		}
		for _, color := range Colors {
			svc := m.get(t, "flashscale-traffic-"+color+"-service")
			if svc.str("metadata", "labels", "app") != "flashscale" || svc.str("spec", "ports", "0", "name") != "http" {
				t.Errorf("%s is not selected by the ServiceMonitor's port http: %v", svc.Name, svc.plainInputs())
			}
		}
	})

	t.Run("traffic", func(t *testing.T) {
		for _, color := range Colors {
			svc := m.get(t, "flashscale-traffic-"+color+"-service")
			if svc.str("metadata", "name") != "flashscale-"+color ||
				!reflect.DeepEqual(svc.get("spec", "selector"), map[string]any{"app": "flashscale", "color": color}) ||
				svc.get("spec", "ports", "0", "port") != 80.0 || svc.str("spec", "ports", "0", "targetPort") != "http" {
				t.Errorf("%s: %v", svc.Name, svc.get("spec"))
			}
		}
		ing := m.get(t, "flashscale-traffic-ingress")
		if ing.str("spec", "ingressClassName") != "alb" {
			t.Error("ingress class must be alb")
		}
		ann := ing.get("metadata", "annotations").(map[string]any)
		for k, v := range map[string]string{
			"alb.ingress.kubernetes.io/scheme":           "internet-facing",
			"alb.ingress.kubernetes.io/target-type":      "ip",
			"alb.ingress.kubernetes.io/healthcheck-path": "/readyz",
			// The ALB's address, not the default await (Endpoints of every
			// backend, which use-annotation backends never have).
			"pulumi.com/waitFor": "jsonpath={.status.loadBalancer.ingress[0].hostname}",
		} {
			if ann[k] != v {
				t.Errorf("annotation %s = %v, want %s", k, ann[k], v)
			}
		}
		live := decodeAction(t, ann["alb.ingress.kubernetes.io/actions.live"])
		if !reflect.DeepEqual(live, map[string]float64{"flashscale-blue": 100, "flashscale-green": 0}) {
			t.Errorf("live weights %v, want blue 100 / green 0", live)
		}
		preview := decodeAction(t, ann["alb.ingress.kubernetes.io/actions.preview"])
		if !reflect.DeepEqual(preview, map[string]float64{"flashscale-green": 100}) {
			t.Errorf("preview action %v, want green only", preview)
		}
		var cond []struct {
			Field            string
			HttpHeaderConfig struct {
				HttpHeaderName string
				Values         []string
			}
		}
		if err := json.Unmarshal([]byte(ann["alb.ingress.kubernetes.io/conditions.preview"].(string)), &cond); err != nil || len(cond) != 1 ||
			cond[0].Field != "http-header" || cond[0].HttpHeaderConfig.HttpHeaderName != "X-Flashscale-Preview" ||
			!reflect.DeepEqual(cond[0].HttpHeaderConfig.Values, []string{"true"}) {
			t.Errorf("preview condition: %v %+v", err, cond)
		}
		var backends []string
		for _, p := range ing.get("spec", "rules", "0", "http", "paths").([]any) {
			pm := p.(map[string]any)
			svc := pm["backend"].(map[string]any)["service"].(map[string]any)
			backends = append(backends, pm["path"].(string)+"->"+svc["name"].(string)+":"+svc["port"].(map[string]any)["name"].(string))
		}
		want := []string{"/metrics->block-metrics:use-annotation", "/->preview:use-annotation", "/->live:use-annotation"}
		if !reflect.DeepEqual(backends, want) {
			t.Errorf("ingress paths %v, want %v (preview rule before live)", backends, want)
		}
	})

	t.Run("outputs", func(t *testing.T) {
		want := map[string]any{
			"siteUrl":          "http://" + testALBHostname,
			"activeColor":      "blue",
			"previewColor":     "green",
			"ecrRepositoryUrl": testRepoURL,
			"clusterName":      "flashscale-dev",
			"databaseEndpoint": testDBAddress + ":5432",
		}
		if len(res.outputs) != 8 {
			t.Errorf("want 8 outputs, got %v", res.outputs)
		}
		for k, v := range want {
			if got := res.outputs[k]; got.Value != v || got.Secret {
				t.Errorf("output %s = %v (secret %v), want %v", k, got.Value, got.Secret, v)
			}
		}
		if kc := res.outputs["kubeconfig"]; !kc.Secret || kc.Value == nil {
			t.Errorf("kubeconfig output must be a secret: %+v", kc)
		}
		for k, v := range res.outputs {
			if s, _ := v.Value.(string); strings.Contains(s, testDBPassword) || strings.Contains(s, testGrafanaPass) {
				t.Errorf("output %s leaks a secret", k)
			}
		}
	})
}

// dashboardConfigMaps are the ConfigMaps Grafana's sidecar loads.
func dashboardConfigMaps(m *mocks) []*record {
	var out []*record
	for _, cm := range m.byType("kubernetes:core/v1:ConfigMap") {
		if cm.str("metadata", "labels", GrafanaDashboardLabel) != "" {
			out = append(out, cm)
		}
	}
	return out
}

// decodeAction returns serviceName -> weight of a forward action annotation.
func decodeAction(t *testing.T, raw any) map[string]float64 {
	t.Helper()
	var action struct {
		Type          string
		ForwardConfig struct {
			TargetGroups []struct {
				ServiceName string
				ServicePort string
				Weight      float64
			}
		}
	}
	s, _ := raw.(string)
	if err := json.Unmarshal([]byte(s), &action); err != nil || action.Type != "forward" {
		t.Fatalf("action %q: %v", s, err)
	}
	out := map[string]float64{}
	for _, tg := range action.ForwardConfig.TargetGroups {
		if tg.ServicePort != "80" {
			t.Errorf("action targets port %q, want 80", tg.ServicePort)
		}
		out[tg.ServiceName] = tg.Weight
	}
	return out
}

// TestAdminToken checks the optional admin token reaches the pods from a Secret.
func TestAdminToken(t *testing.T) {
	t.Parallel()
	res := mustRun(t, with(baseConfig(), "flashscale:adminToken", "tok-1234567890abcdef"))
	secret := res.mocks.get(t, "flashscale-app-admin-secret")
	if secret.str("stringData", "FLASHSCALE_ADMIN_TOKEN") != "tok-1234567890abcdef" || !secret.isSecret("stringData", "FLASHSCALE_ADMIN_TOKEN") {
		t.Errorf("admin secret: %v", secret.get("metadata"))
	}
	d := res.mocks.get(t, "flashscale-app-green-deployment")
	found := false
	for _, e := range d.get("spec", "template", "spec", "containers", "0", "env").([]any) {
		em := e.(map[string]any)
		if em["name"] == "FLASHSCALE_ADMIN_TOKEN" {
			found = reflect.DeepEqual(em["valueFrom"], map[string]any{"secretKeyRef": map[string]any{"name": "flashscale-admin", "key": "FLASHSCALE_ADMIN_TOKEN"}})
		}
	}
	if !found {
		t.Error("FLASHSCALE_ADMIN_TOKEN must come from the flashscale-admin Secret")
	}
}

// TestHTTPS checks certificateArn turns on the HTTPS listener and the redirect.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333"
	res := mustRun(t, with(baseConfig(), "flashscale:certificateArn", arn))
	ing := res.mocks.get(t, "flashscale-traffic-ingress")
	if ing.str("metadata", "annotations", "alb.ingress.kubernetes.io/certificate-arn") != arn ||
		ing.str("metadata", "annotations", "alb.ingress.kubernetes.io/ssl-redirect") != "443" {
		t.Errorf("HTTPS annotations: %v", ing.get("metadata", "annotations"))
	}
	if got := res.outputs["siteUrl"].Value; got != "https://"+testALBHostname {
		t.Errorf("siteUrl = %v", got)
	}
}
