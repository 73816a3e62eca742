package stack

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	autoscalingv2 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/autoscaling/v2"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Names and ports of the service on Kubernetes.
const (
	AppNamespace       = "flashscale"
	AppName            = "flashscale"
	AppContainerPort   = 8080
	AppPortName        = "http"
	appNonRootUID      = 65532 // distroless "nonroot"
	databaseSecret     = "flashscale-database"
	adminTokenSecret   = "flashscale-admin"
	scaleDownWindowSec = 300
)

// DeploymentName is the fixed name of a colour's Deployment and Service.
func DeploymentName(color string) string { return AppName + "-" + color }

// PodLabels are the labels of a colour's pods (and the Services' selectors).
func PodLabels(color string) pulumi.StringMap {
	return pulumi.StringMap{"app": pulumi.String(AppName), "color": pulumi.String(color)}
}

// AppArgs configures the blue/green app.
type AppArgs struct {
	Config          *Config
	Provider        *kubernetes.Provider
	ImageRepository pulumi.StringInput // repository without tag
	DatabaseURL     pulumi.StringInput // secret
	DatabaseCA      pulumi.StringInput // PEM bundle, or nil
	// SMTP are the credentials of the confirmation email sender (SES);
	// nil leaves it off.
	SMTP *SMTPCredentials
}

// App is the service in namespace `flashscale`: per colour a Deployment, an
// autoscaling/v2 HPA and a PodDisruptionBudget, plus the ServiceMonitor that
// has Prometheus scrape /metrics. NewApp creates what the pods need (the
// namespace, service account and secrets); AddWorkloads creates the pods'
// owners once the traffic routing exists.
type App struct {
	pulumi.ResourceState

	Namespace   *corev1.Namespace
	Deployments map[string]*appsv1.Deployment
	HPAs        map[string]*autoscalingv2.HorizontalPodAutoscaler

	cfg       *Config
	name      string
	k8s       []pulumi.ResourceOption
	imageRepo pulumi.StringInput
	podDeps   []pulumi.Resource
	withCA    bool
	withSMTP  bool
}

// NewApp creates the namespace, service account and secrets.
func NewApp(ctx *pulumi.Context, name string, args *AppArgs, opts ...pulumi.ResourceOption) (*App, error) {
	c := &App{Deployments: map[string]*appsv1.Deployment{}, HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		cfg: args.Config, name: name, imageRepo: args.ImageRepository}
	if err := ctx.RegisterComponentResource("flashscale:infra:App", name, c, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	c.k8s = []pulumi.ResourceOption{pulumi.Parent(c), pulumi.Provider(args.Provider)}

	ns, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: metav1.ObjectMetaArgs{
			Name: pulumi.String(AppNamespace),
			Labels: pulumi.StringMap{
				// The load balancer controller injects target-health readiness
				// gates into pods of labelled namespaces.
				"elbv2.k8s.aws/pod-readiness-gate-inject": pulumi.String("enabled"),
				"pod-security.kubernetes.io/enforce":      pulumi.String("restricted"),
			},
		},
	}, c.k8s...)
	if err != nil {
		return nil, err
	}
	c.Namespace = ns
	inNs := withOpts(c.k8s, pulumi.DependsOn([]pulumi.Resource{ns}))

	sa, err := corev1.NewServiceAccount(ctx, name+"-service-account", &corev1.ServiceAccountArgs{
		Metadata:                     metav1.ObjectMetaArgs{Name: pulumi.String(AppName), Namespace: pulumi.String(AppNamespace)},
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, inNs...)
	if err != nil {
		return nil, err
	}

	dbSecret, err := corev1.NewSecret(ctx, name+"-database-secret", &corev1.SecretArgs{
		Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(databaseSecret), Namespace: pulumi.String(AppNamespace)},
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.StringMap{"DATABASE_URL": pulumi.ToSecret(args.DatabaseURL).(pulumi.StringOutput)},
	}, inNs...)
	if err != nil {
		return nil, err
	}
	c.podDeps = []pulumi.Resource{ns, sa, dbSecret}
	if args.DatabaseCA != nil {
		ca, err := corev1.NewConfigMap(ctx, name+"-database-ca", &corev1.ConfigMapArgs{
			Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(databaseCAConfig), Namespace: pulumi.String(AppNamespace)},
			Data:     pulumi.StringMap{"ca.pem": args.DatabaseCA},
		}, inNs...)
		if err != nil {
			return nil, err
		}
		c.podDeps = append(c.podDeps, ca)
		c.withCA = true
	}
	if args.SMTP != nil {
		// The password reaches the pods only through this Secret, never as
		// a plain env value in the Deployment (which anyone who may read
		// Deployments sees).
		smtp, err := corev1.NewSecret(ctx, name+"-smtp-secret", &corev1.SecretArgs{
			Metadata: metav1.ObjectMetaArgs{Name: pulumi.String(smtpSecret), Namespace: pulumi.String(AppNamespace)},
			Type:     pulumi.String("Opaque"),
			StringData: pulumi.StringMap{
				"FLASHSCALE_SMTP_USERNAME": args.SMTP.Username,
				"FLASHSCALE_SMTP_PASSWORD": pulumi.ToSecret(args.SMTP.Password).(pulumi.StringOutput),
			},
		}, inNs...)
		if err != nil {
			return nil, err
		}
		c.podDeps = append(c.podDeps, smtp)
		c.withSMTP = true
	}
	if cfg.HasAdminToken {
		adminSecret, err := corev1.NewSecret(ctx, name+"-admin-secret", &corev1.SecretArgs{
			Metadata:   metav1.ObjectMetaArgs{Name: pulumi.String(adminTokenSecret), Namespace: pulumi.String(AppNamespace)},
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.StringMap{"FLASHSCALE_ADMIN_TOKEN": cfg.AdminToken},
		}, inNs...)
		if err != nil {
			return nil, err
		}
		c.podDeps = append(c.podDeps, adminSecret)
	}
	return c, nil
}

