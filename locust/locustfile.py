"""FlashScale flash-sale load test for Locust 2.x.

A Shopper browses the catalog (most often), looks at a product, prices a
cart, checks out with a fresh Idempotency-Key, lists its orders and tracks
one, thinking 1-3 s between actions like the seed system's shoppers. Each
Locust user is one shopper: its requests session keeps the fs_shopper cookie
the server issues on first contact, so its orders stay its own.

Expected flash-sale outcomes are not failures:
  * 409 sold_out on checkout is recorded as a success under
    "/api/checkout [sold_out]";
  * 503 overloaded (load shedding) is recorded as a success under
    "<route> [overloaded]" and retried after Retry-After with the same
    Idempotency-Key, up to FS_SHED_RETRIES times; a shopper still shed after
    that gives up, and that is a failure of the route.
Anything else that is not the route's success is a failure.

FlashSaleShape ramps 500 -> 3000 -> 5000 users, holds, and ramps down. Set
FS_SHAPE=off to run plain -u/-r/-t instead. Environment knobs are listed in
README.md beside this file.
"""

import itertools
import math
import os
import random
import uuid

import gevent
from locust import HttpUser, LoadTestShape, between, task

from shopper_routes import (
    CHECKOUT,
    ORDER,
    ORDERS,
    OVERLOADED,
    PRODUCT,
    PRODUCTS,
    QUOTE,
    SOLD_OUT,
    outcome_name,
)


def _env_float(name, default):
    raw = os.environ.get(name, "")
    return float(raw) if raw.strip() else default


THINK_MIN = _env_float("FS_THINK_MIN", 1.0)
THINK_MAX = _env_float("FS_THINK_MAX", 3.0)
# Share of checkouts that go for the doorbuster whatever the listing says:
# on sale day everyone hammers the hot deal, which is what sells it out.
HOT_RATIO = _env_float("FS_HOT_RATIO", 0.25)
HOT_PRODUCT = os.environ.get("FS_HOT_PRODUCT", "")
SHED_RETRIES = int(_env_float("FS_SHED_RETRIES", 3))
SHED_MAX_WAIT = _env_float("FS_SHED_MAX_WAIT", 10.0)
ORDERS_PAGE = 20

_shopper_ids = itertools.count(1)


def _error_code(response):
    try:
        return response.json()["error"]["code"]
    except Exception:  # not our error body: the caller reports the status
        return ""


def _retry_after(response):
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.1), SHED_MAX_WAIT)


