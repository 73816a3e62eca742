package stack

import (
	_ "embed"
	"fmt"

	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lbControllerIAMPolicy is the AWS Load Balancer Controller's documented IAM
// policy, transcribed from kubernetes-sigs/aws-load-balancer-controller
// docs/install/iam_policy.json: the statement set published since v2.13.3
// (with ec2:DescribeRouteTables, ec2:DescribeIpamPools, ec2:GetSecurityGroupsForVpc,
// elasticloadbalancing:SetRulePriorities, ModifyIpPools, ModifyListenerAttributes,
// Describe/ModifyCapacityReservation), which the v3 line has kept. It goes with
// the pinned chart LBControllerChartVersion (3.2.1). When bumping the chart,
// replace this file with docs/install/iam_policy.json at the new controller tag.
//
//go:embed lbcontroller_iam_policy.json
var lbControllerIAMPolicy string

// Kubernetes identity of the controller; its IAM role trusts only this service account.
const (
	LBControllerNamespace      = "kube-system"
	LBControllerServiceAccount = "aws-load-balancer-controller"
)

// LoadBalancerControllerArgs configures the controller.
type LoadBalancerControllerArgs struct {
	Cluster *Cluster
	Region  string
	VpcId   pulumi.StringInput
	Tags    pulumi.StringMap
}

// LoadBalancerController is the AWS Load Balancer Controller (Helm) with an
// IRSA role that only its service account can assume.
type LoadBalancerController struct {
	pulumi.ResourceState

	RoleArn pulumi.StringOutput
	Release *helmv3.Release
}

// NewLoadBalancerController creates the IAM policy and role and installs the chart.
func NewLoadBalancerController(ctx *pulumi.Context, name string, args *LoadBalancerControllerArgs, opts ...pulumi.ResourceOption) (*LoadBalancerController, error) {
	c := &LoadBalancerController{}
	if err := ctx.RegisterComponentResource("flashscale:infra:LoadBalancerController", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	role, attachment, err := irsaWithPolicy(ctx, name, args.Cluster, LBControllerNamespace, LBControllerServiceAccount, pulumi.String("AWS Load Balancer Controller ("+LBControllerChartVersion+")"), pulumi.String(lbControllerIAMPolicy), args.Tags, parent)
	if err != nil {
		return nil, err
	}

	release, err := helmv3.NewRelease(ctx, name+"-release", &helmv3.ReleaseArgs{
		Name:           pulumi.String(LBControllerChart),
		Chart:          pulumi.String(LBControllerChart),
		Version:        pulumi.String(LBControllerChartVersion),
		RepositoryOpts: helmv3.RepositoryOptsArgs{Repo: pulumi.String(LBControllerChartRepo)},
		Namespace:      pulumi.String(LBControllerNamespace),
		Atomic:         pulumi.Bool(true),
		CleanupOnFail:  pulumi.Bool(true),
		Timeout:        pulumi.Int(600),
		Values: pulumi.Map{
			// Set explicitly so the controller never needs instance metadata
			// (it crash-loops on nodes where IMDS is unreachable from pods).
			"clusterName":  args.Cluster.ClusterName,
			"region":       pulumi.String(args.Region),
			"vpcId":        args.VpcId,
			"replicaCount": pulumi.Int(lbControllerRequests.Replicas),
			"serviceAccount": pulumi.Map{
				"create": pulumi.Bool(true),
				"name":   pulumi.String(LBControllerServiceAccount),
				"annotations": pulumi.Map{
					"eks.amazonaws.com/role-arn": role.Arn,
				},
			},
			"resources":     requestsValues(lbControllerRequests),
			"keepTLSSecret": pulumi.Bool(true),
			// Pods are only marked ready once registered healthy in the ALB.
			"enablePodReadinessGateInject": pulumi.Bool(true),
			"podDisruptionBudget":          pulumi.Map{"minAvailable": pulumi.Int(1)},
			// The Service mutator webhook (failurePolicy Fail, on every
			// Service CREATE) only makes the controller the default for
			// `type: LoadBalancer` Services, which nothing here uses; while
			// the controller starts it would fail other charts' Services
			// (aws-load-balancer-controller#3170, #4140).
			"enableServiceMutatorWebhook": pulumi.Bool(false),
		},
	}, parent, pulumi.Provider(args.Cluster.Provider),
		// Its pods resolve AWS endpoints through cluster DNS.
		pulumi.DependsOn([]pulumi.Resource{attachment, args.Cluster.NodeGroup, args.Cluster.CoreDNS}))
	if err != nil {
		return nil, err
	}

	c.RoleArn = role.Arn
	c.Release = release
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"roleArn": c.RoleArn}); err != nil {
		return nil, err
	}
	return c, nil
}

// requestsValues renders a Workload's requests as Helm `resources` values.
func requestsValues(w Workload) pulumi.Map {
	return pulumi.Map{
		"requests": pulumi.Map{
			"cpu":    pulumi.String(fmt.Sprintf("%dm", w.CPUMilli)),
			"memory": pulumi.String(fmt.Sprintf("%dMi", w.MemoryMi)),
		},
	}
}
