// Package release is FlashScale's blue/green release sequence: the one
// tested place that decides what happens, in which order, and what is
// undone when a step fails. Jenkins only calls it.
//
// A deploy never changes the live colour's version. It rolls the new image
// out on the idle colour, smokes it through the load balancer's preview
// route, scales it to the live colour's current size, flips activeColor,
// smokes the live site, and on any failure after the flip flips back.
// Pulumi (the stack's config file, committed to git) stays the record of
// which colour is live and what each colour runs.
package release

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flashscale/flashscale/service/smoke"
)

// Colours.
const (
	Blue  = "blue"
	Green = "green"
)

// IngressName is the FlashScale Ingress (infra/stack).
const IngressName = "flashscale"

// Other returns the colour that is not c.
func Other(c string) string {
	if c == Blue {
		return Green
	}
	return Blue
}

// FloorKey is the stack config key that raises a colour's HPA minimum
// above hpaMinReplicas while a release needs it. The release sets it and
// applies it with `pulumi up`, then removes it: the HPA has one field
// manager, Pulumi, so no later `pulumi up` meets a server-side-apply
// conflict over minReplicas.
func FloorKey(color string) string { return color + "MinReplicas" }

// tagRe is a valid OCI tag; versions are image tags.
var tagRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// Options configure a release run.
type Options struct {
	Stack   string // Pulumi stack, e.g. dev
	Version string // image tag to deploy (deploy only)
	// URL is the site; empty reads the stack output siteUrl.
	URL string
	// Dir is the Pulumi project directory (where Pulumi.yaml is).
	Dir string
	// Namespace of the colour Deployments and HPAs.
	Namespace string
	// ScaleFromLive raises the target colour's HPA minimum to the live
	// colour's current replicas before it takes traffic.
	ScaleFromLive bool
	// Kubeconfig for kubectl; empty takes the stack output kubeconfig.
	Kubeconfig string
	// SmokeTimeout bounds each smoke run; ScaleTimeout the wait for the
	// scaled colour's pods; Settle is how long the raised minimum stays
	// after a successful flip; AddressTimeout the wait for the load
	// balancer's address on a first deploy.
	SmokeTimeout, ScaleTimeout, Settle, AddressTimeout time.Duration
	// LiveConsecutive is how many smoke rounds in a row must see the new
	// colour on the live route.
	LiveConsecutive int
	// PollInterval paces the wait for scaled pods.
	PollInterval time.Duration
	// Out receives the step log, command lines and smoke reports.
	Out io.Writer
}

