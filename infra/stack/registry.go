package stack

import (
	"encoding/json"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegistryArgs configures the ECR repository.
type RegistryArgs struct {
	RepositoryName string
	// Running are the image tags the colours run; never expired.
	Running []string
	Tags    pulumi.StringMap
}

// Registry is the ECR repository of the service image: scan on push, immutable
// tags, KMS encryption and a lifecycle policy.
type Registry struct {
	pulumi.ResourceState

	RepositoryUrl pulumi.StringOutput
}

// Lifecycle limits: untagged images expire after a week, and at most this
// many images are kept besides the ones the colours run.
const (
	untaggedImageDays = 7
	keptReleaseImages = 50
	neverExpire       = 10000
)

// LifecyclePolicyJSON is the ECR lifecycle policy document. Rule 1 matches
// the tags both colours run (the live one and the idle one a rollback flips
// to) and never expires them; ECR lets no lower-priority rule expire an
// image a higher one matched, so "keep the newest 50" cannot take a running
// or rollback image however many builds were pushed since.
func LifecyclePolicyJSON(running []string) string {
	var protected []any
	seen := map[string]bool{}
	for _, tag := range running {
		if tag != "" && !seen[tag] {
			seen[tag] = true
			protected = append(protected, tag)
		}
	}
	policy := map[string]any{
		"rules": []any{
			map[string]any{
				"rulePriority": 1,
				"description":  "Keep the images the colours run",
				"selection": map[string]any{
					"tagStatus":      "tagged",
					"tagPatternList": protected,
					"countType":      "imageCountMoreThan",
					"countNumber":    neverExpire,
				},
				"action": map[string]any{"type": "expire"},
			},
			map[string]any{
				"rulePriority": 2,
				"description":  "Expire untagged images after 7 days",
				"selection": map[string]any{
					"tagStatus":   "untagged",
					"countType":   "sinceImagePushed",
					"countUnit":   "days",
					"countNumber": untaggedImageDays,
				},
				"action": map[string]any{"type": "expire"},
			},
			map[string]any{
				"rulePriority": 3,
				"description":  "Keep the 50 most recent other images",
				"selection": map[string]any{
					"tagStatus":   "any",
					"countType":   "imageCountMoreThan",
					"countNumber": keptReleaseImages,
				},
				"action": map[string]any{"type": "expire"},
			},
		},
	}
	b, _ := json.Marshal(policy)
	return string(b)
}

// NewRegistry creates the ECR repository and its lifecycle policy.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	c := &Registry{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Registry", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name:               pulumi.String(args.RepositoryName),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("KMS")},
		},
		ForceDelete: pulumi.Bool(false),
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-lifecycle", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(LifecyclePolicyJSON(args.Running)),
	}, parent); err != nil {
		return nil, err
	}

	c.RepositoryUrl = repo.RepositoryUrl
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"repositoryUrl": c.RepositoryUrl}); err != nil {
		return nil, err
	}
	return c, nil
}
