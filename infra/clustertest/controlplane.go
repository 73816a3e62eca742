package clustertest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ControlPlane is a Kubernetes control plane on loopback: etcd,
// kube-apiserver (with an audit log), kube-controller-manager,
// kube-scheduler and KWOK, which plays the kubelet of fake nodes so pods are
// scheduled, get IPs and turn Running and Ready as on a real node, without a
// container runtime. Nothing listens beyond 127.0.0.1.
type ControlPlane struct {
	Dir        string // logs, data, certificates
	Tools      Tools
	Server     string // https://127.0.0.1:<port>
	Kubeconfig string // admin kubeconfig (client certificate inline)
	AuditLog   string // JSON lines, one event per API request (see auditPolicy)

	procs []*proc
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// auditPolicy records every request that changes something, with its
// metadata (who, what, when, response code) but no bodies.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  verbs: [get, list, watch]
- level: Metadata
`

// StartControlPlane starts the control plane in dir and waits until the API
// server, the controller manager and the scheduler are healthy. Stop it with
// Stop; the processes also die with the test process.
func StartControlPlane(ctx context.Context, dir string, tools Tools) (_ *ControlPlane, err error) {
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, cmPort, schedPort, kwokPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
	cp := &ControlPlane{
		Dir:      dir,
		Tools:    tools,
		Server:   "https://127.0.0.1:" + strconv.Itoa(apiPort),
		AuditLog: filepath.Join(dir, "audit.log"),
	}
	defer func() {
		if err != nil {
			cp.Stop()
		}
	}()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p, err := newPKI(dir, cp.Server)
	if err != nil {
		return nil, err
	}
	if err := p.serving("apiserver"); err != nil {
		return nil, err
	}
	if err := p.serviceAccountKeys(); err != nil {
		return nil, err
	}
	kubeconfigs := map[string]string{}
	for name, user := range map[string]string{
		"admin":     "clustertest-admin",
		"cm":        "system:kube-controller-manager",
		"scheduler": "system:kube-scheduler",
		"kwok":      "kwok-controller",
	} {
		if kubeconfigs[name], err = p.kubeconfig(name, user); err != nil {
			return nil, err
		}
	}
	cp.Kubeconfig = kubeconfigs["admin"]
	if err := os.WriteFile(filepath.Join(dir, "audit-policy.yaml"), []byte(auditPolicy), 0o600); err != nil {
		return nil, err
	}

	etcdURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	if err := cp.start(ctx, "etcd", tools.Bin("etcd"),
		"--name", "clustertest", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "clustertest="+peerURL,
		"--unsafe-no-fsync", // a throwaway test cluster: durability buys nothing
		"--log-level", "warn"); err != nil {
		return nil, err
	}
	if err := cp.start(ctx, "kube-apiserver", tools.Bin("kube-apiserver"),
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", strconv.Itoa(apiPort),
		"--tls-cert-file", p.path("apiserver.crt"), "--tls-private-key-file", p.path("apiserver.key"),
		"--client-ca-file", p.path("ca.crt"),
		"--authorization-mode", "Node,RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", p.path("sa.pub"), "--service-account-signing-key-file", p.path("sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/16",
		"--audit-policy-file", filepath.Join(dir, "audit-policy.yaml"), "--audit-log-path", cp.AuditLog,
		"--audit-log-format", "json", "--audit-log-mode", "blocking",
		"--profiling=false", "--v=1"); err != nil {
		return nil, err
	}
	if err := waitHealthy(ctx, cp.Server+"/readyz", p, 2*time.Minute); err != nil {
		return nil, fmt.Errorf("kube-apiserver: %w (log: %s)", err, cp.log("kube-apiserver"))
	}
	common := func(kubeconfig string, port int) []string {
		return []string{"--kubeconfig", kubeconfig,
			"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
			"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(port), "--leader-elect=false", "--v=1"}
	}
	if err := cp.start(ctx, "kube-controller-manager", tools.Bin("kube-controller-manager"),
		append(common(kubeconfigs["cm"], cmPort),
			"--service-account-private-key-file", p.path("sa.key"), "--root-ca-file", p.path("ca.crt"),
			// HPAs recompute every 5 s so their conditions show within a test.
			"--horizontal-pod-autoscaler-sync-period", "5s")...); err != nil {
		return nil, err
	}
	if err := cp.start(ctx, "kube-scheduler", tools.Bin("kube-scheduler"), common(kubeconfigs["scheduler"], schedPort)...); err != nil {
		return nil, err
	}
	for name, port := range map[string]int{"kube-controller-manager": cmPort, "kube-scheduler": schedPort} {
		if err := waitHealthy(ctx, "https://127.0.0.1:"+strconv.Itoa(port)+"/healthz", nil, time.Minute); err != nil {
			return nil, fmt.Errorf("%s: %w (log: %s)", name, err, cp.log(name))
		}
	}
	stages, err := tools.KwokStages(filepath.Join(dir, "kwok-stages.yaml"))
	if err != nil {
		return nil, err
	}
	if err := cp.start(ctx, "kwok", tools.Bin("kwok"),
		"--kubeconfig", kubeconfigs["kwok"], "--config", stages,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector", KwokNodeAnnotation+"=fake",
		"--cidr", "10.244.0.0/16", "--node-ip", "10.0.0.10", "--node-lease-duration-seconds", "40",
		"--server-address", "127.0.0.1:"+strconv.Itoa(kwokPort)); err != nil {
		return nil, err
	}
	return cp, nil
}

// KwokNodeAnnotation marks the fake nodes KWOK manages.
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// start runs a component with its output in <dir>/<name>.log.
func (cp *ControlPlane) start(ctx context.Context, name, bin string, args ...string) error {
	logf, err := os.Create(cp.log(name))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A test binary that dies must not leave a control plane behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("starting %s: %w", name, err)
	}
	pr := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(pr.done) }()
	cp.procs = append(cp.procs, pr)
	return nil
}

func (cp *ControlPlane) log(name string) string { return filepath.Join(cp.Dir, name+".log") }

// Stop stops the components in reverse order of their start. The
// controller manager must outlive every delete the tests make, or deletes
// that wait on the garbage collector (foreground deletion) hang.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		pr := cp.procs[i]
		_ = pr.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-pr.done:
		case <-time.After(10 * time.Second):
			_ = pr.cmd.Process.Kill()
			<-pr.done
		}
	}
	cp.procs = nil
}

// freePorts reserves n distinct loopback ports, then releases them for the
// components to bind (others could take one in between; a clash fails the
// start loudly rather than silently).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitHealthy polls url until it answers 200 "ok". With p it trusts the CA
// and authenticates as the admin; without it, it skips verification of a
// component's self-signed serving certificate (only /healthz is read).
func waitHealthy(ctx context.Context, url string, p *pki, timeout time.Duration) error {
	tlsCfg := &tls.Config{InsecureSkipVerify: p == nil} //nolint:gosec // a loopback health check of a self-signed test component
	if p != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(p.caPEM)
		cert, err := tls.LoadX509KeyPair(p.path("admin.crt"), p.path("admin.key"))
		if err != nil {
			return err
		}
		tlsCfg.RootCAs, tlsCfg.Certificates = pool, []tls.Certificate{cert}
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if err := ctx.Err(); err != nil {
			return err
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "ok" {
				return nil
			}
			err = fmt.Errorf("%s: %d %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	return errors.Join(fmt.Errorf("not healthy after %s", timeout), last)
}
