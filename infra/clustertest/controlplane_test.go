package clustertest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The rig itself: a Deployment applied with kubectl is carried by the real
// controllers and scheduler to ready pods on KWOK's nodes, and deleting its
// namespace removes everything (the garbage collector and the namespace
// controller run). If this fails, every other test here would too.
func TestControlPlaneCarriesARollout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: rig-check}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: rig-check}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example/web:1
        resources: {requests: {cpu: 100m, memory: 64Mi}}
`
	if err := cluster.KubectlApply(ctx, manifest); err != nil {
		t.Fatal(err)
	}
	err := Eventually(ctx, 2*time.Minute, func() error {
		var d struct {
			Status struct {
				ReadyReplicas int `json:"readyReplicas"`
			} `json:"status"`
		}
		if err := cluster.GetJSON(ctx, &d, "deployment", "web", "-n", "rig-check"); err != nil {
			return err
		}
		if d.Status.ReadyReplicas != 3 {
			return fmt.Errorf("readyReplicas = %d, want 3", d.Status.ReadyReplicas)
		}
		return nil
	})
	if err != nil {
		out, _ := cluster.Kubectl(ctx, "get", "pods", "-n", "rig-check", "-o", "wide")
		t.Fatalf("the rollout never became ready: %v\n%s", err, out)
	}
	var pods struct {
		Items []struct {
			Spec struct {
				NodeName string `json:"nodeName"`
			} `json:"spec"`
			Status struct {
				PodIP string `json:"podIP"`
				Phase string `json:"phase"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := cluster.GetJSON(ctx, &pods, "pods", "-n", "rig-check"); err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.PodIP == "" || p.Status.Phase != "Running" {
			t.Errorf("pod not scheduled and running: node %q ip %q phase %q", p.Spec.NodeName, p.Status.PodIP, p.Status.Phase)
		}
	}
	if _, err := cluster.Kubectl(ctx, "delete", "namespace", "rig-check", "--wait=true", "--timeout=90s"); err != nil {
		t.Fatal(err)
	}
}
