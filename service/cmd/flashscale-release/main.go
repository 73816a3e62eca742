// Command flashscale-release runs FlashScale's blue/green release sequence
// (deploy, rollback, status) against a Pulumi stack; see README.md.
package main

import (
	"os"

	"github.com/flashscale/flashscale/service/release"
)

func main() { os.Exit(release.Main(os.Args[1:], os.Stdout, os.Stderr)) }
