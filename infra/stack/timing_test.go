package stack

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTimingRelations checks, for several drain and preStop settings, the
// relations that keep a pod's shutdown free of dropped requests. They are
// read back from what the program creates, not recomputed:
//
//	preStop pause  < drain + pause < grace period  (the kubelet never SIGKILLs a draining pod)
//	deregistration delay >= pause + drain          (the ALB keeps in-flight requests until the pod is done)
//	HPA scale-down window >= the release's settle  (the raised floor goes before the HPA may shrink)
func TestTimingRelations(t *testing.T) {
	t.Parallel()
	for _, tc := range [][2]string{{"20", "15"}, {"5", "10"}, {"120", "30"}, {"45", "60"}} {
		drain, pause := tc[0], tc[1]
		t.Run("drain "+drain+" preStop "+pause, func(t *testing.T) {
			t.Parallel()
			res := mustRun(t, with(baseConfig(), "flashscale:drainTimeoutSeconds", drain, "flashscale:preStopSleepSeconds", pause))
			m := res.mocks
			d := m.get(t, "flashscale-app-blue-deployment")
			pod := []string{"spec", "template", "spec"}
			c := append(append([]string{}, pod...), "containers", "0")
			preStop, _ := d.get(append(c, "lifecycle", "preStop", "sleep", "seconds")...).(float64)
			grace, _ := d.get(append(pod, "terminationGracePeriodSeconds")...).(float64)
			var drainEnv time.Duration
			for _, e := range d.get(append(c, "env")...).([]any) {
				if em := e.(map[string]any); em["name"] == "FLASHSCALE_DRAIN_TIMEOUT" {
					drainEnv, _ = time.ParseDuration(em["value"].(string))
				}
			}
			ann := m.get(t, appIngress).get("metadata", "annotations").(map[string]any)
			var dereg, interval float64
			for _, kv := range strings.Split(ann[albPrefix+"target-group-attributes"].(string), ",") {
				if v, ok := strings.CutPrefix(kv, "deregistration_delay.timeout_seconds="); ok {
					dereg, _ = strconv.ParseFloat(v, 64)
				}
			}
			interval, _ = strconv.ParseFloat(fmt.Sprint(ann[albPrefix+"healthcheck-interval-seconds"]), 64)
			drainS := drainEnv.Seconds()

			if preStop <= 0 || drainS <= 0 || grace <= 0 || dereg <= 0 || interval <= 0 {
				t.Fatalf("missing values: preStop %v drain %v grace %v dereg %v interval %v", preStop, drainS, grace, dereg, interval)
			}
			if !(preStop+drainS < grace) {
				t.Errorf("grace period %vs does not outlast preStop %vs + drain %vs: the kubelet kills draining pods", grace, preStop, drainS)
			}
			if dereg < preStop+drainS {
				t.Errorf("deregistration delay %vs is shorter than preStop %vs + drain %vs: the ALB cuts in-flight requests", dereg, preStop, drainS)
			}
			window, _ := m.get(t, "flashscale-app-blue-hpa").get("spec", "behavior", "scaleDown", "stabilizationWindowSeconds").(float64)
			if window < (5 * time.Minute).Seconds() {
				t.Errorf("scale-down stabilization %vs is shorter than the release's default settle (5m)", window)
			}
		})
	}
}
