// Command pulumi-language-go is a small Pulumi language host for `runtime: go`
// projects, so the real Pulumi CLI can run FlashScale's program from
// Pulumi.yaml in the real-engine tests (the upstream host's module,
// github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, is not served by the
// module proxy this project builds from).
//
// It implements what preview, up, refresh and destroy call. Run uses the
// prebuilt program named by the runtime option `binary` when there is one, or
// `go build`s the program directory, and starts it with the PULUMI_*
// environment that pulumi.Run reads. Required plugins are reported as none:
// the engine then loads providers as the program registers resources, from
// plugins installed with `pulumi plugin install --file`.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/constant"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

const version = "3.274.1-flashscale"

func main() {
	// The engine starts the host as `pulumi-language-go [flags] ENGINE_ADDRESS`.
	engine := ""
	for _, a := range os.Args[1:] {
		if len(a) > 0 && a[0] != '-' {
			engine = a
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cancel := make(chan bool)
	if engine != "" {
		// Exit with the engine: a host left behind would hold its port.
		go func() { _ = rpcutil.Healthcheck(ctx, engine, 5*time.Minute, stop) }()
		go func() { <-ctx.Done(); close(cancel) }()
	}
	h := &host{engine: engine}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-go:", err)
		os.Exit(1)
	}
	fmt.Println(handle.Port) // the engine reads the port from the first line of stdout
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-go:", err)
		os.Exit(1)
	}
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if a := req.GetEngineAddress(); a != "" {
		h.engine = a
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies has nothing to do: `go build` fetches modules itself.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	goBin, _ := exec.LookPath("go")
	return &pulumirpc.AboutResponse{Executable: goBin, Version: runtime.Version()}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Run builds (or finds) the program and runs it against the engine's resource monitor.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	bin, cleanup, failure := h.program(ctx, req)
	if failure != "" {
		return &pulumirpc.RunResponse{Error: failure}, nil
	}
	defer cleanup()

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.GetConfigSecretKeys())
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		pulumi.EnvProject+"="+req.GetProject(),
		pulumi.EnvStack+"="+req.GetStack(),
		pulumi.EnvOrganization+"="+req.GetOrganization(),
		pulumi.EnvConfig+"="+string(config),
		pulumi.EnvConfigSecretKeys+"="+string(secretKeys),
		pulumi.EnvDryRun+"="+strconv.FormatBool(req.GetDryRun()),
		pulumi.EnvParallel+"="+strconv.Itoa(int(req.GetParallel())),
		pulumi.EnvMonitor+"="+req.GetMonitorAddress(),
		pulumi.EnvEngine+"="+h.engine,
		pulumi.EnvPulumiRootDirectory+"="+req.GetInfo().GetRootDirectory(),
	)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == constant.ExitStatusLoggedError {
			// The program already reported its error through the engine.
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("running %s: %v", bin, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// program returns the program binary: the runtime option `binary` (relative
// to the working directory), or a fresh `go build` of the program directory.
// A non-empty failure is reported to the engine as the run's error.
func (h *host) program(ctx context.Context, req *pulumirpc.RunRequest) (bin string, cleanup func(), failure string) {
	cleanup = func() {}
	if opts := req.GetInfo().GetOptions(); opts != nil {
		if b, _ := opts.AsMap()["binary"].(string); b != "" {
			if !filepath.IsAbs(b) {
				b = filepath.Join(req.GetPwd(), b)
			}
			return b, cleanup, ""
		}
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetPwd()
	}
	tmp, err := os.MkdirTemp("", "pulumi-go-program-")
	if err != nil {
		return "", cleanup, err.Error()
	}
	cleanup = func() { _ = os.RemoveAll(tmp) }
	bin = filepath.Join(tmp, "program")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		cleanup()
		return "", func() {}, fmt.Sprintf("go build in %s: %v\n%s", dir, err, out)
	}
	return bin, cleanup, ""
}
