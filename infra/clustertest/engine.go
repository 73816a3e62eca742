package clustertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"gopkg.in/yaml.v3"
)

// Engine is the real Pulumi CLI with a file backend and a passphrase secrets
// provider in a folder of its own, the Kubernetes provider plugin installed
// from the tools folder (the Go language host sits beside the CLI, where the
// CLI looks for it), and nothing taken from the machine (no ambient
// plugins, no update checks, no plugin downloads).
type Engine struct {
	Tools      Tools
	Home       string // PULUMI_HOME
	ProjectDir string // Pulumi.yaml of FlashScale, running a prebuilt program
	Env        map[string]string
}

// KubernetesPluginVersion is the version of the Kubernetes SDK in go.mod: the
// engine loads the provider plugin of exactly that version.
const KubernetesPluginVersion = "v4.32.0"

// NewEngine prepares the engine in dir for the FlashScale project at repoRoot,
// running program (a binary built from infra/) instead of building it on each
// operation.
func NewEngine(ctx context.Context, dir, repoRoot, program string, tools Tools) (*Engine, error) {
	e := &Engine{
		Tools:      tools,
		Home:       filepath.Join(dir, "pulumi-home"),
		ProjectDir: filepath.Join(dir, "project"),
	}
	state := filepath.Join(dir, "state")
	for _, d := range []string{e.Home, e.ProjectDir, state} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	e.Env = map[string]string{
		"PULUMI_HOME":                                 e.Home,
		"PULUMI_BACKEND_URL":                          "file://" + state,
		"PULUMI_CONFIG_PASSPHRASE":                    "clustertest",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
		// Binaries the program and the release shell out to come from the rig.
		"PATH": filepath.Join(tools.Dir, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	// The Go language host is found beside the CLI (it is "bundled"); the
	// provider is installed into this PULUMI_HOME.
	if out, err := e.Command(ctx, "plugin", "install", "resource", "kubernetes", KubernetesPluginVersion,
		"--file", tools.Bin("pulumi-resource-kubernetes")); err != nil {
		return nil, fmt.Errorf("installing the kubernetes plugin: %w\n%s", err, out)
	}
	if err := e.writeProject(repoRoot, program); err != nil {
		return nil, err
	}
	return e, nil
}

// writeProject copies the repository's Pulumi.yaml (its config declarations
// included) into the project folder, pointing the Go runtime at the
// prebuilt program, and links the dashboards folder the program reads.
func (e *Engine) writeProject(repoRoot, program string) error {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	if err != nil {
		return err
	}
	var project map[string]any
	if err := yaml.Unmarshal(raw, &project); err != nil {
		return err
	}
	delete(project, "main")
	project["runtime"] = map[string]any{"name": "go", "options": map[string]any{"binary": program}}
	out, err := yaml.Marshal(project)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(e.ProjectDir, "Pulumi.yaml"), out, 0o600); err != nil {
		return err
	}
	return os.Symlink(filepath.Join(repoRoot, "dashboards"), filepath.Join(e.ProjectDir, "dashboards"))
}

// Environ is the process environment with the engine's variables.
func (e *Engine) Environ() []string {
	env := os.Environ()
	for k, v := range e.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// Command runs the pulumi CLI in the project folder and returns its combined output.
func (e *Engine) Command(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.Tools.Bin("pulumi"), args...)
	cmd.Dir = e.ProjectDir
	cmd.Env = e.Environ()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Stack creates (or selects) a stack of the project through the Automation
// API's local workspace: the same CLI, project file and language host as an
// operator's `pulumi up`.
func (e *Engine) Stack(ctx context.Context, name string) (auto.Stack, error) {
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: e.Tools.Dir, SkipVersionCheck: true})
	if err != nil {
		return auto.Stack{}, err
	}
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(e.ProjectDir),
		auto.PulumiHome(e.Home),
		auto.Pulumi(cli),
		auto.EnvVars(e.Env),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		return auto.Stack{}, err
	}
	return auto.UpsertStack(ctx, name, ws)
}

// BuildProgram compiles the infra program (the `main: infra/` of Pulumi.yaml) into dir.
func BuildProgram(ctx context.Context, repoRoot, dir string) (string, error) {
	bin := filepath.Join(dir, "flashscale-infra")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./infra")
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./infra: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	return bin, nil
}
