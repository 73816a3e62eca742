package dashboards

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flashscale/flashscale/dashboards/alerting"
)

// chartRules are kube-prometheus-stack's own helper alerts, as its
// general.rules define them: Watchdog always fires, and InfoInhibitor fires
// in every namespace that has info alerts and no warning or critical one,
// so that the chart's default Alertmanager config mutes those notices. The
// live test runs them beside FlashScale's rules to prove our configuration
// does not. FlashScaleLivePage is the test's own critical alert, in another
// namespace, so that InfoInhibitor still fires for flashscale.
const chartRules = `groups:
  - name: general.rules
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels:
          severity: none
      - alert: InfoInhibitor
        expr: ALERTS{severity = "info"} == 1 unless on (namespace) ALERTS{alertname != "InfoInhibitor", severity =~ "warning|critical", alertstate="firing"} == 1
        labels:
          severity: none
  - name: live-test
    rules:
      - alert: FlashScaleLivePage
        expr: vector(1)
        labels:
          severity: critical
          namespace: live-test
        annotations:
          summary: "A critical alert, to prove the page path"
          runbook_url: https://github.com/flashscale/flashscale/blob/main/docs/dashboards.md#alert-routing
`

func chartRulesPath(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "chart-rules.yaml")
	if err := os.WriteFile(p, []byte(chartRules), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// alertmanagerBinary is Debian's prometheus-alertmanager (or an
// alertmanager on PATH).
func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return requireTool(t, "prometheus-alertmanager")
}

// webhooks stands in for Slack's incoming webhook and PagerDuty's Events
// API: it records every notification Alertmanager sends.
type webhooks struct {
	srv   *httptest.Server
	mu    sync.Mutex
	slack []slackMessage
	pages []pagerDutyEvent
}

type slackMessage struct {
	Channel     string `json:"channel"`
	Attachments []struct {
		Title     string `json:"title"`
		TitleLink string `json:"title_link"`
		Text      string `json:"text"`
	} `json:"attachments"`
}

type pagerDutyEvent struct {
	RoutingKey  string `json:"routing_key"`
	EventAction string `json:"event_action"`
	Payload     struct {
		Summary       string            `json:"summary"`
		Severity      string            `json:"severity"`
		CustomDetails map[string]string `json:"custom_details"`
	} `json:"payload"`
}

