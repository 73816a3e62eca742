package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cluster is the control plane every test of the package shares (starting
// one costs about ten seconds); tests run one after another and each leaves
// the cluster as it found it.
var cluster *ControlPlane

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tools, err := FindTools()
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") == "1" {
			fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "SKIPPING the real-engine tests: %v\n", err)
		return 0
	}
	dir, err := os.MkdirTemp("", "flashscale-clustertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	keep := os.Getenv("FLASHSCALE_CLUSTERTEST_KEEP") != ""
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	cluster, err = StartControlPlane(ctx, filepath.Join(dir, "cluster"), tools)
	if err == nil {
		err = prepareCluster(ctx, cluster)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: starting the control plane: %v (logs in %s)\n", err, dir)
		if cluster != nil {
			cluster.Stop()
		}
		return 1
	}
	fmt.Fprintf(os.Stderr, "clustertest: control plane at %s ready in %s (logs in %s)\n", cluster.Server, time.Since(start).Round(100*time.Millisecond), dir)
	code := m.Run()
	cluster.Stop()
	if code == 0 && !keep {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "clustertest: logs, state and audit log kept in %s\n", dir)
	}
	return code
}

// prepareCluster makes the cluster look like the one FlashScale expects to
// be brought to: fake nodes in two zones, and the prometheus-operator CRDs
// its ServiceMonitor and PrometheusRule need.
func prepareCluster(ctx context.Context, cp *ControlPlane) error {
	var nodes []string
	for _, zone := range []string{"a", "b"} {
		nodes = append(nodes, fmt.Sprintf(`apiVersion: v1
kind: Node
metadata:
  name: kwok-node-%[1]s
  annotations: {%[2]s: fake}
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-%[1]s
    topology.kubernetes.io/zone: zone-%[1]s
    type: kwok
status:
  allocatable: {cpu: "32", memory: 128Gi, pods: "110"}
  capacity: {cpu: "32", memory: 128Gi, pods: "110"}
`, zone, KwokNodeAnnotation))
	}
	if err := cp.KubectlApply(ctx, strings.Join(nodes, "---\n")); err != nil {
		return err
	}
	crds, err := cp.Tools.CRDs()
	if err != nil {
		return err
	}
	for _, f := range crds {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := cp.KubectlApply(ctx, string(b)); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
	}
	if _, err := cp.Kubectl(ctx, "wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"); err != nil {
		return err
	}
	return Eventually(ctx, time.Minute, func() error {
		out, err := cp.Kubectl(ctx, "get", "nodes", "-o", `jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}`)
		if err != nil {
			return err
		}
		if strings.Count(out, "=True") != 2 {
			return fmt.Errorf("nodes not ready yet: %q", out)
		}
		return nil
	})
}

// repoRoot is the repository root (this package is infra/clustertest).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// workDir is a test's folder: removed afterwards, unless
// FLASHSCALE_CLUSTERTEST_KEEP is set (then its path is logged, with the
// engine's output of every step in it).
func workDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("FLASHSCALE_CLUSTERTEST_KEEP") == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "flashscale-"+t.Name()+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("keeping %s", dir)
	return dir
}
