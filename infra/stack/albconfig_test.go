package stack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The types below mirror the AWS Load Balancer Controller's own annotation
// types (kubernetes-sigs/aws-load-balancer-controller, pkg/ingress/
// config_types.go at v3.2.1): field names, JSON types and the validate()
// rules the controller applies to every alb.ingress.kubernetes.io/actions.*
// and conditions.* annotation. Decoding rejects unknown fields, so a typo
// the controller would silently ignore ("wieght") fails here too. (Like the
// controller's encoding/json, field names match case-insensitively.)

type albIntOrString struct {
	isString bool
	str      string
	num      int32
}

func (v *albIntOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v.isString = true
		return json.Unmarshal(b, &v.str)
	}
	return json.Unmarshal(b, &v.num)
}

func (v albIntOrString) String() string {
	if v.isString {
		return v.str
	}
	return strconv.Itoa(int(v.num))
}

type albFixedResponseActionConfig struct {
	ContentType *string `json:"contentType,omitempty"`
	MessageBody *string `json:"messageBody,omitempty"`
	StatusCode  string  `json:"statusCode"`
}

func (c *albFixedResponseActionConfig) validate() error {
	if len(c.StatusCode) == 0 {
		return errors.New("statusCode is required")
	}
	return nil
}

type albRedirectActionConfig struct {
	Host       *string `json:"host,omitempty"`
	Path       *string `json:"path,omitempty"`
	Port       *string `json:"port,omitempty"`
	Protocol   *string `json:"protocol,omitempty"`
	Query      *string `json:"query,omitempty"`
	StatusCode string  `json:"statusCode"`
}

func (c *albRedirectActionConfig) validate() error {
	if len(c.StatusCode) == 0 {
		return errors.New("statusCode is required")
	}
	return nil
}

type albTargetGroupTuple struct {
	TargetGroupARN  *string         `json:"targetGroupARN"`
	TargetGroupName *string         `json:"targetGroupName,omitempty"`
	ServiceName     *string         `json:"serviceName"`
	ServicePort     *albIntOrString `json:"servicePort"`
	Weight          *int32          `json:"weight,omitempty"`
}

func (t *albTargetGroupTuple) validate() error {
	if t.TargetGroupARN == nil && t.TargetGroupName == nil && t.ServiceName == nil {
		return errors.New("missing serviceName or targetGroupARN/targetGroupName")
	}
	if (t.TargetGroupARN != nil || t.TargetGroupName != nil) && t.ServiceName != nil {
		return errors.New("either serviceName or targetGroupARN/targetGroupName can be specified")
	}
	if t.ServiceName != nil && t.ServicePort == nil {
		return errors.New("missing servicePort")
	}
	return nil
}

type albTargetGroupStickinessConfig struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	DurationSeconds *int32 `json:"durationSeconds,omitempty"`
}

type albForwardActionConfig struct {
	TargetGroups                []albTargetGroupTuple           `json:"targetGroups"`
	TargetGroupStickinessConfig *albTargetGroupStickinessConfig `json:"targetGroupStickinessConfig,omitempty"`
}

func (c *albForwardActionConfig) validate() error {
	for _, t := range c.TargetGroups {
		if err := t.validate(); err != nil {
			return fmt.Errorf("invalid TargetGroupTuple: %w", err)
		}
	}
	if len(c.TargetGroups) > 1 {
		for _, t := range c.TargetGroups {
			if t.Weight == nil {
				return errors.New("weight must be set when route to multiple target groups")
			}
		}
	}
	return nil
}

type albAction struct {
	Type                string                        `json:"type"`
	TargetGroupARN      *string                       `json:"targetGroupARN"`
	TargetGroupName     *string                       `json:"targetGroupName,omitempty"`
	FixedResponseConfig *albFixedResponseActionConfig `json:"fixedResponseConfig,omitempty"`
	RedirectConfig      *albRedirectActionConfig      `json:"redirectConfig,omitempty"`
	ForwardConfig       *albForwardActionConfig       `json:"forwardConfig,omitempty"`
}

