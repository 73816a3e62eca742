package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// albRouter stands in for the AWS load balancer and its controller: for
// every request it reads the FlashScale Ingress from the API server, walks
// its rules in order with the controller's annotation semantics (actions,
// conditions, weighted forwards, fixed responses), resolves the chosen
// Service to its Ready pods and forwards to the process that pod would run:
// the real flashscale binary started with the pod's own environment (its
// colour and version; secret references left out, so each runs on its own
// SQLite store). So what a release smokes is decided by the objects Pulumi
// applied and the readiness the controllers report, as behind a real ALB.
type albRouter struct {
	t         *testing.T
	cp        *ControlPlane
	bin       string // flashscale binary
	dir       string
	namespace string
	ingress   string

	mu       sync.Mutex
	backends map[string]*backend // "<colour>/<version>"
}

type backend struct {
	url  *url.URL
	cmd  *exec.Cmd
	done chan struct{}
}

func newALBRouter(t *testing.T, cp *ControlPlane, bin, namespace, ingress string) *albRouter {
	r := &albRouter{t: t, cp: cp, bin: bin, dir: t.TempDir(), namespace: namespace, ingress: ingress, backends: map[string]*backend{}}
	t.Cleanup(r.stop)
	return r
}

func (r *albRouter) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.backends {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			_ = b.cmd.Process.Kill()
		}
	}
}

// ingressRule is one path of the Ingress, in order.
type ingressRule struct {
	Path, PathType, Service, Port string
}

type ingressObject struct {
	Metadata struct {
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Rules []struct {
			HTTP struct {
				Paths []struct {
					Path     string `json:"path"`
					PathType string `json:"pathType"`
					Backend  struct {
						Service struct {
							Name string `json:"name"`
							Port struct {
								Name   string `json:"name"`
								Number int    `json:"number"`
							} `json:"port"`
						} `json:"service"`
					} `json:"backend"`
				} `json:"paths"`
			} `json:"http"`
		} `json:"rules"`
	} `json:"spec"`
}

// albAction and albCondition are the parts of the controller's annotation
// schema the router acts on; anything else makes it answer 500, so a shape
// it does not understand fails the test instead of passing by accident.
type albAction struct {
	Type          string `json:"type"`
	ForwardConfig *struct {
		TargetGroups []struct {
			ServiceName string `json:"serviceName"`
			ServicePort string `json:"servicePort"`
			Weight      *int   `json:"weight"`
		} `json:"targetGroups"`
	} `json:"forwardConfig"`
	FixedResponseConfig *struct {
		ContentType string `json:"contentType"`
		StatusCode  string `json:"statusCode"`
		MessageBody string `json:"messageBody"`
	} `json:"fixedResponseConfig"`
}

type albCondition struct {
	Field            string `json:"field"`
	HTTPHeaderConfig *struct {
		HTTPHeaderName string   `json:"httpHeaderName"`
		Values         []string `json:"values"`
	} `json:"httpHeaderConfig"`
	SourceIPConfig *struct {
		Values []string `json:"values"`
	} `json:"sourceIpConfig"`
}

const albPrefix = "alb.ingress.kubernetes.io/"

func (r *albRouter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	target, status, body := r.route(req)
	if target == nil {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
		return
	}
	httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, req)
}

// route decides where req goes: a backend URL, or a status and body.
func (r *albRouter) route(req *http.Request) (*url.URL, int, string) {
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	var ing ingressObject
	if err := r.cp.GetJSON(ctx, &ing, "ingress", r.ingress, "-n", r.namespace); err != nil {
		return nil, http.StatusServiceUnavailable, "no ingress: " + err.Error()
	}
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			if !pathMatches(p.PathType, p.Path, req.URL.Path) {
				continue
			}
			svc := p.Backend.Service.Name
			if p.Backend.Service.Port.Name != "use-annotation" {
				return r.forward(ctx, svc)
			}
			if cond, ok := ing.Metadata.Annotations[albPrefix+"conditions."+svc]; ok {
				match, err := conditionsMatch(cond, req)
				if err != nil {
					return nil, http.StatusInternalServerError, "conditions." + svc + ": " + err.Error()
				}
				if !match {
					continue
				}
			}
			raw, ok := ing.Metadata.Annotations[albPrefix+"actions."+svc]
			if !ok {
				return nil, http.StatusInternalServerError, "no action annotation for " + svc
			}
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			var a albAction
			if err := dec.Decode(&a); err != nil {
				return nil, http.StatusInternalServerError, "actions." + svc + ": " + err.Error()
			}
			switch {
			case a.Type == "fixed-response" && a.FixedResponseConfig != nil:
				var code int
				fmt.Sscan(a.FixedResponseConfig.StatusCode, &code)
				return nil, code, a.FixedResponseConfig.MessageBody
			case a.Type == "forward" && a.ForwardConfig != nil:
				total := 0
				for _, tg := range a.ForwardConfig.TargetGroups {
					if tg.Weight == nil {
						return nil, http.StatusInternalServerError, "target group " + tg.ServiceName + " without weight"
					}
					total += *tg.Weight
				}
				if total == 0 {
					return nil, http.StatusServiceUnavailable, "every weight is 0"
				}
				n := rand.IntN(total)
				for _, tg := range a.ForwardConfig.TargetGroups {
					if n -= *tg.Weight; n < 0 {
						return r.forward(ctx, tg.ServiceName)
					}
				}
			}
			return nil, http.StatusInternalServerError, "unsupported action " + raw
		}
	}
	return nil, http.StatusNotFound, "no rule matched"
}

