"""Request names shared by locustfile.py and check_stats.py.

Locust groups statistics by (method, name). Names are the service's route
templates, the same strings as the `route` label of
flashscale_http_requests_total, so a Locust row and a Grafana panel line up.
Outcomes that are expected in a flash sale but are not the route's success
get their own row, suffixed with the outcome in brackets.

This module imports nothing from Locust so the stats checker can use it
without gevent's monkey patching.
"""

PRODUCTS = ("GET", "/api/products")
PRODUCT = ("GET", "/api/products/:id")
QUOTE = ("POST", "/api/cart/quote")
CHECKOUT = ("POST", "/api/checkout")
ORDERS = ("GET", "/api/orders")
ORDER = ("GET", "/api/orders/:id")
# Every shopper registers (or, when its email is taken, signs in) once, in
# on_start, before its first task: checkout needs an account.
ACCOUNTS = ("POST", "/api/accounts")
SESSION = ("POST", "/api/session")

# Every task issues exactly one of these; CI requires each to be exercised.
TASK_ROUTES = (PRODUCTS, PRODUCT, QUOTE, CHECKOUT, ORDERS, ORDER)

SOLD_OUT = "sold_out"
CONFLICT = "conflict"  # registering an email that is taken
OVERLOADED = "overloaded"
# A checkout whose answer never arrived (transport error, or a proxy's 502
# or 504): the order may or may not exist, which is what Idempotency-Key is
# for. The shopper retries with the same key.
UNKNOWN_OUTCOME = "unknown_outcome"
# The same key sent once more after such a retry succeeded: it must replay
# the very order the retry returned.
REPLAY = "replay"

# Statuses a proxy or load balancer in front of the service answers when
# the service's own answer was lost: the request may have been processed.
UNKNOWN_STATUSES = (0, 502, 504)


def outcome_name(route, outcome):
    """Name of the stats row for an expected non-success outcome of route."""
    return f"{route[1]} [{outcome}]"