func (o *Options) defaults() {
	if o.Namespace == "" {
		o.Namespace = "flashscale"
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	if o.SmokeTimeout <= 0 {
		o.SmokeTimeout = 5 * time.Minute
	}
	if o.ScaleTimeout <= 0 {
		o.ScaleTimeout = 10 * time.Minute
	}
	if o.AddressTimeout <= 0 {
		o.AddressTimeout = 10 * time.Minute
	}
	if o.LiveConsecutive < 1 {
		o.LiveConsecutive = 3
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// run is one invocation: its options, step counter and temporary files.
type run struct {
	o        Options
	step     int
	kubeconf string // temporary kubeconfig written from the stack output
	url      string // the site, once known
}

func newRun(o Options) (*run, error) {
	o.defaults()
	if o.Stack == "" {
		return nil, errors.New("--stack is required")
	}
	return &run{o: o}, nil
}

func (r *run) close() {
	if r.kubeconf != "" {
		_ = os.Remove(r.kubeconf)
	}
}

func (r *run) stepf(format string, args ...any) {
	r.step++
	fmt.Fprintf(r.o.Out, "\n==> [%d] %s\n", r.step, fmt.Sprintf(format, args...))
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.o.Out, "    %s\n", fmt.Sprintf(format, args...))
}

// command runs name with args in the project directory. With stream the
// output goes to the log (pulumi up is long and its diff belongs in the
// build log); otherwise stdout is returned and stderr joins the error.
func (r *run) command(ctx context.Context, stream bool, env []string, name string, args ...string) (string, error) {
	fmt.Fprintf(r.o.Out, "    $ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = r.o.Dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	if stream {
		// The log gets everything; the error keeps stderr for the summary.
		cmd.Stdout, cmd.Stderr = r.o.Out, io.MultiWriter(r.o.Out, &stderr)
	} else {
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
	}
	if err := cmd.Run(); err != nil {
		what := name + " " + strings.Join(args[:min(3, len(args))], " ")
		if msg := lastLines(stderr.String(), 5); msg != "" {
			return "", fmt.Errorf("%s: %w: %s", what, err, msg)
		}
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// lastLines is the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

func (r *run) pulumi(ctx context.Context, args ...string) (string, error) {
	return r.command(ctx, false, nil, "pulumi", append(args, "--stack", r.o.Stack)...)
}

func (r *run) configGet(ctx context.Context, key string) (string, error) {
	return r.pulumi(ctx, "config", "get", key)
}

func (r *run) configSet(ctx context.Context, key, value string) error {
	_, err := r.pulumi(ctx, "config", "set", key, value)
	return err
}

// configIsSet tells whether a key is set in the stack config.
func (r *run) configIsSet(ctx context.Context, key string) (bool, error) {
	_, err := r.configGet(ctx, key)
	if err == nil {
		return true, nil
	}
	if strings.Contains(err.Error(), "not found") {
		return false, nil
	}
	return false, err
}

func (r *run) configRm(ctx context.Context, key string) error {
	_, err := r.pulumi(ctx, "config", "rm", key)
	return err
}

func (r *run) up(ctx context.Context) error {
	_, err := r.command(ctx, true, nil, "pulumi", "up", "--yes", "--non-interactive", "--stack", r.o.Stack)
	return err
}

// activeColor reads the live colour from the stack config. It must be set
// explicitly: the release never guesses which colour serves shoppers.
func (r *run) activeColor(ctx context.Context) (string, error) {
	c, err := r.configGet(ctx, "activeColor")
	if err != nil {
		return "", fmt.Errorf("reading activeColor of stack %s (set it with `pulumi config set activeColor blue --stack %s`): %w",
			r.o.Stack, r.o.Stack, err)
	}
	if c != Blue && c != Green {
		return "", fmt.Errorf("stack %s: activeColor is %q, want blue or green", r.o.Stack, c)
	}
	return c, nil
}

// siteURL is the --url option, or the stack output siteUrl once it holds
// an address. On a first deploy the Ingress may have been saved before the
// load balancer controller wrote its address ("pending: ..."): then the
// address is read from the Ingress itself, and the Ingress is refreshed so
// the next `pulumi up` exports it. A smoke test never sees "pending".
func (r *run) siteURL(ctx context.Context) (string, error) {
	return r.site(ctx, true)
}

// site is siteURL; without resolve a pending address is an error (status
// only reads, it neither waits nor refreshes).
func (r *run) site(ctx context.Context, resolve bool) (string, error) {
	if r.o.URL != "" {
		return r.o.URL, nil
	}
	if r.url != "" {
		return r.url, nil
	}
	u, err := r.pulumi(ctx, "stack", "output", "siteUrl")
	if err != nil {
		return "", fmt.Errorf("no --url and no stack output siteUrl: %w", err)
	}
	if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		r.url = u
		return u, nil
	}
	if !resolve {
		return "", fmt.Errorf("stack output siteUrl is %q", u)
	}
	r.logf("stack output siteUrl is %q: reading the address from the Ingress", u)
	u, err = r.ingressAddress(ctx)
	if err != nil {
		return "", err
	}
	r.url = u
	if urn, err := r.pulumi(ctx, "stack", "output", "ingressUrn"); err != nil || urn == "" {
		r.logf("WARNING: no stack output ingressUrn (%v): siteUrl stays pending until `pulumi refresh`", err)
	} else if _, err := r.command(ctx, true, nil, "pulumi", "refresh", "--target", urn, "--yes", "--non-interactive", "--stack", r.o.Stack); err != nil {
		r.logf("WARNING: refreshing the Ingress failed (siteUrl stays pending until `pulumi refresh`): %v", err)
	}
	return u, nil
}

// ingress is the part of the Ingress the release reads.
type ingress struct {
	Metadata struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Status struct {
		LoadBalancer struct {
			Ingress []struct {
				Hostname string `json:"hostname"`
				IP       string `json:"ip"`
			} `json:"ingress"`
		} `json:"loadBalancer"`
	} `json:"status"`
}

// ingressAddress waits until the load balancer controller has written the
// ALB's address into the Ingress, and builds the site URL from it (https when
// the ALB listens on 443).
func (r *run) ingressAddress(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.AddressTimeout)
	defer cancel()
	for {
		out, err := r.kubectl(ctx, "get", "ingress", IngressName, "-o", "json")
		if err == nil {
			var ing ingress
			if err = json.Unmarshal([]byte(out), &ing); err == nil {
				for _, lb := range ing.Status.LoadBalancer.Ingress {
					host := lb.Hostname
					if host == "" {
						host = lb.IP
					}
					if host == "" {
						continue
					}
					scheme := "http"
					if strings.Contains(ing.Metadata.Annotations["alb.ingress.kubernetes.io/listen-ports"], "HTTPS") {
						scheme = "https"
					}
					r.logf("ingress %s: load balancer %s", IngressName, host)
					return scheme + "://" + host, nil
				}
				r.logf("ingress %s: no load balancer address yet", IngressName)
			}
		}
		if err != nil {
			r.logf("ingress %s: %v", IngressName, err)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the load balancer of ingress %s has no address after %s (is the AWS Load Balancer Controller running? see `kubectl describe ingress %s -n %s`)",
				IngressName, r.o.AddressTimeout, IngressName, r.o.Namespace)
		case <-time.After(r.o.PollInterval):
		}
	}
}

func (r *run) smoke(ctx context.Context, url string, preview bool, color, version string, consecutive int) error {
	rep := smoke.Run(ctx, smoke.Options{URL: url, Preview: preview, ExpectColor: color, ExpectVersion: version,
		Timeout: r.o.SmokeTimeout, Consecutive: consecutive, Progress: r.o.Out})
	_, _ = rep.WriteTo(r.o.Out)
	if !rep.Passed {
		return fmt.Errorf("smoke of %s %s failed: %s", color, version, strings.Join(rep.Failed(), "; "))
	}
	return nil
}

// Deploy releases o.Version: idle colour first, then the flip.
func Deploy(ctx context.Context, o Options) (err error) {
	r, err := newRun(o)
	if err != nil {
		return err
	}
	defer r.close()
	if !tagRe.MatchString(o.Version) {
		return fmt.Errorf("--version %q is not an image tag", o.Version)
	}

	r.stepf("read the live colour of stack %s", r.o.Stack)
	live, err := r.activeColor(ctx)
	if err != nil {
		return err
	}
	idle := Other(live)
	liveVersion, err := r.configGet(ctx, live+"Version")
	if err != nil {
		return err
	}
	r.logf("live: %s runs %s; idle: %s will run %s", live, liveVersion, idle, o.Version)

	r.stepf("set %sVersion = %s", idle, o.Version)
	if err := r.configSet(ctx, idle+"Version", o.Version); err != nil {
		return err
	}
	r.stepf("pulumi up: roll %s out on the idle colour %s (shoppers stay on %s)", o.Version, idle, live)
	if err := r.up(ctx); err != nil {
		return fmt.Errorf("rolling out %s on %s: %w; traffic stays on %s", o.Version, idle, err, live)
	}
	url, err := r.siteURL(ctx)
	if err != nil {
		return err
	}

	r.stepf("smoke the idle colour %s through the preview route", idle)
	if err := r.smoke(ctx, url, true, idle, o.Version, 1); err != nil {
		return fmt.Errorf("idle smoke failed, not flipping; traffic stays on %s: %w", live, err)
	}

	restore := func() {}
	if r.o.ScaleFromLive {
		r.stepf("scale %s up to %s's current replica count before it takes traffic", idle, live)
		restore, err = r.scaleUp(ctx, live, idle)
		if err != nil {
			return fmt.Errorf("scaling %s: %w; not flipping, traffic stays on %s", idle, err, live)
		}
	}

	r.stepf("flip: activeColor = %s", idle)
	err = r.configSet(ctx, "activeColor", idle)
	if err == nil {
		err = r.up(ctx)
	}
	if err == nil {
		r.stepf("smoke the live site: expect %s %s", idle, o.Version)
		err = r.smoke(ctx, url, false, idle, o.Version, r.o.LiveConsecutive)
	}
	if err != nil {
		rbErr := r.flipBack(url, live, liveVersion)
		if rbErr != nil {
			return fmt.Errorf("release of %s failed after the flip (%v) AND THE ROLLBACK FAILED: %v", o.Version, err, rbErr)
		}
		return fmt.Errorf("release of %s failed after the flip, rolled back to %s %s: %w", o.Version, live, liveVersion, err)
	}

	if r.o.ScaleFromLive {
		r.stepf("let the flip settle for %s, then return %s to its normal HPA minimum", r.o.Settle, idle)
		select {
		case <-ctx.Done():
		case <-time.After(r.o.Settle):
		}
		restore()
	}
	r.stepf("done: %s is live with %s; %s (%s) stays idle for a rollback", idle, o.Version, live, liveVersion)
	return nil
}

// flipBack undoes a flip, and any raised floor in the same `pulumi up`. It
// runs on its own context: a cancelled release (Ctrl-C, a Jenkins abort)
// must still put traffic back.
func (r *run) flipBack(url, live, liveVersion string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	r.stepf("ROLL BACK: activeColor = %s", live)
	if err := r.configSet(ctx, "activeColor", live); err != nil {
		return err
	}
	if _, err := r.removeFloors(ctx); err != nil {
		r.logf("WARNING: %v", err)
	}
	if err := r.up(ctx); err != nil {
		return err
	}
	r.stepf("smoke the live site after the rollback: expect %s %s", live, liveVersion)
	return r.smoke(ctx, url, false, live, liveVersion, 1)
}

// Rollback flips traffic to the idle colour, whatever it runs, and checks
// the live site answers with it. It changes no version.
func Rollback(ctx context.Context, o Options) error {
	r, err := newRun(o)
	if err != nil {
		return err
	}
	defer r.close()
	r.stepf("read the live colour of stack %s", r.o.Stack)
	live, err := r.activeColor(ctx)
	if err != nil {
		return err
	}
	target := Other(live)
	version, err := r.configGet(ctx, target+"Version")
	if err != nil {
		return err
	}
	r.logf("live: %s; rolling back to %s, which runs %s", live, target, version)
	restore := func() {}
	if r.o.ScaleFromLive {
		r.stepf("scale %s up to %s's current replica count before it takes traffic", target, live)
		if restore, err = r.scaleUp(ctx, live, target); err != nil {
			return fmt.Errorf("scaling %s: %w; not flipping", target, err)
		}
	}
	r.stepf("flip: activeColor = %s", target)
	if err := r.configSet(ctx, "activeColor", target); err != nil {
		restore()
		return err
	}
	if err := r.up(ctx); err != nil {
		restore()
		return fmt.Errorf("pulumi up after setting activeColor=%s: %w", target, err)
	}
	url, err := r.siteURL(ctx)
	if err == nil {
		r.stepf("smoke the live site: expect %s %s", target, version)
		err = r.smoke(ctx, url, false, target, version, r.o.LiveConsecutive)
	}
	if r.o.ScaleFromLive {
		r.stepf("let the flip settle for %s, then return %s to its normal HPA minimum", r.o.Settle, target)
		select {
		case <-ctx.Done():
		case <-time.After(r.o.Settle):
		}
		restore()
	}
	if err != nil {
		return fmt.Errorf("rolled back to %s %s, but the live site does not confirm it: %w", target, version, err)
	}
	r.stepf("done: %s is live with %s", target, version)
	return nil
}

// Status prints which colour is live and what each runs, and with a site
// URL (option or stack output) what the live and preview routes answer.
func Status(ctx context.Context, o Options, w io.Writer) error {
	o.Out = io.Discard // the command lines would clutter the status
	r, err := newRun(o)
	if err != nil {
		return err
	}
	defer r.close()
	live, err := r.activeColor(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stack %s: %s is live\n", o.Stack, live)
	for _, c := range []string{Blue, Green} {
		v, err := r.configGet(ctx, c+"Version")
		if err != nil {
			v = "(unset)"
		}
		role := "idle (preview route: " + smoke.PreviewHeader + ": true)"
		if c == live {
			role = "live"
		}
		fmt.Fprintf(w, "  %-6s %-24s %s\n", c, v, role)
	}
	url, err := r.site(ctx, false)
	if err != nil {
		fmt.Fprintf(w, "site: unknown (%v)\n", err)
		return nil
	}
	fmt.Fprintf(w, "site %s\n", url)
	for _, route := range []struct {
		name    string
		preview bool
	}{{"live route", false}, {"preview route", true}} {
		bi, err := smoke.FetchBuildInfo(ctx, nil, url, route.preview)
		if err != nil {
			fmt.Fprintf(w, "  %-14s unreachable: %v\n", route.name, err)
			continue
		}
		fmt.Fprintf(w, "  %-14s answers color=%s version=%s commit=%s\n", route.name, bi.Color, bi.Version, bi.Commit)
	}
	return nil
}

// hpa is the part of an autoscaling/v2 HorizontalPodAutoscaler we read.
type hpa struct {
	Spec struct {
		MinReplicas *int32 `json:"minReplicas"`
		MaxReplicas int32  `json:"maxReplicas"`
	} `json:"spec"`
	Status struct {
		CurrentReplicas int32 `json:"currentReplicas"`
	} `json:"status"`
}

func (r *run) kubectl(ctx context.Context, args ...string) (string, error) {
	if r.o.Kubeconfig == "" && r.kubeconf == "" {
		// The stack that built the cluster knows how to reach it; Jenkins
		// needs no kubeconfig of its own, only the AWS credentials it uses.
		kc, err := r.pulumi(ctx, "stack", "output", "kubeconfig", "--show-secrets")
		if err != nil {
			return "", fmt.Errorf("reading the cluster's kubeconfig from the stack (or pass --kubeconfig): %w", err)
		}
		f, err := os.CreateTemp("", "flashscale-kubeconfig-")
		if err != nil {
			return "", err
		}
		r.kubeconf = f.Name()
		_, werr := f.WriteString(kc)
		if err := errors.Join(werr, f.Close()); err != nil {
			return "", err
		}
	}
	kc := r.o.Kubeconfig
	if kc == "" {
		kc = r.kubeconf
	}
	return r.command(ctx, false, []string{"KUBECONFIG=" + kc}, "kubectl", append(args, "--namespace", r.o.Namespace)...)
}

func (r *run) getHPA(ctx context.Context, color string) (hpa, error) {
	var h hpa
	out, err := r.kubectl(ctx, "get", "hpa", "flashscale-"+color, "-o", "json")
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		return h, fmt.Errorf("kubectl get hpa flashscale-%s: %w", color, err)
	}
	return h, nil
}

// removeFloors removes every colour's raised floor from the stack config
// (also one an interrupted release left behind) and reports whether any was
// set; the caller applies it with `pulumi up`.
func (r *run) removeFloors(ctx context.Context) (bool, error) {
	removed := false
	for _, c := range []string{Blue, Green} {
		set, err := r.configIsSet(ctx, FloorKey(c))
		if err != nil {
			return removed, fmt.Errorf("reading %s: %w", FloorKey(c), err)
		}
		if !set {
			continue
		}
		if err := r.configRm(ctx, FloorKey(c)); err != nil {
			return removed, err
		}
		removed = true
	}
	return removed, nil
}

// scaleUp raises target's HPA minimum to the live colour's current
// replica count and waits until that many target pods are ready. Two pods
// cannot take a sale's load the moment the weights flip, and CPU-based
// scaling reacts only after metrics show the overload.
//
// The floor is stack config (FloorKey) applied by `pulumi up`: Pulumi stays
// the HPA's only field manager. The HPA keeps owning the replica count (the
// Deployment never sets it): a higher floor is the one change it honours at
// once. The returned restore removes the floor again with another
// `pulumi up`; by then the new live colour has real CPU metrics, and the
// HPA's scale-down stabilization window keeps it from dropping pods the
// moment the floor goes.
func (r *run) scaleUp(ctx context.Context, live, target string) (restore func(), err error) {
	liveHPA, err := r.getHPA(ctx, live)
	if err != nil {
		return nil, err
	}
	th, err := r.getHPA(ctx, target)
	if err != nil {
		return nil, err
	}
	current := int32(1) // the API's default when minReplicas is unset
	if th.Spec.MinReplicas != nil {
		current = *th.Spec.MinReplicas
	}
	restore = func() { r.restoreFloors() }
	want := liveHPA.Status.CurrentReplicas
	if th.Spec.MaxReplicas > 0 && want > th.Spec.MaxReplicas {
		r.logf("%s runs %d replicas, more than %s's HPA maximum %d: scaling to the maximum", live, want, target, th.Spec.MaxReplicas)
		want = th.Spec.MaxReplicas
	}
	r.logf("%s runs %d replicas; %s's HPA minimum is %d", live, liveHPA.Status.CurrentReplicas, target, current)
	if want <= current {
		r.logf("%s's minimum already covers it: nothing to scale", target)
		return restore, nil
	}
	if err := r.configSet(ctx, FloorKey(target), strconv.Itoa(int(want))); err != nil {
		return nil, err
	}
	r.stepf("pulumi up: raise %s's HPA minimum to %d", target, want)
	if err := r.up(ctx); err != nil {
		restore()
		return nil, fmt.Errorf("raising %s's floor: %w", target, err)
	}
	if err := r.waitReady(ctx, target, want); err != nil {
		restore()
		return nil, err
	}
	return restore, nil
}

// restoreFloors returns both colours to their normal HPA minimum
// (hpaMinReplicas). It runs on its own context, like flipBack.
func (r *run) restoreFloors() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	removed, err := r.removeFloors(ctx)
	if err == nil && removed {
		r.stepf("pulumi up: return the HPA minimums to hpaMinReplicas")
		err = r.up(ctx)
	}
	if err != nil {
		// Not fatal to the release; the next release removes it too.
		r.logf("WARNING: could not remove the raised HPA floor (%s/%s): %v", FloorKey(Blue), FloorKey(Green), err)
	}
}

// waitReady polls the Deployment until want pods are ready. With the load
// balancer controller's readiness gates, ready means registered and
// healthy in the target group, not just started.
func (r *run) waitReady(ctx context.Context, color string, want int32) error {
	ctx, cancel := context.WithTimeout(ctx, r.o.ScaleTimeout)
	defer cancel()
	for {
		out, err := r.kubectl(ctx, "get", "deployment", "flashscale-"+color, "-o", "json")
		if err == nil {
			var d struct {
				Status struct {
					ReadyReplicas int32 `json:"readyReplicas"`
				} `json:"status"`
			}
			if err = json.Unmarshal([]byte(out), &d); err == nil {
				r.logf("deployment flashscale-%s: %d/%d ready", color, d.Status.ReadyReplicas, want)
				if d.Status.ReadyReplicas >= want {
					return nil
				}
			}
		}
		if err != nil {
			r.logf("deployment flashscale-%s: %v", color, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d ready pods of flashscale-%s not reached within %s", want, color, r.o.ScaleTimeout)
		case <-time.After(r.o.PollInterval):
		}
	}
}
