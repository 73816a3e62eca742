package cloudwatch

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// YACE's names, as its own documentation and dashboards show them: the
// rule must split 5XX and UnHealthy and keep CPUUtilization whole.
func TestPromName(t *testing.T) {
	for _, tt := range []struct {
		m    Metric
		want string
	}{
		{Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_ELB_5XX_Count", Statistic: "Sum"}, "aws_applicationelb_httpcode_elb_5_xx_count_sum"},
		{Metric{Namespace: "AWS/ApplicationELB", Name: "UnHealthyHostCount", Statistic: "Maximum"}, "aws_applicationelb_un_healthy_host_count_maximum"},
		{Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Statistic: "p99"}, "aws_applicationelb_target_response_time_p99"},
		{Metric{Namespace: "AWS/RDS", Name: "CPUUtilization", Statistic: "Average"}, "aws_rds_cpuutilization_average"},
		{Metric{Namespace: "AWS/RDS", Name: "CPUCreditBalance", Statistic: "Minimum"}, "aws_rds_cpucredit_balance_minimum"},
		{Metric{Namespace: "AWS/RDS", Name: "DBLoad", Statistic: "Average"}, "aws_rds_dbload_average"},
		{Metric{Namespace: "AWS/EBS", Name: "BurstBalance", Statistic: "Average"}, "aws_ebs_burst_balance_average"},
		{Metric{Namespace: "Glue", Name: "glue.driver.aggregate.bytesRead", Statistic: "Sum"}, "aws_glue_driver_aggregate_bytes_read_sum"},
	} {
		if got := PromName(tt.m); got != tt.want {
			t.Errorf("PromName(%s %s %s) = %s, want %s", tt.m.Namespace, tt.m.Name, tt.m.Statistic, got, tt.want)
		}
	}
}

func TestConfig(t *testing.T) {
	out, err := Config(Stack{Region: "ap-south-1", ClusterName: "flashscale-prod", Project: "flashscale", Stack: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		APIVersion string `yaml:"apiVersion"`
		STSRegion  string `yaml:"sts-region"`
		Discovery  struct {
			Jobs []struct {
				Type       string                        `yaml:"type"`
				Regions    []string                      `yaml:"regions"`
				SearchTags []struct{ Key, Value string } `yaml:"searchTags"`
				Dims       []string                      `yaml:"dimensionNameRequirements"`
				Metrics    []struct {
					Name       string   `yaml:"name"`
					Statistics []string `yaml:"statistics"`
				} `yaml:"metrics"`
			} `yaml:"jobs"`
		} `yaml:"discovery"`
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.APIVersion != "v1alpha1" || doc.STSRegion != "ap-south-1" {
		t.Errorf("header: %+v", doc)
	}
	seen := 0
	for _, j := range doc.Discovery.Jobs {
		if len(j.Regions) != 1 || j.Regions[0] != "ap-south-1" || len(j.SearchTags) == 0 {
			t.Errorf("job %s: regions %v, tags %v", j.Type, j.Regions, j.SearchTags)
		}
		for _, tag := range j.SearchTags {
			// Only this stack's resources: anchored, exact tag values.
			if !strings.HasPrefix(tag.Value, "^") || !strings.HasSuffix(tag.Value, "$") {
				t.Errorf("job %s: tag %s=%s is not anchored", j.Type, tag.Key, tag.Value)
			}
		}
		switch j.Type {
		case "AWS/ApplicationELB":
			if j.SearchTags[0].Key != "elbv2.k8s.aws/cluster" || j.SearchTags[0].Value != `^flashscale-prod$` {
				t.Errorf("ALB job finds load balancers by %v", j.SearchTags)
			}
		case "AWS/RDS":
			if len(j.SearchTags) != 2 || j.SearchTags[1].Value != "^prod$" {
				t.Errorf("RDS job finds instances by %v", j.SearchTags)
			}
		default:
			t.Errorf("unexpected job %s", j.Type)
		}
		for _, m := range j.Metrics {
			seen++
			found := false
			for _, want := range Metrics {
				found = found || (want.Namespace == j.Type && want.Name == m.Name && len(m.Statistics) == 1 &&
					m.Statistics[0] == want.Statistic && strings.Join(want.Dimensions, ",") == strings.Join(j.Dims, ","))
			}
			if !found {
				t.Errorf("job %s exports %s %v with dimensions %v, which Metrics does not list", j.Type, m.Name, m.Statistics, j.Dims)
			}
		}
	}
	if seen != len(Metrics) {
		t.Errorf("config exports %d metrics, Metrics lists %d", seen, len(Metrics))
	}
	if _, err := Config(Stack{Region: "us-east-1"}); err == nil {
		t.Error("a config without cluster, project and stack was accepted")
	}
}
