package release_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/flashscale/flashscale/service/release"
	"github.com/flashscale/flashscale/service/smoke"
	"github.com/flashscale/flashscale/service/smoke/smoketest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	smoketest.Cleanup()
	os.Exit(code)
}

// The stand-in pulumi keeps each stack's config in <dir>/<stack>.config
// (key=value lines) and, on `up`, copies it to <stack>.applied: what the
// "cluster" now runs; each colour's HPA minimum becomes its
// <colour>MinReplicas, or hpaMinReplicas (hpa-<colour>.base) without one,
// as the infra program applies it. It appends every call to calls.log.
// Setting <dir>/fail-up to N makes the N-th `up` fail. `refresh` of the
// Ingress makes siteUrl the address in ingress-url, as the next `up` would.
const pulumiStandIn = `#!/bin/sh
d='@DIR@'
echo "pulumi $*" >> "$d/calls.log"
stack= prev=
for a in "$@"; do
	[ "$prev" = --stack ] && stack=$a
	prev=$a
done
[ -n "$stack" ] || { echo "error: no stack selected" >&2; exit 255; }
conf="$d/$stack.config"
case "$1 $2" in
"config get")
	key=${3#flashscale:}
	line=$(grep "^$key=" "$conf") || { echo "error: configuration key 'flashscale:$key' not found for stack '$stack'" >&2; exit 255; }
	echo "${line#*=}" ;;
"config set")
	key=${3#flashscale:}
	grep -v "^$key=" "$conf" > "$conf.tmp" || true
	echo "$key=$4" >> "$conf.tmp"
	mv "$conf.tmp" "$conf" ;;
"config rm")
	key=${3#flashscale:}
	grep -v "^$key=" "$conf" > "$conf.tmp" || true
	mv "$conf.tmp" "$conf" ;;
"stack output")
	case "$3" in
	siteUrl) cat "$d/siteUrl" ;;
	ingressUrn) echo 'urn:pulumi:dev::flashscale::flashscale:infra:ClusterLayer$flashscale:infra:Traffic$kubernetes:networking.k8s.io/v1:Ingress::flashscale-traffic-ingress' ;;
	kubeconfig) echo '{"apiVersion": "v1", "kind": "Config", "clusters": []}' ;;
	*) echo "error: current stack does not have output property '$3'" >&2; exit 255 ;;
	esac ;;
"refresh --target")
	[ -f "$d/ingress-url" ] && cp "$d/ingress-url" "$d/siteUrl"
	echo "Refreshing ($stack): 1 unchanged" ;;
"up --yes")
	n=$(( $(cat "$d/ups" 2>/dev/null || echo 0) + 1 ))
	echo $n > "$d/ups"
	echo "Updating ($stack):"
	if [ "$n" = "$(cat "$d/fail-up" 2>/dev/null)" ]; then echo "error: update failed (stand-in)" >&2; exit 255; fi
	cp "$conf" "$d/$stack.applied"
	for c in blue green; do
		floor=$(sed -n "s/^${c}MinReplicas=//p" "$d/$stack.applied")
		echo "${floor:-$(cat "$d/hpa-$c.base")}" > "$d/hpa-$c.min"
	done
	echo "Resources: 2 changed" ;;
*)
	echo "stand-in pulumi: unsupported: $*" >&2; exit 2 ;;
esac
`

