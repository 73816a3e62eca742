"""Self-test of check_stats.py on hand-made Locust CSV files (run by ci.sh
before the real run, with /usr/bin/python3 -m unittest)."""

import csv
import os
import tempfile
import unittest

from check_stats import run_checks
from shopper_routes import ACCOUNTS, CHECKOUT, OVERLOADED, QUOTE, SOLD_OUT, TASK_ROUTES, outcome_name

STATS_COLUMNS = ["Type", "Name", "Request Count", "Failure Count", "Median Response Time"]


class CheckStatsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.prefix = os.path.join(self.dir.name, "run")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, rows, failures=(), exceptions=(), peak=50):
        """rows: (method, name, requests, failures) per stats row."""
        total_req = sum(r[2] for r in rows)
        total_fail = sum(r[3] for r in rows)

        def dump(suffix, header, data):
            with open(self.prefix + suffix, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(data)

        dump("_stats.csv", STATS_COLUMNS,
             [[m, n, r, fl, 5] for m, n, r, fl in rows] + [["", "Aggregated", total_req, total_fail, 5]])
        dump("_failures.csv", ["Method", "Name", "Error", "Occurrences"], failures)
        dump("_exceptions.csv", ["Count", "Message", "Traceback", "Nodes"], exceptions)
        dump("_stats_history.csv", ["Timestamp", "User Count", "Type", "Name"],
             [[1, 0, "", "Aggregated"], [2, peak, "", "Aggregated"], [3, 1, "", "Aggregated"]])

    def good_rows(self):
        return ([(m, n, 10, 0) for m, n in TASK_ROUTES + (ACCOUNTS,)]
                + [(CHECKOUT[0], outcome_name(CHECKOUT, SOLD_OUT), 3, 0)])

    def failed(self, **kw):
        return [what for ok, what in run_checks(self.prefix, **kw) if not ok]

    def test_shoppers_that_never_signed_up_fail(self):
        self.write([r for r in self.good_rows() if r[1] != ACCOUNTS[1]])
        self.assertEqual(self.failed(), ["POST /api/accounts exercised (0 requests)"])

    def test_a_sign_up_shed_and_retried_passes_a_give_up_fails(self):
        self.write(self.good_rows() + [(ACCOUNTS[0], outcome_name(ACCOUNTS, OVERLOADED), 2, 0)])
        self.assertEqual(self.failed(), [])
        rows = [(m, n, r, 1 if n == ACCOUNTS[1] else f) for m, n, r, f in self.good_rows()]
        self.write(rows, failures=[[ACCOUNTS[0], ACCOUNTS[1], "overloaded: gave up after 4 attempts", 1]])
        self.assertEqual(len(self.failed()), 1)

    def test_a_clean_run_passes(self):
        self.write(self.good_rows())
        self.assertEqual(self.failed(expect_outcomes=[SOLD_OUT], peak_users=50, exit_codes=[("locust", 0)]), [])

    def test_a_failed_request_fails(self):
        rows = self.good_rows()
        rows[0] = (rows[0][0], rows[0][1], 10, 1)
        self.write(rows, failures=[["GET", "/api/products", "unexpected 500 internal", 1]])
        failed = self.failed()
        self.assertEqual(len(failed), 1, failed)
        self.assertIn("unexpected 500 internal", failed[0])

    def test_an_unexercised_task_fails(self):
        rows = [r for r in self.good_rows() if (r[0], r[1]) != QUOTE]
        self.write(rows)
        self.assertEqual(self.failed(), [f"{QUOTE[0]} {QUOTE[1]} exercised (0 requests)"])

    def test_a_missing_expected_outcome_fails(self):
        self.write(self.good_rows()[:-1])
        self.assertEqual(len(self.failed(expect_outcomes=[SOLD_OUT])), 1)

    def test_shedding_fails_unless_allowed(self):
        self.write(self.good_rows() + [(QUOTE[0], outcome_name(QUOTE, OVERLOADED), 4, 0)])
        self.assertEqual(len(self.failed()), 1)
        self.assertEqual(self.failed(allow_shed=True), [])

    def test_exceptions_shape_and_exit_codes_fail(self):
        self.write(self.good_rows(), exceptions=[[1, "KeyError('id')", "tb", "local"]], peak=49)
        failed = self.failed(peak_users=50, exit_codes=[("locust", 1), ("server", 0)])
        self.assertEqual(len(failed), 3, failed)

    def test_a_duplicate_or_lost_order_fails(self):
        self.write(self.good_rows())
        audit = {"confirmedOrders": 10, "unresolvedCheckouts": 1}
        self.assertEqual(self.failed(audit=audit, server_orders=10), [])
        self.assertEqual(self.failed(audit=audit, server_orders=11), [])
        self.assertEqual(len(self.failed(audit=audit, server_orders=12)), 1)  # placed twice
        self.assertEqual(len(self.failed(audit=audit, server_orders=9)), 1)  # lost

    def test_every_kind_of_fault_must_be_injected(self):
        self.write(self.good_rows())
        self.assertEqual(self.failed(faults={"faults": {"502": 1, "504": 2, "drop": 1}}), [])
        self.assertEqual(len(self.failed(faults={"faults": {"502": 1, "504": 0, "drop": 1}})), 1)

    def test_spawned_users_come_from_the_audit(self):
        self.write(self.good_rows())
        self.assertEqual(self.failed(audit={"spawnedUsers": 10}, spawned_users=10), [])
        self.assertEqual(len(self.failed(audit={"spawnedUsers": 4}, spawned_users=10)), 1)

    def test_missing_files_fail(self):
        self.assertEqual(len(self.failed()), 1)


if __name__ == "__main__":
    unittest.main()
