// Package stack is FlashScale's Pulumi program, in two layers assembled by
// Program. The AWS layer is one ComponentResource per concern (network, EKS
// cluster, ECR registry, RDS database) plus the Helm add-ons with their IAM
// roles (AWS Load Balancer Controller, metrics-server, kube-prometheus-stack).
// The cluster layer (NewClusterLayer) is everything FlashScale owns inside
// Kubernetes: the blue/green app, its traffic routing, dashboards and alert
// rules; it takes a Kubernetes provider, the database URL and the image
// repository, and runs on any cluster. With the `kubeconfig` config
// (bring-your-own-cluster) Program builds only the cluster layer and the
// add-ons any cluster can run, and nothing in AWS.
//
// Configuration is read and validated once, up front, by LoadConfig; every
// Kubernetes resource goes through one explicit provider.
package stack

import (
	"sort"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program builds the whole environment of one stack and exports its outputs.
func Program(ctx *pulumi.Context) error {
	outputs, err := Build(ctx)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(outputs))
	for k := range outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ctx.Export(k, outputs[k])
	}
	return nil
}

// Build creates every resource and returns the stack outputs (camelCase keys).
// Both modes export siteUrl, activeColor, previewColor, ingressUrn and
// kubeconfig (secret); the AWS environment also ecrRepositoryUrl,
// clusterName, databaseEndpoint and (with mailDomain) mailDnsRecords, your
// own cluster imageRepository.
func Build(ctx *pulumi.Context) (pulumi.Map, error) {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.BYOC {
		return buildOnOwnCluster(ctx, cfg)
	}
	return buildOnAWS(ctx, cfg)
}

