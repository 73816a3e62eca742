package dashboards

import (
	"bytes"
	"io/fs"
	"slices"
	"testing"

	"github.com/flashscale/flashscale/dashboards/boards"
)

// The committed JSON is what dashboards/boards generates, to the byte: a
// hand edit of a file, or a change to the Go code without
// `go run ./dashboards/generate`, fails here.
func TestDashboardsAreGenerated(t *testing.T) {
	files, err := boards.All()
	if err != nil {
		t.Fatal(err)
	}
	var generated []string
	for _, f := range files {
		generated = append(generated, f.Name)
		committed, err := Files.ReadFile(f.Name)
		if err != nil {
			t.Errorf("%s is generated but not committed: run go run ./dashboards/generate", f.Name)
			continue
		}
		if !bytes.Equal(committed, f.JSON) {
			line := 1 + bytes.Count(committed[:firstDiff(committed, f.JSON)], []byte("\n"))
			t.Errorf("%s differs from what dashboards/boards generates (first at line %d): run go run ./dashboards/generate, and edit the Go code, not the JSON", f.Name, line)
		}
	}
	committed, err := fs.Glob(Files, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range committed {
		if !slices.Contains(generated, name) {
			t.Errorf("%s is committed but no longer generated: delete it", name)
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
