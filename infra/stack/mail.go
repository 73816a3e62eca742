package stack

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ses"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// smtpSecret is the Kubernetes Secret holding the SMTP credentials.
const smtpSecret = "flashscale-smtp"

// SESSMTPPort is the port of SES's SMTP endpoint the pods use: STARTTLS
// (FLASHSCALE_SMTP_TLS=starttls) on 587, which EC2 does not throttle as it
// does 25.
const SESSMTPPort = 587

// SESSMTPEndpoint is Amazon SES's SMTP endpoint in region. The SMTP
// password an access key derives (sesSmtpPasswordV4) is valid in that
// region only, the provider's.
func SESSMTPEndpoint(region string) string {
	return fmt.Sprintf("email-smtp.%s.amazonaws.com:%d", region, SESSMTPPort)
}

// SESSendPolicy is the SMTP user's whole permission: send raw email (what
// the SES SMTP interface calls) from the one identity, as the one From
// address. Leaked credentials can then send nothing else, as no one else.
func SESSendPolicy(identityArn, fromAddress string) (string, error) {
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       "SendOrderConfirmations",
			"Effect":    "Allow",
			"Action":    "ses:SendRawEmail",
			"Resource":  identityArn,
			"Condition": map[string]any{"StringEquals": map[string]any{"ses:FromAddress": fromAddress}},
		}},
	}
	b, err := json.Marshal(policy)
	return string(b), err
}

// MailArgs configures the SES sending identity.
type MailArgs struct {
	Config *Config
	Tags   pulumi.StringMap
}

// Mail is Amazon SES for the order confirmation emails: a domain identity
// for mailDomain with Easy DKIM, an IAM user allowed only to send from it
// (SESSendPolicy) and that user's access key, whose SES SMTP password the
// pods log in with. With mailHostedZoneId it also publishes the identity's
// verification and DKIM records in Route 53.
type Mail struct {
	pulumi.ResourceState

	IdentityArn pulumi.StringOutput
	// Credentials are the SMTP login (the password is a secret).
	Credentials *SMTPCredentials
	// DNSRecords are the records SES needs to see in the domain's DNS
	// ("name TYPE value"): the verification TXT and three DKIM CNAMEs.
	DNSRecords pulumi.StringArrayOutput
}

// SMTPCredentials are what the pods log in to the SMTP server with.
type SMTPCredentials struct {
	Username pulumi.StringInput
	Password pulumi.StringInput // secret
}

// NewMail creates the SES identity, its DKIM, the sending user and its key.
func NewMail(ctx *pulumi.Context, name string, args *MailArgs, opts ...pulumi.ResourceOption) (*Mail, error) {
	c := &Mail{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Mail", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	cfg := args.Config

	identity, err := ses.NewDomainIdentity(ctx, name+"-identity", &ses.DomainIdentityArgs{
		Domain: pulumi.String(cfg.MailDomain),
	}, parent)
	if err != nil {
		return nil, err
	}
	dkim, err := ses.NewDomainDkim(ctx, name+"-dkim", &ses.DomainDkimArgs{Domain: identity.Domain}, parent)
	if err != nil {
		return nil, err
	}

	user, err := iam.NewUser(ctx, name+"-smtp-user", &iam.UserArgs{
		Name: pulumi.String(cfg.ClusterName + "-ses-smtp"),
		Path: pulumi.String("/flashscale/"),
		Tags: args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}
	policy := identity.Arn.ApplyT(func(arn string) (string, error) {
		return SESSendPolicy(arn, cfg.MailFromAddress)
	}).(pulumi.StringOutput)
	if _, err := iam.NewUserPolicy(ctx, name+"-smtp-policy", &iam.UserPolicyArgs{
		User:   user.Name,
		Policy: policy,
	}, parent); err != nil {
		return nil, err
	}
	key, err := iam.NewAccessKey(ctx, name+"-smtp-key", &iam.AccessKeyArgs{User: user.Name}, parent)
	if err != nil {
		return nil, err
	}

	c.IdentityArn = identity.Arn
	c.Credentials = &SMTPCredentials{
		Username: key.ID().ToStringOutput(),
		// The provider marks it secret already; say so here too, as the
		// database URL does, so no refactoring can leak it.
		Password: pulumi.ToSecret(key.SesSmtpPasswordV4).(pulumi.StringOutput),
	}
	domain := cfg.MailDomain
	c.DNSRecords = pulumi.All(identity.VerificationToken, dkim.DkimTokens).ApplyT(func(v []any) []string {
		out := []string{fmt.Sprintf("_amazonses.%s TXT %s", domain, v[0].(string))}
		for _, t := range v[1].([]string) {
			out = append(out, fmt.Sprintf("%s._domainkey.%s CNAME %s.dkim.amazonses.com", t, domain, t))
		}
		return out
	}).(pulumi.StringArrayOutput)

	if zone := cfg.MailHostedZoneId; zone != "" {
		if _, err := route53.NewRecord(ctx, name+"-verification-record", &route53.RecordArgs{
			ZoneId:  pulumi.String(zone),
			Name:    pulumi.String("_amazonses." + domain),
			Type:    pulumi.String("TXT"),
			Ttl:     pulumi.Int(600),
			Records: pulumi.StringArray{identity.VerificationToken},
		}, parent); err != nil {
			return nil, err
		}
		// Easy DKIM always gives three tokens.
		for i := range 3 {
			token := dkim.DkimTokens.Index(pulumi.Int(i))
			if _, err := route53.NewRecord(ctx, fmt.Sprintf("%s-dkim-record-%d", name, i), &route53.RecordArgs{
				ZoneId:  pulumi.String(zone),
				Name:    pulumi.Sprintf("%s._domainkey.%s", token, domain),
				Type:    pulumi.String("CNAME"),
				Ttl:     pulumi.Int(600),
				Records: pulumi.StringArray{pulumi.Sprintf("%s.dkim.amazonses.com", token)},
			}, parent); err != nil {
				return nil, err
			}
		}
	}

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"identityArn": c.IdentityArn, "dnsRecords": c.DNSRecords}); err != nil {
		return nil, err
	}
	return c, nil
}
