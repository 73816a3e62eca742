"""The sale's load shape, for Locust 2.x: add it after the locustfile.

    locust -f locustfile.py,flash_sale_shape.py --headless --host ...

Locust takes the shape class of the LAST file given with -f (2.12 keeps the
last one it loads), so list this file after locustfile.py. With a shape,
Locust ignores -u and -r and refuses --run-time: the shape decides the users
and ends the run. Without this file, locustfile.py runs plain -u/-r/-t.

The shape: doors open and early shoppers arrive (ramp to 500), they wait on
the deals page (hold), the sale opens and everyone refreshes at once (a STEP
to 3000 within FS_SHAPE_STEP_SECONDS), the crowd grows (ramp to 5000), the
peak holds, and it ramps down to 0. The step is what breaks systems that
only ever saw ramps: the HPA needs minutes to add pods, so the pods running
at the opening second take the spike, and admission control sheds the
excess until the new pods are ready.

This module imports no User class, so adding it changes only the shape.
"""

import math
import os

from locust import LoadTestShape


def _env_float(name, default):
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


# (kind, length in stages, users at the end of the stage). A ramp moves
# linearly from the previous count over the stage; a step reaches its count
# within FS_SHAPE_STEP_SECONDS and holds it for the rest of the stage; a
# hold keeps the previous count.
SALE_STAGES = (
    ("ramp", 1, 500),   # doors open: early shoppers arrive
    ("hold", 1, 500),   # waiting on the deals page for the sale to open
    ("step", 1, 3000),  # the sale opens: everyone refreshes at once
    ("hold", 1, 3000),
    ("ramp", 1, 5000),  # word spreads
    ("hold", 2, 5000),  # peak
    ("ramp", 1, 0),     # ramp down
)


def scaled_users(users, scale):
    """Users for a stage at a scale; a non-empty stage keeps at least one."""
    return 0 if users == 0 else max(1, math.ceil(users * scale))


def plan(stage_seconds, scale):
    """The stages as (start, end, kind, users at the start, users at the end)."""
    out, start, prev = [], 0.0, 0
    for kind, length, users in SALE_STAGES:
        end = start + length * stage_seconds
        target = prev if kind == "hold" else scaled_users(users, scale)
        out.append((start, end, kind, prev, target))
        start, prev = end, target
    return out


def users_at(stages, t, step_seconds):
    """(users, spawn rate) the shape asks for at run time t; None after the end."""
    for start, end, kind, prev, target in stages:
        if t >= end:
            continue
        if kind == "step":
            # Spawn the whole difference within step_seconds.
            seconds = min(step_seconds, end - start)
        else:
            seconds = end - start
        # Locust starts (or stops) users at spawn_rate per second; this rate
        # reaches the stage's count as the stage (or the step) ends.
        rate = max(1.0, abs(target - prev) / seconds)
        return target, rate
    return None


class FlashSaleShape(LoadTestShape):
    """500 -> hold -> step to 3000 at sale opening -> 5000 -> hold -> 0.

    FS_SHAPE_STAGE_SECONDS (default 120) is the length of one stage,
    FS_SHAPE_SCALE (default 1) multiplies every user count and
    FS_SHAPE_STEP_SECONDS (default 5) is how fast the sale-opening step
    lands, so FS_SHAPE_SCALE=0.01 FS_SHAPE_STAGE_SECONDS=4 is a 32 s smoke
    test of the same shape.
    """

    def __init__(self):
        super().__init__()
        self.step_seconds = _env_float("FS_SHAPE_STEP_SECONDS", 5.0)
        self.stages = plan(_env_float("FS_SHAPE_STAGE_SECONDS", 120.0), _env_float("FS_SHAPE_SCALE", 1.0))

    def tick(self):
        return users_at(self.stages, self.get_run_time(), self.step_seconds)
