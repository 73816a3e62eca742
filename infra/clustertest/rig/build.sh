#!/usr/bin/env bash
# Builds the tools of the real-engine tests (infra/clustertest) from the Go
# module proxy: the Pulumi CLI, a Go language host, the Kubernetes provider
# plugin, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# etcd and KWOK, and copies the prometheus-operator CRDs and KWOK's stages.
#
# Each tool is built once into its own folder of the cache, keyed by a hash of
# its scratch module (src/<tool>), of its recipe below and of the Go version,
# so a fresh clone on the same machine (CI) reuses it and a change to one
# scratch module rebuilds only that tool. $CACHE/bin holds hard links to the
# current binaries, $CACHE/share symlinks to the current data files.
#
#   build.sh [tool...]    build every tool, or only the named ones
#   FLASHSCALE_RIG_CACHE  cache folder (default $HOME/.cache/flashscale-rig)
#
# From empty Go caches the whole set takes 15-20 minutes of a quiet 2-core
# machine (about 1,900 CPU-seconds, 4.5 GB peak memory, 10 GB of build cache)
# and up to an hour on a busy one; a progress line comes every 30 seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${FLASHSCALE_RIG_CACHE:-$HOME/.cache/flashscale-rig}
mkdir -p "$cache/bin" "$cache/share"
export GOFLAGS="-mod=readonly -buildvcs=false"
gover=$(go env GOVERSION)

# Versions the binaries report. The SDK in go.mod asks the engine for the
# kubernetes plugin v4.32.0; `pulumi plugin install --file` registers the
# built one under that version.
pulumi_version=v3.274.1
k8s_version=v1.35.4
provider_version=4.32.0

# progress <name> <log>: a line every 30 s while a build runs, so a cold build is never silent.
progress() {
  local name=$1 log=$2 start=$SECONDS
  while sleep 30; do
    echo "rig:   $name: still compiling after $((SECONDS - start)) s ($(grep -c . "$log" 2>/dev/null || echo 0) packages so far)"
  done
}

# gobuild <name> <dir> <log> <go build args...>
gobuild() {
  local name=$1 dir=$2 log=$3 rc=0 ticker
  shift 3
  progress "$name" "$log" &
  ticker=$!
  (cd "$dir" && go build -v -trimpath "$@") >>"$log" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null
  wait "$ticker" 2>/dev/null || true
  if [ $rc != 0 ]; then
    echo "rig: building $name failed; the last lines of $log:" >&2
    tail -n 30 "$log" >&2
    return $rc
  fi
}

# moddir <dir> <module>: where the module zip of a scratch module's requirement is unpacked.
moddir() { (cd "$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2"); }

