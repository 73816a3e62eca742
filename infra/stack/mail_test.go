package stack

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// envOf returns a Deployment's container env by name.
func envOf(t *testing.T, d *record) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, e := range d.get("spec", "template", "spec", "containers", "0", "env").([]any) {
		em := e.(map[string]any)
		out[em["name"].(string)] = em
	}
	return out
}

func mailConfig(kv ...string) map[string]string {
	return with(baseConfig(), append([]string{"flashscale:mailDomain", "mail.flashscale.example"}, kv...)...)
}

// Without mailDomain (dev) no SES exists and the pods run without SMTP:
// the service's sender is off and the outbox fills.
func TestMailOffWithoutDomain(t *testing.T) {
	t.Parallel()
	res := mustRun(t, baseConfig())
	for _, typ := range []string{"aws:ses/domainIdentity:DomainIdentity", "aws:iam/user:User", "aws:iam/accessKey:AccessKey", "flashscale:infra:Mail"} {
		if n := len(res.mocks.byType(typ)); n != 0 {
			t.Errorf("%d %s without mailDomain", n, typ)
		}
	}
	for _, color := range Colors {
		for name := range envOf(t, res.mocks.get(t, "flashscale-app-"+color+"-deployment")) {
			if strings.HasPrefix(name, "FLASHSCALE_SMTP_") {
				t.Errorf("%s gets %s without mailDomain", color, name)
			}
		}
	}
	if _, ok := res.outputs["mailDnsRecords"]; ok {
		t.Error("mailDnsRecords exported without mailDomain")
	}
}

func TestSESForConfirmationEmails(t *testing.T) {
	t.Parallel()
	res := mustRun(t, mailConfig())
	m := res.mocks

	identity := m.get(t, "mail-identity")
	if identity.str("domain") != "mail.flashscale.example" || identity.Parent == "" || !strings.Contains(identity.Parent, "flashscale:infra:Mail") {
		t.Errorf("SES identity %v (parent %s)", identity.plainInputs(), identity.Parent)
	}
	if dkim := m.get(t, "mail-dkim"); dkim.str("domain") != "mail.flashscale.example" {
		t.Errorf("DKIM for %v", dkim.plainInputs())
	}

	// Least privilege: one statement, one action, one resource, one From.
	policy := m.get(t, "mail-smtp-policy")
	var doc struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(policy.str("policy")), &doc); err != nil {
		t.Fatalf("policy %q: %v", policy.str("policy"), err)
	}
	want := map[string]any{
		"Sid": "SendOrderConfirmations", "Effect": "Allow", "Action": "ses:SendRawEmail",
		"Resource":  "arn:aws:ses:us-east-1:" + testAccount + ":identity/mail.flashscale.example",
		"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": "orders@mail.flashscale.example"}},
	}
	if len(doc.Statement) != 1 || !reflect.DeepEqual(doc.Statement[0], want) {
		t.Errorf("SMTP user policy %v\nwant only %v", doc.Statement, want)
	}
	if policy.str("user") != "flashscale-dev-ses-smtp" {
		t.Errorf("policy on user %q", policy.str("user"))
	}
	if n := len(m.byType("aws:iam/userPolicyAttachment:UserPolicyAttachment")) + len(m.byType("aws:iam/policyAttachment:PolicyAttachment")); n != 0 {
		t.Errorf("%d managed policies attached: the SMTP user must have its one inline policy only", n)
	}

	// The Kubernetes Secret holds the credentials, the password as a secret,
	// through the one explicit provider.
	secret := m.get(t, "flashscale-app-smtp-secret")
	if secret.str("metadata", "name") != "flashscale-smtp" || secret.str("metadata", "namespace") != AppNamespace ||
		secret.str("stringData", "FLASHSCALE_SMTP_USERNAME") != testSMTPUser ||
		secret.str("stringData", "FLASHSCALE_SMTP_PASSWORD") != testSMTPPassword {
		t.Errorf("SMTP secret %v", secret.plainInputs())
	}
	if !secret.isSecret("stringData", "FLASHSCALE_SMTP_PASSWORD") {
		t.Error("the SMTP password must be a secret in the Kubernetes Secret's inputs")
	}
	if !strings.Contains(secret.Provider, "pulumi:providers:kubernetes::cluster-k8s::") {
		t.Errorf("SMTP secret provider %q", secret.Provider)
	}

	// Both colours read the credentials from the Secret; the rest is plain.
	fromSecret := func(key string) map[string]any {
		return map[string]any{"secretKeyRef": map[string]any{"name": "flashscale-smtp", "key": key}}
	}
	for _, color := range Colors {
		d := m.get(t, "flashscale-app-"+color+"-deployment")
		env := envOf(t, d)
		for _, key := range []string{"FLASHSCALE_SMTP_USERNAME", "FLASHSCALE_SMTP_PASSWORD"} {
			if e := env[key]; e == nil || e["value"] != nil || !reflect.DeepEqual(e["valueFrom"], fromSecret(key)) {
				t.Errorf("%s: %s = %v, want it from the flashscale-smtp Secret", color, key, e)
			}
		}
		for key, want := range map[string]string{
			"FLASHSCALE_SMTP_ADDR": "email-smtp.us-east-1.amazonaws.com:587",
			"FLASHSCALE_SMTP_FROM": `"FlashScale" <orders@mail.flashscale.example>`,
			"FLASHSCALE_SMTP_TLS":  "starttls",
		} {
			if e := env[key]; e == nil || e["value"] != want {
				t.Errorf("%s: %s = %v, want %q", color, key, e, want)
			}
		}
		if strings.Contains(fmtInputs(d), testSMTPPassword) {
			t.Errorf("%s: the SMTP password appears in the Deployment", color)
		}
		if !dependsOn(d, "flashscale-app-smtp-secret") {
			t.Errorf("%s Deployment does not wait for the SMTP Secret: %v", color, d.Dependencies)
		}
	}

	// The DNS records to publish are an output; no credential is.
	records, ok := res.outputs["mailDnsRecords"]
	wantRecords := []any{
		"_amazonses.mail.flashscale.example TXT " + testSESVerification,
		"dkimtokena._domainkey.mail.flashscale.example CNAME dkimtokena.dkim.amazonses.com",
		"dkimtokenb._domainkey.mail.flashscale.example CNAME dkimtokenb.dkim.amazonses.com",
		"dkimtokenc._domainkey.mail.flashscale.example CNAME dkimtokenc.dkim.amazonses.com",
	}
	if !ok || records.Secret || fmtAny(records.Value) != fmtAny(wantRecords) {
		t.Errorf("mailDnsRecords = %v (secret %v), want %v", records.Value, records.Secret, wantRecords)
	}
	for k, o := range res.outputs {
		if strings.Contains(fmtAny(o.Value), testSMTPPassword) {
			t.Errorf("output %s holds the SMTP password", k)
		}
	}
	if n := len(m.byType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d Route 53 records without mailHostedZoneId", n)
	}
}

