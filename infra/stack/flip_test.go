package stack

import (
	"reflect"
	"sort"
	"testing"
)

// TestFlipChangesOnlyIngress flips activeColor blue -> green and compares the
// full inputs (and options) of every resource of both runs: only the Ingress's
// live weights and preview action may change.
func TestFlipChangesOnlyIngress(t *testing.T) {
	t.Parallel()
	root := writeMonitoringFiles(t)
	blue := run(t, with(baseConfig(), "flashscale:activeColor", "blue"), nil, root)
	green := run(t, with(baseConfig(), "flashscale:activeColor", "green"), nil, root)
	if blue.err != nil || green.err != nil {
		t.Fatalf("runs failed: %v / %v", blue.err, green.err)
	}

	names := func(m *mocks) []string {
		var out []string
		for n := range m.resources {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	if !reflect.DeepEqual(names(blue.mocks), names(green.mocks)) {
		t.Fatalf("the flip changed the set of resources:\n%v\n%v", names(blue.mocks), names(green.mocks))
	}

	changed := map[string]bool{}
	for _, name := range names(blue.mocks) {
		b, g := blue.mocks.resources[name], green.mocks.resources[name]
		if b.Type != g.Type || !reflect.DeepEqual(b.IgnoreChanges, g.IgnoreChanges) || b.Provider != g.Provider || b.Parent != g.Parent {
			t.Errorf("%s: type/options changed on flip", name)
		}
		if !reflect.DeepEqual(b.plainInputs(), g.plainInputs()) {
			changed[name] = true
		}
	}
	if !reflect.DeepEqual(changed, map[string]bool{"flashscale-traffic-ingress": true}) {
		t.Fatalf("flip changed %v, want only flashscale-traffic-ingress", changed)
	}

	// Inside the Ingress only the live weights and the preview target change.
	bAnn := blue.mocks.get(t, "flashscale-traffic-ingress").get("metadata", "annotations").(map[string]any)
	gAnn := green.mocks.get(t, "flashscale-traffic-ingress").get("metadata", "annotations").(map[string]any)
	var diff []string
	for k := range bAnn {
		if bAnn[k] != gAnn[k] {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	if want := []string{"alb.ingress.kubernetes.io/actions.live", "alb.ingress.kubernetes.io/actions.preview"}; !reflect.DeepEqual(diff, want) {
		t.Errorf("changed annotations %v, want %v", diff, want)
	}
	if !reflect.DeepEqual(blue.mocks.get(t, "flashscale-traffic-ingress").get("spec"), green.mocks.get(t, "flashscale-traffic-ingress").get("spec")) {
		t.Error("the Ingress spec (rules) must not change on a flip")
	}
	if w := decodeAction(t, gAnn["alb.ingress.kubernetes.io/actions.live"]); !reflect.DeepEqual(w, map[string]float64{"flashscale-blue": 0, "flashscale-green": 100}) {
		t.Errorf("green live weights = %v", w)
	}
	if p := decodeAction(t, gAnn["alb.ingress.kubernetes.io/actions.preview"]); !reflect.DeepEqual(p, map[string]float64{"flashscale-blue": 100}) {
		t.Errorf("green preview target = %v, want blue", p)
	}
	if green.outputs["activeColor"].Value != "green" || green.outputs["previewColor"].Value != "blue" {
		t.Errorf("outputs after flip: active %v preview %v", green.outputs["activeColor"].Value, green.outputs["previewColor"].Value)
	}
}