# Recipes: build_<tool> <scratch module copy> <log> <output folder>.
build_pulumi_cli() {
  gobuild pulumi "$1" "$2" -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version" \
    -o "$3/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_langhost() {
  gobuild pulumi-language-go "$1" "$2" -ldflags "-s -w" -o "$3/bin/pulumi-language-go" .
}

build_k8s_provider() {
  # The provider's main package embeds schema-embed.json, which its module zip
  # lacks: copy the main package into the scratch module and regenerate it.
  local mod cmd=$1/cmd/pulumi-resource-kubernetes
  mod=$(moddir "$1" github.com/pulumi/pulumi-kubernetes/provider/v4)
  mkdir -p "$cmd"
  cp "$mod"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} "$cmd"/
  chmod u+w "$cmd"/*
  (cd "$cmd" && VERSION=$provider_version go run generate.go) >>"$2" 2>&1
  gobuild pulumi-resource-kubernetes "$1" "$2" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$provider_version" \
    -o "$3/bin/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
}

build_k8s() {
  local ld="-s -w" p c minor=${k8s_version#v1.}
  minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$k8s_version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
  done
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    gobuild "$c" "$1" "$2" -ldflags "$ld" -o "$3/bin/$c" "k8s.io/kubernetes/cmd/$c"
  done
}

build_etcd() {
  gobuild etcd "$1" "$2" -ldflags "-s -w" -o "$3/bin/etcd" .
}

build_kwok() {
  local mod
  mod=$(moddir "$1" sigs.k8s.io/kwok)
  gobuild kwok "$1" "$2" -ldflags "-s -w" -o "$3/bin/kwok" sigs.k8s.io/kwok/cmd/kwok
  # The stages that make fake nodes Ready and keep them so (heartbeats and
  # node leases, or the node controller would evict every pod), and carry
  # pods through to Running and Ready.
  local f
  mkdir -p "$3/share/kwok-stages"
  for f in "$mod"/kustomize/stage/{node/fast,node/heartbeat-with-lease,pod/fast}/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] || cp "$f" "$3/share/kwok-stages/"
  done
}

build_prometheus_operator_crds() {
  # Not a dependency of anything built: download the pinned zip on its own
  # and check it against the scratch module's go.sum.
  local m=github.com/prometheus-operator/prometheus-operator v want got json mod
  v=$(awk -v m=$m '$1 == "require" && $2 == m {print $3}' "$1/go.mod")
  want=$(awk -v m=$m -v v="$v" '$1 == m && $2 == v {print $3}' "$1/go.sum")
  json=$(cd "$(mktemp -d)" && GOFLAGS= go mod download -json "$m@$v")
  got=$(echo "$json" | awk -F'"' '$2 == "Sum" {print $4}')
  mod=$(echo "$json" | awk -F'"' '$2 == "Dir" {print $4}')
  if [ -z "$want" ] || [ "$got" != "$want" ]; then
    echo "rig: $m@$v: checksum $got, go.sum says $want" >&2
    return 1
  fi
  mkdir -p "$3/share/prometheus-operator-crds"
  cp "$mod"/example/prometheus-operator-crd/*.yaml "$3/share/prometheus-operator-crds/"
}

# tool (= scratch module under src/); its recipe is build_<tool with - as _>
tools=(pulumi-cli langhost k8s-provider k8s etcd kwok prometheus-operator-crds)

key() { # key <tool> <recipe>: the scratch module, the recipe, the versions and the Go version
  {
    (cd "$here/src/$1" && cat $(ls | sort))
    declare -f "$2" gobuild
    echo "$gover $pulumi_version $k8s_version $provider_version"
  } | sha256sum | cut -c1-12
}

t0=$SECONDS
only=" $* "
for tool in "${tools[@]}"; do
  if [ $# -gt 0 ] && [[ $only != *" $tool "* ]]; then continue; fi
  recipe=build_${tool//-/_}
  out=$cache/$tool-$(key "$tool" "$recipe")
  if [ -f "$out/.complete" ]; then
    echo "rig: $tool cached ($out)"
  else
    echo "rig: building $tool into $out (the first time on a machine this takes minutes)"
    s=$SECONDS
    rm -rf "$out" "$out.work" "$out.tmp"
    mkdir -p "$out.work" "$out.tmp/bin"
    cp -r "$here/src/$tool/." "$out.work/"
    : >"$out.log"
    "$recipe" "$out.work" "$out.log" "$out.tmp"
    rm -rf "$out.work"
    mv "$out.tmp" "$out"
    touch "$out/.complete"
    echo "rig: built $tool in $((SECONDS - s)) s"
  fi
  # Hard links, not symlinks: the CLI looks for its bundled language host
  # (pulumi-language-go) beside its own resolved path.
  for f in "$out"/bin/*; do [ -e "$f" ] && ln -f "$f" "$cache/bin/$(basename "$f")"; done
  if [ -d "$out/share" ]; then
    for f in "$out"/share/*; do ln -sfn "$f" "$cache/share/$(basename "$f")"; done
  fi
done
echo "rig: tools ready in $cache/bin ($((SECONDS - t0)) s)"
