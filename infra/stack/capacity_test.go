package stack

import (
	"testing"
)

func TestAllocatableFormula(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]int64{"t3.medium": 1930, "m6i.large": 1930, "m6i.xlarge": 3920, "m6i.2xlarge": 7910} {
		it, _ := LookupInstanceType(name)
		if got := it.AllocatableCPUMilli(); got != want {
			t.Errorf("%s allocatable CPU = %dm, want %dm", name, got, want)
		}
	}
	it, _ := LookupInstanceType("m6i.large")
	if mem := it.AllocatableMemoryMi(); mem < 6500 || mem > 7500 {
		t.Errorf("m6i.large allocatable memory = %dMi, out of the expected range", mem)
	}
}

// TestCapacity computes, from the default and the dev stack config, that the
// node group at nodeMaxSize holds both colours at HPA max with their requests
// plus the monitoring stack (and at nodeDesiredSize both colours at HPA min).
func TestCapacity(t *testing.T) {
	t.Parallel()
	configs := map[string]map[string]string{
		"defaults":  baseConfig(),
		"dev stack": devSecrets(devStackConfig(t)),
	}
	for name, values := range configs {
		cfg, err := loadConfig(t, values, writeMonitoringFiles(t))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		atMax, atDesired := CapacityScenarios(cfg)
		t.Logf("%s: %s x%d at max: %s", name, cfg.NodeInstanceType, cfg.NodeMaxSize, atMax)
		t.Logf("%s: %s x%d at desired: %s", name, cfg.NodeInstanceType, cfg.NodeDesiredSize, atDesired)
		if !atMax.Fits() || !atDesired.Fits() {
			t.Errorf("%s: pods unplaced at max %v, at desired %v", name, atMax.Unplaced, atDesired.Unplaced)
		}

		// Recompute the demand by hand: both colours at max + the platform.
		var platformCPU, platformMem int64
		platformPods := 0
		for _, w := range PlatformWorkloads() {
			platformCPU += int64(w.Replicas) * w.CPUMilli
			platformMem += int64(w.Replicas) * w.MemoryMi
			platformPods += w.Replicas
		}
		wantCPU := 2*int64(cfg.HpaMaxReplicas)*cfg.CPURequestMilli + platformCPU
		wantMem := 2*int64(cfg.HpaMaxReplicas)*cfg.MemoryRequestMi + platformMem
		if atMax.CPUMilliNeeded != wantCPU || atMax.MemoryMiNeeded != wantMem || atMax.Pods != 2*cfg.HpaMaxReplicas+platformPods {
			t.Errorf("%s: demand %s, want %dm CPU, %dMi memory", name, atMax, wantCPU, wantMem)
		}
		it, _ := LookupInstanceType(cfg.NodeInstanceType)
		perNodeCPU := it.AllocatableCPUMilli()
		perNodeMem := it.AllocatableMemoryMi()
		for _, ds := range daemonSets() {
			perNodeCPU -= ds.CPUMilli
			perNodeMem -= ds.MemoryMi
		}
		if int64(cfg.NodeMaxSize)*perNodeCPU < wantCPU || int64(cfg.NodeMaxSize)*perNodeMem < wantMem {
			t.Errorf("%s: %d nodes supply %dm/%dMi, below the demand %dm/%dMi", name, cfg.NodeMaxSize, int64(cfg.NodeMaxSize)*perNodeCPU, int64(cfg.NodeMaxSize)*perNodeMem, wantCPU, wantMem)
		}
	}
}

func TestCapacityTooSmallIsRejected(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(t, with(baseConfig(), "flashscale:nodeInstanceType", "t3.medium", "flashscale:nodeMaxSize", "3"), writeMonitoringFiles(t))
	if err == nil {
		t.Fatal("3 x t3.medium cannot hold 20 pods at 250m plus monitoring, but the config was accepted")
	}
}
