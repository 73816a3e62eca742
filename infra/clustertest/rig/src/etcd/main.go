// Command etcd is the etcd server for the real-engine tests, built from the
// published go.etcd.io/etcd/server/v3 module (upstream's own main package lives
// in a module the proxy does not serve).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
