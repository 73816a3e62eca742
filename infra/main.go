// Command infra is the Pulumi program of FlashScale (Pulumi.yaml: `main: infra/`).
// It only runs stack.Program; see package stack and README.md.
package main

import (
	"github.com/flashscale/flashscale/infra/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(stack.Program)
}
