// Package clustertest runs FlashScale's Pulumi program with a real Pulumi
// engine against a real Kubernetes API server, controller manager and
// scheduler on loopback, with KWOK playing the kubelet of fake nodes.
//
// The AWS layer of the program cannot run here (no AWS, and the pulumi-aws
// and pulumi-eks plugins are not served), so its tests are the mock tests of
// package stack. Everything the program puts inside the cluster runs for
// real in this package's tests: the program in bring-your-own-cluster mode
// through the real CLI, language host and Kubernetes provider, so the API
// server's validation and defaulting, server-side-apply ownership, perpetual
// diffs, the order of creation (from the API server's audit log), rollouts
// by the real controllers, a blue/green flip, the release command and
// destroy are what a cluster would see.
//
// The tools are built from the Go module proxy by rig/build.sh (`make rig`)
// into a cache outside the clone; the tests find them through
// $FLASHSCALE_RIG_DIR (default ~/.cache/flashscale-rig) and fail when they
// are missing in CI (or with FLASHSCALE_REQUIRE_TOOLS=1), skip otherwise.
package clustertest
