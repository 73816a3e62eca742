package clustertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Kubectl runs the rig's kubectl against the control plane as the admin.
func (cp *ControlPlane) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cp.Tools.Bin("kubectl"), append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// KubectlApply applies a manifest given on stdin (server-side, as the
// field manager "clustertest", so it never shares fields with Pulumi's).
func (cp *ControlPlane) KubectlApply(ctx context.Context, manifest string) error {
	cmd := exec.CommandContext(ctx, cp.Tools.Bin("kubectl"), "--kubeconfig", cp.Kubeconfig,
		"apply", "--server-side", "--field-manager", "clustertest", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("kubectl apply: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// GetJSON runs `kubectl get ... -o json` and decodes the result into v.
func (cp *ControlPlane) GetJSON(ctx context.Context, v any, args ...string) error {
	out, err := cp.Kubectl(ctx, append(append([]string{"get"}, args...), "-o", "json")...)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(out), v)
}

// Eventually polls cond until it returns nil or timeout passes, and returns its last error.
func Eventually(ctx context.Context, timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// AuditEvent is one API request as the API server's audit log records it.
type AuditEvent struct {
	AuditID string `json:"auditID"`
	Stage   string `json:"stage"`
	Verb    string `json:"verb"`
	User    struct {
		Username string `json:"username"`
	} `json:"user"`
	UserAgent string `json:"userAgent"`
	ObjectRef struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		Name        string `json:"name"`
		APIGroup    string `json:"apiGroup"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Received time.Time `json:"requestReceivedTimestamp"`
}

// Key names the object: resource[.group]/namespace/name (namespace empty
// for cluster-scoped objects).
func (e AuditEvent) Key() string {
	r := e.ObjectRef.Resource
	if e.ObjectRef.APIGroup != "" {
		r += "." + e.ObjectRef.APIGroup
	}
	ns := e.ObjectRef.Namespace
	if r == "namespaces" {
		ns = "" // the audit log names a namespace as being in itself
	}
	return r + "/" + ns + "/" + e.ObjectRef.Name
}

// Created reports whether the request created its object: a create, or a
// server-side apply (a patch) answered 201 Created.
func (e AuditEvent) Created() bool {
	if e.ObjectRef.Subresource != "" || e.Stage != "ResponseComplete" {
		return false
	}
	return (e.Verb == "create" && e.ResponseStatus.Code == 201) || (e.Verb == "patch" && e.ResponseStatus.Code == 201)
}

// ReadAudit reads the audit log's completed requests in the order the API
// server finished them.
func ReadAudit(path string) ([]AuditEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var events []AuditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("audit log line %d: %w", len(events)+1, err)
		}
		if e.Stage == "ResponseComplete" {
			events = append(events, e)
		}
	}
	return events, sc.Err()
}

// Creations maps each object the log saw created to the position of its
// first creation, in API-server order. Pods are named by their generated
// names, so they are also indexed by namespace under "pods/<ns>/*" at the
// first pod created there.
func Creations(events []AuditEvent) map[string]int {
	first := map[string]int{}
	for i, e := range events {
		if !e.Created() {
			continue
		}
		key := e.Key()
		for _, k := range []string{key, key[:strings.LastIndex(key, "/")] + "/*"} {
			if _, ok := first[k]; !ok {
				first[k] = i
			}
		}
	}
	return first
}
