package clustertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Tools is the folder rig/build.sh fills: bin/ (pulumi, pulumi-language-go,
// pulumi-resource-kubernetes, kube-apiserver, kube-controller-manager,
// kube-scheduler, kubectl, etcd, kwok) and share/ (KWOK's stages and the
// prometheus-operator CRDs).
type Tools struct{ Dir string }

// ToolsEnv names the tools folder; the default is rig/build.sh's default cache.
const ToolsEnv = "FLASHSCALE_RIG_DIR"

// Binaries the tests run.
var Binaries = []string{
	"pulumi", "pulumi-language-go", "pulumi-resource-kubernetes",
	"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "etcd", "kwok",
}

// FindTools locates the tools and checks every binary and data folder is there.
func FindTools() (Tools, error) {
	dir := os.Getenv(ToolsEnv)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Tools{}, err
		}
		dir = filepath.Join(home, ".cache", "flashscale-rig")
	}
	t := Tools{Dir: dir}
	var missing []string
	for _, b := range Binaries {
		if st, err := os.Stat(t.Bin(b)); err != nil || st.Mode()&0o111 == 0 {
			missing = append(missing, "bin/"+b)
		}
	}
	for _, d := range []string{"kwok-stages", "prometheus-operator-crds"} {
		if _, err := os.Stat(t.Share(d)); err != nil {
			missing = append(missing, "share/"+d)
		}
	}
	if len(missing) > 0 {
		return t, fmt.Errorf("real-engine tools missing in %s: %v (build them with `make rig`, i.e. infra/clustertest/rig/build.sh)", dir, missing)
	}
	return t, nil
}

// Bin is the path of one binary.
func (t Tools) Bin(name string) string { return filepath.Join(t.Dir, "bin", name) }

// Share is the path of a data folder.
func (t Tools) Share(name string) string { return filepath.Join(t.Dir, "share", name) }

// KwokStages writes KWOK's node and pod stages into one config file.
func (t Tools) KwokStages(path string) (string, error) {
	files, err := filepath.Glob(filepath.Join(t.Share("kwok-stages"), "*.yaml"))
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("no KWOK stages in %s", t.Share("kwok-stages"))
	}
	sort.Strings(files)
	var all bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		all.WriteString("---\n")
		all.Write(b)
		all.WriteString("\n")
	}
	return path, os.WriteFile(path, all.Bytes(), 0o600)
}

// CRDs lists the prometheus-operator CRD manifests.
func (t Tools) CRDs() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(t.Share("prometheus-operator-crds"), "*.yaml"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("no CRDs in %s", t.Share("prometheus-operator-crds"))
	}
	sort.Strings(files)
	return files, err
}