class Shopper(HttpUser):
    """One flash-sale shopper with its own cookie, cart and orders."""

    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        n = next(_shopper_ids)
        self.customer = {
            "name": f"Locust Shopper {n}",
            "email": f"shopper{n}@example.com",
            "phone": "+91 98765 43210",
            "address": f"{n} MG Road, Indiranagar, Bengaluru 560038",
        }
        self.products = []
        self.etag = None
        self.order_ids = []
        self.bought = {}  # product id -> units, to respect maxPerShopper
        self.browse()

    def _request(self, route, path, ok, expected=(), check=None, **kwargs):
        """Send one logical request, retrying shed attempts.

        ok lists the success statuses; expected lists (status, code) pairs
        that are normal outcomes recorded under their own name; check, given
        a successful response, returns what is wrong with its body or None.
        Returns the response, or None when it was a failure.
        """
        method, name = route
        for attempt in range(SHED_RETRIES + 1):
            with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
                if r.status_code in ok:
                    problem = None
                    if check is not None:
                        try:
                            problem = check(r)
                        except (ValueError, KeyError, TypeError) as e:
                            problem = f"malformed body: {e!r}"
                    if problem:
                        r.failure(problem)
                        return None
                    r.success()
                    return r
                code = _error_code(r)
                if (r.status_code, code) in expected:
                    r.request_meta["name"] = outcome_name(route, code)
                    r.success()
                    return r
                if r.status_code == 503 and code == OVERLOADED:
                    if attempt == SHED_RETRIES:
                        r.failure(f"overloaded: gave up after {attempt + 1} attempts")
                        return None
                    r.request_meta["name"] = outcome_name(route, OVERLOADED)
                    r.success()
                    pause = _retry_after(r)
                elif r.status_code == 0:
                    r.failure(f"transport error: {r.error}")
                    return None
                else:
                    r.failure(f"unexpected {r.status_code} {code or r.text[:120]}")
                    return None
            gevent.sleep(pause + random.uniform(0, pause / 2))
        return None

    @task(5)
    def browse(self):
        headers = {"If-None-Match": self.etag} if self.etag else {}

        def check(r):
            if r.status_code == 200:
                products = r.json()["products"]
                if not products:
                    return "empty catalog"
                self.products, self.etag = products, r.headers.get("ETag")
            return None

        self._request(PRODUCTS, PRODUCTS[1], ok=(200, 304), headers=headers, check=check)

    @task(3)
    def view_product(self):
        if not self.products:
            return self.browse()
        p = random.choice(self.products)
        self._request(PRODUCT, f"/api/products/{p['id']}", ok=(200,),
                      check=lambda r: None if r.json()["product"]["id"] == p["id"]
                      else f"asked for {p['id']}, got another product")

    @task(2)
    def quote_cart(self):
        if not self.products:
            return self.browse()
        picks = random.sample(self.products, k=min(len(self.products), random.randint(1, 3)))
        items = [{"productId": p["id"], "quantity": random.randint(1, 2)} for p in picks]
        self._request(QUOTE, QUOTE[1], ok=(200,), json={"items": items},
                      check=lambda r: None if len(r.json()["quote"]["lines"]) == len(items)
                      else "quote has a different number of lines than the cart")

    @task(1)
    def checkout(self):
        product = self._pick_for_checkout()
        if product is None:
            return self.browse()
        body = {"items": [{"productId": product["id"], "quantity": 1}], "customer": self.customer}
        # One key per purchase attempt; shed retries reuse it so a retry can
        # never place a second order.
        headers = {"Idempotency-Key": str(uuid.uuid4())}

        def check(r):
            self.order_ids.append(r.json()["order"]["id"])
            self.bought[product["id"]] = self.bought.get(product["id"], 0) + 1

        self._request(CHECKOUT, CHECKOUT[1], ok=(201,), expected=((409, SOLD_OUT),),
                      json=body, headers=headers, check=check)

    @task(1)
    def list_orders(self):
        def check(r):
            got = len(r.json()["orders"])
            if got < min(len(self.order_ids), ORDERS_PAGE):
                # The list is per shopper: fewer orders than we placed means
                # the cookie (our identity) was lost, or an order was.
                return f"listed {got} orders, placed {len(self.order_ids)}"
            return None

        self._request(ORDERS, f"{ORDERS[1]}?limit={ORDERS_PAGE}", ok=(200,), check=check)

    @task(1)
    def track_order(self):
        if not self.order_ids:
            return  # nothing to track yet: a shopper who has not ordered
        order_id = random.choice(self.order_ids)
        self._request(ORDER, f"/api/orders/{order_id}", ok=(200,),
                      check=lambda r: None if r.json()["order"]["id"] == order_id
                      else f"asked for order {order_id}, got another")

    def _pick_for_checkout(self):
        if not self.products:
            return None
        under_limit = [p for p in self.products
                       if not p.get("maxPerShopper") or self.bought.get(p["id"], 0) < p["maxPerShopper"]]
        hot_id = HOT_PRODUCT or self.products[0]["id"]
        hot = [p for p in under_limit if p["id"] == hot_id]
        if hot and random.random() < HOT_RATIO:
            return hot[0]
        in_stock = [p for p in under_limit if p.get("stock", 0) > 0]
        return random.choice(in_stock) if in_stock else None


# (length in stages, users at the end of the stage). A ramp stage moves
# linearly from the previous count; a hold stage repeats it.
SALE_STAGES = (
    (1, 500),   # doors open
    (1, 500),
    (1, 3000),  # the sale is announced
    (1, 3000),
    (1, 5000),  # peak
    (2, 5000),
    (1, 0),     # ramp down
)


def scaled_users(users, scale):
    """Users for a stage at a scale; a non-empty stage keeps at least one."""
    return 0 if users == 0 else max(1, math.ceil(users * scale))


class FlashSaleShape(LoadTestShape):
    """The seed's sale plan, 500 -> 3000 -> 5000 users, hold, ramp down.

    FS_SHAPE_STAGE_SECONDS (default 120) is the length of one stage and
    FS_SHAPE_SCALE (default 1) multiplies every user count, so
    FS_SHAPE_SCALE=0.01 FS_SHAPE_STAGE_SECONDS=4 is a 32 s smoke test of the
    same shape.
    """

    def __init__(self):
        super().__init__()
        self.stage_seconds = _env_float("FS_SHAPE_STAGE_SECONDS", 120.0)
        self.scale = _env_float("FS_SHAPE_SCALE", 1.0)

    def tick(self):
        t = self.get_run_time()
        start, prev = 0.0, 0
        for length, users in SALE_STAGES:
            seconds = length * self.stage_seconds
            target = scaled_users(users, self.scale)
            if t < start + seconds:
                # Locust starts users at spawn_rate per second; this rate
                # reaches the stage's count as the stage ends.
                rate = max(1.0, abs(target - prev) / seconds)
                return target, rate
            start, prev = start + seconds, target
        return None


if os.environ.get("FS_SHAPE", "on").lower() in ("off", "0", "false", "no"):
    # Locust picks up any LoadTestShape subclass in the locustfile and then
    # ignores -u/-r, so switching the shape off means not exposing it.
    del FlashSaleShape
