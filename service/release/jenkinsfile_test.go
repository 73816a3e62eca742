package release_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/flashscale/flashscale/service/image"
	"github.com/flashscale/flashscale/service/release"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

// Jenkins is not on this machine, so the Jenkinsfile is checked for what
// can break silently: Groovy syntax, the flags it passes to our commands,
// the stages the release process needs, and credentials only by binding.

func jenkinsfile(t *testing.T) string {
	t.Helper()
	root, err := smoketest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "Jenkinsfile"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJenkinsfileParses(t *testing.T) {
	groovy, err := exec.LookPath("groovy")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("FLASHSCALE_REQUIRE_TOOLS") != "" {
			t.Fatal("groovy is not installed (apt-get install groovy): the Jenkinsfile's syntax goes unchecked")
		}
		t.Skip("groovy not installed")
	}
	script := filepath.Join(t.TempDir(), "parse.groovy")
	_ = os.WriteFile(script, []byte(`new GroovyShell().parse(new File(args[0]).text, "Jenkinsfile"); println "ok"`), 0o644)
	root, _ := smoketest.ModuleRoot()
	cmd := exec.Command(groovy, script, filepath.Join(root, "Jenkinsfile"))
	cmd.Env = os.Environ()
	if os.Getenv("JAVA_HOME") == "" {
		// Debian's groovy wants JAVA_HOME when default-java is not the JDK.
		if java, err := exec.LookPath("java"); err == nil {
			if real, err := filepath.EvalSymlinks(java); err == nil {
				cmd.Env = append(cmd.Env, "JAVA_HOME="+filepath.Dir(filepath.Dir(real)))
			}
		}
	}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("Jenkinsfile does not parse as Groovy: %v\n%s", err, out)
	}
}

// TestJenkinsfileFlags checks every flag the Jenkinsfile passes to
// flashscale-release and flashscale-image exists.
func TestJenkinsfileFlags(t *testing.T) {
	jf := strings.ReplaceAll(jenkinsfile(t), "\\\n", " ")
	help := func(main func([]string, io.Writer, io.Writer) int, args ...string) string {
		var b bytes.Buffer
		main(append(args, "-h"), &b, &b)
		return b.String()
	}
	releaseMain := release.Main
	imageMain := func(args []string, o, e io.Writer) int { return image.Main(args, nil, o, e) }
	cmdRe := regexp.MustCompile(`flashscale-(release (?:deploy|rollback|status)|image(?: copy)?)\b([^\n]*)`)
	flagRe := regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	subst := regexp.MustCompile(`\$\([^)]*\)`) // $(git ...) passes its flags to git
	seen := 0
	for _, m := range cmdRe.FindAllStringSubmatch(jf, -1) {
		var usage string
		switch fields := strings.Fields(m[1]); fields[0] {
		case "release":
			usage = help(releaseMain, fields[1])
		default:
			usage = help(imageMain, fields[1:]...)
		}
		for _, f := range flagRe.FindAllStringSubmatch(subst.ReplaceAllString(m[2], ""), -1) {
			seen++
			if !strings.Contains(usage, "  -"+f[1]+" ") && !strings.Contains(usage, "  -"+f[1]+"\n") {
				t.Errorf("Jenkinsfile passes --%s to flashscale-%s, which has no such flag", f[1], m[1])
			}
		}
	}
	if seen < 15 {
		t.Errorf("found only %d flags on flashscale-release/flashscale-image command lines: is the pattern stale?", seen)
	}
}

func TestJenkinsfileStages(t *testing.T) {
	jf := jenkinsfile(t)
	for _, want := range []string{
		"sh 'make test'",
		"when { changeRequest() }",
		"pulumi preview --diff --non-interactive --stack \"$PREVIEW_STACK\"",
		"archiveArtifacts artifacts: 'build/pulumi-preview-*.txt'",
		"--push \"$repo:$IMAGE_TAG\"",
		"flashscale-release deploy --stack dev --version \"$IMAGE_TAG\" --min-replicas-from-live",
		"recordStack('dev'",
		"git push origin HEAD:refs/heads/main",
		"flashscale-image copy",
		"flashscale-release rollback --stack",
		"flashscale-release status --stack",
		"pulumi preview --refresh --expect-no-changes",
		"cron(env.BRANCH_NAME == 'main' ?",
		"input message: \"Release ${params.VERSION} to prod?\"",
		// The rig and the Go caches survive the pod: the real-engine tests
		// run on every PR without rebuilding their tools.
		"claimName: flashscale-ci-cache",
		"mountPath: /root/.cache",
		"NODE_VERSION = '20.20.2'",
	} {
		if !strings.Contains(jf, want) {
			t.Errorf("Jenkinsfile lacks %q", want)
		}
	}
	// Secrets reach steps only through credentials bindings: never as
	// literals, never via environment assignments.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s*(AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|PULUMI_ACCESS_TOKEN|GIT_PASSWORD)\s*=`),
		regexp.MustCompile(`AKIA[0-9A-Z]{16}`),
		regexp.MustCompile(`pul-[0-9a-f]{40}`),
		regexp.MustCompile(`--password[ =][^-]`),
	} {
		if loc := bad.FindString(jf); loc != "" {
			t.Errorf("Jenkinsfile handles a secret outside a credentials binding: %q", loc)
		}
	}
	for _, id := range []string{"flashscale-aws", "flashscale-pulumi-token", "flashscale-git"} {
		if !strings.Contains(jf, "credentialsId: '"+id+"'") {
			t.Errorf("credential %s is not bound with withCredentials", id)
		}
	}
}

// TestJenkinsKubectlWithinSkew: kubectl supports clusters one minor version
// either side of its own; the pipeline's kubectl must fit every stack's
// Kubernetes version (the project default and each Pulumi.<stack>.yaml).
func TestJenkinsKubectlWithinSkew(t *testing.T) {
	m := regexp.MustCompile(`KUBECTL_VERSION = 'v1\.(\d+)\.\d+'`).FindStringSubmatch(jenkinsfile(t))
	if m == nil {
		t.Fatal("Jenkinsfile pins no KUBECTL_VERSION = 'v1.N.P'")
	}
	kubectlMinor, _ := strconv.Atoi(m[1])
	root, err := smoketest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Config map[string]struct {
			Default any `yaml:"default"`
		} `yaml:"config"`
	}
	b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil || yaml.Unmarshal(b, &project) != nil {
		t.Fatalf("Pulumi.yaml: %v", err)
	}
	versions := map[string]string{"Pulumi.yaml default": fmt.Sprint(project.Config["kubernetesVersion"].Default)}
	stacks, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	if len(stacks) < 3 {
		t.Fatalf("want the dev, staging and prod stack files, found %v", stacks)
	}
	for _, f := range stacks {
		var st struct {
			Config map[string]any `yaml:"config"`
		}
		b, err := os.ReadFile(f)
		if err != nil || yaml.Unmarshal(b, &st) != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v, ok := st.Config["flashscale:kubernetesVersion"]; ok {
			versions[filepath.Base(f)] = fmt.Sprint(v)
		}
	}
	for where, v := range versions {
		mm := regexp.MustCompile(`^1\.(\d+)$`).FindStringSubmatch(v)
		if mm == nil {
			t.Errorf("%s: kubernetesVersion %q is not 1.N", where, v)
			continue
		}
		minor, _ := strconv.Atoi(mm[1])
		if d := kubectlMinor - minor; d < -1 || d > 1 {
			t.Errorf("%s: cluster 1.%d is outside kubectl 1.%d's ±1 skew", where, minor, kubectlMinor)
		}
	}
}
