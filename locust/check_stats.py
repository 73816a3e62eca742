#!/usr/bin/python3
"""Check the CSV statistics of a headless Locust run of locustfile.py.

    check_stats.py PREFIX [--expect-outcome sold_out] [--allow-shed] [--peak-users N]
                   [--audit FILE --server-orders N] [--faults FILE]

PREFIX is what was given to `locust --csv`: PREFIX_stats.csv,
PREFIX_failures.csv, PREFIX_exceptions.csv and PREFIX_stats_history.csv are
read. --audit is the locustfile's FS_AUDIT_FILE and --server-orders the
server's flashscale_orders_placed_total after the run: together they prove
no order was lost or placed twice. --faults is fault_proxy.py's stats file:
every kind of lost answer must have been injected. Each check prints one line; the last line is
`locust: N passed, M failed`, and the exit status is 1 when any failed.
"""

import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shopper_routes import ACCOUNTS, OVERLOADED, TASK_ROUTES, outcome_name  # noqa: E402

AGGREGATED = "Aggregated"


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_checks(prefix, expect_outcomes=(), allow_shed=False, peak_users=None, exit_codes=(),
               audit=None, server_orders=None, faults=None, every_route=True, spawned_users=None):
    """Return a list of (ok, description) for the run stored under prefix.

    exit_codes are (process, code) pairs that must be 0. audit is the
    locustfile's audit (a dict), server_orders the orders the server placed;
    faults the fault proxy's stats (a dict).
    """
    results = []

    def check(ok, what):
        results.append((bool(ok), what))

    for process, code in exit_codes:
        check(code == 0, f"{process} exited 0 (got {code})")

    if audit is not None and server_orders is not None:
        confirmed, unresolved = audit["confirmedOrders"], audit["unresolvedCheckouts"]
        check(confirmed > 0, f"shoppers were confirmed orders ({confirmed})")
        # Every confirmed order exists; any extra one can only come from a
        # checkout whose answer was never received, even after retries.
        check(confirmed <= server_orders <= confirmed + unresolved,
              f"no order lost or placed twice: server placed {server_orders}, shoppers were confirmed "
              f"{confirmed} (+{unresolved} never answered)")
    if spawned_users is not None:
        got = (audit or {}).get("spawnedUsers", 0)
        check(got == spawned_users, f"Locust spawned the {spawned_users} users asked for with -u (got {got})")
    if faults is not None:
        kinds = faults.get("faults", {})
        for kind in ("502", "504", "drop"):
            n = kinds.get(kind, 0)
            check(n > 0, f"the proxy lost checkout answers as {kind} ({n} times)")

    try:
        stats = _rows(prefix + "_stats.csv")
        failures = _rows(prefix + "_failures.csv")
        exceptions = _rows(prefix + "_exceptions.csv")
    except OSError as e:
        check(False, f"read Locust CSV files: {e}")
        return results

    by_key = {(r["Type"], r["Name"]): r for r in stats}
    total = next((r for r in stats if r["Name"] == AGGREGATED), None)
    check(total is not None and int(total["Request Count"]) > 0,
          "the run made requests" + ("" if total else " (no Aggregated row)"))
    n_fail = int(total["Failure Count"]) if total else 0
    detail = "; ".join(f'{f["Method"]} {f["Name"]}: {f["Error"]} x{f["Occurrences"]}' for f in failures[:5])
    check(total is not None and n_fail == 0, f"zero failed requests (got {n_fail}{': ' + detail if detail else ''})")
    check(not exceptions, "no exceptions in the locustfile"
          + ("" if not exceptions else f" (got {exceptions[0]['Message']!r})"))

    for method, name in TASK_ROUTES + (ACCOUNTS,) if every_route else ():
        row = by_key.get((method, name))
        n = int(row["Request Count"]) if row else 0
        check(n > 0, f"{method} {name} exercised ({n} requests)")

    def outcome_count(outcome):
        # The sale's routes: a registration shed at a spawn burst is the
        # hashing limit doing its job, and is retried (a give-up fails).
        names = {outcome_name(route, outcome) for route in TASK_ROUTES}
        return sum(int(r["Request Count"]) for r in stats if r["Name"] in names)

    for outcome in expect_outcomes:
        n = outcome_count(outcome)
        check(n > 0, f"expected outcome [{outcome}] occurred ({n} responses, not counted as failures)")

    if not allow_shed:
        shed = outcome_count(OVERLOADED)
        check(shed == 0, f"no request was shed ({shed} overloaded responses)")

    if peak_users is not None:
        try:
            history = _rows(prefix + "_stats_history.csv")
            peak = max((int(r["User Count"]) for r in history), default=0)
        except (OSError, KeyError, ValueError) as e:
            check(False, f"read stats history: {e}")
        else:
            check(peak == peak_users, f"load shape peaked at {peak_users} users (got {peak})")
    return results


def _exit_code(value):
    name, sep, code = value.partition("=")
    if not sep or not name or not code.lstrip("-").isdigit():
        raise argparse.ArgumentTypeError(f"{value!r}: want PROCESS=CODE")
    return name, int(code)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefix", help="the --csv prefix of the Locust run")
    ap.add_argument("--expect-outcome", action="append", default=[],
                    help="an expected non-success outcome (e.g. sold_out) that must have occurred")
    ap.add_argument("--allow-shed", action="store_true",
                    help="accept 503 overloaded responses (they are retried by the shopper)")
    ap.add_argument("--peak-users", type=int, help="the user count the load shape must have reached")
    ap.add_argument("--exit-code", action="append", default=[], type=_exit_code, metavar="PROCESS=CODE",
                    help="an exit status that must be 0, e.g. locust=0 (repeatable)")
    ap.add_argument("--some-routes", action="store_true",
                    help="do not require every task's route to be exercised (a short run)")
    ap.add_argument("--spawned-users", type=int, help="the -u the run asked for (read from --audit)")
    ap.add_argument("--audit", help="the locustfile's FS_AUDIT_FILE")
    ap.add_argument("--server-orders", type=int, help="flashscale_orders_placed_total after the run")
    ap.add_argument("--faults", help="fault_proxy.py's --stats-file")
    args = ap.parse_args(argv)

    audit = faults = None
    pre = []
    for path, what in ((args.audit, "audit"), (args.faults, "faults")):
        if not path:
            continue
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            pre.append((False, f"read the {what} file {path}: {e}"))
            continue
        if what == "audit":
            audit = data
        else:
            faults = data
    if args.audit and args.server_orders is None:
        pre.append((False, "--audit needs --server-orders"))
    results = pre + run_checks(args.prefix, args.expect_outcome, args.allow_shed, args.peak_users, args.exit_code,
                               audit, args.server_orders, faults, not args.some_routes, args.spawned_users)
    for ok, what in results:
        print(("ok   " if ok else "FAIL ") + what)
    passed = sum(1 for ok, _ in results if ok)
    failed = len(results) - passed
    print(f"locust: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