// buildOnOwnCluster deploys the cluster layer (and, with installAddons, the
// add-ons any cluster can run) onto the cluster of the `kubeconfig` config.
// It touches no AWS API.
func buildOnOwnCluster(ctx *pulumi.Context, cfg *Config) (pulumi.Map, error) {
	provider, err := kubernetes.NewProvider(ctx, "own-cluster-k8s", &kubernetes.ProviderArgs{
		Kubeconfig:            cfg.Kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	var addons *Addons
	if cfg.InstallAddons {
		addons = &Addons{}
		metricsServer, err := NewMetricsServer(ctx, "metrics-server", &MetricsServerArgs{Provider: provider})
		if err != nil {
			return nil, err
		}
		monitoring, err := NewMonitoring(ctx, "monitoring", &MonitoringArgs{Config: cfg, Provider: provider})
		if err != nil {
			return nil, err
		}
		addons.MetricsServer, addons.Monitoring = metricsServer.Release, monitoring.Release
	}
	layer, err := NewClusterLayer(ctx, "flashscale", &ClusterLayerArgs{
		Config:          cfg,
		Provider:        provider,
		DatabaseURL:     cfg.DatabaseURL,
		ImageRepository: pulumi.String(cfg.ImageRepository),
		Addons:          addons,
	})
	if err != nil {
		return nil, err
	}
	return pulumi.Map{
		"siteUrl":         layer.SiteUrl,
		"activeColor":     pulumi.String(cfg.ActiveColor),
		"previewColor":    pulumi.String(cfg.PreviewColor),
		"imageRepository": pulumi.String(cfg.ImageRepository),
		"kubeconfig":      pulumi.ToSecret(cfg.Kubeconfig),
		"ingressUrn":      layer.IngressUrn,
	}, nil
}

// buildOnAWS is the AWS layer (VPC, EKS, ECR, RDS and the add-ons' IAM),
// the add-ons, then the cluster layer on the new cluster.
func buildOnAWS(ctx *pulumi.Context, cfg *Config) (pulumi.Map, error) {
	tags := pulumi.StringMap{
		"project":    pulumi.String(cfg.Project),
		"stack":      pulumi.String(cfg.Stack),
		"managed-by": pulumi.String("pulumi"),
	}

	network, err := NewNetwork(ctx, "network", &NetworkArgs{
		ClusterName: cfg.ClusterName,
		VpcCidr:     cfg.VpcCidr,
		AzCount:     cfg.AzCount,
		NatGateways: cfg.NatGateways,
		Tags:        tags,
	})
	if err != nil {
		return nil, err
	}

	cluster, err := NewCluster(ctx, "cluster", &ClusterArgs{
		Config:  cfg,
		Network: network,
		Tags:    tags,
	})
	if err != nil {
		return nil, err
	}

	registry, err := NewRegistry(ctx, "registry", &RegistryArgs{
		RepositoryName: cfg.Project + "-" + cfg.Stack,
		Running:        []string{cfg.ImageTag(ColorBlue), cfg.ImageTag(ColorGreen)},
		Tags:           tags,
	})
	if err != nil {
		return nil, err
	}

	database, err := NewDatabase(ctx, "database", &DatabaseArgs{
		Config:              cfg,
		VpcId:               network.VpcId,
		SubnetIds:           network.PrivateSubnetIds,
		NodeSecurityGroupId: cluster.NodeSecurityGroupId,
		Tags:                tags,
	})
	if err != nil {
		return nil, err
	}

	lbController, err := NewLoadBalancerController(ctx, "lb-controller", &LoadBalancerControllerArgs{
		Cluster: cluster,
		Region:  cfg.Region,
		VpcId:   network.VpcId,
		Tags:    tags,
	})
	if err != nil {
		return nil, err
	}
	// Every other release creates Services and pods: they pass the
	// controller's webhooks, so they wait for it.
	afterController := []pulumi.Resource{cluster.NodeGroup, lbController.Release}

	metricsServer, err := NewMetricsServer(ctx, "metrics-server", &MetricsServerArgs{
		Provider:  cluster.Provider,
		DependsOn: afterController,
	})
	if err != nil {
		return nil, err
	}

	monitoring, err := NewMonitoring(ctx, "monitoring", &MonitoringArgs{
		Config:   cfg,
		Provider: cluster.Provider,
		// Prometheus keeps its data on a gp3 volume.
		DependsOn:        append(afterController, cluster.StorageClass),
		StorageClassName: GP3StorageClass,
		Cluster:          cluster,
		Tags:             tags,
	})
	if err != nil {
		return nil, err
	}

	autoscaler, err := NewAutoscaler(ctx, "cluster-autoscaler", &AutoscalerArgs{
		Cluster:   cluster,
		Config:    cfg,
		DependsOn: afterController,
		Tags:      tags,
	})
	if err != nil {
		return nil, err
	}

	// Amazon SES for the confirmation emails, where the stack sends them.
	var mail *Mail
	var smtp *SMTPCredentials
	if cfg.HasMail() {
		if mail, err = NewMail(ctx, "mail", &MailArgs{Config: cfg, Tags: tags}); err != nil {
			return nil, err
		}
		smtp = mail.Credentials
	}

	// The pods check RDS's certificate against AWS's bundle (verify-full).
	caBundle, err := fetchRDSCABundle(ctx.Context(), cfg.Region)
	if err != nil {
		return nil, err
	}

	layer, err := NewClusterLayer(ctx, "flashscale", &ClusterLayerArgs{
		Config:          cfg,
		Provider:        cluster.Provider,
		DatabaseURL:     database.URL,
		ImageRepository: registry.RepositoryUrl,
		DatabaseCA:      pulumi.String(caBundle),
		Addons: &Addons{
			LBController:  lbController.Release,
			MetricsServer: metricsServer.Release,
			Monitoring:    monitoring.Release,
			Autoscaler:    autoscaler.Release,
		},
		AwaitLoadBalancer: true,
		SMTP:              smtp,
	})
	if err != nil {
		return nil, err
	}

	outputs := pulumi.Map{
		"siteUrl":          layer.SiteUrl,
		"activeColor":      pulumi.String(cfg.ActiveColor),
		"previewColor":     pulumi.String(cfg.PreviewColor),
		"ecrRepositoryUrl": registry.RepositoryUrl,
		"clusterName":      cluster.ClusterName,
		"kubeconfig":       pulumi.ToSecret(cluster.Kubeconfig),
		"databaseEndpoint": database.Endpoint,
		"ingressUrn":       layer.IngressUrn,
	}
	if mail != nil {
		outputs["mailDnsRecords"] = mail.DNSRecords
	}
	return outputs, nil
}
