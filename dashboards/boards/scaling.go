package boards

// hpaColor and podColor add a color label from an HPA or Deployment name
// (flashscale-<colour>) and from a pod name (flashscale-<colour>-<hash>-<id>).
func hpaColor(expr, label string) string {
	return `label_replace(` + expr + `, "color", "$1", "` + label + `", "flashscale-(blue|green)")`
}

func podColor(expr string) string {
	return `label_replace(` + expr + `, "color", "$1", "pod", "flashscale-(blue|green)-.+")`
}

// running keeps the pods that are Running: requests of Succeeded, Failed or
// still-Pending pods use no CPU, so counting them skews utilisation (the
// way kube-prometheus-stack's own recording rules join on the phase).
const running = `
  * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{phase="Running"} == 1)`

// scaling is FlashScale / Scaling: the HPAs and what they react to, pod
// resources against requests and limits, and whether the cluster has room.
func scaling() *board {
	b := newBoard("flashscale-scaling", "FlashScale / Scaling",
		"HPA replicas, conditions and rescales per colour, CPU utilisation against the HPA target, Deployment replicas during a flip, pod CPU and memory against requests and limits, and cluster room.")

	hpa := func(metric string) string {
		return hpaColor(`max by (horizontalpodautoscaler) (`+metric+`{namespace="flashscale", horizontalpodautoscaler=~"flashscale-$color"})`, "horizontalpodautoscaler")
	}
	b.timeseries("HPA replicas (current, desired, min, max)", "Replicas per colour's HPA. Current stuck at max while CPU is over target means the HPA cannot help any more (kube-prometheus-stack's KubeHpaMaxedOut).", "none", half, 8,
		q("{{color}} current", hpa("kube_horizontalpodautoscaler_status_current_replicas")),
		q("{{color}} desired", hpa("kube_horizontalpodautoscaler_status_desired_replicas")),
		q("{{color}} min", hpa("kube_horizontalpodautoscaler_spec_min_replicas")),
		q("{{color}} max", hpa("kube_horizontalpodautoscaler_spec_max_replicas")))
	b.timeseries("CPU utilisation vs HPA target (% of request)", "The HPA scales on average CPU as a percentage of its pods' CPU requests. 'Measured' recomputes it from cAdvisor usage over the requests of Running pods (a Pending or finished pod's request uses no CPU).", "percent", half, 8,
		q("{{color}} as the HPA sees it", hpaColor(`max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_target_metric{namespace="flashscale", horizontalpodautoscaler=~"flashscale-$color", metric_name="cpu", metric_target_type="utilization"})`, "horizontalpodautoscaler")),
		q("{{color}} target", hpaColor(`max by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_target_metric{namespace="flashscale", horizontalpodautoscaler=~"flashscale-$color", metric_name="cpu", metric_target_type="utilization"})`, "horizontalpodautoscaler")),
		q("{{color}} measured (cAdvisor)", `100 *
sum by (color) (`+podColor(`rate(container_cpu_usage_seconds_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval])`)+`)
/
sum by (color) (`+podColor(`
  kube_pod_container_resource_requests{namespace="flashscale", pod=~"flashscale-$color-.+", resource="cpu"}`+running)+`)`))
	b.timeseries("HPA conditions", "1 while the condition holds. ScalingActive at 0 means the HPA cannot compute a replica count (no CPU metrics: metrics-server missing, FailedGetResourceMetric) and holds its replicas whatever the load: alert FlashScaleHPAScalingInactive. ScalingLimited at 1 means it wants more (or fewer) pods than min/max allow.", "none", half, 8,
		q("{{color}} {{condition}}", hpaColor(`max by (horizontalpodautoscaler, condition) (kube_horizontalpodautoscaler_status_condition{namespace="flashscale", horizontalpodautoscaler=~"flashscale-$color", status="true"})`, "horizontalpodautoscaler")))
	b.timeseries("HPA rescales", "How often each colour's HPA changed its desired replica count: every step is a rescale event (kube-state-metrics exports no events, the change is the event).", "none", half, 8,
		q("{{color}} rescales", hpaColor(`max by (horizontalpodautoscaler) (changes(kube_horizontalpodautoscaler_status_desired_replicas{namespace="flashscale", horizontalpodautoscaler=~"flashscale-$color"}[$__rate_interval]))`, "horizontalpodautoscaler")))

	deploy := func(metric string) string {
		return hpaColor(`max by (deployment) (`+metric+`{namespace="flashscale", deployment=~"flashscale-$color"})`, "deployment")
	}
	b.timeseries("Deployment replicas: available vs desired", "Per colour during a flip or rollout: desired (what the HPA asks), updated (on the new pod template) and available (ready for long enough to take traffic). Traffic should only move to a colour whose available equals desired.", "none", full, 8,
		q("{{color}} desired", deploy("kube_deployment_spec_replicas")),
		q("{{color}} updated", deploy("kube_deployment_status_replicas_updated")),
		q("{{color}} available", deploy("kube_deployment_status_replicas_available")))

	b.row("Pod resources")
	b.timeseries("Pod CPU vs request and limit", "CPU used per pod against the per-pod request and limit of each colour.", "cores", half, 8,
		q("{{pod}}", `sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval]))`),
		q("{{color}} request", `max by (color) (`+podColor(`sum by (pod) (kube_pod_container_resource_requests{namespace="flashscale", pod=~"flashscale-$color-.+", resource="cpu"})`)+`)`),
		q("{{color}} limit", `max by (color) (`+podColor(`sum by (pod) (kube_pod_container_resource_limits{namespace="flashscale", pod=~"flashscale-$color-.+", resource="cpu"})`)+`)`))
	b.timeseries("Pod memory vs request and limit", "Working set per pod (what the OOM killer looks at) against the per-pod request and limit of each colour.", "bytes", half, 8,
		q("{{pod}}", `sum by (pod) (container_memory_working_set_bytes{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"})`),
		q("{{color}} request", `max by (color) (`+podColor(`sum by (pod) (kube_pod_container_resource_requests{namespace="flashscale", pod=~"flashscale-$color-.+", resource="memory"})`)+`)`),
		q("{{color}} limit", `max by (color) (`+podColor(`sum by (pod) (kube_pod_container_resource_limits{namespace="flashscale", pod=~"flashscale-$color-.+", resource="memory"})`)+`)`))
	b.percent("CPU throttling by pod", "Share of CFS periods in which the pod hit its CPU limit. Throttling adds latency long before the HPA reacts.", half, 8,
		q("{{pod}}", `(
  sum by (pod) (rate(container_cpu_cfs_throttled_periods_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval]))
  or
  0 * sum by (pod) (rate(container_cpu_cfs_periods_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval]))
)
/
clamp_min(
  sum by (pod) (rate(container_cpu_cfs_periods_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval]))
  or
  0 * sum by (pod) (rate(container_cpu_cfs_periods_total{namespace="flashscale", pod=~"flashscale-$color-.+", container!="", container!="POD"}[$__rate_interval])),
  1e-9
)`))
	b.timeseries("Requests per second per pod", "Shopper load per pod of each colour: it should fall as the HPA adds pods.", "reqps", half, 8,
		q("{{color}}", `sum by (color) (rate(flashscale_http_requests_total{color=~"$color", `+shopper+`}[$__rate_interval]))
/
count by (color) (flashscale_build_info{color=~"$color"})`))

	b.row("Cluster room")
	b.timeseries("Pods serving metrics by colour", "Pods per colour that Prometheus scraped successfully.", "none", half, 8,
		q("{{color}}", `sum by (color) (up{namespace="flashscale", color=~"$color"})`))
	b.b.WithPanel(b.series("Cluster CPU: requested vs allocatable", "CPU requested by pods holding a node (scheduled, Pending or Running; finished Jobs hold nothing) against what the nodes can allocate, and CPU requested by Pending pods no node has room for. When requested reaches allocatable, new pods wait and HPA scale-ups stall until nodes are added.", "cores", half, 8,
		q("requested (scheduled pods)", `sum(
  kube_pod_container_resource_requests{resource="cpu"}
  * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Running"} == 1)
  * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_info{node!=""})
)`),
		q("allocatable", `sum(kube_node_status_allocatable{resource="cpu"})`),
		q("waiting for a node", `sum(
  (
    kube_pod_container_resource_requests{resource="cpu"}
    * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{phase="Pending"} == 1)
  )
  unless on (namespace, pod) kube_pod_info{node!=""}
) or vector(0)`)).Min(0))
	return b
}
