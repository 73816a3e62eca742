package stack

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testCABundle is a self-signed CA (named like AWS's RDS roots, or not).
func testCABundle(t testing.TB, subject string) string {
	t.Helper()
	b, err := makeCABundle(subject)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func makeCABundle(subject string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: subject, Organization: []string{"Amazon Web Services, Inc."}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

func TestAdminTokenLength(t *testing.T) {
	t.Parallel()
	expectConfigError(t, with(baseConfig(), "flashscale:adminToken", "fifteen-chars15"), nil, "", "flashscale:adminToken", "at least 16")
	mustRun(t, with(baseConfig(), "flashscale:adminToken", "sixteen-chars-16"))
}

// TestReleaseFloorIsPulumiConfig: the release raises a colour's HPA floor
// through <colour>MinReplicas, so the HPA keeps one field manager.
// TestLBControllerServiceWebhookOff: the controller's Service mutator
// (failurePolicy Fail on every Service CREATE) serves only type
// LoadBalancer Services, which FlashScale has none of.
func TestLBControllerServiceWebhookOff(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	if got := res.mocks.get(t, lbRelease).get("values", "enableServiceMutatorWebhook"); got != false {
		t.Errorf("enableServiceMutatorWebhook = %v, want false", got)
	}
	for _, svc := range res.mocks.byType(typeService) {
		if svc.str("spec", "type") == "LoadBalancer" {
			t.Errorf("%s is a LoadBalancer Service: it would need the mutator webhook", svc.Name)
		}
	}
}

func TestReleaseFloorIsPulumiConfig(t *testing.T) {
	t.Parallel()
	res := mustRun(t, with(baseConfig(), "flashscale:greenMinReplicas", "6"))
	if got := res.mocks.get(t, "flashscale-app-green-hpa").get("spec", "minReplicas"); got != 6.0 {
		t.Errorf("green HPA minReplicas = %v, want the raised floor 6", got)
	}
	if got := res.mocks.get(t, "flashscale-app-blue-hpa").get("spec", "minReplicas"); got != 2.0 {
		t.Errorf("blue HPA minReplicas = %v, want hpaMinReplicas 2", got)
	}
	below := mustRun(t, with(baseConfig(), "flashscale:blueMinReplicas", "1"))
	if got := below.mocks.get(t, "flashscale-app-blue-hpa").get("spec", "minReplicas"); got != 2.0 {
		t.Errorf("a floor below hpaMinReplicas lowered the HPA to %v", got)
	}
	expectConfigError(t, with(baseConfig(), "flashscale:blueMinReplicas", "11"), nil, "", "flashscale:blueMinReplicas", "allowed: 1 to 10")
}

func TestDatabaseMajorUpgrade(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		running string
		want    bool
	}{{"", false}, {"17.2", false}, {"16.4", true}, {"15.7", true}} {
		m := newMocks()
		m.dbVersion = tc.running
		res := runWithMocks(t, m, baseConfig(), nil, writeMonitoringFiles(t))
		if res.err != nil {
			t.Fatalf("running %q: %v", tc.running, res.err)
		}
		db := m.get(t, "database-postgres")
		if got := db.get("allowMajorVersionUpgrade"); got != tc.want {
			t.Errorf("running %q, configured 17: allowMajorVersionUpgrade = %v, want %v", tc.running, got, tc.want)
		}
		if db.get("applyImmediately") != true {
			t.Error("RDS changes must apply at pulumi up (applyImmediately), or the drift check stays red until the maintenance window")
		}
	}
	m := newMocks()
	m.dbVersion = "18.1"
	if res := runWithMocks(t, m, baseConfig(), nil, writeMonitoringFiles(t)); res.err == nil || !strings.Contains(res.err.Error(), "cannot downgrade") {
		t.Errorf("a downgrade 18.1 -> 17 must fail: %v", res.err)
	}
}

func TestEKSAddonsAndNodeSecurity(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	m := res.mocks
	if m.get(t, "cluster-eks").get("useDefaultVpcCni") != true {
		t.Error("pulumi-eks must keep the EKS-installed VPC CNI (useDefaultVpcCni)")
	}
	want := addonVersionsFor("1.35")
	pinned := map[string]string{"vpc-cni": want.VpcCni, "kube-proxy": want.KubeProxy, "coredns": want.CoreDNS, "aws-ebs-csi-driver": want.EBSCSIDriver}
	roles := map[string]string{}
	for _, r := range m.byType("aws:iam/role:Role") {
		roles["arn:aws:iam::"+testAccount+":role/"+r.Name] = r.str("assumeRolePolicy")
	}
	for _, a := range m.byType(typeAddon) {
		name := a.str("addonName")
		if a.str("addonVersion") != pinned[name] || a.str("clusterName") != "flashscale-dev" ||
			a.str("resolveConflictsOnCreate") != "OVERWRITE" {
			t.Errorf("add-on %s: %v", name, a.plainInputs())
		}
		delete(pinned, name)
		sa := map[string]string{"vpc-cni": "aws-node", "aws-ebs-csi-driver": "ebs-csi-controller-sa"}[name]
		if sa == "" {
			continue
		}
		trust := roles[a.str("serviceAccountRoleArn")]
		if !strings.Contains(trust, `"system:serviceaccount:kube-system:`+sa+`"`) {
			t.Errorf("add-on %s needs its own IRSA role for %s, has %q", name, sa, trust)
		}
	}
	if len(pinned) != 0 {
		t.Errorf("missing EKS add-ons: %v", pinned)
	}

	lt := m.byType("aws:ec2/launchTemplate:LaunchTemplate")
	if len(lt) != 1 {
		t.Fatalf("want one launch template, got %d", len(lt))
	}
	if lt[0].get("metadataOptions", "httpPutResponseHopLimit") != 1.0 || lt[0].str("metadataOptions", "httpTokens") != "required" {
		t.Errorf("nodes need IMDSv2 with hop limit 1 (pods must not reach the node role): %v", lt[0].get("metadataOptions"))
	}
	if lt[0].str("blockDeviceMappings", "0", "ebs", "encrypted") != "true" {
		t.Error("the node root volume must be encrypted")
	}
	nodes := m.get(t, nodeGroupName)
	if !strings.HasSuffix(nodes.str("launchTemplate", "id"), "cluster-node-template-id") {
		t.Errorf("the node group must use the launch template: %v", nodes.get("launchTemplate"))
	}
	policies := map[string]bool{}
	for _, a := range m.byType(typeAttachment) {
		if strings.HasPrefix(a.Name, "cluster-node-") {
			policies[strings.TrimPrefix(a.str("policyArn"), "arn:aws:iam::aws:policy/")] = true
		}
	}
	if !reflect.DeepEqual(policies, map[string]bool{"AmazonEKSWorkerNodePolicy": true, "AmazonEC2ContainerRegistryPullOnly": true}) {
		t.Errorf("node role policies %v: the CNI policy belongs to the CNI's own role, ECR access is pull-only", policies)
	}
	sc := m.get(t, storageClassRes)
	if sc.str("metadata", "name") != GP3StorageClass || sc.str("provisioner") != "ebs.csi.aws.com" ||
		sc.str("parameters", "encrypted") != "true" || sc.str("parameters", "type") != "gp3" ||
		sc.str("volumeBindingMode") != "WaitForFirstConsumer" ||
		sc.str("metadata", "annotations", "storageclass.kubernetes.io/is-default-class") != "true" {
		t.Errorf("gp3 StorageClass: %v", sc.plainInputs())
	}
}

func TestNodeAutoscaling(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	m := res.mocks
	rel := m.get(t, autoscalerRel)
	if rel.str("chart") != AutoscalerChart || rel.str("version") != AutoscalerChartVersion ||
		rel.str("values", "autoDiscovery", "clusterName") != "flashscale-dev" || rel.str("values", "awsRegion") != testRegion ||
		rel.str("values", "cloudProvider") != "aws" {
		t.Errorf("autoscaler release: %v", rel.plainInputs())
	}
	if tag := rel.str("values", "image", "tag"); !strings.HasPrefix(tag, "v1.35.") {
		t.Errorf("autoscaler image %q must match the cluster's minor 1.35", tag)
	}
	roleArn := rel.str("values", "rbac", "serviceAccount", "annotations", "eks.amazonaws.com/role-arn")
	role := m.get(t, roleArn[strings.LastIndex(roleArn, "/")+1:])
	if !strings.Contains(role.str("assumeRolePolicy"), "system:serviceaccount:kube-system:cluster-autoscaler") {
		t.Errorf("autoscaler IRSA trust: %s", role.str("assumeRolePolicy"))
	}
	var policy struct {
		Statement []struct {
			Action    []string
			Resource  string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(m.get(t, "cluster-autoscaler-policy").str("policy")), &policy); err != nil {
		t.Fatal(err)
	}
	for _, st := range policy.Statement {
		for _, a := range st.Action {
			mutates := a == "autoscaling:SetDesiredCapacity" || a == "autoscaling:TerminateInstanceInAutoScalingGroup"
			if mutates && st.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/flashscale-dev"] != "owned" {
				t.Errorf("%s must be limited to this cluster's node groups: %v", a, st.Condition)
			}
			if !mutates && !strings.Contains(a, ":Describe") && !strings.Contains(a, ":Get") {
				t.Errorf("unexpected autoscaler permission %s", a)
			}
		}
	}
	nodes := m.get(t, nodeGroupName)
	if !reflect.DeepEqual(nodes.IgnoreChanges, []string{"scalingConfig.desiredSize"}) {
		t.Errorf("the node group's desired size belongs to the autoscaler: ignoreChanges %v", nodes.IgnoreChanges)
	}
	// Why it is needed, and that it suffices: both colours at HPA max do
	// not fit on nodeDesiredSize nodes, and do on nodeMaxSize.
	cfg, err := loadConfig(t, baseConfig(), writeMonitoringFiles(t))
	if err != nil {
		t.Fatal(err)
	}
	it, _ := LookupInstanceType(cfg.NodeInstanceType)
	atMaxOnDesired := Pack(it, cfg.NodeDesiredSize, append(AppWorkloads(cfg, cfg.HpaMaxReplicas), PlatformWorkloads()...))
	atMax, _ := CapacityScenarios(cfg)
	if atMaxOnDesired.Fits() {
		t.Errorf("with the defaults both colours at HPA max fit on nodeDesiredSize=%d nodes: the README's capacity example is stale", cfg.NodeDesiredSize)
	}
	t.Logf("HPA max on %d nodes: %d pods Pending without the autoscaler", cfg.NodeDesiredSize, len(atMaxOnDesired.Unplaced))
	if !atMax.Fits() || nodes.get("scalingConfig", "maxSize") != float64(cfg.NodeMaxSize) {
		t.Errorf("HPA max of both colours must fit the %d nodes the autoscaler may add: %s", cfg.NodeMaxSize, atMax)
	}
}

func TestDatabasePoolFitsMaxConnections(t *testing.T) {
	t.Parallel()
	for name, values := range map[string]map[string]string{
		"defaults":  baseConfig(),
		"dev stack": devSecrets(devStackConfig(t)),
		"big":       with(baseConfig(), "flashscale:dbInstanceClass", "db.r6g.2xlarge", "flashscale:hpaMaxReplicas", "40", "flashscale:nodeMaxSize", "40"),
		"own db":    with(byocConfig(), "flashscale:dbMaxConnections", "60"),
	} {
		secrets := []string(nil)
		if _, ok := values["flashscale:kubeconfig"]; ok {
			secrets = byocSecretKeys
		}
		res := run(t, values, secrets, writeMonitoringFiles(t))
		if res.err != nil {
			t.Fatalf("%s: %v", name, res.err)
		}
		cfg, err := loadConfigWith(t, values, secrets)
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		for _, e := range res.mocks.get(t, "flashscale-app-blue-deployment").get("spec", "template", "spec", "containers", "0", "env").([]any) {
			em := e.(map[string]any)
			if v, ok := em["value"].(string); ok {
				env[em["name"].(string)] = v
			}
		}
		perPod := 0
		_, _ = fmt.Sscan(env["FLASHSCALE_DB_MAX_CONNS"], &perPod)
		if perPod < 2 || perPod*cfg.MaxAppPods()+DatabaseReserve(cfg.DbMaxConnections) > cfg.DbMaxConnections {
			t.Errorf("%s: %d pods x %d connections + reserve %d exceed max_connections %d", name, cfg.MaxAppPods(), perPod, DatabaseReserve(cfg.DbMaxConnections), cfg.DbMaxConnections)
		}
	}
	if n, _ := RDSMaxConnections("db.t4g.micro"); n < 90 || n > 115 {
		t.Errorf("db.t4g.micro max_connections estimate %d, RDS gives about 100", n)
	}
	if n, _ := RDSMaxConnections("db.t4g.medium"); n < 380 || n > 460 {
		t.Errorf("db.t4g.medium max_connections estimate %d, RDS gives about 400", n)
	}
	expectConfigError(t, with(baseConfig(), "flashscale:dbInstanceClass", "db.t4g.micro", "flashscale:hpaMaxReplicas", "30", "flashscale:nodeMaxSize", "30"), nil, "",
		"flashscale:dbInstanceClass", "database connections each")
}

func TestRunningImagesNeverExpire(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	var policy struct {
		Rules []struct {
			RulePriority int `json:"rulePriority"`
			Selection    struct {
				TagStatus      string   `json:"tagStatus"`
				TagPatternList []string `json:"tagPatternList"`
				CountType      string   `json:"countType"`
				CountNumber    int      `json:"countNumber"`
			} `json:"selection"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(res.mocks.get(t, "registry-lifecycle").str("policy")), &policy); err != nil {
		t.Fatal(err)
	}
	first := policy.Rules[0]
	for _, r := range policy.Rules[1:] {
		if r.RulePriority <= first.RulePriority {
			t.Errorf("rule %d runs before the protection of the running images", r.RulePriority)
		}
	}
	if !reflect.DeepEqual(first.Selection.TagPatternList, []string{"1.4.2", "1.5.0"}) || first.Selection.CountNumber < 1000 {
		t.Errorf("the first rule must keep both colours' images: %+v", first.Selection)
	}
	last := policy.Rules[len(policy.Rules)-1]
	if last.Selection.TagStatus != "any" {
		t.Errorf("ECR requires tagStatus any to be the last rule: %+v", last)
	}
}

func TestOutsideDevTheEdgeIsClosed(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333"
	staging := func(kv ...string) map[string]string { return with(baseConfig(), kv...) }
	m := newMocks()
	res := runStack(t, m, "staging", staging(), nil)
	if res.err == nil {
		t.Fatal("a non-dev stack without certificate, preview CIDRs, API CIDRs and mail domain was accepted")
	}
	for _, key := range []string{"flashscale:certificateArn", "flashscale:previewCidrs", "flashscale:clusterPublicAccessCidrs", "flashscale:mailDomain"} {
		if !strings.Contains(res.err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, res.err)
		}
	}
	ok := runStack(t, newMocks(), "staging", staging("flashscale:certificateArn", arn,
		"flashscale:previewCidrs", `["198.51.100.7/32"]`, "flashscale:clusterPublicAccessCidrs", "198.51.100.7/32,203.0.113.0/24",
		"flashscale:clusterAdmins", `["arn:aws:iam::123456789012:role/ops"]`, "flashscale:mailDomain", "mail.flashscale.example"), nil)
	if ok.err != nil {
		t.Fatal(ok.err)
	}
	cluster := ok.mocks.get(t, "cluster-eks")
	if !reflect.DeepEqual(cluster.get("publicAccessCidrs"), []any{"198.51.100.7/32", "203.0.113.0/24"}) {
		t.Errorf("EKS endpoint CIDRs: %v", cluster.get("publicAccessCidrs"))
	}
	var conds []albRuleCondition
	_ = decodeStrict(ok.mocks.get(t, appIngress).str("metadata", "annotations", albPrefix+"conditions.preview"), &conds)
	found := false
	for _, c := range conds {
		found = found || (c.SourceIPConfig != nil && reflect.DeepEqual(c.SourceIPConfig.Values, []string{"198.51.100.7/32"}))
	}
	if !found {
		t.Errorf("the preview rule must be limited to previewCidrs: %+v", conds)
	}
	entries := ok.mocks.byType("aws:eks/accessEntry:AccessEntry")
	assoc := ok.mocks.byType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
	if len(entries) != 1 || entries[0].str("principalArn") != "arn:aws:iam::123456789012:role/ops" || len(assoc) != 1 ||
		assoc[0].str("policyArn") != clusterAdminPolicy || assoc[0].str("accessScope", "type") != "cluster" {
		t.Errorf("clusterAdmins access: %d entries, %d associations", len(entries), len(assoc))
	}
	expectConfigError(t, with(baseConfig(), "flashscale:previewCidrs", "10.0.0.1/8"), nil, "", "flashscale:previewCidrs", "not a CIDR block")
	expectConfigError(t, with(baseConfig(), "flashscale:previewCidrs", "10.0.0.0/8,10.1.0.0/16,10.2.0.0/16,10.3.0.0/16"), nil, "", "flashscale:previewCidrs", "allowed: 1 to 3")
	expectConfigError(t, with(baseConfig(), "flashscale:clusterAdmins", "bob"), nil, "", "flashscale:clusterAdmins", "IAM role or user ARNs")
}

func TestDatabaseTLSVerifiesRDS(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	m := res.mocks
	url := m.get(t, "flashscale-app-database-secret").str("stringData", "DATABASE_URL")
	if !strings.Contains(url, "sslmode=verify-full") || !strings.Contains(url, "sslrootcert="+strings.ReplaceAll(DatabaseCAPath, "/", "%2F")) {
		t.Errorf("DATABASE_URL %q must verify RDS's certificate and name", url)
	}
	ca := m.get(t, "flashscale-app-database-ca")
	if ca.str("data", "ca.pem") != testRDSBundle {
		t.Error("the CA ConfigMap must hold the RDS bundle")
	}
	d := m.get(t, "flashscale-app-green-deployment")
	mounted := false
	for _, v := range d.get("spec", "template", "spec", "containers", "0", "volumeMounts").([]any) {
		vm := v.(map[string]any)
		mounted = mounted || (vm["mountPath"] == "/etc/flashscale/database-ca" && vm["readOnly"] == true)
	}
	if !mounted || !dependencyGraph(m).after("flashscale-app-green-deployment", "flashscale-app-database-ca") {
		t.Error("the pods must mount the CA bundle, created before them")
	}
}

func TestFetchCABundle(t *testing.T) {
	t.Parallel()
	good, other := testCABundle(t, "Amazon RDS ap-south-1 Root CA RSA2048 G1"), testCABundle(t, "Evil Corp Root")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good":
			_, _ = w.Write([]byte(good + good))
		case "/other":
			_, _ = w.Write([]byte(good + other))
		case "/junk":
			_, _ = w.Write([]byte("<html>not a bundle</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	if b, err := fetchCABundle(context.Background(), srv.Client(), srv.URL+"/good"); err != nil || b != good+good {
		t.Errorf("good bundle: %v", err)
	}
	for _, path := range []string{"/other", "/junk", "/missing"} {
		if _, err := fetchCABundle(context.Background(), srv.Client(), srv.URL+path); err == nil {
			t.Errorf("%s accepted", path)
		}
	}
	if u := rdsCABundleURL("ap-south-1"); u != "https://truststore.pki.rds.amazonaws.com/ap-south-1/ap-south-1-bundle.pem" {
		t.Errorf("bundle URL %s", u)
	}
}

func TestKubeconfigPassesRegion(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	var kc struct {
		Users []struct {
			User struct {
				Exec struct {
					Command string
					Args    []string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(res.outputs["kubeconfig"].Value.(string)), &kc); err != nil || len(kc.Users) != 1 {
		t.Fatalf("kubeconfig: %v", err)
	}
	args := strings.Join(kc.Users[0].User.Exec.Args, " ")
	if kc.Users[0].User.Exec.Command != "aws" || !strings.Contains(args, "eks get-token --cluster-name flashscale-dev --region "+testRegion) {
		t.Errorf("kubeconfig exec: %s %s", kc.Users[0].User.Exec.Command, args)
	}
	if res.mocks.get(t, "cluster-k8s").str("kubeconfig") != res.outputs["kubeconfig"].Value {
		t.Error("the provider must use the same kubeconfig")
	}
}