func (a *albAction) validate() error {
	switch a.Type {
	case "fixed-response":
		if a.FixedResponseConfig == nil {
			return errors.New("missing FixedResponseConfig")
		}
		return a.FixedResponseConfig.validate()
	case "redirect":
		if a.RedirectConfig == nil {
			return errors.New("missing RedirectConfig")
		}
		return a.RedirectConfig.validate()
	case "forward":
		if a.TargetGroupARN == nil && a.TargetGroupName == nil && a.ForwardConfig == nil {
			return errors.New("missing ForwardConfig or TargetGroupARN/TargetGroupName")
		}
		if (a.TargetGroupARN != nil || a.TargetGroupName != nil) && a.ForwardConfig != nil {
			return errors.New("either ForwardConfig or TargetGroupARN/TargetGroupName can be specified")
		}
		if a.ForwardConfig != nil {
			if err := a.ForwardConfig.validate(); err != nil {
				return fmt.Errorf("invalid ForwardConfig: %w", err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown action type: %v", a.Type)
}

type albValuesConfig struct {
	RegexValues []string `json:"regexValues,omitempty"`
	Values      []string `json:"values,omitempty"`
}

func (c *albValuesConfig) validate() error {
	if len(c.Values) == 0 && len(c.RegexValues) == 0 {
		return errors.New("values or regexValues must be specified")
	}
	if len(c.Values) != 0 && len(c.RegexValues) != 0 {
		return errors.New("precisely one of values and regexValues can be specified")
	}
	return nil
}

type albHTTPHeaderConditionConfig struct {
	HTTPHeaderName string   `json:"httpHeaderName"`
	RegexValues    []string `json:"regexValues,omitempty"`
	Values         []string `json:"values,omitempty"`
}

type albHTTPRequestMethodConditionConfig struct {
	Values []string `json:"values"`
}

type albQueryStringKeyValuePair struct {
	Key   *string `json:"key,omitempty"`
	Value string  `json:"value"`
}

type albQueryStringConditionConfig struct {
	Values []albQueryStringKeyValuePair `json:"values"`
}

type albSourceIPConditionConfig struct {
	Values []string `json:"values"`
}

type albRuleCondition struct {
	Field                   string                               `json:"field"`
	HostHeaderConfig        *albValuesConfig                     `json:"hostHeaderConfig"`
	HTTPHeaderConfig        *albHTTPHeaderConditionConfig        `json:"httpHeaderConfig"`
	HTTPRequestMethodConfig *albHTTPRequestMethodConditionConfig `json:"httpRequestMethodConfig"`
	PathPatternConfig       *albValuesConfig                     `json:"pathPatternConfig"`
	QueryStringConfig       *albQueryStringConditionConfig       `json:"queryStringConfig"`
	SourceIPConfig          *albSourceIPConditionConfig          `json:"sourceIPConfig"`
}

// validate is the controller's RuleCondition.Validate; the controller also
// ignores a config object of another field, so a condition must carry the
// one its field names.
func (c *albRuleCondition) validate() error {
	switch c.Field {
	case "host-header":
		if c.HostHeaderConfig == nil {
			return errors.New("missing hostHeaderConfig")
		}
		return c.HostHeaderConfig.validate()
	case "path-pattern":
		if c.PathPatternConfig == nil {
			return errors.New("missing pathPatternConfig")
		}
		return c.PathPatternConfig.validate()
	case "http-header":
		if c.HTTPHeaderConfig == nil {
			return errors.New("missing httpHeaderConfig")
		}
		v := albValuesConfig{Values: c.HTTPHeaderConfig.Values, RegexValues: c.HTTPHeaderConfig.RegexValues}
		return v.validate()
	case "http-request-method":
		if c.HTTPRequestMethodConfig == nil {
			return errors.New("missing httpRequestMethodConfig")
		}
		if len(c.HTTPRequestMethodConfig.Values) == 0 {
			return errors.New("values cannot be empty")
		}
	case "query-string":
		if c.QueryStringConfig == nil {
			return errors.New("missing queryStringConfig")
		}
		if len(c.QueryStringConfig.Values) == 0 {
			return errors.New("Values cannot be empty")
		}
		for _, p := range c.QueryStringConfig.Values {
			if len(p.Value) == 0 {
				return errors.New("value cannot be empty")
			}
		}
	case "source-ip":
		if c.SourceIPConfig == nil {
			return errors.New("missing sourceIPConfig")
		}
		if len(c.SourceIPConfig.Values) == 0 {
			return errors.New("values cannot be empty")
		}
	}
	return nil
}

// matchEvaluations counts a condition's values: the ALB allows at most 3
// per condition and 5 per rule (the Ingress path adds one).
func (c *albRuleCondition) matchEvaluations() int {
	switch {
	case c.HTTPHeaderConfig != nil:
		return len(c.HTTPHeaderConfig.Values) + len(c.HTTPHeaderConfig.RegexValues)
	case c.SourceIPConfig != nil:
		return len(c.SourceIPConfig.Values)
	case c.HostHeaderConfig != nil:
		return len(c.HostHeaderConfig.Values) + len(c.HostHeaderConfig.RegexValues)
	case c.PathPatternConfig != nil:
		return len(c.PathPatternConfig.Values) + len(c.PathPatternConfig.RegexValues)
	case c.HTTPRequestMethodConfig != nil:
		return len(c.HTTPRequestMethodConfig.Values)
	case c.QueryStringConfig != nil:
		return len(c.QueryStringConfig.Values)
	}
	return 0
}

func decodeStrict(raw string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// checkIngressForController decodes every actions.* and conditions.*
// annotation of an Ingress record as the controller would, and checks the
// rules against the Services the program creates.
func checkIngressForController(ing *record, services map[string]map[string]bool) error {
	ann, _ := ing.get("metadata", "annotations").(map[string]any)
	actions := map[string]albAction{}
	var errs []error
	for k, v := range ann {
		s, _ := v.(string)
		switch {
		case strings.HasPrefix(k, albPrefix+"actions."):
			var a albAction
			if err := decodeStrict(s, &a); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
				continue
			}
			if err := a.validate(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
				continue
			}
			if a.ForwardConfig != nil {
				if n := len(a.ForwardConfig.TargetGroups); n < 1 || n > 5 {
					errs = append(errs, fmt.Errorf("%s: %d target groups (an ALB forward takes 1 to 5)", k, n))
				}
				for _, tg := range a.ForwardConfig.TargetGroups {
					if tg.Weight != nil && (*tg.Weight < 0 || *tg.Weight > 999) {
						errs = append(errs, fmt.Errorf("%s: weight %d outside 0-999", k, *tg.Weight))
					}
					if tg.ServiceName != nil {
						ports, ok := services[*tg.ServiceName]
						if !ok {
							errs = append(errs, fmt.Errorf("%s: Service %s does not exist", k, *tg.ServiceName))
						} else if !ports[tg.ServicePort.String()] {
							errs = append(errs, fmt.Errorf("%s: Service %s has no port %s", k, *tg.ServiceName, tg.ServicePort))
						}
					}
				}
			}
			actions[strings.TrimPrefix(k, albPrefix+"actions.")] = a
		case strings.HasPrefix(k, albPrefix+"conditions."):
			var conds []albRuleCondition
			if err := decodeStrict(s, &conds); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", k, err))
				continue
			}
			total := 1 // the Ingress path becomes a path-pattern condition
			for _, c := range conds {
				if err := c.validate(); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", k, err))
				}
				if n := c.matchEvaluations(); n > 3 {
					errs = append(errs, fmt.Errorf("%s: %s has %d values (an ALB condition takes at most 3)", k, c.Field, n))
				}
				total += c.matchEvaluations()
				if c.SourceIPConfig != nil {
					for _, cidr := range c.SourceIPConfig.Values {
						if p, err := netip.ParsePrefix(cidr); err != nil || p.Masked() != p {
							errs = append(errs, fmt.Errorf("%s: %q is not a CIDR block", k, cidr))
						}
					}
				}
			}
			if total > 5 {
				errs = append(errs, fmt.Errorf("%s: %d match evaluations with the path (an ALB rule takes at most 5)", k, total))
			}
		}
	}
	// Every use-annotation backend needs its action; every condition set
	// needs a backend.
	backends := map[string]bool{}
	paths, _ := ing.get("spec", "rules", "0", "http", "paths").([]any)
	for _, p := range paths {
		svc := p.(map[string]any)["backend"].(map[string]any)["service"].(map[string]any)
		name := svc["name"].(string)
		if svc["port"].(map[string]any)["name"] == "use-annotation" {
			backends[name] = true
			if _, ok := actions[name]; !ok {
				errs = append(errs, fmt.Errorf("backend %s: missing actions.%s configuration", name, name))
			}
		}
	}
	for k := range ann {
		if name, ok := strings.CutPrefix(k, albPrefix+"conditions."); ok && !backends[name] {
			errs = append(errs, fmt.Errorf("%s: no Ingress backend uses it", k))
		}
	}
	return errors.Join(errs...)
}

// programServices maps each colour Service the program creates to its ports
// (by name and number).
func programServices(m *mocks) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, svc := range m.byType("kubernetes:core/v1:Service") {
		ports := map[string]bool{}
		for _, p := range svc.get("spec", "ports").([]any) {
			pm := p.(map[string]any)
			ports[fmt.Sprint(pm["name"])] = true
			ports[strconv.Itoa(int(pm["port"].(float64)))] = true
		}
		out[svc.str("metadata", "name")] = ports
	}
	return out
}

// TestIngressAnnotationsAsTheControllerReadsThem decodes the Ingress of
// several stacks (both colours live, with and without preview CIDRs and
// HTTPS) into the controller's types.
func TestIngressAnnotationsAsTheControllerReadsThem(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-111122223333"
	for name, cfg := range map[string]map[string]string{
		"blue live":              baseConfig(),
		"green live":             with(baseConfig(), "flashscale:activeColor", "green"),
		"preview CIDRs":          with(baseConfig(), "flashscale:previewCidrs", `["203.0.113.0/24","198.51.100.7/32","2001:db8::/48"]`),
		"https and one CIDR":     with(baseConfig(), "flashscale:certificateArn", arn, "flashscale:previewCidrs", "203.0.113.9/32"),
		"bring your own cluster": byocConfig(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			secrets := []string(nil)
			if _, ok := cfg["flashscale:kubeconfig"]; ok {
				secrets = byocSecretKeys
			}
			res := run(t, cfg, secrets, writeMonitoringFiles(t))
			if res.err != nil {
				t.Fatal(res.err)
			}
			ing := res.mocks.get(t, "flashscale-traffic-ingress")
			if err := checkIngressForController(ing, programServices(res.mocks)); err != nil {
				t.Error(err)
			}
			// Our own rule on top of the controller's: one colour takes all
			// live traffic, the other none, and both groups are weighted.
			var live albAction
			if err := decodeStrict(ing.str("metadata", "annotations", albPrefix+"actions.live"), &live); err != nil || live.ForwardConfig == nil {
				t.Fatalf("live action: %v", err)
			}
			total := 0
			for _, tg := range live.ForwardConfig.TargetGroups {
				if tg.Weight != nil {
					total += int(*tg.Weight)
				}
			}
			if total != 100 || len(live.ForwardConfig.TargetGroups) != 2 {
				t.Errorf("live forward: %d groups, weights summing to %d", len(live.ForwardConfig.TargetGroups), total)
			}
		})
	}
}