// The stand-in kubectl serves the colours' HPAs and Deployments from files
// (hpa-<colour>.min/.max/.current) and the Ingress's load balancer address
// from ingress-host (none while the file is missing, or until
// ingress-after gets requests). A Deployment's ready pods follow the HPA
// floor at once, unless stuck-<colour> exists. It only reads: any write is
// refused, as the release must change nothing behind Pulumi's back.
const kubectlStandIn = `#!/bin/sh
d='@DIR@'
kc=none
grep -q '"kind": "Config"' "${KUBECONFIG:-/nonexistent}" 2>/dev/null && kc=stack && echo "$KUBECONFIG" > "$d/kubeconfig-path"
echo "kubectl $* [kubeconfig=$kc]" >> "$d/calls.log"
name=$3
c=${name#flashscale-}
case "$1 $2" in
"get hpa")
	printf '{"metadata": {"name": "%s"}, "spec": {"minReplicas": %s, "maxReplicas": %s}, "status": {"currentReplicas": %s}}\n' \
		"$name" "$(cat "$d/hpa-$c.min")" "$(cat "$d/hpa-$c.max")" "$(cat "$d/hpa-$c.current")" ;;
"get deployment")
	min=$(cat "$d/hpa-$c.min") cur=$(cat "$d/hpa-$c.current")
	ready=$(( min > cur ? min : cur ))
	[ -f "$d/stuck-$c" ] && ready=$cur
	printf '{"status": {"readyReplicas": %s}}\n' "$ready" ;;
"get ingress")
	n=$(( $(cat "$d/ingress-gets" 2>/dev/null || echo 0) + 1 ))
	echo $n > "$d/ingress-gets"
	lb=
	if [ -f "$d/ingress-host" ] && [ "$n" -ge "$(cat "$d/ingress-after" 2>/dev/null || echo 1)" ]; then
		lb="{\"hostname\": \"$(cat "$d/ingress-host")\"}"
	fi
	printf '{"metadata": {"name": "%s", "annotations": {"alb.ingress.kubernetes.io/listen-ports": "[{\\"HTTP\\":80}]"}}, "status": {"loadBalancer": {"ingress": [%s]}}}\n' "$name" "$lb" ;;
*)
	echo "stand-in kubectl: refused: $*" >&2; exit 1 ;;
esac
`

// world is a stack, its stand-in tools and a load balancer in front of real
// flashscale servers. Like the ALB, the balancer routes by the applied
// activeColor, and requests with the preview header to the other colour;
// like the cluster, each colour runs the version last applied.
type world struct {
	t   *testing.T
	dir string
	bin string
	lb  *httptest.Server

	mu       sync.Mutex
	backends map[string]*smoketest.Server // "colour version"
	// brokenLive makes live traffic to this colour fail (502), as when the
	// new colour cannot take real traffic although its preview passed.
	brokenLive atomic.Value
}

func newWorld(t *testing.T, config map[string]string) *world {
	w := &world{t: t, dir: t.TempDir(), bin: smoketest.Binary(t), backends: map[string]*smoketest.Server{}}
	w.brokenLive.Store("")
	for name, script := range map[string]string{"pulumi": pulumiStandIn, "kubectl": kubectlStandIn} {
		s := strings.ReplaceAll(script, "@DIR@", w.dir)
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(s), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", w.dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var conf strings.Builder
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&conf, "%s=%s\n", k, config[k])
	}
	w.write("dev.config", conf.String())
	w.write("dev.applied", conf.String())
	for file, v := range map[string]string{
		"hpa-blue.base": "2", "hpa-blue.min": "2", "hpa-blue.max": "10", "hpa-blue.current": "6",
		"hpa-green.base": "2", "hpa-green.min": "2", "hpa-green.max": "10", "hpa-green.current": "2",
	} {
		w.write(file, v)
	}
	w.lb = httptest.NewServer(http.HandlerFunc(w.route))
	t.Cleanup(w.lb.Close)
	w.write("siteUrl", w.lb.URL)
	return w
}