// With the domain's hosted zone the program publishes what SES checks.
func TestSESRecordsInHostedZone(t *testing.T) {
	t.Parallel()
	res := mustRun(t, mailConfig("flashscale:mailHostedZoneId", "Z0123456789ABCDEFGHIJ",
		"flashscale:mailFrom", "Big Sale <sale@mail.flashscale.example>"))
	m := res.mocks
	got := map[string]string{}
	for _, r := range m.byType("aws:route53/record:Record") {
		if r.str("zoneId") != "Z0123456789ABCDEFGHIJ" {
			t.Errorf("record %s in zone %q", r.Name, r.str("zoneId"))
		}
		got[r.str("type")+" "+r.str("name")] = fmtAny(r.get("records"))
	}
	want := map[string]string{
		"TXT _amazonses.mail.flashscale.example":              fmtAny([]any{testSESVerification}),
		"CNAME dkimtokena._domainkey.mail.flashscale.example": fmtAny([]any{"dkimtokena.dkim.amazonses.com"}),
		"CNAME dkimtokenb._domainkey.mail.flashscale.example": fmtAny([]any{"dkimtokenb.dkim.amazonses.com"}),
		"CNAME dkimtokenc._domainkey.mail.flashscale.example": fmtAny([]any{"dkimtokenc.dkim.amazonses.com"}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Route 53 records %v\nwant %v", got, want)
	}
	// mailFrom is the From header and the only address the user may send as.
	if !strings.Contains(m.get(t, "mail-smtp-policy").str("policy"), `"ses:FromAddress":"sale@mail.flashscale.example"`) {
		t.Errorf("policy %s", m.get(t, "mail-smtp-policy").str("policy"))
	}
	if e := envOf(t, m.get(t, "flashscale-app-blue-deployment"))["FLASHSCALE_SMTP_FROM"]; e["value"] != `"Big Sale" <sale@mail.flashscale.example>` {
		t.Errorf("FLASHSCALE_SMTP_FROM = %v", e)
	}
}

func TestMailConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  map[string]string
		want string
	}{
		{"bad domain", mailConfig("flashscale:mailDomain", "not a domain"), "flashscale:mailDomain"},
		{"from outside the domain", mailConfig("flashscale:mailFrom", "orders@elsewhere.example"), "flashscale:mailFrom"},
		{"from not an address", mailConfig("flashscale:mailFrom", "orders"), "flashscale:mailFrom"},
		{"zone without domain", with(baseConfig(), "flashscale:mailHostedZoneId", "Z0123456789ABCDEFGHIJ"), "flashscale:mailDomain"},
		{"bad zone", mailConfig("flashscale:mailHostedZoneId", "zone-1"), "flashscale:mailHostedZoneId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfigWith(t, tc.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// SES is AWS: your own cluster cannot have it set up.
func TestMailDomainNotWithOwnCluster(t *testing.T) {
	t.Parallel()
	_, err := loadConfigWith(t, with(byocConfig(), "flashscale:mailDomain", "mail.flashscale.example"), byocSecretKeys)
	if err == nil || !strings.Contains(err.Error(), "flashscale:mailDomain") {
		t.Fatalf("error %v, want one naming flashscale:mailDomain", err)
	}
	if _, err := loadConfigWith(t, byocConfig(), byocSecretKeys); err != nil {
		t.Fatalf("your own cluster runs without mailDomain: %v", err)
	}
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func fmtInputs(r *record) string { return fmtAny(r.plainInputs()) }
