// Command flashscale-progress runs a long build or test step and reports
// what it is doing at least every 30 seconds (the Makefile wraps npm ci,
// go build -v and go test -json in it); see service/progress.
package main

import (
	"os"

	"github.com/flashscale/flashscale/service/progress"
)

func main() { os.Exit(progress.Main(os.Args[1:], os.Stdout, os.Stderr)) }
