package boards

// cluster is FlashScale / Cluster overview: nodes, pods by phase and
// restarts across the cluster, and the FlashScale pods per colour.
func cluster() *board {
	b := newBoard("flashscale-cluster", "FlashScale / Cluster overview",
		"Nodes, pods by phase and restarts across the cluster, and the FlashScale pods per colour.")
	b.b.WithVariable(multiVariable("namespace", "Namespace", "label_values(kube_pod_info, namespace)"))

	b.stat("Nodes", "Nodes known to the API server.", "none", 4,
		q("", `count(kube_node_info)`))
	b.stat("Nodes ready", "Nodes whose Ready condition is true.", "none", 4,
		q("", `sum(kube_node_status_condition{condition="Ready", status="true"})`))
	b.stat("Pods running", "Running pods in the selected namespaces.", "none", 4,
		q("", `sum(kube_pod_status_phase{namespace=~"$namespace", phase="Running"})`))
	b.stat("Pods pending", "Pending pods: usually waiting for a node with room for their requests.", "none", 4,
		q("", `sum(kube_pod_status_phase{namespace=~"$namespace", phase="Pending"})`))
	b.stat("Pods not ready", "Pending or Running pods whose Ready condition is false (failing readiness probes, draining, starting). Finished pods (completed Jobs) are never ready and are not counted.", "none", 4,
		q("", `sum(
  (kube_pod_status_ready{namespace=~"$namespace", condition="false"} == 1)
  * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_status_phase{namespace=~"$namespace", phase=~"Pending|Running"} == 1)
) or vector(0)`))
	b.stat("Container restarts", "Container restarts in the selected time range.", "none", 4,
		now("", `sum(increase(kube_pod_container_status_restarts_total{namespace=~"$namespace"}[$__range])) or vector(0)`))

	b.timeseries("Pods by phase", "Pods per phase in the selected namespaces.", "none", half, 8,
		q("{{phase}}", `sum by (phase) (kube_pod_status_phase{namespace=~"$namespace"})`))
	b.timeseries("FlashScale pods by colour and phase", "The service's pods per colour in each phase they are in.", "none", half, 8,
		q("{{color}} {{phase}}", `sum by (color, phase) (`+podColor(`kube_pod_status_phase{namespace="flashscale", pod=~"flashscale-$color-.+"}`)+`) > 0`))
	b.timeseries("Restarts per pod (top 10, last 10 minutes)", "Pods that restarted most recently. A steady climb is a crash loop (kube-prometheus-stack's KubePodCrashLooping).", "none", half, 8,
		q("{{namespace}}/{{pod}}", `topk(10, sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{namespace=~"$namespace"}[10m])))`))
	b.table("Restarts by pod in range", "Restarts per pod over the selected time range, most first.", half, 8,
		rows(`sort_desc(sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{namespace=~"$namespace"}[$__range])))`))
	b.percent("Node CPU utilisation", "Busy CPU share per node, from node-exporter.", half, 8,
		q("{{instance}}", `1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))`))
	b.percent("Node memory utilisation", "Memory in use per node (MemAvailable against MemTotal), from node-exporter.", half, 8,
		q("{{instance}}", `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes`))
	return b
}
