package stack

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NetworkArgs configures the VPC.
type NetworkArgs struct {
	ClusterName string // subnets are tagged for this cluster's load balancer discovery
	VpcCidr     string // a /16
	AzCount     int
	NatGateways string // "perAz" or "single"
	Tags        pulumi.StringMap
}

// Network is a VPC over AzCount zones with one public and one private subnet per
// zone, an internet gateway and NAT gateway(s) for the private subnets.
type Network struct {
	pulumi.ResourceState

	VpcId             pulumi.StringOutput
	PublicSubnetIds   pulumi.StringArrayOutput
	PrivateSubnetIds  pulumi.StringArrayOutput
	AvailabilityZones []string
}

// SubnetCidrs splits a /16 into public /20s (from the bottom) and private /19s
// (from the middle), one of each per zone.
func SubnetCidrs(vpcCidr string, azCount int) (public, private []string, err error) {
	p, err := netip.ParsePrefix(vpcCidr)
	if err != nil || p.Bits() != 16 || !p.Addr().Is4() {
		return nil, nil, fmt.Errorf("vpc CIDR %q must be an IPv4 /16", vpcCidr)
	}
	b := p.Masked().Addr().As4()
	for i := 0; i < azCount; i++ {
		public = append(public, fmt.Sprintf("%d.%d.%d.0/20", b[0], b[1], i*16))
		private = append(private, fmt.Sprintf("%d.%d.%d.0/19", b[0], b[1], 128+i*32))
	}
	return public, private, nil
}

// NewNetwork creates the VPC and its subnets, gateways and routes.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	c := &Network{}
	if err := ctx.RegisterComponentResource("flashscale:infra:Network", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	// Regular zones only (no opted-in Local/Wavelength Zones).
	azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	if len(azs.Names) < args.AzCount {
		return nil, fmt.Errorf("invalid config %s: %d zones requested but the region has only %d available", fullKey("azCount"), args.AzCount, len(azs.Names))
	}
	c.AvailabilityZones = azs.Names[:args.AzCount]
	publicCidrs, privateCidrs, err := SubnetCidrs(args.VpcCidr, args.AzCount)
	if err != nil {
		return nil, err
	}

	withName := func(n string, extra pulumi.StringMap) pulumi.StringMap {
		m := pulumi.StringMap{"Name": pulumi.String(n)}
		for k, v := range args.Tags {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	clusterTag := "kubernetes.io/cluster/" + args.ClusterName

	vpc, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(args.VpcCidr),
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               withName(args.ClusterName, nil),
	}, parent)
	if err != nil {
		return nil, err
	}

	igw, err := ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
		VpcId: vpc.ID(),
		Tags:  withName(args.ClusterName, nil),
	}, parent)
	if err != nil {
		return nil, err
	}

	publicRT, err := ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
		VpcId: vpc.ID(),
		Routes: ec2.RouteTableRouteArray{
			ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), GatewayId: igw.ID()},
		},
		Tags: withName(args.ClusterName+"-public", nil),
	}, parent)
	if err != nil {
		return nil, err
	}

	var publicIds, privateIds pulumi.StringArray
	var natIds []pulumi.IDOutput
	for i, az := range c.AvailabilityZones {
		suffix := fmt.Sprintf("-%d", i)
		pub, err := ec2.NewSubnet(ctx, name+"-public"+suffix, &ec2.SubnetArgs{
			VpcId:               vpc.ID(),
			CidrBlock:           pulumi.String(publicCidrs[i]),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags: withName(fmt.Sprintf("%s-public-%s", args.ClusterName, az), pulumi.StringMap{
				"kubernetes.io/role/elb": pulumi.String("1"),
				clusterTag:               pulumi.String("shared"),
			}),
		}, parent)
		if err != nil {
			return nil, err
		}
		publicIds = append(publicIds, pub.ID().ToStringOutput())
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-public-rta"+suffix, &ec2.RouteTableAssociationArgs{
			SubnetId:     pub.ID(),
			RouteTableId: publicRT.ID(),
		}, parent); err != nil {
			return nil, err
		}

		if args.NatGateways == "perAz" || i == 0 {
			eip, err := ec2.NewEip(ctx, name+"-nat-eip"+suffix, &ec2.EipArgs{
				Domain: pulumi.String("vpc"),
				Tags:   withName(fmt.Sprintf("%s-nat-%s", args.ClusterName, az), nil),
			}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
			if err != nil {
				return nil, err
			}
			nat, err := ec2.NewNatGateway(ctx, name+"-nat"+suffix, &ec2.NatGatewayArgs{
				AllocationId: eip.ID(),
				SubnetId:     pub.ID(),
				Tags:         withName(fmt.Sprintf("%s-nat-%s", args.ClusterName, az), nil),
			}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
			if err != nil {
				return nil, err
			}
			natIds = append(natIds, nat.ID())
		}

		priv, err := ec2.NewSubnet(ctx, name+"-private"+suffix, &ec2.SubnetArgs{
			VpcId:            vpc.ID(),
			CidrBlock:        pulumi.String(privateCidrs[i]),
			AvailabilityZone: pulumi.String(az),
			Tags: withName(fmt.Sprintf("%s-private-%s", args.ClusterName, az), pulumi.StringMap{
				"kubernetes.io/role/internal-elb": pulumi.String("1"),
				clusterTag:                        pulumi.String("shared"),
			}),
		}, parent)
		if err != nil {
			return nil, err
		}
		privateIds = append(privateIds, priv.ID().ToStringOutput())
		natId := natIds[len(natIds)-1] // this zone's NAT, or the single shared one
		privateRT, err := ec2.NewRouteTable(ctx, name+"-private-rt"+suffix, &ec2.RouteTableArgs{
			VpcId: vpc.ID(),
			Routes: ec2.RouteTableRouteArray{
				ec2.RouteTableRouteArgs{CidrBlock: pulumi.String("0.0.0.0/0"), NatGatewayId: natId},
			},
			Tags: withName(fmt.Sprintf("%s-private-%s", args.ClusterName, az), nil),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-private-rta"+suffix, &ec2.RouteTableAssociationArgs{
			SubnetId:     priv.ID(),
			RouteTableId: privateRT.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}

	c.VpcId = vpc.ID().ToStringOutput()
	c.PublicSubnetIds = publicIds.ToStringArrayOutput()
	c.PrivateSubnetIds = privateIds.ToStringArrayOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vpcId":            c.VpcId,
		"publicSubnetIds":  c.PublicSubnetIds,
		"privateSubnetIds": c.PrivateSubnetIds,
	}); err != nil {
		return nil, err
	}
	return c, nil
}
