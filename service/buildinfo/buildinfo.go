// Package buildinfo holds what was built: set at link time with
//
//	-ldflags "-X github.com/flashscale/flashscale/service/buildinfo.Version=1.4.0
//	          -X github.com/flashscale/flashscale/service/buildinfo.Commit=abc1234
//	          -X github.com/flashscale/flashscale/service/buildinfo.BuildTime=2026-11-25T10:00:00Z"
//
// so one image carries its own identity; the colour is never built in.
package buildinfo

// Link-time values; the defaults mark an unstamped local build.
var (
	Version   = "dev"
	Commit    = "unknown"
	BuildTime = "unknown"
)
