#!/usr/bin/env bash
# Runs the Locust flash-sale test for real against the real flashscale
# binary on a free loopback port with a fresh SQLite store, twice:
#
#  1. the seed's own command, plain: `-f locustfile.py --headless -u -r
#     --run-time` (no shape), straight at the server;
#  2. the sale shape at 1% scale (-f locustfile.py,flash_sale_shape.py, 4 s
#     stages, about 32 s) through locust/fault_proxy.py, which loses the
#     answer of every 8th checkout (502, 504, or a dropped connection) after
#     the server processed it: shoppers must retry with the same
#     Idempotency-Key and get the same order back.
#
# Each run's CSV statistics are checked (locust/check_stats.py), and the
# orders the server placed (flashscale_orders_placed_total) are compared
# with the orders Locust's shoppers were confirmed: none lost, none twice.
# The doorbuster gets 2 units so the sale sells it out and the sold-out
# path is exercised too.
#
#   FLASHSCALE_BIN=bin/flashscale bash locust/ci.sh   # or unset: builds one
#
# Exits non-zero on any problem; the last line is `locust: N passed, M failed`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
SCALE=0.01
STAGE_SECONDS=4
PEAK_USERS=50 # FlashSaleShape's 5000-user peak at SCALE
HOT_STOCK=2
PLAIN_USERS=10
PLAIN_SECONDS=10
FAULT_EVERY=8

work=$(mktemp -d)
server_pid=""
proxy_pid=""
cleanup() {
  for pid in "$server_pid" "$proxy_pid"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

die() {
  echo "locust/ci.sh: $*" >&2
  if [ -s "$work/server.log" ]; then
    echo "--- last lines of the server log ---" >&2
    tail -n 30 "$work/server.log" >&2
  fi
  echo "locust: 0 passed, 1 failed"
  exit 1
}

"$PY" -c 'import locust' 2>/dev/null || die "Locust is missing: apt-get install python3-locust (or make deps)"

# check_stats.py must itself catch a bad run before it is trusted on a good one.
"$PY" -m unittest discover -s "$here" -p 'test_*.py' -q 2>"$work/unittest.log" \
  || { cat "$work/unittest.log" >&2; die "check_stats.py self-test failed"; }

bin=${FLASHSCALE_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && CGO_ENABLED=0 go build -o "$work/flashscale" ./service/cmd/flashscale) || die "building flashscale failed"
  bin=$work/flashscale
fi
[ -x "$bin" ] || die "FLASHSCALE_BIN=$bin is not an executable"

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
url="http://127.0.0.1:$port"

# DATABASE_URL is emptied so an inherited one cannot move the test off SQLite.
# Loopback is the trusted proxy: each shopper's X-Forwarded-For is its own
# address for the per-address sign-in limit, as behind a load balancer.
PORT=$port FLASHSCALE_DATA_DIR="$work/data" FLASHSCALE_ADMIN_TOKEN=$token DATABASE_URL= \
  FLASHSCALE_TRUSTED_PROXIES=127.0.0.1/32 \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

# Wait for readiness, then make the first listed product (the locustfile's
# default doorbuster) scarce.
"$PY" - "$url" "$token" "$HOT_STOCK" "$server_pid" <<'EOF' || die "server setup failed"
import json, os, sys, time, urllib.request

url, token, hot_stock, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
deadline = time.time() + 60
while True:
    try:
        with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    if not os.path.exists(f"/proc/{pid}") or time.time() > deadline:
        sys.exit("flashscale did not become ready")
    time.sleep(0.1)

with urllib.request.urlopen(url + "/api/products", timeout=5) as r:
    hot = json.load(r)["products"][0]["id"]
req = urllib.request.Request(
    f"{url}/api/admin/products/{hot}/stock", method="PUT",
    data=json.dumps({"stock": hot_stock}).encode(),
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=5) as r:
    assert r.status == 200, r.status
# The listing is served from memory, refreshed every second.
deadline = time.time() + 5
while True:
    with urllib.request.urlopen(url + "/api/products", timeout=5) as r:
        if json.load(r)["products"][0]["stock"] == hot_stock:
            break
    if time.time() > deadline:
        sys.exit("the listing never showed the new stock")
    time.sleep(0.1)
print(f"doorbuster {hot}: {hot_stock} units")
EOF

# orders_placed prints the server's flashscale_orders_placed_total.
orders_placed() {
  "$PY" - "$url" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/metrics", timeout=5) as r:
    for line in r.read().decode().splitlines():
        if line.startswith("flashscale_orders_placed_total "):
            print(int(float(line.split()[1])))
            break
    else:
        sys.exit("no flashscale_orders_placed_total in /metrics")
EOF
}

rc=0
# --stop-timeout lets a shopper finish the task it is in when the run ends
# (its retries included), so every order the server placed is one a shopper
# was told of, or one it counted as never answered: the audit is exact.
common_env=(FS_HOT_RATIO=0.5 FS_THINK_MIN=0.5 FS_THINK_MAX=1.5 FS_REQUEST_TIMEOUT=10)

# 1. The seed's command, as documented: no shape, -u/-r/--run-time.
echo "locust/ci.sh: plain run, -u $PLAIN_USERS -r 5 --run-time ${PLAIN_SECONDS}s"
set +e
(cd "$here" && env "${common_env[@]}" FS_AUDIT_FILE="$work/plain-audit.json" \
  timeout 120 "$PY" -m locust -f locustfile.py --headless -u "$PLAIN_USERS" -r 5 --run-time "${PLAIN_SECONDS}s" \
    --host "$url" --csv "$work/plain" --only-summary --loglevel WARNING --stop-timeout 30)
plain_rc=$?
set -e
before=$(orders_placed) || die "reading the server's metrics failed"
"$PY" "$here/check_stats.py" "$work/plain" --some-routes --spawned-users "$PLAIN_USERS" --exit-code locust="$plain_rc" \
  --audit "$work/plain-audit.json" --server-orders "$before" || rc=1

# 2. The sale shape, through a proxy that loses checkout answers.
"$PY" "$here/fault_proxy.py" --backend "$url" --every "$FAULT_EVERY" \
  --port-file "$work/proxy.port" --stats-file "$work/proxy.json" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 50); do [ -s "$work/proxy.port" ] && break; sleep 0.1; done
