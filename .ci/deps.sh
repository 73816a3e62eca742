#!/usr/bin/env bash
# Installs and starts what the test suite talks to for real: PostgreSQL,
# Prometheus + promtool, Alertmanager + amtool, Locust, Chromium, Groovy and
# aiosmtpd (a real SMTP server),
# from Debian's packages. Prometheus 3.x, which CI also runs the dashboard
# tests on, is built from Go by .ci/prometheus3/build.sh (make test).
# Go and Node.js are checked first (.ci/prereqs.sh) and never installed here:
# Debian's are too old (bookworm's nodejs is 18; the web shop needs 20.19+).
# Idempotent: a machine that has everything running is left alone. Needs
# root (or sudo) only when something is missing.
#
# To add a Debian package: one `want` line (the package, then a command that
# succeeds when it is there). To add anything else that takes a while (a
# build, a download from a registry): one `step` line further down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/prereqs.sh go node

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
want() {
  local pkg=$1
  shift
  if ! "$@" >/dev/null 2>&1 && [[ " ${need[*]} " != *" $pkg "* ]]; then need+=("$pkg"); fi
}

# step WHAT COMMAND...: says what is about to take a while, then runs it
# with a line every 30 s while it works, and how long it took. The command
# runs where `set -e` does not apply: it must return its failures itself.
step() {
  local what=$1 start=$SECONDS ticker rc=0
  shift
  echo "deps: $what"
  # sleep must not hold stdout open: a reader of this output waits for EOF.
  (while sleep 30 </dev/null >/dev/null 2>&1; do echo "deps: ... still $what ($((SECONDS - start))s)"; done) &
  ticker=$!
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$rc" != 0 ]; then
    echo "deps: FAILED: $what (exit $rc)" >&2
    exit "$rc"
  fi
  echo "deps: done in $((SECONDS - start))s: $what"
}

want postgresql       command -v pg_ctlcluster
want prometheus       test -x /usr/bin/prometheus
want prometheus       command -v promtool
# amtool checks and routes the rendered Alertmanager config; the live test
# delivers real alerts through the server (dashboards/).
want prometheus-alertmanager command -v amtool
want prometheus-alertmanager test -x /usr/bin/prometheus-alertmanager
# From /, or the repo's own locust/ directory passes for the package (a
# namespace package) and a machine without Locust is never given it.
want python3-locust   sh -c "cd / && /usr/bin/python3 -c 'from locust import LoadTestShape'"
want chromium         test -x /usr/bin/chromium
want groovy           command -v groovy # parses the Jenkinsfile in tests
# The real SMTP server the confirmation email tests deliver to
# (service/mail/smtptest); Debian's python3, not one earlier on PATH.
want python3-aiosmtpd sh -c "cd / && /usr/bin/python3 -c 'import aiosmtpd.controller'"

apt_install() {
  # -q keeps one line per package (Get:, Unpacking, Setting up) as progress.
  $SUDO apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "$@" |
    { grep --line-buffered -Ev '^(Selecting previously unselected|Preparing to unpack|\(Reading database)' || true; }
}
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]} from Debian (minutes on a fresh machine: Chromium and Groovy's Java are large)" apt_install "${need[@]}"
fi

# PostgreSQL: start the cluster when nothing answers on 127.0.0.1:5432, and
# make sure the local 'postgres' role can connect over TCP without a password
# (the tests' default URL), as on the CI machine.
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
start_postgres() {
  local ver hba
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then echo "deps: postgresql installed but no cluster found" >&2; return 1; fi
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba" || return
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start || return
  for _ in $(seq 1 30); do pg_up && return; sleep 1; done
}
if ! pg_up; then step "starting PostgreSQL" start_postgres; fi
pg_up || { echo "deps: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }

echo "deps: PostgreSQL, Prometheus, promtool, Alertmanager, amtool, Locust, Chromium, Groovy, aiosmtpd, Go and Node.js are ready"
