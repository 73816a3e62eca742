package stack

import (
	"sort"
	"strings"
)

// AddonVersions pins, per Kubernetes minor, the EKS-managed add-ons and the
// Cluster Autoscaler image (whose minor must match the cluster's). Bump them
// with kubernetesVersion; `aws eks describe-addon-versions
// --kubernetes-version 1.N --addon-name <name>` lists what EKS offers.
type AddonVersions struct {
	VpcCni, KubeProxy, CoreDNS, EBSCSIDriver string
	Autoscaler                               string // image tag
}

var addonVersions = map[string]AddonVersions{
	"1.33": {VpcCni: "v1.21.1-eksbuild.3", KubeProxy: "v1.33.7-eksbuild.2", CoreDNS: "v1.13.2-eksbuild.1", EBSCSIDriver: "v1.55.0-eksbuild.2", Autoscaler: "v1.33.1"},
	"1.34": {VpcCni: "v1.21.1-eksbuild.3", KubeProxy: "v1.34.3-eksbuild.5", CoreDNS: "v1.13.2-eksbuild.1", EBSCSIDriver: "v1.55.0-eksbuild.2", Autoscaler: "v1.34.0"},
	"1.35": {VpcCni: "v1.21.1-eksbuild.3", KubeProxy: "v1.35.0-eksbuild.2", CoreDNS: "v1.13.2-eksbuild.1", EBSCSIDriver: "v1.55.0-eksbuild.2", Autoscaler: "v1.35.0"},
}

// addonVersionsFor returns the pinned versions of a supported Kubernetes
// version (LoadConfig accepts no other).
func addonVersionsFor(k8sVersion string) AddonVersions { return addonVersions[k8sVersion] }

// SupportedKubernetesVersions are the versions with pinned add-ons.
func SupportedKubernetesVersions() []string {
	var vs []string
	for v := range addonVersions {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs
}

func supportedKubernetesVersionsText() string {
	return strings.Join(SupportedKubernetesVersions(), ", ")
}