[ -s "$work/proxy.port" ] || die "fault_proxy.py did not start: $(cat "$work/proxy.log")"
proxy_url="http://127.0.0.1:$(cat "$work/proxy.port")"

echo "locust/ci.sh: sale shape at ${SCALE} scale through the fault proxy (every ${FAULT_EVERY}th checkout answer lost)"
set +e
(cd "$here" && env "${common_env[@]}" FS_AUDIT_FILE="$work/sale-audit.json" \
  FS_SHAPE_SCALE=$SCALE FS_SHAPE_STAGE_SECONDS=$STAGE_SECONDS FS_SHAPE_STEP_SECONDS=1 \
  timeout 300 "$PY" -m locust -f locustfile.py,flash_sale_shape.py --headless --host "$proxy_url" \
    --csv "$work/locust" --only-summary --loglevel WARNING --stop-timeout 30)
locust_rc=$?
set -e
after=$(orders_placed) || die "reading the server's metrics failed"
set +e
kill -TERM "$proxy_pid"
wait "$proxy_pid"
proxy_rc=$?
proxy_pid=""
kill -TERM "$server_pid"
wait "$server_pid"
server_rc=$?
server_pid=""
set -e
if [ "$server_rc" != 0 ]; then
  echo "--- server log ---" >&2
  tail -n 30 "$work/server.log" >&2
fi

"$PY" "$here/check_stats.py" "$work/locust" --expect-outcome sold_out --expect-outcome unknown_outcome \
  --expect-outcome replay --peak-users "$PEAK_USERS" \
  --exit-code locust="$locust_rc" --exit-code proxy="$proxy_rc" --exit-code server="$server_rc" \
  --audit "$work/sale-audit.json" --server-orders "$((after - before))" --faults "$work/proxy.json" || rc=1
exit "$rc"
