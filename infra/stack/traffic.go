package stack

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Traffic routing constants.
const (
	// PreviewHeader routes a request to the preview (idle) colour when it carries value "true".
	PreviewHeader      = "X-Flashscale-Preview"
	PreviewHeaderValue = "true"
	ServicePort        = 80
	IngressName        = "flashscale"
	albPrefix          = "alb.ingress.kubernetes.io/"
	// Ingress backends that point at annotation-defined actions.
	actionLive         = "live"
	actionPreview      = "preview"
	actionBlockMetrics = "block-metrics"
	// ingressAwaitSeconds bounds the wait for the ALB on `pulumi up`.
	ingressAwaitSeconds = 900
)

// TrafficArgs configures the Services and the Ingress.
type TrafficArgs struct {
	Config    *Config
	Provider  *kubernetes.Provider
	Namespace *corev1.Namespace
	Addons    *Addons
	// AwaitLoadBalancer waits for the ALB's address instead of skipping the
	// Ingress's await (see ClusterLayerArgs).
	AwaitLoadBalancer bool
}

// Traffic is one Service per colour (fixed selectors, never edited) and one
// internet-facing ALB Ingress that forwards to both Services with weights from
// activeColor (100 live / 0 preview), plus a header rule that forwards only to
// the preview colour, so a release is smoke-tested through the real load
// balancer before the flip.
type Traffic struct {
	pulumi.ResourceState

	Ingress  *networkingv1.Ingress
	Services []pulumi.Resource
	SiteUrl  pulumi.StringOutput
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// IngressAnnotations are the ALB annotations: scheme, IP targets, health check,
// the weighted `live` forward, the header-matched `preview` forward and a 404
// for /metrics (scraped in-cluster only). Only the live weights and the preview
// target depend on activeColor. awaitLB makes Pulumi wait for the ALB's
// hostname (the controller writes it once the ALB, its listeners and target
// groups exist); otherwise the Ingress is not awaited at all.
func IngressAnnotations(cfg *Config, awaitLB bool) map[string]string {
	weight := func(color string) int {
		if color == cfg.ActiveColor {
			return 100
		}
		return 0
	}
	var groups []any
	for _, color := range Colors {
		groups = append(groups, map[string]any{
			"serviceName": DeploymentName(color),
			"servicePort": fmt.Sprint(ServicePort),
			"weight":      weight(color),
		})
	}
	a := map[string]string{
		albPrefix + "scheme":                       "internet-facing",
		albPrefix + "target-type":                  "ip",
		albPrefix + "healthcheck-path":             "/readyz",
		albPrefix + "healthcheck-port":             "traffic-port",
		albPrefix + "success-codes":                "200",
		albPrefix + "healthcheck-interval-seconds": "10",
		albPrefix + "healthy-threshold-count":      "2",
		albPrefix + "unhealthy-threshold-count":    "2",
		albPrefix + "target-group-attributes":      fmt.Sprintf("deregistration_delay.timeout_seconds=%d", cfg.PreStopSleepSeconds+cfg.DrainTimeoutSeconds),
		albPrefix + "load-balancer-attributes":     "routing.http.drop_invalid_header_fields.enabled=true",
		albPrefix + "tags":                         fmt.Sprintf("project=%s,stack=%s", cfg.Project, cfg.Stack),
		albPrefix + "actions." + actionLive: mustJSON(map[string]any{
			"type":          "forward",
			"forwardConfig": map[string]any{"targetGroups": groups},
		}),
		albPrefix + "actions." + actionPreview: mustJSON(map[string]any{
			"type": "forward",
			"forwardConfig": map[string]any{"targetGroups": []any{map[string]any{
				"serviceName": DeploymentName(cfg.PreviewColor),
				"servicePort": fmt.Sprint(ServicePort),
				"weight":      100,
			}}},
		}),
		albPrefix + "conditions." + actionPreview: mustJSON(previewConditions(cfg)),
		albPrefix + "actions." + actionBlockMetrics: mustJSON(map[string]any{
			"type": "fixed-response",
			"fixedResponseConfig": map[string]any{
				"contentType": "text/plain",
				"statusCode":  "404",
				"messageBody": "not found",
			},
		}),
	}
	if awaitLB {
		// The default Ingress await also waits for Endpoints of every
		// backend, which `use-annotation` backends never have: wait for the
		// address alone.
		a["pulumi.com/waitFor"] = "jsonpath={.status.loadBalancer.ingress[0].hostname}"
		a["pulumi.com/timeoutSeconds"] = fmt.Sprint(ingressAwaitSeconds)
	} else {
		a["pulumi.com/skipAwait"] = "true"
	}
	if cfg.CertificateArn != "" {
		a[albPrefix+"listen-ports"] = `[{"HTTP":80},{"HTTPS":443}]`
		a[albPrefix+"certificate-arn"] = cfg.CertificateArn
		a[albPrefix+"ssl-redirect"] = "443"
		a[albPrefix+"ssl-policy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	} else {
		a[albPrefix+"listen-ports"] = `[{"HTTP":80}]`
	}
	return a
}

// previewConditions: the preview header, and where previewCidrs is set, a
// source address among them (an ALB rule matches when every condition
// does), so the internet cannot reach the unreleased colour.
func previewConditions(cfg *Config) []any {
	conds := []any{map[string]any{
		"field": "http-header",
		"httpHeaderConfig": map[string]any{
			"httpHeaderName": PreviewHeader,
			"values":         []any{PreviewHeaderValue},
		},
	}}
	if len(cfg.PreviewCidrs) > 0 {
		var values []any
		for _, c := range cfg.PreviewCidrs {
			values = append(values, c)
		}
		conds = append(conds, map[string]any{
			"field":          "source-ip",
			"sourceIPConfig": map[string]any{"values": values},
		})
	}
	return conds
}

func actionBackend(action string) networkingv1.IngressBackendArgs {
	return networkingv1.IngressBackendArgs{
		Service: networkingv1.IngressServiceBackendArgs{
			Name: pulumi.String(action),
			Port: networkingv1.ServiceBackendPortArgs{Name: pulumi.String("use-annotation")},
		},
	}
}

// NewTraffic creates the colour Services and the Ingress.
func NewTraffic(ctx *pulumi.Context, name string, args *TrafficArgs, opts ...pulumi.ResourceOption) (*Traffic, error) {
	c := &Traffic{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Traffic", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	// Services and the Ingress pass the load balancer controller's webhooks:
	// create them only once it serves.
	inNs := []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider),
		pulumi.DependsOn(append([]pulumi.Resource{args.Namespace}, args.Addons.gate()...))}

	var services []pulumi.Resource
	for _, color := range Colors {
		svc, err := corev1.NewService(ctx, name+"-"+color+"-service", &corev1.ServiceArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name:      pulumi.String(DeploymentName(color)),
				Namespace: pulumi.String(AppNamespace),
				Labels:    PodLabels(color),
			},
			Spec: corev1.ServiceSpecArgs{
				Type:     pulumi.String("ClusterIP"),
				Selector: PodLabels(color), // fixed: a flip never edits it
				Ports: corev1.ServicePortArray{
					corev1.ServicePortArgs{
						Name:       pulumi.String(AppPortName),
						Port:       pulumi.Int(ServicePort),
						TargetPort: pulumi.String(AppPortName),
						Protocol:   pulumi.String("TCP"),
					},
				},
			},
		}, inNs...)
		if err != nil {
			return nil, err
		}
		services = append(services, svc)
	}

	annotations := pulumi.StringMap{}
	for k, v := range IngressAnnotations(cfg, args.AwaitLoadBalancer) {
		annotations[k] = pulumi.String(v)
	}
	prefix, exact := pulumi.String("Prefix"), pulumi.String("Exact")
	ingress, err := networkingv1.NewIngress(ctx, name+"-ingress", &networkingv1.IngressArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name:        pulumi.String(IngressName),
			Namespace:   pulumi.String(AppNamespace),
			Labels:      pulumi.StringMap{"app": pulumi.String(AppName)},
			Annotations: annotations,
		},
		Spec: networkingv1.IngressSpecArgs{
			IngressClassName: pulumi.String("alb"),
			Rules: networkingv1.IngressRuleArray{
				networkingv1.IngressRuleArgs{
					Http: networkingv1.HTTPIngressRuleValueArgs{
						// Order matters: the ALB evaluates the rules top down.
						Paths: networkingv1.HTTPIngressPathArray{
							networkingv1.HTTPIngressPathArgs{Path: pulumi.String("/metrics"), PathType: exact, Backend: actionBackend(actionBlockMetrics)},
							networkingv1.HTTPIngressPathArgs{Path: pulumi.String("/"), PathType: prefix, Backend: actionBackend(actionPreview)},
							networkingv1.HTTPIngressPathArgs{Path: pulumi.String("/"), PathType: prefix, Backend: actionBackend(actionLive)},
						},
					},
				},
			},
		},
	}, withOpts(inNs, pulumi.DependsOn(services))...)
	if err != nil {
		return nil, err
	}
	c.Ingress = ingress
	c.Services = services

	scheme := "http"
	if cfg.CertificateArn != "" {
		scheme = "https"
	}
	// Until the controller writes the ALB's address, the API server returns
	// `status: {loadBalancer: {}}`: no ingress entries at all, so indexing
	// the first one would panic the program (a real API server showed it;
	// mocks never answer that way unless told to).
	c.SiteUrl = ingress.Status.ApplyT(func(st *networkingv1.IngressStatus) string {
		if st != nil && st.LoadBalancer != nil {
			for _, lb := range st.LoadBalancer.Ingress {
				if lb.Hostname != nil && *lb.Hostname != "" {
					return scheme + "://" + *lb.Hostname
				}
			}
		}
		return "pending: the ALB has no address yet (run `pulumi refresh --target <ingressUrn>`, then `pulumi up`)"
	}).(pulumi.StringOutput)

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"siteUrl": c.SiteUrl}); err != nil {
		return nil, err
	}
	return c, nil
}