func pathMatches(pathType, path, reqPath string) bool {
	if pathType == "Exact" {
		return reqPath == path
	}
	if path == "/" {
		return true
	}
	return reqPath == path || strings.HasPrefix(reqPath, strings.TrimSuffix(path, "/")+"/")
}

func conditionsMatch(raw string, req *http.Request) (bool, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var conds []albCondition
	if err := dec.Decode(&conds); err != nil {
		return false, err
	}
	for _, c := range conds {
		switch {
		case c.Field == "http-header" && c.HTTPHeaderConfig != nil:
			got := req.Header.Values(c.HTTPHeaderConfig.HTTPHeaderName)
			ok := false
			for _, v := range c.HTTPHeaderConfig.Values {
				for _, g := range got {
					ok = ok || strings.EqualFold(v, g)
				}
			}
			if !ok {
				return false, nil
			}
		case c.Field == "source-ip" && c.SourceIPConfig != nil:
			host, _, err := net.SplitHostPort(req.RemoteAddr)
			if err != nil {
				return false, err
			}
			addr, err := netip.ParseAddr(host)
			if err != nil {
				return false, err
			}
			ok := false
			for _, v := range c.SourceIPConfig.Values {
				p, err := netip.ParsePrefix(v)
				if err != nil {
					return false, err
				}
				ok = ok || p.Contains(addr.Unmap())
			}
			if !ok {
				return false, nil
			}
		default:
			return false, fmt.Errorf("unsupported condition %+v", c)
		}
	}
	return true, nil
}

type podList struct {
	Items []struct {
		Metadata struct {
			Name              string            `json:"name"`
			Labels            map[string]string `json:"labels"`
			DeletionTimestamp *string           `json:"deletionTimestamp"`
		} `json:"metadata"`
		Spec struct {
			Containers []struct {
				Image string `json:"image"`
				Env   []struct {
					Name      string          `json:"name"`
					Value     string          `json:"value"`
					ValueFrom json.RawMessage `json:"valueFrom"`
				} `json:"env"`
			} `json:"containers"`
		} `json:"spec"`
		Status struct {
			Conditions []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
			} `json:"conditions"`
		} `json:"status"`
	} `json:"items"`
}

// forward picks a Ready pod behind the Service and returns its process's URL,
// or 503 when the Service has no Ready pod, as an ALB with no healthy target.
func (r *albRouter) forward(ctx context.Context, service string) (*url.URL, int, string) {
	var svc struct {
		Spec struct {
			Selector map[string]string `json:"selector"`
		} `json:"spec"`
	}
	if err := r.cp.GetJSON(ctx, &svc, "service", service, "-n", r.namespace); err != nil {
		return nil, http.StatusServiceUnavailable, err.Error()
	}
	var sel []string
	for k, v := range svc.Spec.Selector {
		sel = append(sel, k+"="+v)
	}
	var pods podList
	if err := r.cp.GetJSON(ctx, &pods, "pods", "-n", r.namespace, "-l", strings.Join(sel, ",")); err != nil {
		return nil, http.StatusServiceUnavailable, err.Error()
	}
	var ready []int
	for i, p := range pods.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" && p.Metadata.DeletionTimestamp == nil {
				ready = append(ready, i)
			}
		}
	}
	if len(ready) == 0 {
		return nil, http.StatusServiceUnavailable, "no healthy target behind " + service
	}
	p := pods.Items[ready[rand.IntN(len(ready))]]
	env := map[string]string{}
	for _, e := range p.Spec.Containers[0].Env {
		if len(e.ValueFrom) == 0 {
			env[e.Name] = e.Value
		}
	}
	b, err := r.backend(env)
	if err != nil {
		return nil, http.StatusBadGateway, err.Error()
	}
	return b.url, 0, ""
}

// backend returns the running process for a pod environment (one per colour
// and version), starting it on first use.
func (r *albRouter) backend(podEnv map[string]string) (*backend, error) {
	key := podEnv["DEPLOY_COLOR"] + "/" + podEnv["APP_VERSION"]
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.backends[key]; ok {
		select {
		case <-b.done:
			return nil, fmt.Errorf("the %s process exited", key)
		default:
			return b, nil
		}
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(r.dir, strings.ReplaceAll(key, "/", "-"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.Create(dir + ".log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range podEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, fmt.Sprintf("PORT=%d", ports[0]), "FLASHSCALE_DATA_DIR="+dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	b := &backend{url: &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(b.done) }()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(b.url.String() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-b.done:
			out, _ := os.ReadFile(dir + ".log")
			return nil, fmt.Errorf("flashscale for %s exited at start-up (the pod's environment was refused?):\n%s", key, out)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("flashscale for %s not ready after a minute", key)
		}
	}
	r.backends[key] = b
	return b, nil
}
