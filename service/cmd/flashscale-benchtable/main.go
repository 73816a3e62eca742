// Command flashscale-benchtable regenerates the performance table in
// README.md from the results make bench wrote (service/benchreport/results.jsonl), so the
// README says what the last run measured, not what someone typed.
//
//	go run ./service/cmd/flashscale-benchtable [-results service/benchreport/results.jsonl] [-readme README.md]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flashscale/flashscale/service/benchreport"
)

func main() {
	results := flag.String("results", "service/benchreport/results.jsonl", "results file written by make bench")
	readme := flag.String("readme", "README.md", "document whose table is regenerated")
	flag.Parse()
	if err := run(*results, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "flashscale-benchtable:", err)
		os.Exit(1)
	}
}

func run(resultsPath, readmePath string) error {
	data, err := os.ReadFile(resultsPath)
	if err != nil {
		return err
	}
	results, err := benchreport.Read(data)
	if err != nil {
		return err
	}
	doc, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	out, err := benchreport.Splice(string(doc), benchreport.Table(results))
	if err != nil {
		return err
	}
	return os.WriteFile(readmePath, []byte(out), 0o644)
}