// TestControllerMirrorRejectsBadAnnotations shows the checker fails the
// shapes the controller rejects or misreads.
func TestControllerMirrorRejectsBadAnnotations(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	services := programServices(res.mocks)
	good := res.mocks.get(t, "flashscale-traffic-ingress")
	for name, tc := range map[string]struct{ key, value string }{
		"0-weight group without weight": {"actions.live", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"flashscale-blue","servicePort":"80","weight":100},{"serviceName":"flashscale-green","servicePort":"80"}]}}`},
		"misspelt field":                {"actions.live", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"flashscale-blue","servicePort":"80","wieght":100}]}}`},
		"unknown service":               {"actions.preview", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"flashscale-purple","servicePort":"80","weight":100}]}}`},
		"wrong port":                    {"actions.preview", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"flashscale-green","servicePort":"8080","weight":100}]}}`},
		"source ip without its config":  {"conditions.preview", `[{"field":"source-ip","httpHeaderConfig":{"httpHeaderName":"X-Flashscale-Preview","values":["true"]}}]`},
		"not a CIDR":                    {"conditions.preview", `[{"field":"source-ip","sourceIPConfig":{"values":["203.0.113.9/24"]}}]`},
		"header without values":         {"conditions.preview", `[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Flashscale-Preview"}}]`},
		"too many values":               {"conditions.preview", `[{"field":"source-ip","sourceIPConfig":{"values":["10.0.0.0/8","10.1.0.0/16","10.2.0.0/16","10.3.0.0/16"]}}]`},
		"fixed response without code":   {"actions.block-metrics", `{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain"}}`},
		"missing action":                {"actions.live", ""},
	} {
		inputs := good.plainInputs()
		ann := inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
		if tc.value == "" {
			delete(ann, albPrefix+tc.key)
		} else {
			ann[albPrefix+tc.key] = tc.value
		}
		bad := &record{Inputs: resource.NewPropertyMapFromMap(inputs)}
		if err := checkIngressForController(bad, services); err == nil {
			t.Errorf("%s: the checker accepted an annotation the controller rejects", name)
		}
	}
}
