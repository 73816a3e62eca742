#!/usr/bin/env bash
# Runs the Locust flash-sale test for real, at 1% scale: the real flashscale
# binary on a free loopback port with a fresh SQLite store, Locust headless
# through the whole FlashSaleShape (4 s stages, about 32 s), then checks the
# CSV statistics (locust/check_stats.py). The doorbuster gets 2 units so
# the sale sells it out and the sold-out path is exercised too.
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

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
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
PORT=$port FLASHSCALE_DATA_DIR="$work/data" FLASHSCALE_ADMIN_TOKEN=$token DATABASE_URL= \
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

set +e
(cd "$here" && FS_SHAPE=on FS_SHAPE_SCALE=$SCALE FS_SHAPE_STAGE_SECONDS=$STAGE_SECONDS FS_HOT_RATIO=0.5 \
  FS_THINK_MIN=0.5 FS_THINK_MAX=1.5 \
  timeout 300 "$PY" -m locust -f locustfile.py --headless --host "$url" \
    --csv "$work/locust" --only-summary --loglevel WARNING)
locust_rc=$?

kill -TERM "$server_pid"
wait "$server_pid"
server_rc=$?
server_pid=""
set -e
if [ "$server_rc" != 0 ]; then
  echo "--- server log ---" >&2
  tail -n 30 "$work/server.log" >&2
fi

rc=0
"$PY" "$here/check_stats.py" "$work/locust" --expect-outcome sold_out --peak-users "$PEAK_USERS" \
  --exit-code locust="$locust_rc" --exit-code server="$server_rc" || rc=$?
exit "$rc"
