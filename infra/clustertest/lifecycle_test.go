package clustertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/flashscale/flashscale/infra/stack"
	"github.com/flashscale/flashscale/service/smoke"
)

// stackName is the test stack; the program treats it like any non-dev stack.
const stackName = "clustertest"

// lifecycle carries what the steps of TestClusterLayerLifecycle share.
type lifecycle struct {
	t      *testing.T
	ctx    context.Context
	eng    *Engine
	st     auto.Stack
	logDir string
	router *httptest.Server
	// releaseBin is flashscale-release, run as Jenkins runs it.
	releaseBin string
	// firstIngress is the Ingress's annotations after the first up.
	firstIngress map[string]string
}

// TestClusterLayerLifecycle deploys FlashScale's cluster layer with the
// real program in bring-your-own-cluster mode and takes it through what an
// environment lives through: first deploy, a re-deploy that must change
// nothing, a blue/green flip and back, a release of the idle colour, the
// release command's deploy and rollback, a replica-floor change after a
// release, drift from a manual kubectl edit, and destroy.
func TestClusterLayerLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	root := repoRoot(t)
	dir := workDir(t)
	l := &lifecycle{t: t, ctx: ctx, logDir: dir}

	t.Log("building the infra program, flashscale and flashscale-release (minutes on a cold cache)")
	program, err := BuildProgram(ctx, root, dir)
	if err != nil {
		t.Fatal(err)
	}
	shopBin := os.Getenv("FLASHSCALE_BIN")
	if shopBin == "" {
		shopBin = goBuild(t, ctx, root, dir, "./service/cmd/flashscale")
	}
	l.releaseBin = goBuild(t, ctx, root, dir, "./service/cmd/flashscale-release")

	if l.eng, err = NewEngine(ctx, dir, root, program, cluster.Tools); err != nil {
		t.Fatal(err)
	}
	if l.st, err = l.eng.Stack(ctx, stackName); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := os.ReadFile(cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	l.setConfig(map[string]auto.ConfigValue{
		"kubeconfig":      {Value: string(kubeconfig), Secret: true},
		"databaseUrl":     {Value: "postgres://flashscale:not-used@db.clustertest.invalid:5432/flashscale?sslmode=verify-full", Secret: true},
		"imageRepository": {Value: "registry.clustertest.example/flashscale"},
		"installAddons":   {Value: "false"},
		"activeColor":     {Value: "blue"},
		"blueVersion":     {Value: "1.0.0"},
		"greenVersion":    {Value: "1.0.0"},
		"adminToken":      {Value: "clustertest-admin-token-0123456789", Secret: true},
		// Not the dev stack: the preview route is open only to the release's
		// address (the router sees 127.0.0.1), and the listener is HTTPS.
		"previewCidrs":   {Value: "127.0.0.1/32"},
		"certificateArn": {Value: "arn:aws:acm:ap-south-1:123456789012:certificate/00000000-0000-4000-8000-000000000000"},
	})
	l.router = httptest.NewServer(newALBRouter(t, cluster, shopBin, stack.AppNamespace, stack.IngressName))
	defer l.router.Close()
	destroyed := false
	defer func() {
		if !destroyed {
			// Leave the shared cluster as it was found, whatever failed.
			_, _ = l.st.Destroy(context.Background(), optdestroy.ProgressStreams(l.logFile("cleanup-destroy")))
		}
	}()

	step := func(name string, fn func(l *lifecycle)) {
		// Each step reports to its own subtest; what a step learns (the
		// first Ingress, say) stays in l for the steps after it.
		ok := t.Run(name, func(st *testing.T) { l.t = st; fn(l) })
		l.t = t
		if !ok {
			t.FailNow()
		}
	}
	step("FirstUp", (*lifecycle).firstUp)
	step("CreationOrder", (*lifecycle).creationOrder)
	step("NoPerpetualDiff", (*lifecycle).noPerpetualDiff)
	step("FlipChangesOnlyTheIngress", (*lifecycle).flip)
	step("IdleVersionChangesOnlyItsDeployment", (*lifecycle).idleVersion)
	step("ReleaseDeployAndRollback", (*lifecycle).release)
	step("FloorChangeAfterRelease", (*lifecycle).floorChange)
	step("DriftCheckSeesKubectlEdit", (*lifecycle).drift)
	step("Destroy", func(l *lifecycle) { l.destroy(); destroyed = true })
}

