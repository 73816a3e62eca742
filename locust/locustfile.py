"""FlashScale flash-sale load test for Locust 2.x.

A Shopper browses the catalog (most often), looks at a product, prices a
cart, checks out with a fresh Idempotency-Key, lists its orders and tracks
one, thinking 1-3 s between actions like the seed system's shoppers. Each
Locust user is one shopper with an account: on start it registers (or, if
its email is taken, signs in), and its requests session keeps the
fs_session cookie, so its orders stay its own. Each shopper claims an
address of its own in X-Forwarded-For, which a server that trusts the
sender as a proxy (FLASHSCALE_TRUSTED_PROXIES; locust/ci.sh does) uses for
its per-address sign-in limit; against a real deployment the load
balancer's own entry wins, so one Locust machine is one address there.

This file defines no load shape, so the seed's own command works as it did:

    locust -f locustfile.py --headless -u 5000 -r 100 --run-time 30m --host ...

The sale's ramp (500 -> 3000 -> 5000 users with a step at sale opening) is
one extra file away: -f locustfile.py,flash_sale_shape.py (see
flash_sale_shape.py and README.md beside this file).

Expected flash-sale outcomes are not failures:
  * 409 sold_out on checkout is recorded as a success under
    "/api/checkout [sold_out]";
  * 503 overloaded (load shedding) is recorded as a success under
    "<route> [overloaded]" and retried after Retry-After with the same
    Idempotency-Key, up to FS_SHED_RETRIES times; a shopper still shed after
    that gives up, and that is a failure of the route;
  * a checkout whose answer was lost (transport error or timeout, 502, 504)
    is recorded under "/api/checkout [unknown_outcome]" and retried with the
    same Idempotency-Key, up to FS_UNKNOWN_RETRIES times. Once a retry
    answers 201, the key is sent once more ("/api/checkout [replay]"): it
    must replay the very same order, or the request fails.
Anything else that is not the route's success is a failure. Every request
has a timeout (FS_REQUEST_TIMEOUT seconds).
"""

import itertools
import json
import os
import random
import uuid

import gevent
from locust import HttpUser, between, events, task

from shopper_routes import (
    ACCOUNTS,
    CHECKOUT,
    CONFLICT,
    ORDER,
    ORDERS,
    OVERLOADED,
    PRODUCT,
    PRODUCTS,
    QUOTE,
    REPLAY,
    SESSION,
    SOLD_OUT,
    UNKNOWN_OUTCOME,
    UNKNOWN_STATUSES,
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
UNKNOWN_RETRIES = int(_env_float("FS_UNKNOWN_RETRIES", 3))
# Connect and read timeout of every request: a shopper's browser gives up
# too, and a request without one can hang a Locust user for ever.
REQUEST_TIMEOUT = _env_float("FS_REQUEST_TIMEOUT", 10.0)
# Where to write the run's order audit at the end (JSON), for locust/ci.sh.
AUDIT_FILE = os.environ.get("FS_AUDIT_FILE", "")
ORDERS_PAGE = 20

_shopper_ids = itertools.count(1)
# Emails are unique per Locust process, so a second run against the same
# server registers new accounts instead of running into taken emails.
_RUN = uuid.uuid4().hex[:8]
PASSWORD = "locust shopper password"

# What every shopper of this process was told, for the no-loss audit.
audit = {"confirmed": set(), "unresolved": 0, "unknown": 0, "replays": 0, "spawned": 0}


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs):
    audit["spawned"] = max(audit["spawned"], user_count)


@events.quitting.add_listener
def _write_audit(environment, **_kwargs):
    if not AUDIT_FILE:
        return
    with open(AUDIT_FILE, "w") as f:
        json.dump({"confirmedOrders": len(audit["confirmed"]), "unresolvedCheckouts": audit["unresolved"],
                   "unknownOutcomes": audit["unknown"], "replays": audit["replays"],
                   "spawnedUsers": audit["spawned"]}, f)


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


def _backoff(attempt):
    """Exponential backoff with jitter for a lost answer: 0.5 s, 1 s, 2 s..."""
    base = min(0.5 * (2 ** attempt), SHED_MAX_WAIT)
    return base + random.uniform(0, base / 2)


