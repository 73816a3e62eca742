//go:build tools

// Package tools pins the Pulumi CLI for the real-engine tests: build.sh builds
// github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at the version this module requires.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