// WorkloadArgs are what the pods' owners wait for.
type WorkloadArgs struct {
	Addons *Addons
	// Ingress must exist (and, where awaited, have its ALB) before the first
	// pods, so they get the target groups' readiness gates.
	Ingress *networkingv1.Ingress
	// Before are further resources to create first (the colour Services).
	Before []pulumi.Resource
}

// AddWorkloads creates both colours' Deployments, HPAs and PDBs and the
// ServiceMonitor, and completes the component.
func (c *App) AddWorkloads(ctx *pulumi.Context, args *WorkloadArgs) error {
	cfg, name := c.cfg, c.name
	inNs := withOpts(c.k8s, pulumi.DependsOn([]pulumi.Resource{c.Namespace}))
	podDeps := append(append(append([]pulumi.Resource{}, c.podDeps...), args.Before...), args.Addons.gate()...)
	if args.Ingress != nil {
		podDeps = append(podDeps, args.Ingress)
	}

	for _, color := range Colors {
		dep, err := appsv1.NewDeployment(ctx, name+"-"+color+"-deployment", &appsv1.DeploymentArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name:      pulumi.String(DeploymentName(color)),
				Namespace: pulumi.String(AppNamespace),
				Labels:    PodLabels(color),
			},
			Spec: deploymentSpec(cfg, color, c.imageRepo, c.withCA, c.withSMTP),
		}, withOpts(inNs,
			pulumi.DependsOn(podDeps),
			// The HPA owns the replica count: start at its minimum and never
			// reset it on later updates (pulumi/pulumi-kubernetes#2491, #2258).
			pulumi.IgnoreChanges([]string{"spec.replicas"}),
		)...)
		if err != nil {
			return err
		}
		c.Deployments[color] = dep

		hpa, err := autoscalingv2.NewHorizontalPodAutoscaler(ctx, name+"-"+color+"-hpa", &autoscalingv2.HorizontalPodAutoscalerArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name:      pulumi.String(DeploymentName(color)),
				Namespace: pulumi.String(AppNamespace),
				Labels:    PodLabels(color),
			},
			Spec: hpaSpec(cfg, color),
		}, withOpts(inNs, pulumi.DependsOn(append([]pulumi.Resource{dep}, args.Addons.metricsServer()...)))...)
		if err != nil {
			return err
		}
		c.HPAs[color] = hpa

		if _, err := policyv1.NewPodDisruptionBudget(ctx, name+"-"+color+"-pdb", &policyv1.PodDisruptionBudgetArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name:      pulumi.String(DeploymentName(color)),
				Namespace: pulumi.String(AppNamespace),
				Labels:    PodLabels(color),
			},
			Spec: policyv1.PodDisruptionBudgetSpecArgs{
				MaxUnavailable: pulumi.Int(1),
				Selector:       metav1.LabelSelectorArgs{MatchLabels: PodLabels(color)},
			},
		}, inNs...); err != nil {
			return err
		}
	}

	// Prometheus scrapes /metrics of every pod behind the colour Services and
	// copies the pods' `color` label onto the series (dashboards filter by it).
	if _, err := apiextensions.NewCustomResource(ctx, name+"-service-monitor", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("monitoring.coreos.com/v1"),
		Kind:       pulumi.String("ServiceMonitor"),
		Metadata: metav1.ObjectMetaArgs{
			Name:      pulumi.String(AppName),
			Namespace: pulumi.String(AppNamespace),
			Labels:    ReleaseLabels(),
		},
		OtherFields: map[string]any{
			"spec": map[string]any{
				"selector":          map[string]any{"matchLabels": map[string]any{"app": AppName}},
				"namespaceSelector": map[string]any{"matchNames": []any{AppNamespace}},
				"endpoints": []any{map[string]any{
					"port":          AppPortName,
					"path":          "/metrics",
					"interval":      "15s",
					"scrapeTimeout": "10s",
				}},
				"podTargetLabels": []any{"color"},
			},
		},
	}, withOpts(inNs, pulumi.DependsOn(args.Addons.monitoringCRDs()))...); err != nil {
		return err
	}

	return ctx.RegisterResourceOutputs(c, pulumi.Map{"namespace": pulumi.String(AppNamespace)})
}