func goBuild(t *testing.T, ctx context.Context, root, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

func (l *lifecycle) setConfig(values map[string]auto.ConfigValue) {
	l.t.Helper()
	for k, v := range values {
		if err := l.st.SetConfig(l.ctx, stack.ConfigNamespace+":"+k, v); err != nil {
			l.t.Fatalf("config set %s: %v", k, err)
		}
	}
}

// logFile is where one engine operation's output goes (the test's temp folder).
func (l *lifecycle) logFile(name string) io.Writer {
	f, err := os.Create(filepath.Join(l.logDir, name+".log"))
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { f.Close() })
	return f
}

// up runs `pulumi up` and fails the test with the engine's output if it fails.
func (l *lifecycle) up(name string, opts ...optup.Option) auto.UpResult {
	l.t.Helper()
	var out bytes.Buffer
	res, err := l.st.Up(l.ctx, append(opts, optup.ProgressStreams(&out, l.logFile(name)))...)
	if err != nil {
		l.t.Fatalf("pulumi up (%s): %v\n%s", name, err, tail(out.String(), 60))
	}
	return res
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// changes previews the stack and returns every step that is not "same".
func (l *lifecycle) changes(name string) []apitype.StepEventMetadata {
	l.t.Helper()
	ch := make(chan events.EngineEvent)
	var steps []apitype.StepEventMetadata
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			if e.ResourcePreEvent != nil && e.ResourcePreEvent.Metadata.Op != apitype.OpSame {
				steps = append(steps, e.ResourcePreEvent.Metadata)
			}
		}
	}()
	var out bytes.Buffer
	_, err := l.st.Preview(l.ctx, optpreview.Diff(), optpreview.EventStreams(ch), optpreview.ProgressStreams(&out, l.logFile(name)))
	<-done
	if err != nil {
		l.t.Fatalf("pulumi preview (%s): %v\n%s", name, err, tail(out.String(), 60))
	}
	return steps
}

