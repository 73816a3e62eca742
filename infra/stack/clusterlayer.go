package stack

import (
	"errors"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Addons are the Helm releases the cluster layer waits for. Any of them may
// be nil: on a cluster the program does not build (bring-your-own-cluster),
// the cluster's own controllers stand in for them.
type Addons struct {
	// LBController is the AWS Load Balancer Controller. Its webhooks
	// (failurePolicy Fail for Ingresses, pod readiness-gate injection) must
	// serve before any Ingress, Service or pod of the app is created.
	LBController *helmv3.Release
	// MetricsServer serves the resource metrics the HPAs read.
	MetricsServer *helmv3.Release
	// Monitoring is kube-prometheus-stack: it installs the
	// monitoring.coreos.com CRDs the ServiceMonitor and PrometheusRule use.
	Monitoring *helmv3.Release
	// Autoscaler adds nodes when pods are Pending (AWS only).
	Autoscaler *helmv3.Release
}

// gate is what every object that creates Services or pods waits for: the
// load balancer controller, when the program installs it.
func (a *Addons) gate() []pulumi.Resource {
	if a == nil || a.LBController == nil {
		return nil
	}
	return []pulumi.Resource{a.LBController}
}

func (a *Addons) metricsServer() []pulumi.Resource {
	if a == nil || a.MetricsServer == nil {
		return nil
	}
	return []pulumi.Resource{a.MetricsServer}
}

func (a *Addons) monitoringCRDs() []pulumi.Resource {
	if a == nil || a.Monitoring == nil {
		return nil
	}
	return []pulumi.Resource{a.Monitoring}
}

// ClusterLayerArgs are the inputs of everything FlashScale owns inside
// Kubernetes. Nothing here is AWS: the layer runs on any cluster the
// provider reaches.
type ClusterLayerArgs struct {
	Config *Config
	// Provider is the one Kubernetes provider every object goes through.
	Provider *kubernetes.Provider
	// DatabaseURL is the service's DATABASE_URL (a secret).
	DatabaseURL pulumi.StringInput
	// ImageRepository is the image repository without tag; each colour runs
	// <ImageRepository>:<colour version>.
	ImageRepository pulumi.StringInput
	// Addons are the releases to wait for; nil when the cluster already runs
	// what they provide.
	Addons *Addons
	// DatabaseCA is a PEM bundle the pods mount at DatabaseCAPath (the
	// DATABASE_URL's sslrootcert); empty mounts none.
	DatabaseCA pulumi.StringInput
	// AwaitLoadBalancer makes the Ingress wait until the load balancer
	// controller has provisioned the ALB (and so its target groups), before
	// the Deployments create their first pods. Only where the AWS Load
	// Balancer Controller runs; elsewhere the Ingress is not awaited.
	AwaitLoadBalancer bool
	// SMTP are the confirmation email sender's credentials (the Mail
	// component's, on AWS); nil leaves the sender off.
	SMTP *SMTPCredentials
}

// ClusterLayer is FlashScale inside Kubernetes: the app (namespace, service
// account, secrets, both colours' Deployments, HPAs and PDBs, the
// ServiceMonitor), the traffic routing (colour Services and the ALB Ingress)
// and the dashboards and alert rules.
type ClusterLayer struct {
	pulumi.ResourceState

	App        *App
	Traffic    *Traffic
	Dashboards *Dashboards
	Ingress    *networkingv1.Ingress
	SiteUrl    pulumi.StringOutput
	// IngressUrn names the Ingress for `pulumi refresh --target`.
	IngressUrn pulumi.URNOutput
}

// NewClusterLayer creates the app, its traffic routing and its dashboards.
func NewClusterLayer(ctx *pulumi.Context, name string, args *ClusterLayerArgs, opts ...pulumi.ResourceOption) (*ClusterLayer, error) {
	if args == nil || args.Config == nil || args.Provider == nil || args.DatabaseURL == nil || args.ImageRepository == nil {
		return nil, errors.New("NewClusterLayer needs Config, Provider, DatabaseURL and ImageRepository")
	}
	c := &ClusterLayer{}
	if err := ctx.RegisterComponentResource("flashscale:infra:ClusterLayer", name, c, opts...); err != nil {
		return nil, err
	}
	// The app and traffic components were top-level before the split; the
	// aliases keep their URNs (and their children's), so an existing stack
	// updates in place instead of replacing its namespace and Ingress.
	wasTopLevel := func(old string) pulumi.ResourceOption {
		return pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(old), NoParent: pulumi.Bool(true)}})
	}

	app, err := NewApp(ctx, name+"-app", &AppArgs{
		Config:          args.Config,
		Provider:        args.Provider,
		ImageRepository: args.ImageRepository,
		DatabaseURL:     args.DatabaseURL,
		DatabaseCA:      args.DatabaseCA,
		SMTP:            args.SMTP,
	}, pulumi.Parent(c), wasTopLevel("app"))
	if err != nil {
		return nil, err
	}
	traffic, err := NewTraffic(ctx, name+"-traffic", &TrafficArgs{
		Config:            args.Config,
		Provider:          args.Provider,
		Namespace:         app.Namespace,
		Addons:            args.Addons,
		AwaitLoadBalancer: args.AwaitLoadBalancer,
	}, pulumi.Parent(c), wasTopLevel("traffic"))
	if err != nil {
		return nil, err
	}
	// Pods come after the Ingress: with the ALB provisioned, its target
	// groups exist and the controller injects their readiness gates into
	// the very first pods.
	if err := app.AddWorkloads(ctx, &WorkloadArgs{
		Addons:  args.Addons,
		Ingress: traffic.Ingress,
		Before:  traffic.Services,
	}); err != nil {
		return nil, err
	}
	dashboards, err := NewDashboards(ctx, name+"-dashboards", &DashboardsArgs{
		Config:    args.Config,
		Provider:  args.Provider,
		Namespace: app.Namespace,
		Addons:    args.Addons,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}

	c.App, c.Traffic, c.Dashboards = app, traffic, dashboards
	c.Ingress, c.SiteUrl, c.IngressUrn = traffic.Ingress, traffic.SiteUrl, traffic.Ingress.URN()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"siteUrl":   c.SiteUrl,
		"namespace": pulumi.String(AppNamespace),
	}); err != nil {
		return nil, err
	}
	return c, nil
}
