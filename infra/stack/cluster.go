package stack

import (
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeAmiType is the managed node group's AMI: Amazon Linux 2023 (AL2 AMIs are
// end of life and launch configurations cannot be created in new accounts).
const NodeAmiType = "AL2023_x86_64_STANDARD"

// ClusterArgs configures the EKS cluster.
type ClusterArgs struct {
	Config  *Config
	Network *Network
	Tags    pulumi.StringMap
}

// Cluster is an EKS cluster (pulumi-eks v2, no default node group) with a
// managed node group in the private subnets, an IAM OIDC provider for IRSA and
// the Kubernetes provider every Kubernetes resource of the program uses.
type Cluster struct {
	pulumi.ResourceState

	ClusterName pulumi.StringOutput
	Kubeconfig  pulumi.StringOutput // JSON, secret
	Provider    *kubernetes.Provider
	// NodeGroup is what workloads wait for before they need schedulable nodes.
	NodeGroup *eks.ManagedNodeGroup
	// OidcProviderArn and OidcIssuer (host/path, no scheme) build IRSA trust policies.
	OidcProviderArn pulumi.StringOutput
	OidcIssuer      pulumi.StringOutput
	// NodeSecurityGroupId is the EKS cluster security group, which managed node
	// groups attach to every node (and so to every pod's traffic).
	NodeSecurityGroupId pulumi.StringOutput
}

// AssumeRolePolicy builds a trust policy for a service principal.
func assumeRolePolicy(service string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`
}

// NewCluster creates the EKS cluster, its node group, OIDC provider and Kubernetes provider.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	cfg := args.Config

	nodeRole, err := iam.NewRole(ctx, name+"-node-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("ec2.amazonaws.com")),
		Description:      pulumi.String("EKS managed node group role of " + cfg.ClusterName),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, policy := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"} {
		if _, err := iam.NewRolePolicyAttachment(ctx, name+"-node-"+strings.ToLower(strings.ReplaceAll(policy, "_", "-")), &iam.RolePolicyAttachmentArgs{
			Role:      nodeRole.Name,
			PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + policy),
		}, parent); err != nil {
			return nil, err
		}
	}

	apiAuth := eks.AuthenticationModeApi
	cluster, err := eks.NewCluster(ctx, name+"-eks", &eks.ClusterArgs{
		Name:                         pulumi.String(cfg.ClusterName),
		Version:                      pulumi.String(cfg.KubernetesVersion),
		VpcId:                        args.Network.VpcId,
		PublicSubnetIds:              args.Network.PublicSubnetIds,
		PrivateSubnetIds:             args.Network.PrivateSubnetIds,
		NodeAssociatePublicIpAddress: pulumi.BoolRef(false),
		// The default node group uses EC2 launch configurations, which accounts
		// created since October 2024 cannot create (pulumi/pulumi-eks#1419).
		SkipDefaultNodeGroup:   pulumi.BoolRef(true),
		AuthenticationMode:     &apiAuth,
		EndpointPublicAccess:   pulumi.Bool(true),
		EndpointPrivateAccess:  pulumi.Bool(true),
		EnabledClusterLogTypes: pulumi.StringArray{pulumi.String("api"), pulumi.String("audit"), pulumi.String("authenticator")},
		// The program creates the IRSA OIDC provider itself (below), from the
		// cluster's issuer, so its ARN and URL are plain outputs.
		CreateOidcProvider: pulumi.Bool(false),
		Tags:               args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	nodeGroup, err := eks.NewManagedNodeGroup(ctx, name+"-nodes", &eks.ManagedNodeGroupArgs{
		Cluster:       cluster,
		NodeRole:      nodeRole,
		AmiType:       pulumi.String(NodeAmiType),
		CapacityType:  pulumi.String("ON_DEMAND"),
		InstanceTypes: pulumi.StringArray{pulumi.String(cfg.NodeInstanceType)},
		SubnetIds:     args.Network.PrivateSubnetIds,
		EnableIMDSv2:  pulumi.BoolRef(true),
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(cfg.NodeMinSize),
			DesiredSize: pulumi.Int(cfg.NodeDesiredSize),
			MaxSize:     pulumi.Int(cfg.NodeMaxSize),
		},
		Labels: pulumi.StringMap{"flashscale.io/pool": pulumi.String("general")},
		Tags:   args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	// Read the created cluster back for its OIDC issuer and cluster security group.
	info := awseks.LookupClusterOutput(ctx, awseks.LookupClusterOutputArgs{
		Name: pulumi.String(cfg.ClusterName),
	}, parent, pulumi.DependsOn([]pulumi.Resource{cluster}))
	issuerURL := info.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer()

	oidc, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           issuerURL,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Tags:          args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	provider, err := kubernetes.NewProvider(ctx, name+"-k8s", &kubernetes.ProviderArgs{
		Kubeconfig:            cluster.KubeconfigJson,
		EnableServerSideApply: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}

	c.ClusterName = pulumi.String(cfg.ClusterName).ToStringOutput()
	c.Kubeconfig = pulumi.ToSecret(cluster.KubeconfigJson).(pulumi.StringOutput)
	c.Provider = provider
	c.NodeGroup = nodeGroup
	c.OidcProviderArn = oidc.Arn
	c.OidcIssuer = oidc.Url.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput)
	c.NodeSecurityGroupId = info.VpcConfig().ClusterSecurityGroupId()

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clusterName":         c.ClusterName,
		"oidcProviderArn":     c.OidcProviderArn,
		"nodeSecurityGroupId": c.NodeSecurityGroupId,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