func describe(steps []apitype.StepEventMetadata) string {
	var s []string
	for _, st := range steps {
		var keys []string
		for k := range st.DetailedDiff {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s = append(s, fmt.Sprintf("%s %s %v", st.Op, st.URN, keys))
	}
	return strings.Join(s, "\n")
}

// deployment is the part of a Deployment's status the steps read.
type deployment struct {
	Metadata struct {
		Generation int64  `json:"generation"`
		UID        string `json:"uid"`
	} `json:"metadata"`
	Spec struct {
		Replicas int `json:"replicas"`
		Template struct {
			Spec struct {
				Containers []struct {
					Image string `json:"image"`
				} `json:"containers"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
	Status struct {
		ObservedGeneration int64 `json:"observedGeneration"`
		Replicas           int   `json:"replicas"`
		UpdatedReplicas    int   `json:"updatedReplicas"`
		ReadyReplicas      int   `json:"readyReplicas"`
	} `json:"status"`
}

func (l *lifecycle) deployment(color string) deployment {
	l.t.Helper()
	var d deployment
	if err := cluster.GetJSON(l.ctx, &d, "deployment", stack.DeploymentName(color), "-n", stack.AppNamespace); err != nil {
		l.t.Fatal(err)
	}
	return d
}

// waitRolledOut waits until the colour's Deployment is fully rolled out to
// image, with every replica ready, as the real controllers and KWOK report.
func (l *lifecycle) waitRolledOut(color, image string, replicas int) {
	l.t.Helper()
	err := Eventually(l.ctx, 3*time.Minute, func() error {
		var d deployment
		if err := cluster.GetJSON(l.ctx, &d, "deployment", stack.DeploymentName(color), "-n", stack.AppNamespace); err != nil {
			return err
		}
		got := d.Spec.Template.Spec.Containers[0].Image
		s := d.Status
		if got != image || s.ObservedGeneration != d.Metadata.Generation || s.UpdatedReplicas != replicas ||
			s.ReadyReplicas != replicas || s.Replicas != replicas {
			return fmt.Errorf("%s: image %s, generation %d/%d, replicas %d updated %d ready %d (want %s × %d)",
				color, got, s.ObservedGeneration, d.Metadata.Generation, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, image, replicas)
		}
		return nil
	})
	if err != nil {
		out, _ := cluster.Kubectl(l.ctx, "get", "rs,pods", "-n", stack.AppNamespace, "-o", "wide")
		l.t.Fatalf("rollout: %v\n%s", err, out)
	}
}

func image(version string) string { return "registry.clustertest.example/flashscale:" + version }

func (l *lifecycle) ingressAnnotations() map[string]string {
	l.t.Helper()
	var ing ingressObject
	if err := cluster.GetJSON(l.ctx, &ing, "ingress", stack.IngressName, "-n", stack.AppNamespace); err != nil {
		l.t.Fatal(err)
	}
	return ing.Metadata.Annotations
}

// liveAndPreview asks the router, as a shopper and as the release's preview
// smoke does, which colour and version answer.
func (l *lifecycle) liveAndPreview() (live, preview smoke.BuildInfo) {
	l.t.Helper()
	var err error
	if live, err = smoke.FetchBuildInfo(l.ctx, http.DefaultClient, l.router.URL, false); err != nil {
		l.t.Fatalf("live route: %v", err)
	}
	if preview, err = smoke.FetchBuildInfo(l.ctx, http.DefaultClient, l.router.URL, true); err != nil {
		l.t.Fatalf("preview route: %v", err)
	}
	return live, preview
}

func (l *lifecycle) wantRoutes(liveColor, liveVersion, previewColor, previewVersion string) {
	l.t.Helper()
	live, preview := l.liveAndPreview()
	if live.Color != liveColor || live.Version != liveVersion {
		l.t.Errorf("live route answers %s %s, want %s %s", live.Color, live.Version, liveColor, liveVersion)
	}
	if preview.Color != previewColor || preview.Version != previewVersion {
		l.t.Errorf("preview route answers %s %s, want %s %s", preview.Color, preview.Version, previewColor, previewVersion)
	}
}

// 1. The API server accepts every object (its own validation, defaulting
// and the namespace's restricted pod security), the real controllers create
// ReplicaSets and pods that turn Ready on KWOK's nodes, and the HPAs report
// their conditions.
func (l *lifecycle) firstUp() {
	res := l.up("up-1")
	if n := res.Summary.ResourceChanges; n == nil || (*n)["create"] == 0 {
		l.t.Fatalf("first up created nothing: %v", n)
	}
	for _, color := range stack.Colors {
		l.waitRolledOut(color, image("1.0.0"), 2)
	}
	var rs struct {
		Items []struct {
			Metadata struct {
				OwnerReferences []struct {
					Kind, Name string
				} `json:"ownerReferences"`
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := cluster.GetJSON(l.ctx, &rs, "replicasets", "-n", stack.AppNamespace); err != nil {
		l.t.Fatal(err)
	}
	owners := map[string]int{}
	for _, r := range rs.Items {
		for _, o := range r.Metadata.OwnerReferences {
			owners[o.Kind+"/"+o.Name]++
		}
	}
	for _, color := range stack.Colors {
		if owners["Deployment/"+stack.DeploymentName(color)] != 1 {
			l.t.Errorf("ReplicaSets owned by %s: %d, want 1 (%v)", stack.DeploymentName(color), owners["Deployment/"+stack.DeploymentName(color)], owners)
		}
	}
	// The HPA controller runs every 5 s here: without a metrics API it
	// reports it cannot compute a replica count (the seed's missing
	// metrics-server), which the ScalingActive alert watches.
	for _, color := range stack.Colors {
		err := Eventually(l.ctx, 2*time.Minute, func() error {
			var h struct {
				Status struct {
					Conditions []struct{ Type, Status, Reason string } `json:"conditions"`
				} `json:"status"`
			}
			if err := cluster.GetJSON(l.ctx, &h, "hpa", stack.DeploymentName(color), "-n", stack.AppNamespace); err != nil {
				return err
			}
			seen := map[string]string{}
			for _, c := range h.Status.Conditions {
				seen[c.Type] = c.Status + "/" + c.Reason
			}
			if seen["AbleToScale"] == "" || seen["ScalingActive"] == "" {
				return fmt.Errorf("HPA %s conditions %v", color, seen)
			}
			return nil
		})
		if err != nil {
			l.t.Error(err)
		}
	}
	for _, kind := range []string{"servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com", "poddisruptionbudgets", "services", "ingresses", "secrets", "serviceaccounts"} {
		out, err := cluster.Kubectl(l.ctx, "get", kind, "-n", stack.AppNamespace, "-o", "name")
		if err != nil || strings.TrimSpace(out) == "" {
			l.t.Errorf("no %s in namespace %s after up: %v %s", kind, stack.AppNamespace, err, out)
		}
	}
	dashboards, _ := filepath.Glob(filepath.Join(repoRoot(l.t), "dashboards", "*.json"))
	out, err := cluster.Kubectl(l.ctx, "get", "configmaps", "-A", "-l", "grafana_dashboard=1", "-o", "name")
	if err != nil {
		l.t.Fatal(err)
	}
	if got := len(strings.Fields(out)); got != len(dashboards) {
		l.t.Errorf("dashboard ConfigMaps: %d, want one per dashboards/*.json (%d)", got, len(dashboards))
	}
	l.firstIngress = l.ingressAnnotations()
	l.wantRoutes("blue", "1.0.0", "green", "1.0.0")
}

// 7. The order the API server saw objects created in: the rules of the
// infra review, proven on a real API server rather than on the mocks'
// dependency lists.
func (l *lifecycle) creationOrder() {
	evs, err := ReadAudit(cluster.AuditLog)
	if err != nil {
		l.t.Fatal(err)
	}
	at := Creations(evs)
	ns := stack.AppNamespace
	pos := func(key string) int {
		l.t.Helper()
		p, ok := at[key]
		if !ok {
			l.t.Fatalf("the audit log never saw %s created", key)
		}
		return p
	}
	before := func(a, b, why string) {
		l.t.Helper()
		if pos(a) >= pos(b) {
			l.t.Errorf("%s was created after %s: %s", a, b, why)
		}
	}
	nsKey := "namespaces//" + ns
	for key := range at {
		if strings.Contains(key, "/"+ns+"/") && !strings.HasPrefix(key, "events") {
			before(nsKey, key, "everything in the namespace needs it first")
		}
	}
	firstPod := "pods/" + ns + "/*"
	ingress := "ingresses.networking.k8s.io/" + ns + "/" + stack.IngressName
	before(ingress, firstPod, "pods created before the Ingress get no target-group readiness gate")
	for _, color := range stack.Colors {
		name := stack.DeploymentName(color)
		before("services/"+ns+"/"+name, firstPod, "the Service's target group must exist before pods register")
		before("secrets/"+ns+"/flashscale-database", "deployments.apps/"+ns+"/"+name, "pods reference the database Secret")
		before("deployments.apps/"+ns+"/"+name, "horizontalpodautoscalers.autoscaling/"+ns+"/"+name, "an HPA scales an existing Deployment")
	}
	before("customresourcedefinitions.apiextensions.k8s.io//servicemonitors.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com/"+ns+"/"+stack.AppName, "a custom object needs its CRD")
}

// 2. A preview right after up shows no changes, as Pulumi's ProgramTest checks.
func (l *lifecycle) noPerpetualDiff() {
	if steps := l.changes("preview-after-up"); len(steps) != 0 {
		l.t.Fatalf("preview right after up wants changes (a perpetual diff):\n%s", describe(steps))
	}
}

// 3. A flip changes exactly one resource, the Ingress, and only its weights
// and preview target; flipping back restores it exactly.
func (l *lifecycle) flip() {
	l.setConfig(map[string]auto.ConfigValue{"activeColor": {Value: "green"}})
	steps := l.changes("preview-flip")
	if len(steps) != 1 || steps[0].Op != apitype.OpUpdate || steps[0].Type != "kubernetes:networking.k8s.io/v1:Ingress" {
		l.t.Fatalf("a flip must update exactly the Ingress, got:\n%s", describe(steps))
	}
	if len(steps[0].DetailedDiff) == 0 {
		l.t.Fatalf("the flip's Ingress update has no detailed diff")
	}
	for k := range steps[0].DetailedDiff {
		if !strings.Contains(k, "actions.live") && !strings.Contains(k, "actions.preview") {
			l.t.Errorf("a flip changes %s; only the live weights and the preview target may change", k)
		}
	}
	l.up("up-flip")
	l.wantRoutes("green", "1.0.0", "blue", "1.0.0")
	weights := liveWeights(l.t, l.ingressAnnotations())
	if weights[stack.DeploymentName("green")] != 100 || weights[stack.DeploymentName("blue")] != 0 {
		l.t.Errorf("live weights after the flip: %v", weights)
	}

	l.setConfig(map[string]auto.ConfigValue{"activeColor": {Value: "blue"}})
	l.up("up-flip-back")
	back := l.ingressAnnotations()
	for k, v := range l.firstIngress {
		if back[k] != v {
			l.t.Errorf("after flipping back, annotation %s = %q, was %q", k, back[k], v)
		}
	}
	if len(back) != len(l.firstIngress) {
		l.t.Errorf("after flipping back the Ingress has %d annotations, had %d", len(back), len(l.firstIngress))
	}
	l.wantRoutes("blue", "1.0.0", "green", "1.0.0")
}

func liveWeights(t *testing.T, annotations map[string]string) map[string]int {
	t.Helper()
	var a albAction
	if err := json.Unmarshal([]byte(annotations[albPrefix+"actions.live"]), &a); err != nil || a.ForwardConfig == nil {
		t.Fatalf("actions.live: %v %q", err, annotations[albPrefix+"actions.live"])
	}
	w := map[string]int{}
	for _, tg := range a.ForwardConfig.TargetGroups {
		if tg.Weight == nil {
			t.Fatalf("target group %s has no weight (the controller rejects that)", tg.ServiceName)
		}
		w[tg.ServiceName] = *tg.Weight
	}
	return w
}

// 4. A new version for the idle colour changes only that colour's Deployment.
func (l *lifecycle) idleVersion() {
	blueBefore := l.deployment("blue")
	l.setConfig(map[string]auto.ConfigValue{"greenVersion": {Value: "1.1.0"}})
	steps := l.changes("preview-idle-version")
	if len(steps) != 1 || steps[0].Type != "kubernetes:apps/v1:Deployment" || !strings.Contains(steps[0].URN, "green") {
		l.t.Fatalf("a new idle version must update exactly the green Deployment, got:\n%s", describe(steps))
	}
	l.up("up-idle-version")
	l.waitRolledOut("green", image("1.1.0"), 2)
	blueAfter := l.deployment("blue")
	if blueAfter.Metadata.Generation != blueBefore.Metadata.Generation {
		l.t.Errorf("the live colour's Deployment changed generation %d → %d", blueBefore.Metadata.Generation, blueAfter.Metadata.Generation)
	}
	l.wantRoutes("blue", "1.0.0", "green", "1.1.0")
}

// release runs flashscale-release as Jenkins does, with the real pulumi and
// kubectl on PATH.
func (l *lifecycle) runRelease(name string, args ...string) {
	l.t.Helper()
	args = append(args, "--stack", stackName, "--cwd", l.eng.ProjectDir, "--url", l.router.URL)
	cmd := exec.CommandContext(l.ctx, l.releaseBin, args...)
	cmd.Env = l.eng.Environ()
	out, err := cmd.CombinedOutput()
	if werr := os.WriteFile(filepath.Join(l.logDir, name+".log"), out, 0o600); werr != nil {
		l.t.Error(werr)
	}
	if err != nil {
		l.t.Fatalf("flashscale-release %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 80))
	}
}

func (l *lifecycle) config(key string) string {
	l.t.Helper()
	v, err := l.st.GetConfig(l.ctx, stack.ConfigNamespace+":"+key)
	if err != nil {
		l.t.Fatalf("config get %s: %v", key, err)
	}
	return v.Value
}

// 5. The release sequence against the real engine: deploy the idle colour,
// raise its floor through stack config, flip, return the floor; then roll
// back. The HPAs stay owned by Pulumi alone.
func (l *lifecycle) release() {
	// Shoppers have made the live colour's HPA scale it to 4 pods: the
	// release must bring the idle colour to 4 before it takes the traffic.
	if _, err := cluster.Kubectl(l.ctx, "scale", "deployment", stack.DeploymentName("blue"), "-n", stack.AppNamespace, "--replicas", "4"); err != nil {
		l.t.Fatal(err)
	}
	l.waitRolledOut("blue", image("1.0.0"), 4)
	l.runRelease("release-deploy", "deploy", "--version", "1.2.0",
		"--smoke-timeout", "3m", "--scale-timeout", "3m", "--settle", "1s", "--poll", "1s", "--live-consecutive", "3")
	if got := l.config("activeColor"); got != "green" {
		l.t.Errorf("after the release activeColor = %s, want green", got)
	}
	if got := l.config("greenVersion"); got != "1.2.0" {
		l.t.Errorf("after the release greenVersion = %s, want 1.2.0", got)
	}
	if got := l.config("blueVersion"); got != "1.0.0" {
		l.t.Errorf("the release changed the old live colour's version to %s", got)
	}
	l.wantRoutes("green", "1.2.0", "blue", "1.0.0")
	// The floor was raised through Pulumi (the HPA scaled green to 4, and
	// without metrics it never scales back down) and returned afterwards.
	l.waitRolledOut("green", image("1.2.0"), 4)
	var h struct {
		Spec struct {
			MinReplicas int `json:"minReplicas"`
		} `json:"spec"`
	}
	if err := cluster.GetJSON(l.ctx, &h, "hpa", stack.DeploymentName("green"), "-n", stack.AppNamespace); err != nil {
		l.t.Fatal(err)
	}
	if h.Spec.MinReplicas != 2 {
		l.t.Errorf("after the release green's HPA minReplicas = %d, want hpaMinReplicas (2) back", h.Spec.MinReplicas)
	}
	l.hpaOwnedByPulumi()
	if steps := l.changes("preview-after-release"); len(steps) != 0 {
		l.t.Errorf("the release left the stack with pending changes:\n%s", describe(steps))
	}

	l.runRelease("release-rollback", "rollback", "--smoke-timeout", "3m")
	if got := l.config("activeColor"); got != "blue" {
		l.t.Errorf("after the rollback activeColor = %s, want blue", got)
	}
	l.wantRoutes("blue", "1.0.0", "green", "1.2.0")
	l.hpaOwnedByPulumi()
}

// hpaOwnedByPulumi checks no manager but Pulumi's owns an HPA's spec: a
// field taken by kubectl makes the next `pulumi up` that changes it fail
// with a server-side-apply conflict.
func (l *lifecycle) hpaOwnedByPulumi() {
	l.t.Helper()
	for _, color := range stack.Colors {
		var h struct {
			Metadata struct {
				ManagedFields []struct {
					Manager   string          `json:"manager"`
					Operation string          `json:"operation"`
					FieldsV1  json.RawMessage `json:"fieldsV1"`
				} `json:"managedFields"`
			} `json:"metadata"`
		}
		if err := cluster.GetJSON(l.ctx, &h, "hpa", stack.DeploymentName(color), "-n", stack.AppNamespace); err != nil {
			l.t.Fatal(err)
		}
		for _, m := range h.Metadata.ManagedFields {
			if strings.Contains(string(m.FieldsV1), `"f:spec"`) && !strings.HasPrefix(m.Manager, "pulumi") {
				l.t.Errorf("HPA %s: manager %q (%s) owns spec fields %s", color, m.Manager, m.Operation, m.FieldsV1)
			}
		}
	}
}

// After a release, an ordinary `pulumi up` that changes the HPA floor
// succeeds: the server-side-apply conflict of the review cannot come back.
func (l *lifecycle) floorChange() {
	l.setConfig(map[string]auto.ConfigValue{"hpaMinReplicas": {Value: "3"}})
	l.up("up-floor")
	for _, color := range stack.Colors {
		var h struct {
			Spec struct {
				MinReplicas int `json:"minReplicas"`
			} `json:"spec"`
		}
		if err := cluster.GetJSON(l.ctx, &h, "hpa", stack.DeploymentName(color), "-n", stack.AppNamespace); err != nil {
			l.t.Fatal(err)
		}
		if h.Spec.MinReplicas != 3 {
			l.t.Errorf("HPA %s minReplicas = %d, want 3", color, h.Spec.MinReplicas)
		}
	}
	l.hpaOwnedByPulumi()
}

// 6. The nightly drift check (the Jenkinsfile's `pulumi preview --refresh
// --expect-no-changes`) goes red after a manual kubectl edit and names it;
// `pulumi up --refresh` puts the object back and the check goes green.
func (l *lifecycle) drift() {
	check := func() (string, error) {
		return l.eng.Command(l.ctx, "preview", "--refresh", "--expect-no-changes", "--diff", "--non-interactive", "--stack", stackName)
	}
	if out, err := check(); err != nil {
		l.t.Fatalf("the drift check fails before any edit: %v\n%s", err, tail(out, 40))
	}
	if _, err := cluster.Kubectl(l.ctx, "patch", "pdb", stack.DeploymentName("blue"), "-n", stack.AppNamespace, "--type", "merge", "-p", `{"spec":{"maxUnavailable":2}}`); err != nil {
		l.t.Fatal(err)
	}
	out, err := check()
	if err == nil {
		l.t.Fatalf("the drift check passed after a manual kubectl edit of the PodDisruptionBudget:\n%s", tail(out, 40))
	}
	if !strings.Contains(out, "maxUnavailable") {
		l.t.Errorf("the drift check failed without naming the edited field:\n%s", tail(out, 60))
	}
	l.up("up-heal-drift", optup.Refresh())
	var pdb struct {
		Spec struct {
			MaxUnavailable int `json:"maxUnavailable"`
		} `json:"spec"`
	}
	if err := cluster.GetJSON(l.ctx, &pdb, "pdb", stack.DeploymentName("blue"), "-n", stack.AppNamespace); err != nil {
		l.t.Fatal(err)
	}
	if pdb.Spec.MaxUnavailable != 1 {
		l.t.Errorf("after up --refresh the PDB's maxUnavailable = %d, want 1", pdb.Spec.MaxUnavailable)
	}
	if out, err := check(); err != nil {
		l.t.Errorf("the drift check still fails after up --refresh: %v\n%s", err, tail(out, 40))
	}
}

// 6. destroy removes everything it created, with the controller manager
// running (foreground deletion waits on its garbage collector).
func (l *lifecycle) destroy() {
	if _, err := l.st.Destroy(l.ctx, optdestroy.ProgressStreams(l.logFile("destroy"))); err != nil {
		l.t.Fatalf("pulumi destroy: %v", err)
	}
	err := Eventually(l.ctx, 2*time.Minute, func() error {
		out, err := cluster.Kubectl(l.ctx, "get", "namespace", stack.AppNamespace, "--ignore-not-found", "-o", "name")
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) != "" {
			return fmt.Errorf("namespace %s still exists", stack.AppNamespace)
		}
		return nil
	})
	if err != nil {
		l.t.Error(err)
	}
	out, err := cluster.Kubectl(l.ctx, "get", "configmaps,secrets,services,deployments", "-A", "-l", "app="+stack.AppName, "-o", "name")
	if err != nil {
		l.t.Fatal(err)
	}
	if strings.TrimSpace(out) != "" {
		l.t.Errorf("objects left after destroy:\n%s", out)
	}
	if out, err := cluster.Kubectl(l.ctx, "get", "configmaps", "-A", "-l", "grafana_dashboard=1", "-o", "name"); err != nil || strings.TrimSpace(out) != "" {
		l.t.Errorf("dashboard ConfigMaps left after destroy: %v %s", err, out)
	}
}
