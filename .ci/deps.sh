#!/usr/bin/env bash
# Installs and starts what the test suite talks to for real: PostgreSQL,
# Prometheus + promtool, Alertmanager + amtool, Locust, Chromium, Groovy (and
# Node/npm for the web shop). Prometheus 3.x, which CI also runs the
# dashboard tests on, is built from Go by .ci/prometheus3/build.sh (make test).
# Idempotent: a machine that has them running is left alone. Needs root
# (or sudo) only when something is missing.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/prometheus ] || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# amtool checks and routes the rendered Alertmanager config; the live test
# delivers real alerts through the server (dashboards/).
{ command -v amtool >/dev/null 2>&1 && [ -x /usr/bin/prometheus-alertmanager ]; } || need+=(prometheus-alertmanager)
/usr/bin/python3 -c 'import locust' >/dev/null 2>&1 || need+=(python3-locust)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v groovy >/dev/null 2>&1 || need+=(groovy) # parses the Jenkinsfile in tests
command -v go >/dev/null 2>&1 || { echo "deps: Go 1.26 is required (https://go.dev/dl)" >&2; exit 1; }

if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL: start the cluster when nothing answers on 127.0.0.1:5432, and
# make sure the local 'postgres' role can connect over TCP without a password
# (the tests' default URL), as on the CI machine.
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q; }
if ! pg_up; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -z "$ver" ]; then echo "deps: postgresql installed but no cluster found" >&2; exit 1; fi
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "deps: PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
echo "deps: PostgreSQL, Prometheus, promtool, Alertmanager, amtool, Locust, Chromium and npm are ready"
