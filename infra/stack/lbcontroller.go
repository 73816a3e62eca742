package stack

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
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

// IRSATrustPolicy is a role trust policy for one Kubernetes service account:
// the cluster's OIDC provider is the federated principal, with `sub` pinned to
// the service account and `aud` to STS.
func IRSATrustPolicy(oidcProviderArn, oidcIssuer, namespace, serviceAccount string) (string, error) {
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Federated": oidcProviderArn},
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Condition": map[string]any{
				"StringEquals": map[string]any{
					oidcIssuer + ":sub": "system:serviceaccount:" + namespace + ":" + serviceAccount,
					oidcIssuer + ":aud": "sts.amazonaws.com",
				},
			},
		}},
	}
	b, err := json.Marshal(policy)
	return string(b), err
}

// NewLoadBalancerController creates the IAM policy and role and installs the chart.
func NewLoadBalancerController(ctx *pulumi.Context, name string, args *LoadBalancerControllerArgs, opts ...pulumi.ResourceOption) (*LoadBalancerController, error) {
	c := &LoadBalancerController{}
	if err := ctx.RegisterComponentResource("flashscale:infra:LoadBalancerController", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	policy, err := iam.NewPolicy(ctx, name+"-policy", &iam.PolicyArgs{
		Description: pulumi.String("AWS Load Balancer Controller (" + LBControllerChartVersion + ")"),
		Policy:      pulumi.String(lbControllerIAMPolicy),
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	trust := pulumi.All(args.Cluster.OidcProviderArn, args.Cluster.OidcIssuer).ApplyT(func(v []any) (string, error) {
		return IRSATrustPolicy(v[0].(string), v[1].(string), LBControllerNamespace, LBControllerServiceAccount)
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.String("IRSA role of " + LBControllerNamespace + "/" + LBControllerServiceAccount),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-policy-attachment", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: policy.Arn,
	}, parent)
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
		},
	}, parent, pulumi.Provider(args.Cluster.Provider),
		pulumi.DependsOn([]pulumi.Resource{attachment, args.Cluster.NodeGroup}))
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
