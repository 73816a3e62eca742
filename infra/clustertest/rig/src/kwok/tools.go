//go:build tools

// Package tools pins KWOK for the real-engine tests: it plays the kubelet of
// fake nodes (node heartbeats, pod IPs, Running and Ready conditions) so the
// real scheduler and controllers carry a rollout through to ready pods on a
// machine without a container runtime.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