func (w *world) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) read(name string) string {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, name))
	if err != nil {
		w.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func (w *world) config(file string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(w.read(file), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

func (w *world) logCall(format string, args ...any) {
	f, err := os.OpenFile(filepath.Join(w.dir, "calls.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, format+"\n", args...)
}

func (w *world) route(rw http.ResponseWriter, r *http.Request) {
	applied := w.config("dev.applied")
	preview := r.Header.Get(smoke.PreviewHeader) == "true"
	color := applied["activeColor"]
	if preview {
		color = release.Other(color)
	}
	version := applied[color+"Version"]
	status := ""
	switch {
	case strings.Contains(version, "broken"):
		status = "503" // its pods never become ready: no healthy targets
	case !preview && w.brokenLive.Load() == color:
		status = "502"
	}
	if r.URL.Path == "/api/build-info" {
		w.logCall("lb build-info preview=%v -> %s %s %s", preview, color, version, status)
	}
	if status != "" {
		http.Error(rw, "no healthy targets", map[string]int{"502": 502, "503": 503}[status])
		return
	}
	key := color + " " + version
	w.mu.Lock()
	s := w.backends[key]
	if s == nil {
		var err error
		s, err = smoketest.StartCmdE(w.t, w.bin, nil, "DEPLOY_COLOR="+color, "APP_VERSION="+version)
		if err != nil {
			w.mu.Unlock()
			http.Error(rw, err.Error(), http.StatusBadGateway)
			return
		}
		w.backends[key] = s
	}
	w.mu.Unlock()
	u, _ := url.Parse(s.URL)
	httputil.NewSingleHostReverseProxy(u).ServeHTTP(rw, r)
}

func (w *world) calls() []string {
	return strings.Split(w.read("calls.log"), "\n")
}

// run invokes flashscale-release in-process; pulumi and kubectl resolve to
// the stand-ins through PATH.
func (w *world) run(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = release.Main(args, &o, &e)
	w.t.Logf("flashscale-release %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, &o, &e)
	return code, o.String(), e.String()
}

// inOrder asserts that each pattern matches a call after the previous
// pattern's match, and returns the matched indexes.
func inOrder(t *testing.T, calls []string, patterns ...string) []int {
	t.Helper()
	var idx []int
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile(p)
		for i < len(calls) && !re.MatchString(calls[i]) {
			i++
		}
		if i == len(calls) {
			t.Fatalf("no call matching %q after %v; calls:\n%s", p, idx, strings.Join(calls, "\n"))
		}
		idx = append(idx, i)
		i++
	}
	return idx
}

func count(calls []string, pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for _, c := range calls {
		if re.MatchString(c) {
			n++
		}
	}
	return n
}

func first(calls []string, pattern string) int {
	re := regexp.MustCompile(pattern)
	for i, c := range calls {
		if re.MatchString(c) {
			return i
		}
	}
	return len(calls)
}

var blueLive = map[string]string{"activeColor": "blue", "blueVersion": "1.0.0-aaaaaaa", "greenVersion": "0.9.0-0000000"}

// fast keeps the waits of a test run short; the defaults are for AWS.
var fast = []string{"--smoke-timeout", "8s", "--live-consecutive", "2", "--settle", "0s", "--poll", "50ms"}

func deployArgs(w *world, version string, extra ...string) []string {
	args := append([]string{"deploy", "--stack", "dev", "--version", version, "--url", w.lb.URL}, fast...)
	return append(args, extra...)
}

func TestDeployFlipsAfterIdleSmokeAndScaling(t *testing.T) {
	w := newWorld(t, blueLive)
	code, stdout, stderr := w.run(deployArgs(w, "1.1.0-bbbbbbb")...)
	if code != 0 {
		t.Fatalf("deploy exit %d: %s", code, stderr)
	}
	calls := w.calls()
	idx := inOrder(t, calls,
		`^pulumi config get activeColor --stack dev$`,
		`^pulumi config set greenVersion 1.1.0-bbbbbbb --stack dev$`,
		`^pulumi up --yes --non-interactive --stack dev$`,
		`^lb build-info preview=true -> green 1.1.0-bbbbbbb $`,
		`^pulumi stack output kubeconfig --show-secrets --stack dev$`,
		`^kubectl get hpa flashscale-blue -o json --namespace flashscale \[kubeconfig=stack\]$`,
		`^kubectl get hpa flashscale-green -o json`,
		// The floor is stack config, applied by Pulumi: one field manager.
		`^pulumi config set greenMinReplicas 6 --stack dev$`,
		`^pulumi up --yes --non-interactive --stack dev$`,
		`^kubectl get deployment flashscale-green -o json`,
		`^pulumi config set activeColor green --stack dev$`,
		`^pulumi up --yes`,
		`^lb build-info preview=false -> green 1.1.0-bbbbbbb $`,
		`^pulumi config rm greenMinReplicas --stack dev$`,
		`^pulumi up --yes --non-interactive --stack dev$`,
	)
	if f := first(calls, `preview=false -> green`); f < idx[11] {
		t.Errorf("live traffic reached green (call %d) before the flip was applied (call %d)", f, idx[11])
	}
	if n := count(calls, `^pulumi up`); n != 4 {
		t.Errorf("%d pulumi up calls, want 4 (roll out, floor, flip, floor back)", n)
	}
	assertReadOnlyKubectl(t, calls)
	if n := count(calls, `config set blueVersion`); n != 0 {
		t.Errorf("the live colour's version was changed")
	}
	got := w.config("dev.config")
	if got["activeColor"] != "green" || got["greenVersion"] != "1.1.0-bbbbbbb" || got["blueVersion"] != "1.0.0-aaaaaaa" {
		t.Errorf("stack config after deploy = %v", got)
	}
	assertNoFloor(t, w)
	if _, err := os.Stat(w.read("kubeconfig-path")); !os.IsNotExist(err) {
		t.Errorf("the kubeconfig written from the stack output was left behind: %v", err)
	}
	for _, want := range []string{"PASS  build-info  color=green version=1.1.0-bbbbbbb", "done: green is live with 1.1.0-bbbbbbb"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// assertReadOnlyKubectl: every change goes through Pulumi, so no kubectl
// call may write (the HPA would get a second field manager and the next
// `pulumi up` a server-side-apply conflict).
func assertReadOnlyKubectl(t *testing.T, calls []string) {
	t.Helper()
	for _, c := range calls {
		if strings.HasPrefix(c, "kubectl ") && !strings.HasPrefix(c, "kubectl get ") {
			t.Errorf("kubectl wrote to the cluster: %s", c)
		}
	}
}

// assertNoFloor: after a release both floors are gone from the stack config
// and from what was applied, and the HPAs are back at hpaMinReplicas.
func assertNoFloor(t *testing.T, w *world) {
	t.Helper()
	for _, file := range []string{"dev.config", "dev.applied"} {
		for k, v := range w.config(file) {
			if strings.HasSuffix(k, "MinReplicas") {
				t.Errorf("%s still holds %s=%s", file, k, v)
			}
		}
	}
	for _, c := range []string{"blue", "green"} {
		if m := w.read("hpa-" + c + ".min"); m != "2" {
			t.Errorf("%s HPA minimum is %s after the release, want its normal 2", c, m)
		}
	}
}

func TestFailedIdleSmokeNeverFlips(t *testing.T) {
	w := newWorld(t, blueLive)
	code, stdout, stderr := w.run(deployArgs(w, "1.2.0-broken", "--smoke-timeout", "2s")...)
	if code != 1 {
		t.Fatalf("deploy of a broken version exit %d, want 1", code)
	}
	if !strings.Contains(stderr, "idle smoke failed, not flipping; traffic stays on blue") {
		t.Errorf("stderr does not say why: %s", stderr)
	}
	if !strings.Contains(stdout, "FAIL  readiness") {
		t.Errorf("the smoke report is not in the log:\n%s", stdout)
	}
	calls := w.calls()
	inOrder(t, calls, `^pulumi config set greenVersion 1.2.0-broken`, `^pulumi up`, `preview=true -> green 1.2.0-broken 503`)
	for _, never := range []string{`config set activeColor`, `MinReplicas`, `preview=false -> green`} {
		if n := count(calls, never); n != 0 {
			t.Errorf("%d calls matching %q after a failed idle smoke", n, never)
		}
	}
	if n := count(calls, `^pulumi up`); n != 1 {
		t.Errorf("%d pulumi up calls, want 1", n)
	}
	if got := w.config("dev.config"); got["activeColor"] != "blue" {
		t.Errorf("activeColor = %q, want blue", got["activeColor"])
	}
}

func TestRollbackAfterFlip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*world)
		why   string
	}{
		// The first up rolls out, the second raises the floor, the third flips.
		{"flip apply fails", func(w *world) { w.write("fail-up", "3") }, "update failed"},
		{"live smoke fails", func(w *world) { w.brokenLive.Store("green") }, "smoke of green 1.1.0-bbbbbbb failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, blueLive)
			tc.setup(w)
			code, _, stderr := w.run(deployArgs(w, "1.1.0-bbbbbbb", "--smoke-timeout", "3s")...)
			if code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, "failed after the flip, rolled back to blue 1.0.0-aaaaaaa") || !strings.Contains(stderr, tc.why) {
				t.Errorf("stderr does not report the rollback and %q: %s", tc.why, stderr)
			}
			calls := w.calls()
			inOrder(t, calls,
				`^lb build-info preview=true -> green 1.1.0-bbbbbbb $`,
				`^pulumi config set greenMinReplicas 6 `,
				`^pulumi up`,
				`^pulumi config set activeColor green`,
				`^pulumi up`,
				`^pulumi config set activeColor blue`,
				// The floor goes in the same up as the flip back.
				`^pulumi config rm greenMinReplicas `,
				`^pulumi up`,
				`^lb build-info preview=false -> blue 1.0.0-aaaaaaa ?$`, // the log's last line: trimmed
			)
			assertReadOnlyKubectl(t, calls)
			if got := w.config("dev.applied"); got["activeColor"] != "blue" {
				t.Errorf("applied activeColor = %q, want blue after the rollback", got["activeColor"])
			}
			assertNoFloor(t, w)
		})
	}
}

func TestScaleTimeoutNeverFlips(t *testing.T) {
	w := newWorld(t, blueLive)
	w.write("stuck-green", "")
	code, _, stderr := w.run(deployArgs(w, "1.1.0-bbbbbbb", "--scale-timeout", "500ms")...)
	if code != 1 || !strings.Contains(stderr, "6 ready pods of flashscale-green not reached") || !strings.Contains(stderr, "not flipping") {
		t.Fatalf("exit %d, stderr %s; want a scaling failure without flip", code, stderr)
	}
	calls := w.calls()
	if n := count(calls, `config set activeColor`); n != 0 {
		t.Error("flipped although the idle colour never reached the live colour's size")
	}
	inOrder(t, calls, `^pulumi config set greenMinReplicas 6 `, `^pulumi up`, `^pulumi config rm greenMinReplicas `, `^pulumi up`)
	assertNoFloor(t, w)
}

func TestInterruptedReleaseFloorIsRemoved(t *testing.T) {
	// An earlier release died with green's floor raised to 6 and a floor
	// left on blue: the next release sizes green from blue's replicas and
	// leaves no floor behind on either colour.
	cfg := map[string]string{"greenMinReplicas": "6", "blueMinReplicas": "3"}
	for k, v := range blueLive {
		cfg[k] = v
	}
	w := newWorld(t, cfg)
	w.write("hpa-green.min", "6")
	w.write("hpa-blue.min", "3")
	w.write("hpa-blue.current", "8")
	if code, _, stderr := w.run(deployArgs(w, "1.1.0-bbbbbbb")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	inOrder(t, w.calls(),
		`^pulumi config set greenMinReplicas 8 `,
		`^pulumi config set activeColor green`,
		`^pulumi config rm blueMinReplicas `,
		`^pulumi config rm greenMinReplicas `,
		`^pulumi up`)
	assertNoFloor(t, w)
}

// TestPendingSiteURL: on a first deploy the stack output siteUrl may still
// be "pending" (the Ingress was saved before the ALB had an address). The
// release waits for the address on the Ingress itself, smokes that, and
// refreshes the Ingress so the next `pulumi up` exports the real siteUrl.
func TestPendingSiteURL(t *testing.T) {
	w := newWorld(t, blueLive)
	host := strings.TrimPrefix(w.lb.URL, "http://")
	w.write("siteUrl", "pending: the ALB has no address yet")
	w.write("ingress-host", host)
	w.write("ingress-after", "3") // the controller writes it after two polls
	w.write("ingress-url", w.lb.URL)
	args := []string{"deploy", "--stack", "dev", "--version", "1.1.0-bbbbbbb"}
	if code, _, stderr := w.run(append(args, fast...)...); code != 0 {
		t.Fatalf("deploy exit %d: %s", code, stderr)
	}
	calls := w.calls()
	inOrder(t, calls,
		`^pulumi up`,
		`^pulumi stack output siteUrl --stack dev$`,
		`^kubectl get ingress flashscale -o json --namespace flashscale`,
		`^kubectl get ingress flashscale -o json`,
		`^kubectl get ingress flashscale -o json`,
		`^pulumi stack output ingressUrn --stack dev$`,
		`^pulumi refresh --target urn:pulumi:dev::flashscale::.*Ingress::flashscale-traffic-ingress --yes --non-interactive --stack dev$`,
		`^lb build-info preview=true -> green 1.1.0-bbbbbbb $`,
		`^lb build-info preview=false -> green 1.1.0-bbbbbbb $`,
	)
	if n := count(calls, `^pulumi refresh`); n != 1 {
		t.Errorf("%d refreshes, want 1 (the URL is resolved once per run)", n)
	}
	if got := w.read("siteUrl"); got != w.lb.URL {
		t.Errorf("siteUrl after the release = %q, want the ALB's address", got)
	}
}

func TestPendingSiteURLTimesOut(t *testing.T) {
	w := newWorld(t, blueLive)
	w.write("siteUrl", "pending: the ALB has no address yet")
	args := append([]string{"deploy", "--stack", "dev", "--version", "1.1.0-bbbbbbb", "--address-timeout", "300ms"}, fast...)
	code, _, stderr := w.run(args...)
	if code != 1 || !strings.Contains(stderr, "has no address after 300ms") {
		t.Fatalf("exit %d stderr %q; want a clear address timeout", code, stderr)
	}
	if n := count(w.calls(), `^lb `); n != 0 {
		t.Errorf("smoked %d times without an address", n)
	}
}

func TestRollbackCommandFlipsOnly(t *testing.T) {
	w := newWorld(t, map[string]string{"activeColor": "green", "blueVersion": "1.0.0-aaaaaaa", "greenVersion": "1.1.0-bbbbbbb"})
	code, _, stderr := w.run("rollback", "--stack", "dev", "--smoke-timeout", "8s", "--live-consecutive", "2")
	if code != 0 {
		t.Fatalf("rollback exit %d: %s", code, stderr)
	}
	calls := w.calls()
	inOrder(t, calls,
		`^pulumi config get activeColor`,
		`^pulumi config set activeColor blue --stack dev$`,
		`^pulumi up`,
		`^pulumi stack output siteUrl --stack dev$`,
		`^lb build-info preview=false -> blue 1.0.0-aaaaaaa $`)
	if n := count(calls, `config set (blue|green)Version`); n != 0 {
		t.Errorf("rollback changed a version")
	}
	if n := count(calls, `^kubectl`); n != 0 {
		t.Errorf("rollback called kubectl %d times without --min-replicas-from-live", n)
	}
	if got := w.config("dev.config"); got["activeColor"] != "blue" || got["greenVersion"] != "1.1.0-bbbbbbb" {
		t.Errorf("config after rollback = %v", got)
	}
}

func TestStatus(t *testing.T) {
	w := newWorld(t, blueLive)
	code, stdout, stderr := w.run("status", "--stack", "dev")
	if code != 0 {
		t.Fatalf("status exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`(?m)^stack dev: blue is live$`,
		`(?m)^  blue +1\.0\.0-aaaaaaa +live$`,
		`(?m)^  green +0\.9\.0-0000000 +idle \(preview route: X-Flashscale-Preview: true\)$`,
		`(?m)^site ` + regexp.QuoteMeta(w.lb.URL) + `$`,
		`(?m)^  live route +answers color=blue version=1\.0\.0-aaaaaaa commit=`,
		`(?m)^  preview route +answers color=green version=0\.9\.0-0000000 commit=`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("status output lacks %s:\n%s", want, stdout)
		}
	}
	if n := count(w.calls(), `config set|^pulumi up|^kubectl`); n != 0 {
		t.Errorf("status changed something: %d calls", n)
	}
}

func TestUsageAndBadConfig(t *testing.T) {
	w := newWorld(t, map[string]string{"activeColor": "purple", "blueVersion": "1", "greenVersion": "2"})
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: flashscale-release"},
		{[]string{"promote"}, 2, `unknown command "promote"`},
		{[]string{"deploy", "--stack", "dev"}, 2, "--version"},
		{[]string{"deploy", "--stack", "dev", "--version", "bad tag!"}, 1, "is not an image tag"},
		{[]string{"status", "--stack", "dev"}, 1, `activeColor is "purple", want blue or green`},
	} {
		code, _, stderr := w.run(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestStatusOnlyReads: with siteUrl still pending, status says so and
// neither waits for the load balancer nor refreshes the stack.
func TestStatusOnlyReads(t *testing.T) {
	w := newWorld(t, blueLive)
	w.write("siteUrl", "pending: the ALB has no address yet")
	code, stdout, stderr := w.run("status", "--stack", "dev")
	if code != 0 || !strings.Contains(stdout, `site: unknown (stack output siteUrl is "pending: the ALB has no address yet")`) {
		t.Fatalf("status exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	if n := count(w.calls(), `^kubectl|^pulumi refresh|config set|^pulumi up`); n != 0 {
		t.Errorf("status changed or waited on something: %d calls", n)
	}
}
