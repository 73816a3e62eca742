package stack

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IRSATrustPolicy is a role trust policy for one Kubernetes service account:
// the cluster's OIDC provider is the federated principal, with `sub` pinned to
// the service account and `aud` to STS.
func IRSATrustPolicy(oidcProviderArn, oidcIssuer, namespace, serviceAccount string) (string, error) {
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Federated": oidcProviderArn},
			"Action":    "sts:AssumeRoleWithWebIdentity",
			"Condition": map[string]any{
				"StringEquals": map[string]any{
					oidcIssuer + ":sub": "system:serviceaccount:" + namespace + ":" + serviceAccount,
					oidcIssuer + ":aud": "sts.amazonaws.com",
				},
			},
		}},
	}
	b, err := json.Marshal(policy)
	return string(b), err
}

// irsaRole is an IAM role only the given service account of the cluster can
// assume.
func irsaRole(ctx *pulumi.Context, name string, cluster *Cluster, namespace, serviceAccount string, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*iam.Role, error) {
	trust := pulumi.All(cluster.OidcProviderArn, cluster.OidcIssuer).ApplyT(func(v []any) (string, error) {
		return IRSATrustPolicy(v[0].(string), v[1].(string), namespace, serviceAccount)
	}).(pulumi.StringOutput)
	return iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: trust,
		Description:      pulumi.String("IRSA role of " + namespace + "/" + serviceAccount),
		Tags:             tags,
	}, opts...)
}

// irsaWithPolicy is a customer-managed policy (name-policy), an IRSA role
// for the service account (name-role) and the attachment between them
// (name-policy-attachment): a controller's whole AWS identity.
func irsaWithPolicy(ctx *pulumi.Context, name string, cluster *Cluster, namespace, serviceAccount string,
	description, document pulumi.StringInput, tags pulumi.StringMap, opts ...pulumi.ResourceOption) (*iam.Role, *iam.RolePolicyAttachment, error) {
	policy, err := iam.NewPolicy(ctx, name+"-policy", &iam.PolicyArgs{
		Description: description,
		Policy:      document,
		Tags:        tags,
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	role, err := irsaRole(ctx, name+"-role", cluster, namespace, serviceAccount, tags, opts...)
	if err != nil {
		return nil, nil, err
	}
	attachment, err := iam.NewRolePolicyAttachment(ctx, name+"-policy-attachment", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: policy.Arn,
	}, opts...)
	return role, attachment, err
}