class Shopper(HttpUser):
    """One flash-sale shopper with its own cookie, cart and orders."""

    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        n = next(_shopper_ids)
        self.customer = {
            "name": f"Locust Shopper {n}",
            "email": f"shopper{n}-{_RUN}@example.com",
            "phone": "+91 98765 43210",
            "address": f"{n} MG Road, Indiranagar, Bengaluru 560038",
        }
        self.products = []
        self.etag = None
        self.order_ids = []
        self.unresolved = 0  # checkouts whose answer was lost and never came on a retry
        self.bought = {}  # product id -> units, to respect maxPerShopper
        self.client.headers["X-Forwarded-For"] = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        self.sign_up()
        self.browse()

    def sign_up(self):
        """Register, as a shopper does before the sale; a taken email (a
        returning shopper) signs in instead. The session cookie stays in
        self.client for every later request."""
        cred = {"email": self.customer["email"], "password": PASSWORD}
        # A registration whose answer was lost is retried like a lost
        # checkout; if the first one did create the account, the retry's
        # 409 means sign in.
        r, _ = self._request(ACCOUNTS, ACCOUNTS[1], ok=(201,), expected=((409, CONFLICT),),
                             json={**cred, "name": self.customer["name"]}, retry_unknown=True)
        if r is not None and r.status_code == 409:
            self._request(SESSION, SESSION[1], ok=(200,), json=cred)

    def _request(self, route, path, ok, expected=(), check=None, retry_unknown=False, stat=None, **kwargs):
        """Send one logical request, retrying shed attempts (and, with
        retry_unknown, attempts whose answer was lost).

        ok lists the success statuses; expected lists (status, code) pairs
        that are normal outcomes recorded under their own name; check, given
        a successful response, returns what is wrong with its body or None.
        stat names the success row (default: the route template). Returns
        (response or None when it failed, whether an answer was lost on the
        way).
        """
        method = route[0]
        name = stat or route[1]
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        shed = lost = 0
        while True:
            with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
                if r.status_code in ok:
                    self._resolved(lost)
                    problem = None
                    if check is not None:
                        try:
                            problem = check(r)
                        except (ValueError, KeyError, TypeError) as e:
                            problem = f"malformed body: {e!r}"
                    if problem:
                        r.failure(problem)
                        return None, lost > 0
                    r.success()
                    return r, lost > 0
                code = _error_code(r)
                if (r.status_code, code) in expected:
                    self._resolved(lost)
                    r.request_meta["name"] = outcome_name(route, code)
                    r.success()
                    return r, lost > 0
                if r.status_code == 503 and code == OVERLOADED:
                    if shed == SHED_RETRIES:
                        r.failure(f"overloaded: gave up after {shed + 1} attempts")
                        return None, lost > 0
                    r.request_meta["name"] = outcome_name(route, OVERLOADED)
                    r.success()
                    shed += 1
                    pause = _retry_after(r)
                    pause += random.uniform(0, pause / 2)
                elif retry_unknown and r.status_code in UNKNOWN_STATUSES:
                    what = f"transport error {r.error}" if r.status_code == 0 else f"{r.status_code}"
                    if lost == UNKNOWN_RETRIES:
                        r.failure(f"answer lost ({what}): gave up after {lost + 1} attempts")
                        return None, True
                    if lost == 0:
                        # Until an answer comes, the order may exist. Counted
                        # now, so a shopper stopped mid-retry (the end of the
                        # run) still accounts for it.
                        self.unresolved += 1
                        audit["unresolved"] += 1
                    audit["unknown"] += 1
                    r.request_meta["name"] = outcome_name(route, UNKNOWN_OUTCOME)
                    r.success()
                    pause = _backoff(lost)
                    lost += 1
                elif r.status_code == 0:
                    r.failure(f"transport error: {r.error}")
                    return None, lost > 0
                else:
                    r.failure(f"unexpected {r.status_code} {code or r.text[:120]}")
                    return None, lost > 0
            gevent.sleep(pause)

    def _resolved(self, lost):
        """A definite answer arrived for a request whose earlier answer was lost."""
        if lost:
            self.unresolved -= 1
            audit["unresolved"] -= 1

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
        # One key per purchase attempt; every retry reuses it (shed, or the
        # answer lost), so a retry can never place a second order.
        headers = {"Idempotency-Key": str(uuid.uuid4())}

        def check(r):
            order_id = r.json()["order"]["id"]
            if order_id in self.order_ids:
                return f"a new Idempotency-Key returned order {order_id}, placed before"
            return None

        r, lost = self._request(CHECKOUT, CHECKOUT[1], ok=(201,), expected=((409, SOLD_OUT),),
                                json=body, headers=headers, check=check, retry_unknown=True)
        if r is None:
            if lost:
                # The order may exist: count it against the per-shopper cap
                # so a later purchase never runs into purchase_limit.
                self.bought[product["id"]] = self.bought.get(product["id"], 0) + 1
            return
        if r.status_code != 201:
            return
        order_id = r.json()["order"]["id"]
        self.order_ids.append(order_id)
        audit["confirmed"].add(order_id)
        self.bought[product["id"]] = self.bought.get(product["id"], 0) + 1
        if lost:
            self._replay(body, headers, order_id)

    def _replay(self, body, headers, order_id):
        """After a lost answer, the same key must give back the same order:
        the one guarantee a shopper's retry relies on."""
        def check(r):
            got = r.json()["order"]["id"]
            if got != order_id:
                return f"replay of Idempotency-Key {headers['Idempotency-Key']} returned order {got}, want {order_id}"
            if r.headers.get("Idempotent-Replayed") != "true":
                return "replay answered without Idempotent-Replayed: true"
            return None

        if self._request(CHECKOUT, CHECKOUT[1], ok=(201,), stat=outcome_name(CHECKOUT, REPLAY),
                         json=body, headers=headers, check=check)[0] is not None:
            audit["replays"] += 1

    @task(1)
    def list_orders(self):
        def check(r):
            got = len(r.json()["orders"])
            placed = len(self.order_ids)
            if got < min(placed, ORDERS_PAGE):
                # The list is the account's: fewer orders than we placed
                # means the session (our identity) was lost, or an order was.
                return f"listed {got} orders, placed {placed}"
            if placed + self.unresolved < ORDERS_PAGE and got > placed + self.unresolved:
                # More orders than we were ever told of (or could have left
                # behind unanswered): a retry placed a second order.
                return f"listed {got} orders, placed {placed} (+{self.unresolved} unanswered)"
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
