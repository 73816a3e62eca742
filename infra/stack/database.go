package stack

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Database name and master user of the service's PostgreSQL database.
const (
	DatabaseName = "flashscale"
	DatabaseUser = "flashscale"
	DatabasePort = 5432
)

// DatabaseArgs configures the RDS instance.
type DatabaseArgs struct {
	Config              *Config
	VpcId               pulumi.StringInput
	SubnetIds           pulumi.StringArrayInput
	NodeSecurityGroupId pulumi.StringInput // the only source allowed on 5432
	Tags                pulumi.StringMap
}

// Database is an encrypted, private RDS PostgreSQL instance reachable only from
// the cluster nodes' security group.
type Database struct {
	pulumi.ResourceState

	// Endpoint is host:port (not secret).
	Endpoint pulumi.StringOutput
	// URL is the app's DATABASE_URL (secret: it embeds the password). It only
	// ever goes into a Kubernetes Secret, never into stack outputs.
	URL pulumi.StringOutput
}

// NewDatabase creates the subnet group, security group and RDS instance.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	c := &Database{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Database", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	cfg := args.Config
	identifier := cfg.ClusterName

	subnets, err := rds.NewSubnetGroup(ctx, name+"-subnets", &rds.SubnetGroupArgs{
		Description: pulumi.String("Private subnets of " + identifier),
		SubnetIds:   args.SubnetIds,
		Tags:        args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	sg, err := ec2.NewSecurityGroup(ctx, name+"-sg", &ec2.SecurityGroupArgs{
		Description: pulumi.String("PostgreSQL from the EKS nodes only"),
		VpcId:       args.VpcId,
		Ingress: ec2.SecurityGroupIngressArray{
			ec2.SecurityGroupIngressArgs{
				Description:    pulumi.String("PostgreSQL from EKS nodes"),
				Protocol:       pulumi.String("tcp"),
				FromPort:       pulumi.Int(DatabasePort),
				ToPort:         pulumi.Int(DatabasePort),
				SecurityGroups: pulumi.StringArray{args.NodeSecurityGroupId},
			},
		},
		// No egress rules: the database never opens connections.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   args.Tags,
	}, parent)
	if err != nil {
		return nil, err
	}

	// A major upgrade needs AllowMajorVersionUpgrade, and only then: read
	// the running instance's version (none on the first `pulumi up`).
	allowMajor, err := majorUpgrade(ctx, identifier, cfg.DbEngineVersion, parent)
	if err != nil {
		return nil, err
	}

	instanceArgs := &rds.InstanceArgs{
		Identifier:               pulumi.String(identifier),
		Engine:                   pulumi.String("postgres"),
		EngineVersion:            pulumi.String(cfg.DbEngineVersion),
		InstanceClass:            pulumi.String(cfg.DbInstanceClass),
		AllocatedStorage:         pulumi.Int(cfg.DbAllocatedStorage),
		MaxAllocatedStorage:      pulumi.Int(cfg.DbAllocatedStorage * 4),
		StorageType:              pulumi.String("gp3"),
		StorageEncrypted:         pulumi.Bool(true),
		DbName:                   pulumi.String(DatabaseName),
		Username:                 pulumi.String(DatabaseUser),
		Password:                 cfg.DbPassword,
		Port:                     pulumi.Int(DatabasePort),
		DbSubnetGroupName:        subnets.Name,
		VpcSecurityGroupIds:      pulumi.StringArray{sg.ID().ToStringOutput()},
		PubliclyAccessible:       pulumi.Bool(false),
		MultiAz:                  pulumi.Bool(cfg.DbMultiAz),
		BackupRetentionPeriod:    pulumi.Int(cfg.DbBackupRetentionDays),
		BackupWindow:             pulumi.String("03:00-04:00"),
		CopyTagsToSnapshot:       pulumi.Bool(true),
		DeletionProtection:       pulumi.Bool(cfg.DbDeletionProtection),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		AllowMajorVersionUpgrade: pulumi.Bool(allowMajor),
		// Changes apply at `pulumi up`, not in the next maintenance window:
		// otherwise the nightly `--expect-no-changes` check stays red until
		// then. A class change is a failover (Multi-AZ) or a restart: plan it.
		ApplyImmediately:           pulumi.Bool(true),
		PerformanceInsightsEnabled: pulumi.Bool(true),
		SkipFinalSnapshot:          pulumi.Bool(!cfg.DbDeletionProtection),
		Tags:                       args.Tags,
	}
	if cfg.DbDeletionProtection {
		instanceArgs.FinalSnapshotIdentifier = pulumi.String(identifier + "-final")
	}
	db, err := rds.NewInstance(ctx, name+"-postgres", instanceArgs, parent)
	if err != nil {
		return nil, err
	}

	c.Endpoint = pulumi.Sprintf("%s:%d", db.Address, db.Port)
	c.URL = pulumi.ToSecret(pulumi.All(db.Address, db.Port, cfg.DbPassword).ApplyT(func(v []any) string {
		return DatabaseURL(v[0].(string), v[1].(int), v[2].(string))
	})).(pulumi.StringOutput)

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"endpoint": c.Endpoint}); err != nil {
		return nil, err
	}
	return c, nil
}

// DatabaseURL builds the service's DATABASE_URL: TLS with the server's
// certificate checked against the RDS CA bundle the pods mount, and its
// name against the host (verify-full), so nothing between the pod and RDS
// can pose as the database.
func DatabaseURL(host string, port int, password string) string {
	q := url.Values{"sslmode": {"verify-full"}, "sslrootcert": {DatabaseCAPath}}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(DatabaseUser, password),
		Host:     fmt.Sprintf("%s:%d", host, port),
		Path:     "/" + DatabaseName,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// majorUpgrade tells whether dbEngineVersion moves the running instance to
// a newer major version (RDS refuses that without AllowMajorVersionUpgrade)
// and refuses a downgrade, which RDS cannot do.
func majorUpgrade(ctx *pulumi.Context, identifier, wanted string, opts ...pulumi.InvokeOption) (bool, error) {
	found, err := rds.GetInstances(ctx, &rds.GetInstancesArgs{
		Filters: []rds.GetInstancesFilter{{Name: "db-instance-id", Values: []string{identifier}}},
	}, opts...)
	if err != nil {
		return false, fmt.Errorf("looking up database %s: %w", identifier, err)
	}
	if len(found.InstanceIdentifiers) == 0 {
		return false, nil // created at the wanted version
	}
	current, err := rds.LookupInstance(ctx, &rds.LookupInstanceArgs{DbInstanceIdentifier: &identifier}, opts...)
	if err != nil {
		return false, fmt.Errorf("reading database %s: %w", identifier, err)
	}
	have, want := majorOf(current.EngineVersion), majorOf(wanted)
	switch {
	case want < have:
		return false, fmt.Errorf("invalid config %s: %q is older than the running PostgreSQL %s (RDS cannot downgrade; restore a snapshot into a new stack instead)",
			fullKey("dbEngineVersion"), wanted, current.EngineVersion)
	case want > have:
		ctx.Log.Warn(fmt.Sprintf("database %s: major upgrade PostgreSQL %s -> %s at this `pulumi up` (a maintenance operation: minutes of downtime; snapshot first)",
			identifier, current.EngineVersion, wanted), nil)
		return true, nil
	}
	return false, nil
}

func majorOf(version string) int {
	n, _ := strconv.Atoi(strings.SplitN(version, ".", 2)[0])
	return n
}