func hpaSpec(cfg *Config, color string) autoscalingv2.HorizontalPodAutoscalerSpecArgs {
	return autoscalingv2.HorizontalPodAutoscalerSpecArgs{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReferenceArgs{
			ApiVersion: pulumi.String("apps/v1"),
			Kind:       pulumi.String("Deployment"),
			Name:       pulumi.String(DeploymentName(color)),
		},
		// hpaMinReplicas, or the floor a release raised (<colour>MinReplicas):
		// Pulumi stays the only field manager of minReplicas.
		MinReplicas: pulumi.Int(cfg.MinReplicas[color]),
		MaxReplicas: pulumi.Int(cfg.HpaMaxReplicas),
		Metrics: autoscalingv2.MetricSpecArray{
			autoscalingv2.MetricSpecArgs{
				Type: pulumi.String("Resource"),
				Resource: autoscalingv2.ResourceMetricSourceArgs{
					Name: pulumi.String("cpu"),
					Target: autoscalingv2.MetricTargetArgs{
						Type:               pulumi.String("Utilization"),
						AverageUtilization: pulumi.Int(cfg.HpaCpuTarget),
					},
				},
			},
		},
		Behavior: autoscalingv2.HorizontalPodAutoscalerBehaviorArgs{
			ScaleDown: autoscalingv2.HPAScalingRulesArgs{
				StabilizationWindowSeconds: pulumi.Int(scaleDownWindowSec),
				Policies: autoscalingv2.HPAScalingPolicyArray{
					autoscalingv2.HPAScalingPolicyArgs{Type: pulumi.String("Percent"), Value: pulumi.Int(50), PeriodSeconds: pulumi.Int(60)},
				},
			},
			ScaleUp: autoscalingv2.HPAScalingRulesArgs{
				StabilizationWindowSeconds: pulumi.Int(0),
				SelectPolicy:               pulumi.String("Max"),
				Policies: autoscalingv2.HPAScalingPolicyArray{
					autoscalingv2.HPAScalingPolicyArgs{Type: pulumi.String("Percent"), Value: pulumi.Int(100), PeriodSeconds: pulumi.Int(15)},
					autoscalingv2.HPAScalingPolicyArgs{Type: pulumi.String("Pods"), Value: pulumi.Int(4), PeriodSeconds: pulumi.Int(15)},
				},
			},
		},
	}
}

