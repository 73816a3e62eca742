package stack

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/flashscale/flashscale/dashboards/cloudwatch"
)

// YACE, the Prometheus community's CloudWatch exporter, brings the stack's
// ALB and RDS metrics (dashboards/cloudwatch) into Prometheus, so the
// dashboards and alerts read them with PromQL like everything else.
const (
	YACEChart          = "yet-another-cloudwatch-exporter"
	YACEChartVersion   = "0.38.0"
	YACEChartRepo      = "https://prometheus-community.github.io/helm-charts"
	YACEServiceAccount = "yace"
)

var yaceRequests = Workload{Name: "yace", Replicas: 1, CPUMilli: 50, MemoryMi: 96}

// yacePolicy is all YACE needs: find resources by tag and read metrics.
// None of these actions supports resource-level permissions.
var yacePolicy = func() string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":   "Allow",
			"Action":   []string{"tag:GetResources", "cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics", "cloudwatch:ListMetrics"},
			"Resource": "*",
		}},
	})
	return string(b)
}()

// newCloudWatchExporter creates YACE's IRSA role (assumable only by its
// service account) and installs the chart with the rendered configuration
// and a ServiceMonitor.
func newCloudWatchExporter(ctx *pulumi.Context, name string, cfg *Config, cluster *Cluster, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*helmv3.Release, error) {
	yaceConfig, err := cloudwatch.Config(cloudwatch.Stack{Region: cfg.Region, ClusterName: cfg.ClusterName, Project: cfg.Project, Stack: cfg.Stack})
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewPolicy(ctx, name+"-policy", &iam.PolicyArgs{
		Description: pulumi.String("YACE: read CloudWatch metrics of tagged resources"),
		Policy:      pulumi.String(yacePolicy),
		Tags:        tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	trust := pulumi.All(cluster.OidcProviderArn, cluster.OidcIssuer).ApplyT(func(v []any) (string, error) {
		return IRSATrustPolicy(v[0].(string), v[1].(string), MonitoringNamespace, YACEServiceAccount)
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.String("IRSA role of " + MonitoringNamespace + "/" + YACEServiceAccount),
		Tags:             tags,
	}, opts...)
	if err != nil {
		return nil, err
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-policy-attachment", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: policy.Arn,
	}, opts...)
	if err != nil {
		return nil, err
	}
	return helmv3.NewRelease(ctx, name+"-release", &helmv3.ReleaseArgs{
		Name:           pulumi.String("yace"),
		Chart:          pulumi.String(YACEChart),
		Version:        pulumi.String(YACEChartVersion),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(YACEChartRepo)},
		Namespace:      pulumi.String(MonitoringNamespace),
		Atomic:         pulumi.Bool(true),
		CleanupOnFail:  pulumi.Bool(true),
		Timeout:        pulumi.Int(600),
		Values: pulumi.Map{
			"serviceAccount": pulumi.Map{
				"create":      pulumi.Bool(true),
				"name":        pulumi.String(YACEServiceAccount),
				"annotations": pulumi.Map{"eks.amazonaws.com/role-arn": role.Arn},
			},
			"config": pulumi.String(yaceConfig),
			// CloudWatch has 1-minute points: scraping faster buys nothing
			// and costs GetMetricData calls.
			"extraArgs": pulumi.Map{"scraping-interval": pulumi.Int(60)},
			"serviceMonitor": pulumi.Map{
				"enabled":  pulumi.Bool(true),
				"interval": pulumi.String("60s"),
				"labels":   ReleaseLabels(),
			},
			"resources": requestsValues(yaceRequests),
			"podSecurityContext": pulumi.Map{
				"runAsNonRoot":   pulumi.Bool(true),
				"runAsUser":      pulumi.Int(65534),
				"seccompProfile": pulumi.Map{"type": pulumi.String("RuntimeDefault")},
			},
			"securityContext": pulumi.Map{
				"allowPrivilegeEscalation": pulumi.Bool(false),
				"readOnlyRootFilesystem":   pulumi.Bool(true),
				"capabilities":             pulumi.Map{"drop": pulumi.StringArray{pulumi.String("ALL")}},
			},
		},
	}, withOpts(opts, pulumi.DependsOn([]pulumi.Resource{attachment}))...)
}
