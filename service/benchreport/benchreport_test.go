package benchreport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummariseTakesTheMedianOfPairs(t *testing.T) {
	r := Summarise([]float64{5, 1, 9, 2, 7})
	if r.Median != 5 || r.Min != 1 || r.Max != 9 || r.Pairs != 5 {
		t.Fatalf("Summarise = %+v", r)
	}
	if r := Summarise([]float64{1, 3}); r.Median != 2 {
		t.Fatalf("even median = %v", r.Median)
	}
}

// Interleave alternates baseline and candidate, so a slowdown that comes
// and goes lands on both runs of a pair.
func TestInterleaveAlternates(t *testing.T) {
	var order []string
	r := Interleave(1, func() float64 { order = append(order, "A"); return 2 },
		func() float64 { order = append(order, "B"); return 6 })
	if got := strings.Join(order, ""); got != "ABABAB" {
		t.Fatalf("runs %s; want at least three pairs, A B A B", got)
	}
	if r.Median != 3 || r.Pairs != MinPairs {
		t.Fatalf("ratio %+v", r)
	}
}

// A later run of a scenario replaces its earlier result.
func TestRecordAndReadKeepTheLastResult(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	t.Setenv(EnvResults, path)
	for _, m := range []float64{1, 2} {
		if err := Record(Result{Scenario: "s", Ratio: Ratio{Median: m}, Target: 1.5, Pass: m >= 1.5}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Record(Result{Scenario: "t", Ratio: Ratio{Median: 1}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Scenario != "s" || got[0].Ratio.Median != 2 || got[1].Scenario != "t" {
		t.Fatalf("Read = %+v", got)
	}
	if table := Table(got); !strings.Contains(table, "| `s` |") || !strings.Contains(table, "≥ 1.50") {
		t.Fatalf("table:\n%s", table)
	}
}

// The README's performance table is the one the last make bench produced:
// regenerate it with `make bench-table` (make bench does so itself).
func TestReadmeTableMatchesTheLastRun(t *testing.T) {
	data, err := os.ReadFile("results.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	results, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) == 0 {
		t.Fatal("results.jsonl holds no results")
	}
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(doc), Table(results))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Fatal("README.md's performance table differs from results.jsonl; run make bench-table")
	}
}
