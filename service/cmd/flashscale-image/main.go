// Command flashscale-image builds FlashScale's OCI image from a static
// binary without a Docker daemon, and optionally pushes it; see
// README.md.
package main

import (
	"os"

	"github.com/flashscale/flashscale/service/image"
)

func main() { os.Exit(image.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
