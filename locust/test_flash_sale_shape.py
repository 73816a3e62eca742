"""Self-test of the sale shape and of the locustfile's shape-free default
(run by ci.sh with /usr/bin/python3 -m unittest)."""

import ast
import os
import unittest

from flash_sale_shape import SALE_STAGES, plan, users_at

HERE = os.path.dirname(os.path.abspath(__file__))


class ShapeTest(unittest.TestCase):
    def test_full_scale_plan(self):
        stages = plan(120, 1)
        ends = [s[4] for s in stages]
        self.assertEqual(ends, [500, 500, 3000, 3000, 5000, 5000, 0])
        self.assertEqual(stages[-1][1], 8 * 120)  # 16 minutes in all

    def test_sale_opening_is_a_step(self):
        stages = plan(120, 1)
        step = next(s for s in stages if s[2] == "step")
        start = step[0]
        users, rate = users_at(stages, start + 1, 5)
        # 2500 more shoppers within 5 s, not over the 120 s stage.
        self.assertEqual(users, 3000)
        self.assertEqual(rate, 500)
        ramp = next(s for s in stages if s[2] == "ramp" and s[4] == 5000)
        self.assertAlmostEqual(users_at(stages, ramp[0] + 1, 5)[1], 2000 / 120)

    def test_holds_keep_the_count_and_the_end_stops(self):
        stages = plan(4, 0.01)
        self.assertEqual(users_at(stages, 5, 1), (5, 1.0))
        self.assertEqual(users_at(stages, 8 * 4 - 0.1, 1)[0], 0)
        self.assertIsNone(users_at(stages, 8 * 4, 1))

    def test_small_scale_keeps_a_user_per_stage(self):
        stages = plan(4, 0.0001)
        self.assertEqual([s[4] for s in stages], [1, 1, 1, 1, 1, 1, 0])

    def test_stage_kinds(self):
        self.assertEqual({k for k, _, _ in SALE_STAGES}, {"ramp", "hold", "step"})

    def test_locustfile_defines_no_shape(self):
        # The seed's command (-u -r --run-time) must work on locustfile.py
        # alone: Locust refuses --run-time when the file has a LoadTestShape.
        with open(os.path.join(HERE, "locustfile.py")) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                self.assertNotIn("LoadTestShape", bases, f"locustfile.py defines shape {node.name}")
            if isinstance(node, ast.ImportFrom):
                self.assertNotIn("LoadTestShape", [a.name for a in node.names])


if __name__ == "__main__":
    unittest.main()
