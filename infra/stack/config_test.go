package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// expectConfigError runs the program and expects it to fail before creating
// any resource, with every fragment in the error message.
func expectConfigError(t *testing.T, cfg map[string]string, secretKeys []string, root string, fragments ...string) {
	t.Helper()
	if root == "" {
		root = writeMonitoringFiles(t)
	}
	res := run(t, cfg, secretKeys, root)
	if res.err == nil {
		t.Fatalf("program succeeded, want an error containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(res.err.Error(), f) {
			t.Errorf("error %q does not contain %q", res.err, f)
		}
	}
	if n := res.mocks.customCount(); n != 0 {
		t.Errorf("%d resources were registered before the config error", n)
	}
}

func TestInvalidActiveColor(t *testing.T) {
	t.Parallel()
	expectConfigError(t, with(baseConfig(), "flashscale:activeColor", "purple"), nil, "",
		"flashscale:activeColor", `"purple"`, "allowed values: blue, green")
}

func TestMissingSecrets(t *testing.T) {
	t.Parallel()
	expectConfigError(t, with(baseConfig(), "flashscale:dbPassword", "<unset>", "flashscale:grafanaAdminPassword", "<unset>"), nil, "",
		"missing required secret config flashscale:dbPassword", "pulumi config set --secret dbPassword",
		"missing required secret config flashscale:grafanaAdminPassword", "pulumi config set --secret grafanaAdminPassword")
}

func TestSecretsMustBeSecret(t *testing.T) {
	t.Parallel()
	expectConfigError(t, baseConfig(), []string{"flashscale:grafanaAdminPassword"}, "",
		"config flashscale:dbPassword must be a secret", "pulumi config set --secret dbPassword")
}

func TestInvalidValuesNameKeyAndAllowedValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		kv        []string
		fragments []string
	}{
		{"missing version", []string{"flashscale:greenVersion", "<unset>"}, []string{"missing required config flashscale:greenVersion"}},
		{"latest tag", []string{"flashscale:blueVersion", "latest"}, []string{"flashscale:blueVersion", "immutable tags"}},
		{"bad tag", []string{"flashscale:blueVersion", "1.0 beta"}, []string{"flashscale:blueVersion", "not a valid image tag"}},
		{"missing region", []string{"aws:region", "<unset>"}, []string{"missing required config aws:region"}},
		{"nat", []string{"flashscale:natGateways", "none"}, []string{"flashscale:natGateways", "allowed values: perAz, single"}},
		{"instance type", []string{"flashscale:nodeInstanceType", "x1.huge"}, []string{"flashscale:nodeInstanceType", "m6i.large"}},
		{"k8s too old", []string{"flashscale:kubernetesVersion", "1.29"}, []string{"flashscale:kubernetesVersion", "1.30 or newer"}},
		{"node sizes", []string{"flashscale:nodeMinSize", "4"}, []string{"nodeMinSize <= nodeDesiredSize <= nodeMaxSize"}},
		{"hpa bounds", []string{"flashscale:hpaMaxReplicas", "1"}, []string{"flashscale:hpaMaxReplicas", "at least flashscale:hpaMinReplicas"}},
		{"hpa target", []string{"flashscale:hpaCpuTarget", "150"}, []string{"flashscale:hpaCpuTarget", "allowed: 1 to 100"}},
		{"not an integer", []string{"flashscale:azCount", "two"}, []string{"flashscale:azCount", "not an integer"}},
		{"requests above limits", []string{"flashscale:cpuRequest", "2"}, []string{"flashscale:cpuRequest", "above flashscale:cpuLimit"}},
		{"bad quantity", []string{"flashscale:memoryRequest", "lots"}, []string{"flashscale:memoryRequest", "not a memory quantity"}},
		{"bad bool", []string{"flashscale:dbMultiAz", "yes please"}, []string{"flashscale:dbMultiAz", "allowed values: true, false"}},
		{"backups off", []string{"flashscale:dbBackupRetentionDays", "0"}, []string{"flashscale:dbBackupRetentionDays", "allowed: 1 to 35"}},
		{"bad cidr", []string{"flashscale:vpcCidr", "10.0.0.0/24"}, []string{"flashscale:vpcCidr", "/16"}},
		{"weak db password", []string{"flashscale:dbPassword", "a@b"}, []string{"flashscale:dbPassword", "8 to 128 printable ASCII"}},
		{"drain zero", []string{"flashscale:drainTimeoutSeconds", "0"}, []string{"flashscale:drainTimeoutSeconds"}},
		{"capacity", []string{"flashscale:nodeMaxSize", "3", "flashscale:nodeDesiredSize", "3"}, []string{"flashscale:nodeMaxSize", "cannot hold both colours"}},
	}
	for _, tc := range cases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expectConfigError(t, with(baseConfig(), tc.kv...), nil, "", tc.fragments...)
		})
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	t.Parallel()
	expectConfigError(t, with(baseConfig(), "flashscale:activeColor", "red", "flashscale:dbPassword", "<unset>", "flashscale:hpaCpuTarget", "0"), nil, "",
		"flashscale:activeColor", "flashscale:dbPassword", "flashscale:hpaCpuTarget")
}

func TestMonitoringFilesRequired(t *testing.T) {
	t.Parallel()
	t.Run("missing alert rules", func(t *testing.T) {
		t.Parallel()
		root := writeMonitoringFiles(t)
		if err := os.Remove(filepath.Join(root, "dashboards", "alerts", "flashscale-rules.yaml")); err != nil {
			t.Fatal(err)
		}
		expectConfigError(t, baseConfig(), nil, root, "flashscale:dashboardsDir", "alerts/flashscale-rules.yaml", "is missing")
	})
	t.Run("rule file without groups", func(t *testing.T) {
		t.Parallel()
		root := writeMonitoringFiles(t)
		if err := os.WriteFile(filepath.Join(root, "dashboards", "alerts", "flashscale-rules.yaml"), []byte("rules: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		expectConfigError(t, baseConfig(), nil, root, "has no `groups:`")
	})
	t.Run("missing dashboards dir", func(t *testing.T) {
		t.Parallel()
		expectConfigError(t, baseConfig(), nil, t.TempDir(), "flashscale:dashboardsDir", "does not exist")
	})
	t.Run("invalid dashboard JSON", func(t *testing.T) {
		t.Parallel()
		root := writeMonitoringFiles(t)
		if err := os.WriteFile(filepath.Join(root, "dashboards", "broken.json"), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		expectConfigError(t, baseConfig(), nil, root, "broken.json", "not a JSON object")
	})
	t.Run("absolute dashboardsDir", func(t *testing.T) {
		t.Parallel()
		root := writeMonitoringFiles(t)
		res := run(t, with(baseConfig(), "flashscale:dashboardsDir", filepath.Join(root, "dashboards")), nil, t.TempDir())
		if res.err != nil {
			t.Fatalf("absolute dashboardsDir: %v", res.err)
		}
	})
}

func TestParseQuantities(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"250m": 250, "1": 1000, "0.5": 500, "2": 2000} {
		if got, err := ParseCPU(in); err != nil || got != want {
			t.Errorf("ParseCPU(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"256Mi": 256, "1Gi": 1024, "512M": 489, "1048576": 1} {
		if got, err := ParseMemoryMi(in); err != nil || got != want {
			t.Errorf("ParseMemoryMi(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "abc", "10x"} {
		if _, err := ParseCPU(bad); err == nil {
			t.Errorf("ParseCPU(%q) accepted", bad)
		}
	}
}
