#!/usr/bin/env bash
# Builds Prometheus 3.x (`prometheus` and `promtool`) from the Go module
# github.com/prometheus/prometheus, the release production runs
# (kube-prometheus-stack 82.8.0 ships Prometheus v3.10.0, Go module
# v0.310.0), so the dashboard and alert-rule tests run on the same rule
# engine and PromQL as the cluster, not only on Debian's 2.42.
#
#   bash .ci/prometheus3/build.sh          # prints the directory holding both binaries
#
# The scratch module beside this script (go.mod, go.sum, tools.go) pins the
# version and every dependency. The binaries land in
#   ${FLASHSCALE_TOOLS_CACHE:-$HOME/.cache/flashscale-tools}/prometheus-<key>/
# where <key> hashes the scratch module and the Go version, outside the
# clone, so a second run (and every later CI run on the machine) reuses them.
# The web UI's assets are not part of the Go module: the server answers its
# HTTP API, which is all the tests use.
#
# Progress goes to stderr at least every 30 s (a cold build takes minutes on
# a busy 2-core machine); the only line on stdout is the directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=$(awk '$1 == "require" && $2 == "github.com/prometheus/prometheus" {print $3}' "$here/go.mod")
[ -n "$version" ] || { echo "prometheus3: no github.com/prometheus/prometheus requirement in $here/go.mod" >&2; exit 1; }
# v0.310.0 is Prometheus v3.10.0: the module's minor encodes major*100+minor.
release=$(echo "$version" | awk -F'[v.]' '{printf "%d.%d.%d", int($3/100), $3%100, $4}')

key=$( (cat "$here/go.mod" "$here/go.sum" "$here/tools.go"; go env GOVERSION GOOS GOARCH) | sha256sum | cut -c1-16)
cache=${FLASHSCALE_TOOLS_CACHE:-$HOME/.cache/flashscale-tools}
out="$cache/prometheus-$key"

if [ -x "$out/prometheus" ] && [ -x "$out/promtool" ]; then
  echo "prometheus3: Prometheus $release already built in $out" >&2
  echo "$out"
  exit 0
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.prometheus-$key.XXXXXX")
chmod 755 "$tmp"
ticker=""
cleanup() {
  [ -n "$ticker" ] && kill "$ticker" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "prometheus3: building Prometheus $release (module $version) into $out" >&2
start=$(date +%s)
( while sleep 30; do echo "prometheus3: still building Prometheus $release ($(( $(date +%s) - start ))s)" >&2; done ) &
ticker=$!

ldflags="-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=module-$version"
(
  cd "$here"
  # -mod=readonly: the committed go.sum is the whole truth; a missing sum
  # fails here instead of being fetched silently.
  CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
    github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool
)
"$tmp/prometheus" --version >/dev/null
"$tmp/promtool" --version >/dev/null

# Another build may have finished first; either result is the same binaries.
rm -rf "$out.old"
[ -d "$out" ] && mv "$out" "$out.old"
mv "$tmp" "$out"
rm -rf "$out.old"
echo "prometheus3: built Prometheus $release in $(( $(date +%s) - start ))s" >&2
echo "$out"
