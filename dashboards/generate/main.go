// Command generate writes the Grafana dashboards defined in
// dashboards/boards into dashboards/*.json:
//
//	go run ./dashboards/generate            # from the repository root
//	go run ./dashboards/generate -dir DIR   # somewhere else
//
// The files are committed; `go test ./dashboards` fails when they differ
// from what this writes, so edit the Go code, never the JSON.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flashscale/flashscale/dashboards/boards"
)

func main() {
	dir := flag.String("dir", "dashboards", "directory to write the *.json files into")
	flag.Parse()
	files, err := boards.All()
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
	for _, f := range files {
		path := filepath.Join(*dir, f.Name)
		if err := os.WriteFile(path, f.JSON, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
}
