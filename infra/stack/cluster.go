package stack

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	storagev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/storage/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeAmiType is the managed node group's AMI: Amazon Linux 2023 (AL2 AMIs are
// end of life and launch configurations cannot be created in new accounts).
const NodeAmiType = "AL2023_x86_64_STANDARD"

// Node IAM: the node role keeps only what the kubelet needs. The VPC CNI has
// its own IRSA role, so pods cannot borrow the CNI's EC2 permissions.
var nodeRolePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}

// Service accounts of the EKS add-ons with their own IAM roles.
const (
	vpcCniServiceAccount = "aws-node"
	ebsCSIServiceAccount = "ebs-csi-controller-sa"
	// GP3StorageClass is the default StorageClass (encrypted gp3 EBS).
	GP3StorageClass = "gp3"
	// clusterAdminPolicy is the EKS access policy for clusterAdmins.
	clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
)

// ClusterArgs configures the EKS cluster.
type ClusterArgs struct {
	Config  *Config
	Network *Network
	Tags    pulumi.StringMap
}

// Cluster is an EKS cluster (pulumi-eks v2, no default node group, the
// EKS-installed VPC CNI kept) with the networking, DNS and EBS CSI add-ons as
// pinned EKS add-ons, a managed node group in the private subnets behind a
// launch template (IMDSv2, hop limit 1, encrypted gp3 root volume), an IAM
// OIDC provider for IRSA, access entries for the operators, the default gp3
// StorageClass and the Kubernetes provider every Kubernetes resource uses.
type Cluster struct {
	pulumi.ResourceState

	ClusterName pulumi.StringOutput
	Kubeconfig  pulumi.StringOutput // JSON, secret
	Provider    *kubernetes.Provider
	// NodeGroup is what workloads wait for before they need schedulable nodes.
	NodeGroup *awseks.NodeGroup
	// CoreDNS is cluster DNS: the controllers resolve AWS endpoints through it.
	CoreDNS *awseks.Addon
	// StorageClass is the default gp3 class (Prometheus' volume).
	StorageClass *storagev1.StorageClass
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

// Kubeconfig is the cluster's kubeconfig (JSON). Its exec plugin passes the
// region to `aws eks get-token`, so it works whatever AWS_REGION or profile
// the operator's shell has.
func Kubeconfig(clusterName, region, endpoint, caData string) (string, error) {
	kc := map[string]any{
		"apiVersion":      "v1",
		"kind":            "Config",
		"current-context": clusterName,
		"clusters": []any{map[string]any{
			"name":    clusterName,
			"cluster": map[string]any{"server": endpoint, "certificate-authority-data": caData},
		}},
		"contexts": []any{map[string]any{
			"name":    clusterName,
			"context": map[string]any{"cluster": clusterName, "user": clusterName},
		}},
		"users": []any{map[string]any{
			"name": clusterName,
			"user": map[string]any{"exec": map[string]any{
				"apiVersion":         "client.authentication.k8s.io/v1beta1",
				"command":            "aws",
				"args":               []any{"eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"},
				"interactiveMode":    "Never",
				"provideClusterInfo": false,
			}},
		}},
	}
	b, err := json.Marshal(kc)
	return string(b), err
}

// NewCluster creates the EKS cluster, its add-ons, node group, OIDC provider,
// access entries, StorageClass and Kubernetes provider.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	cfg := args.Config
	versions := addonVersionsFor(cfg.KubernetesVersion)

	nodeRole, err := iam.NewRole(ctx, name+"-node-role", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assumeRolePolicy("ec2.amazonaws.com")),
		Description:      pulumi.String("EKS managed node group role of " + cfg.ClusterName),
		Tags:             args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	var nodePolicies []pulumi.Resource
	for _, policy := range nodeRolePolicies {
		a, err := iam.NewRolePolicyAttachment(ctx, name+"-node-"+strings.ToLower(strings.ReplaceAll(policy, "_", "-")), &iam.RolePolicyAttachmentArgs{
			Role:      nodeRole.Name,
			PolicyArn: pulumi.String("arn:aws:iam::aws:policy/" + policy),
		}, parent)
		if err != nil {
			return nil, err
		}
		nodePolicies = append(nodePolicies, a)
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
		SkipDefaultNodeGroup: pulumi.BoolRef(true),
		// Keep the VPC CNI EKS installed for this Kubernetes version instead
		// of pulumi-eks' bundled amazon-k8s-cni v1.16.0; the vpc-cni EKS
		// add-on below manages it from here on.
		UseDefaultVpcCni:       pulumi.BoolRef(true),
		AuthenticationMode:     &apiAuth,
		EndpointPublicAccess:   pulumi.Bool(true),
		EndpointPrivateAccess:  pulumi.Bool(true),
		PublicAccessCidrs:      pulumi.ToStringArray(cfg.ClusterPublicAccessCidrs),
		EnabledClusterLogTypes: pulumi.StringArray{pulumi.String("api"), pulumi.String("audit"), pulumi.String("authenticator")},
		// The program creates the IRSA OIDC provider itself (below), from the
		// cluster's issuer, so its ARN and URL are plain outputs.
		CreateOidcProvider: pulumi.Bool(false),
		Tags:               args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	onCluster := pulumi.DependsOn([]pulumi.Resource{cluster})

	// Read the created cluster back for its OIDC issuer, endpoint, CA and
	// cluster security group.
	info := awseks.LookupClusterOutput(ctx, awseks.LookupClusterOutputArgs{
		Name: pulumi.String(cfg.ClusterName),
	}, parent, onCluster)
	issuerURL := info.Identities().Index(pulumi.Int(0)).Oidcs().Index(pulumi.Int(0)).Issuer()

	oidc, err := iam.NewOpenIdConnectProvider(ctx, name+"-oidc", &iam.OpenIdConnectProviderArgs{
		Url:           issuerURL,
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		Tags:          args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	c.OidcProviderArn = oidc.Arn
	c.OidcIssuer = oidc.Url.ApplyT(func(u string) string { return strings.TrimPrefix(u, "https://") }).(pulumi.StringOutput)

	addon := func(addonName, version string, role *iam.Role, deps []pulumi.Resource) (*awseks.Addon, error) {
		a := &awseks.AddonArgs{
			ClusterName:  pulumi.String(cfg.ClusterName),
			AddonName:    pulumi.String(addonName),
			AddonVersion: pulumi.String(version),
			// Adopt what EKS installed at cluster creation (self-managed
			// aws-node, kube-proxy, CoreDNS), and keep it as pinned here.
			ResolveConflictsOnCreate: pulumi.String("OVERWRITE"),
			ResolveConflictsOnUpdate: pulumi.String("OVERWRITE"),
			Tags:                     args.Tags,
		}
		if role != nil {
			a.ServiceAccountRoleArn = role.Arn
		}
		return awseks.NewAddon(ctx, name+"-"+addonName, a, parent, pulumi.DependsOn(append([]pulumi.Resource{cluster}, deps...)))
	}
	managedRole := func(suffix, serviceAccount, policy string) (*iam.Role, pulumi.Resource, error) {
		role, err := irsaRole(ctx, name+"-"+suffix+"-role", c, "kube-system", serviceAccount, args.Tags, parent)
		if err != nil {
			return nil, nil, err
		}
		att, err := iam.NewRolePolicyAttachment(ctx, name+"-"+suffix+"-policy", &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(policy),
		}, parent)
		return role, att, err
	}

	// Before the nodes: DaemonSets, ACTIVE without nodes, and what a node
	// needs to become Ready.
	cniRole, cniPolicy, err := managedRole("vpc-cni", vpcCniServiceAccount, "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy")
	if err != nil {
		return nil, err
	}
	vpcCni, err := addon("vpc-cni", versions.VpcCni, cniRole, []pulumi.Resource{cniPolicy})
	if err != nil {
		return nil, err
	}
	kubeProxy, err := addon("kube-proxy", versions.KubeProxy, nil, nil)
	if err != nil {
		return nil, err
	}

	// IMDSv2 only, and a hop limit of 1: a pod's request to instance
	// metadata has one hop more than the node's, so pods cannot take the
	// node role's credentials.
	lt, err := ec2.NewLaunchTemplate(ctx, name+"-node-template", &ec2.LaunchTemplateArgs{
		Description: pulumi.String("Managed nodes of " + cfg.ClusterName),
		MetadataOptions: ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint:            pulumi.String("enabled"),
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(1),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{
			ec2.LaunchTemplateBlockDeviceMappingArgs{
				DeviceName: pulumi.String("/dev/xvda"),
				Ebs: ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
					VolumeSize:          pulumi.Int(50),
					VolumeType:          pulumi.String("gp3"),
					Encrypted:           pulumi.String("true"),
					DeleteOnTermination: pulumi.String("true"),
				},
			},
		},
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: args.Tags},
		},
		UpdateDefaultVersion: pulumi.Bool(true),
		Tags:                 args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	nodeGroup, err := awseks.NewNodeGroup(ctx, name+"-nodes", &awseks.NodeGroupArgs{
		ClusterName:   pulumi.String(cfg.ClusterName),
		NodeRoleArn:   nodeRole.Arn,
		AmiType:       pulumi.String(NodeAmiType),
		CapacityType:  pulumi.String("ON_DEMAND"),
		InstanceTypes: pulumi.StringArray{pulumi.String(cfg.NodeInstanceType)},
		SubnetIds:     args.Network.PrivateSubnetIds,
		LaunchTemplate: awseks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(cfg.NodeMinSize),
			DesiredSize: pulumi.Int(cfg.NodeDesiredSize),
			MaxSize:     pulumi.Int(cfg.NodeMaxSize),
		},
		UpdateConfig: awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)},
		Labels:       pulumi.StringMap{"flashscale.io/pool": pulumi.String("general")},
		Tags:         args.Tags,
	}, parent,
		// Created after, and so deleted before, its role's policies (a node
		// group deleted without them hangs on its ENIs) and the add-ons its
		// nodes need to become Ready.
		pulumi.DependsOn(append([]pulumi.Resource{cluster, vpcCni, kubeProxy}, nodePolicies...)),
		// The cluster autoscaler owns the node count between min and max.
		pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
	if err != nil {
		return nil, err
	}
	onNodes := []pulumi.Resource{nodeGroup}

	// After the nodes: Deployments, ACTIVE only once they run.
	coreDNS, err := addon("coredns", versions.CoreDNS, nil, onNodes)
	if err != nil {
		return nil, err
	}
	ebsRole, ebsPolicy, err := managedRole("ebs-csi", ebsCSIServiceAccount, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy")
	if err != nil {
		return nil, err
	}
	ebsCSI, err := addon("aws-ebs-csi-driver", versions.EBSCSIDriver, ebsRole, append(onNodes, ebsPolicy))
	if err != nil {
		return nil, err
	}

	// Operators: cluster admins besides the creator.
	for i, principal := range cfg.ClusterAdmins {
		entryName := name + "-admin-" + strconv.Itoa(i)
		entry, err := awseks.NewAccessEntry(ctx, entryName, &awseks.AccessEntryArgs{
			ClusterName:  pulumi.String(cfg.ClusterName),
			PrincipalArn: pulumi.String(principal),
			Type:         pulumi.String("STANDARD"),
			Tags:         args.Tags,
		}, parent, onCluster)
		if err != nil {
			return nil, err
		}
		if _, err := awseks.NewAccessPolicyAssociation(ctx, entryName+"-policy", &awseks.AccessPolicyAssociationArgs{
			ClusterName:  pulumi.String(cfg.ClusterName),
			PrincipalArn: pulumi.String(principal),
			PolicyArn:    pulumi.String(clusterAdminPolicy),
			AccessScope:  awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
		}, parent, pulumi.DependsOn([]pulumi.Resource{entry})); err != nil {
			return nil, err
		}
	}

	kubeconfig := pulumi.All(info.Endpoint(), info.CertificateAuthorities().Index(pulumi.Int(0)).Data()).ApplyT(func(v []any) (string, error) {
		return Kubeconfig(cfg.ClusterName, cfg.Region, v[0].(string), v[1].(string))
	}).(pulumi.StringOutput)
	provider, err := kubernetes.NewProvider(ctx, name+"-k8s", &kubernetes.ProviderArgs{
		Kubeconfig:            pulumi.ToSecret(kubeconfig).(pulumi.StringOutput),
		EnableServerSideApply: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, err
	}

	// The default StorageClass: encrypted gp3, bound where the pod lands
	// (an EBS volume lives in one zone).
	sc, err := storagev1.NewStorageClass(ctx, name+"-gp3", &storagev1.StorageClassArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:        pulumi.String(GP3StorageClass),
			Annotations: pulumi.StringMap{"storageclass.kubernetes.io/is-default-class": pulumi.String("true")},
		},
		Provisioner:          pulumi.String("ebs.csi.aws.com"),
		Parameters:           pulumi.StringMap{"type": pulumi.String("gp3"), "encrypted": pulumi.String("true")},
		VolumeBindingMode:    pulumi.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: pulumi.Bool(true),
		ReclaimPolicy:        pulumi.String("Delete"),
	}, parent, pulumi.Provider(provider), pulumi.DependsOn([]pulumi.Resource{ebsCSI}))
	if err != nil {
		return nil, err
	}

	c.ClusterName = pulumi.String(cfg.ClusterName).ToStringOutput()
	c.Kubeconfig = pulumi.ToSecret(kubeconfig).(pulumi.StringOutput)
	c.Provider = provider
	c.NodeGroup = nodeGroup
	c.CoreDNS = coreDNS
	c.StorageClass = sc
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