func httpProbe(path string, period, failures int) corev1.ProbeArgs {
	return corev1.ProbeArgs{
		HttpGet:          corev1.HTTPGetActionArgs{Path: pulumi.String(path), Port: pulumi.String(AppPortName)},
		PeriodSeconds:    pulumi.Int(period),
		TimeoutSeconds:   pulumi.Int(2),
		FailureThreshold: pulumi.Int(failures),
	}
}

func deploymentSpec(cfg *Config, color string, imageRepo pulumi.StringInput, withCA, withSMTP bool) appsv1.DeploymentSpecArgs {
	version := cfg.ImageTag(color)
	env := corev1.EnvVarArray{
		corev1.EnvVarArgs{Name: pulumi.String("DEPLOY_COLOR"), Value: pulumi.String(color)},
		corev1.EnvVarArgs{Name: pulumi.String("APP_VERSION"), Value: pulumi.String(version)},
		corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_DRAIN_TIMEOUT"), Value: pulumi.String(fmt.Sprintf("%ds", cfg.DrainTimeoutSeconds))},
		// The Go runtime collects harder as it nears the container's memory
		// limit instead of being OOM-killed at it; 10% is left for non-heap
		// memory (goroutine stacks of thousands of keep-alive connections).
		corev1.EnvVarArgs{Name: pulumi.String("GOMEMLIMIT"), Value: pulumi.String(cfg.GoMemLimit())},
		// Sized so every pod both colours can run at once stays below the
		// database's max_connections (capacity.go).
		corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_DB_MAX_CONNS"), Value: pulumi.String(fmt.Sprint(cfg.DbPoolPerPod))},
		corev1.EnvVarArgs{Name: pulumi.String("DATABASE_URL"), ValueFrom: corev1.EnvVarSourceArgs{
			SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(databaseSecret), Key: pulumi.String("DATABASE_URL")},
		}},
	}
	if len(cfg.TrustedProxies) > 0 {
		env = append(env, corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_TRUSTED_PROXIES"), Value: pulumi.String(strings.Join(cfg.TrustedProxies, ","))})
	}
	if cfg.HasAdminToken {
		env = append(env, corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_ADMIN_TOKEN"), ValueFrom: corev1.EnvVarSourceArgs{
			SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(adminTokenSecret), Key: pulumi.String("FLASHSCALE_ADMIN_TOKEN")},
		}})
	}
	if withSMTP {
		fromSecret := func(key string) corev1.EnvVarArgs {
			return corev1.EnvVarArgs{Name: pulumi.String(key), ValueFrom: corev1.EnvVarSourceArgs{
				SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(smtpSecret), Key: pulumi.String(key)},
			}}
		}
		env = append(env,
			corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_SMTP_ADDR"), Value: pulumi.String(SESSMTPEndpoint(cfg.Region))},
			corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_SMTP_FROM"), Value: pulumi.String(cfg.MailFrom)},
			// SES offers STARTTLS; requiring it means a downgrade fails
			// loudly instead of sending the password in clear text.
			corev1.EnvVarArgs{Name: pulumi.String("FLASHSCALE_SMTP_TLS"), Value: pulumi.String("starttls")},
			fromSecret("FLASHSCALE_SMTP_USERNAME"),
			fromSecret("FLASHSCALE_SMTP_PASSWORD"),
		)
	}
	labels := PodLabels(color)
	spread := func(topologyKey string) corev1.TopologySpreadConstraintArgs {
		return corev1.TopologySpreadConstraintArgs{
			MaxSkew:           pulumi.Int(1),
			TopologyKey:       pulumi.String(topologyKey),
			WhenUnsatisfiable: pulumi.String("ScheduleAnyway"),
			LabelSelector:     metav1.LabelSelectorArgs{MatchLabels: labels},
		}
	}

	mounts := corev1.VolumeMountArray{
		corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")},
	}
	volumes := corev1.VolumeArray{
		corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: corev1.EmptyDirVolumeSourceArgs{SizeLimit: pulumi.String("64Mi")}},
	}
	if withCA {
		mounts = append(mounts, corev1.VolumeMountArgs{Name: pulumi.String("database-ca"), MountPath: pulumi.String(databaseCADir), ReadOnly: pulumi.Bool(true)})
		volumes = append(volumes, corev1.VolumeArgs{Name: pulumi.String("database-ca"), ConfigMap: corev1.ConfigMapVolumeSourceArgs{Name: pulumi.String(databaseCAConfig)}})
	}

	return appsv1.DeploymentSpecArgs{
		Replicas:             pulumi.Int(cfg.MinReplicas[color]),
		RevisionHistoryLimit: pulumi.Int(5),
		Selector:             metav1.LabelSelectorArgs{MatchLabels: labels},
		Strategy: appsv1.DeploymentStrategyArgs{
			Type: pulumi.String("RollingUpdate"),
			RollingUpdate: appsv1.RollingUpdateDeploymentArgs{
				MaxSurge:       pulumi.String("25%"),
				MaxUnavailable: pulumi.Int(0),
			},
		},
		Template: corev1.PodTemplateSpecArgs{
			Metadata: metav1.ObjectMetaArgs{
				Labels: pulumi.StringMap{
					"app":                       pulumi.String(AppName),
					"color":                     pulumi.String(color),
					"app.kubernetes.io/version": pulumi.String(version),
				},
			},
			Spec: corev1.PodSpecArgs{
				ServiceAccountName:            pulumi.String(AppName),
				AutomountServiceAccountToken:  pulumi.Bool(false),
				EnableServiceLinks:            pulumi.Bool(false),
				TerminationGracePeriodSeconds: pulumi.Int(cfg.TerminationGracePeriodSeconds()),
				SecurityContext: corev1.PodSecurityContextArgs{
					RunAsNonRoot:   pulumi.Bool(true),
					RunAsUser:      pulumi.Int(appNonRootUID),
					RunAsGroup:     pulumi.Int(appNonRootUID),
					FsGroup:        pulumi.Int(appNonRootUID),
					SeccompProfile: corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
				},
				TopologySpreadConstraints: corev1.TopologySpreadConstraintArray{
					spread("topology.kubernetes.io/zone"),
					spread("kubernetes.io/hostname"),
				},
				Containers: corev1.ContainerArray{
					corev1.ContainerArgs{
						Name:            pulumi.String(AppName),
						Image:           pulumi.Sprintf("%s:%s", imageRepo, version),
						ImagePullPolicy: pulumi.String("IfNotPresent"),
						Ports: corev1.ContainerPortArray{
							corev1.ContainerPortArgs{Name: pulumi.String(AppPortName), ContainerPort: pulumi.Int(AppContainerPort), Protocol: pulumi.String("TCP")},
						},
						Env: env,
						Resources: corev1.ResourceRequirementsArgs{
							Requests: pulumi.StringMap{"cpu": pulumi.String(cfg.CPURequest), "memory": pulumi.String(cfg.MemoryRequest)},
							Limits:   pulumi.StringMap{"cpu": pulumi.String(cfg.CPULimit), "memory": pulumi.String(cfg.MemoryLimit)},
						},
						StartupProbe:   httpProbe("/healthz", 2, 30),
						ReadinessProbe: httpProbe("/readyz", 5, 2),
						LivenessProbe:  httpProbe("/healthz", 10, 3),
						Lifecycle: corev1.LifecycleArgs{
							// The image has no shell: pause with the native sleep
							// action so the ALB deregisters the pod before SIGTERM.
							PreStop: corev1.LifecycleHandlerArgs{
								Sleep: corev1.SleepActionArgs{Seconds: pulumi.Int(cfg.PreStopSleepSeconds)},
							},
						},
						SecurityContext: corev1.SecurityContextArgs{
							RunAsNonRoot:             pulumi.Bool(true),
							AllowPrivilegeEscalation: pulumi.Bool(false),
							ReadOnlyRootFilesystem:   pulumi.Bool(true),
							Privileged:               pulumi.Bool(false),
							Capabilities:             corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
							SeccompProfile:           corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
						},
						VolumeMounts: mounts,
					},
				},
				Volumes: volumes,
			},
		},
	}
}