func newWebhooks(t *testing.T) *webhooks {
	t.Helper()
	h := &webhooks{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		switch r.URL.Path {
		case "/slack":
			var m slackMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Errorf("Slack webhook got %s: %v", b, err)
			}
			h.slack = append(h.slack, m)
			_, _ = io.WriteString(w, "ok")
		case "/pagerduty":
			var e pagerDutyEvent
			if err := json.Unmarshal(b, &e); err != nil {
				t.Errorf("PagerDuty endpoint got %s: %v", b, err)
			}
			h.pages = append(h.pages, e)
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, `{"status":"success","message":"Event processed"}`)
		default:
			t.Errorf("unexpected notification to %s: %s", r.URL.Path, b)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

type alertmanager struct {
	port int
	base string
}

// startAlertmanager runs the real Alertmanager on the configuration infra/
// deploys, with the receivers pointed at the test's webhooks and the
// grouping waits shortened so the test does not wait 30 s per group.
func startAlertmanager(t *testing.T, bin, dir string, hooks *webhooks) *alertmanager {
	t.Helper()
	config := writeAlertmanagerConfig(t, alerting.Receivers{
		SlackWebhookURL:     hooks.srv.URL + "/slack",
		SlackChannel:        "#flashscale",
		PagerDutyRoutingKey: testPDKey,
		PagerDutyURL:        hooks.srv.URL + "/pagerduty",
	}, alerting.Timing{GroupWait: time.Second, GroupInterval: time.Second, RepeatInterval: time.Hour, PageRepeat: time.Hour})
	port, base := startOnFreePort(t, "alertmanager", dir, func(port, attempt int) *exec.Cmd {
		return exec.Command(bin,
			"--config.file="+config,
			"--storage.path="+filepath.Join(dir, fmt.Sprintf("alertmanager-data-%d", attempt)),
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
			"--cluster.listen-address=", // one instance: no gossip port to collide on
		)
	})
	return &alertmanager{port: port, base: base}
}

// activeAlerts asks Alertmanager's API which alerts it holds, by name.
func (a *alertmanager) activeAlerts(ctx context.Context) (map[string][]map[string]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/api/v2/alerts?active=true&inhibited=true&silenced=false", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var alerts []struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State       string   `json:"state"`
			InhibitedBy []string `json:"inhibitedBy"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		return nil, err
	}
	out := map[string][]map[string]string{}
	for _, al := range alerts {
		l := al.Labels
		l["__state"] = al.Status.State
		out[l["alertname"]] = append(out[l["alertname"]], l)
	}
	return out, nil
}

// checkDelivery waits for the notifications the traffic must cause: the
// sold-out notice in the channel (while InfoInhibitor fires for its
// namespace, which muted it under the chart's default configuration), and
// the critical test alert both paged and posted. Watchdog and
// InfoInhibitor reach nobody.
func checkDelivery(t *testing.T, ctx context.Context, am *alertmanager, hooks *webhooks, tr traffic) {
	t.Helper()
	// The sold-out notice has "for: 1m"; then one group_wait.
	deadline := time.Now().Add(150 * time.Second)
	for {
		err := func() error {
			hooks.mu.Lock()
			defer hooks.mu.Unlock()
			var soldOut, livePage bool
			for _, m := range hooks.slack {
				for _, a := range m.Attachments {
					if strings.Contains(a.Title, "FlashScaleProductSoldOut") && strings.Contains(a.Text, tr.soldOut) {
						soldOut = true
					}
					if strings.Contains(a.Title, "FlashScaleLivePage") {
						livePage = true
					}
				}
			}
			paged := slices.ContainsFunc(hooks.pages, func(e pagerDutyEvent) bool {
				return e.RoutingKey == testPDKey && e.EventAction == "trigger" && strings.Contains(e.Payload.Summary, "FlashScaleLivePage")
			})
			switch {
			case !soldOut:
				return fmt.Errorf("no FlashScaleProductSoldOut for %s in the channel yet (%d messages)", tr.soldOut, len(hooks.slack))
			case !paged:
				return fmt.Errorf("FlashScaleLivePage has not paged yet (%d pages)", len(hooks.pages))
			case !livePage:
				return fmt.Errorf("FlashScaleLivePage paged but was not posted in the channel")
			}
			return nil
		}()
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for notifications: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The InfoInhibitor was really firing for flashscale: under the chart's
	// default inhibition the notice above would have been muted.
	alerts, err := am.activeAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(alerts["InfoInhibitor"], func(l map[string]string) bool { return l["namespace"] == "flashscale" }) {
		t.Errorf("InfoInhibitor is not active for namespace flashscale in Alertmanager (%v): the test proves nothing about it", alerts["InfoInhibitor"])
	}
	for _, l := range alerts["FlashScaleProductSoldOut"] {
		if l["__state"] != "active" {
			t.Errorf("FlashScaleProductSoldOut %v is %s in Alertmanager, want active", l, l["__state"])
		}
	}
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	for _, m := range hooks.slack {
		if m.Channel != "#flashscale" {
			t.Errorf("Slack message to channel %q, want #flashscale", m.Channel)
		}
		for _, a := range m.Attachments {
			if strings.Contains(a.Title, "Watchdog") || strings.Contains(a.Title, "InfoInhibitor") {
				t.Errorf("helper alert delivered to the channel: %q", a.Title)
			}
			if strings.Contains(a.Title, "FlashScaleProductSoldOut") && !strings.Contains(a.Text, "docs/dashboards.md#flashscaleproductsoldout") {
				t.Errorf("sold-out message carries no runbook link: %q", a.Text)
			}
		}
	}
	for _, e := range hooks.pages {
		if !strings.Contains(e.Payload.Summary, "FlashScaleLivePage") {
			t.Errorf("paged for %q: only critical alerts may page", e.Payload.Summary)
		}
	}
}
