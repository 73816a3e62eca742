package stack

import (
	"encoding/json"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Kubernetes identity of the cluster autoscaler; its IAM role trusts only it.
const (
	AutoscalerNamespace      = "kube-system"
	AutoscalerServiceAccount = "cluster-autoscaler"
)

// AutoscalerIAMPolicy is the Cluster Autoscaler's least-privilege policy
// (cluster-autoscaler/cloudprovider/aws/README.md): read-only discovery on
// every Auto Scaling group, but it may only resize or shrink the groups EKS
// tagged as this cluster's managed node groups.
func AutoscalerIAMPolicy(clusterName string) string {
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid":    "Discover",
				"Effect": "Allow",
				"Action": []any{
					"autoscaling:DescribeAutoScalingGroups",
					"autoscaling:DescribeAutoScalingInstances",
					"autoscaling:DescribeLaunchConfigurations",
					"autoscaling:DescribeScalingActivities",
					"autoscaling:DescribeTags",
					"ec2:DescribeImages",
					"ec2:DescribeInstanceTypes",
					"ec2:DescribeLaunchTemplateVersions",
					"ec2:GetInstanceTypesFromInstanceRequirements",
					"eks:DescribeNodegroup",
				},
				"Resource": "*",
			},
			map[string]any{
				"Sid":    "ScaleOwnNodeGroups",
				"Effect": "Allow",
				"Action": []any{
					"autoscaling:SetDesiredCapacity",
					"autoscaling:TerminateInstanceInAutoScalingGroup",
				},
				"Resource": "*",
				"Condition": map[string]any{
					"StringEquals": map[string]any{
						"aws:ResourceTag/k8s.io/cluster-autoscaler/" + clusterName: "owned",
						"aws:ResourceTag/k8s.io/cluster-autoscaler/enabled":        "true",
					},
				},
			},
		},
	}
	b, _ := json.Marshal(policy)
	return string(b)
}

// AutoscalerArgs configures the cluster autoscaler.
type AutoscalerArgs struct {
	Cluster *Cluster
	Config  *Config
	// DependsOn: the load balancer controller (webhooks) before its pods.
	DependsOn []pulumi.Resource
	Tags      pulumi.StringMap
}

// Autoscaler is the Kubernetes Cluster Autoscaler (Helm) with an IRSA role:
// it raises the managed node group towards nodeMaxSize when pods are
// Pending (both colours at HPA max, a release's raised floor) and removes
// idle nodes. It discovers the node group by the tags EKS puts on it, and
// the node group's desired size is left to it.
type Autoscaler struct {
	pulumi.ResourceState

	Release *helmv3.Release
}

// NewAutoscaler creates the IAM policy and role and installs the chart.
func NewAutoscaler(ctx *pulumi.Context, name string, args *AutoscalerArgs, opts ...pulumi.ResourceOption) (*Autoscaler, error) {
	c := &Autoscaler{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Autoscaler", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	cfg := args.Config

	role, attachment, err := irsaWithPolicy(ctx, name, args.Cluster, AutoscalerNamespace, AutoscalerServiceAccount, pulumi.String("Cluster Autoscaler of "+cfg.ClusterName), pulumi.String(AutoscalerIAMPolicy(cfg.ClusterName)), args.Tags, parent)
	if err != nil {
		return nil, err
	}

	release, err := helmv3.NewRelease(ctx, name+"-release", &helmv3.ReleaseArgs{
		Name:           pulumi.String(AutoscalerChart),
		Chart:          pulumi.String(AutoscalerChart),
		Version:        pulumi.String(AutoscalerChartVersion),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(AutoscalerChartRepo)},
		Namespace:      pulumi.String(AutoscalerNamespace),
		Atomic:         pulumi.Bool(true),
		CleanupOnFail:  pulumi.Bool(true),
		Timeout:        pulumi.Int(600),
		Values: pulumi.Map{
			"cloudProvider": pulumi.String("aws"),
			// Set explicitly: with the nodes' IMDS hop limit of 1, pods
			// cannot ask instance metadata for the region.
			"awsRegion":     pulumi.String(cfg.Region),
			"autoDiscovery": pulumi.Map{"clusterName": pulumi.String(cfg.ClusterName)},
			// The autoscaler's minor must match the cluster's.
			"image": pulumi.Map{"tag": pulumi.String(addonVersionsFor(cfg.KubernetesVersion).Autoscaler)},
			"rbac": pulumi.Map{
				"serviceAccount": pulumi.Map{
					"create": pulumi.Bool(true),
					"name":   pulumi.String(AutoscalerServiceAccount),
					"annotations": pulumi.Map{
						"eks.amazonaws.com/role-arn": role.Arn,
					},
				},
			},
			"replicaCount": pulumi.Int(autoscalerRequests.Replicas),
			"resources":    requestsValues(autoscalerRequests),
			"extraArgs": pulumi.Map{
				"balance-similar-node-groups": pulumi.Bool(true),
				"expander":                    pulumi.String("least-waste"),
				// kube-system runs the controllers on every node: without
				// this no node would ever be scaled down.
				"skip-nodes-with-system-pods": pulumi.Bool(false),
			},
		},
	}, parent, pulumi.Provider(args.Cluster.Provider),
		pulumi.DependsOn(append([]pulumi.Resource{attachment, args.Cluster.NodeGroup}, args.DependsOn...)))
	if err != nil {
		return nil, err
	}
	c.Release = release
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"roleArn": role.Arn}); err != nil {
		return nil, err
	}
	return c, nil
}
