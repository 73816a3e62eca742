#!/usr/bin/env bash
# Checks, in seconds and before anything else runs, the two toolchains
# FlashScale's build cannot install for you:
#   go    the version go.mod's `go` line requires
#   node  a Node.js that every package in webapp/package-lock.json accepts
#         (Vite 8, ESLint 10 and jsdom 27 declare these engines), with npm
# Usage: prereqs.sh [go] [node]. `make run`, `make test` and .ci/deps.sh
# run it first. Sourced, it only defines its functions (tests use them).
set -euo pipefail

# The Node.js versions every package in webapp/package-lock.json accepts
# (service/web/prereqs_test.go fails when the lock file and this disagree).
NODE_RANGE="^20.19.0 || ^22.13.0 || >=24.0.0"
NODE_INSTALL="install Node.js 22 LTS (https://nodejs.org/en/download, or the NodeSource or nvm packages); Debian bookworm's own nodejs package is Node 18 and too old"

# version_ge A B: A >= B for dotted versions (1.26.6, 20.19.0; missing parts are 0).
version_ge() {
  local IFS=.
  local -a a=($1) b=($2)
  local i
  for i in 0 1 2; do
    if ((10#${a[i]:-0} != 10#${b[i]:-0})); then
      ((10#${a[i]:-0} > 10#${b[i]:-0}))
      return
    fi
  done
}

# version_in_range V RANGE: V satisfies an npm-style range made of `^X.Y.Z`
# and `>=X.Y.Z` terms joined by `||` (the forms NODE_RANGE uses).
version_in_range() {
  local v=$1 term
  local IFS='|'
  for term in $2; do
    term=${term// /}
    case $term in
      '') ;;
      '^'*) # same major version, at least this one
        local base=${term:1}
        [[ ${v%%.*} == "${base%%.*}" ]] && version_ge "$v" "$base" && return 0 ;;
      '>='*) version_ge "$v" "${term:2}" && return 0 ;;
      *) echo "prereqs: cannot read range term '$term'" >&2; return 2 ;;
    esac
  done
  return 1
}

fail() {
  echo "prereqs: $*" >&2
  exit 1
}

# Only bash builtins besides go and node: this runs before anything else
# is known to be there.
repo_root() {
  local here=${BASH_SOURCE[0]%/*}
  [[ $here == "${BASH_SOURCE[0]}" ]] && here=.
  (cd "$here/.." && pwd)
}

check_go() {
  local root want="" key val have
  root=$(repo_root)
  while read -r key val _; do
    if [[ $key == go ]]; then want=$val; fi
  done <"$root/go.mod"
  [[ $want =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] || fail "cannot read the go line of $root/go.mod"
  command -v go >/dev/null 2>&1 ||
    fail "Go is not installed: FlashScale needs Go $want or newer (go.mod); install it from https://go.dev/dl"
  # Run in the module so a GOTOOLCHAIN setting that allows switching is honoured.
  have=$(cd "$root" && go env GOVERSION 2>&1) ||
    fail "'go env GOVERSION' failed: $have. FlashScale needs Go $want or newer (go.mod); install it from https://go.dev/dl"
  have=${have#go}
  have=${have%%[!0-9.]*} # go1.27rc1 -> 1.27
  version_ge "$have" "$want" ||
    fail "Go $have is too old: go.mod needs Go $want or newer; install it from https://go.dev/dl (Debian's golang package is older)"
}

check_node() {
  local have
  command -v node >/dev/null 2>&1 ||
    fail "Node.js is not installed: the web shop's build needs Node.js $NODE_RANGE with npm; $NODE_INSTALL"
  have=$(node --version 2>&1) || fail "'node --version' failed: $have; $NODE_INSTALL"
  have=${have#v}
  [[ $have =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || fail "cannot read the Node.js version '$have'; $NODE_INSTALL"
  have=${BASH_REMATCH[0]}
  version_in_range "$have" "$NODE_RANGE" ||
    fail "Node.js $have cannot build the web shop: Vite 8 and ESLint 10 need Node.js $NODE_RANGE; $NODE_INSTALL"
  command -v npm >/dev/null 2>&1 ||
    fail "npm is missing (Node.js $have is installed without it): install the npm that comes with Node.js; $NODE_INSTALL"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  for what in "${@:-go node}"; do
    for w in $what; do
      case $w in
        go) check_go ;;
        node) check_node ;;
        *) fail "unknown check '$w' (go, node)" ;;
      esac
    done
  done
fi
