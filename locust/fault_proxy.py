#!/usr/bin/python3
"""A reverse proxy that loses checkout answers, for locust/ci.sh.

    fault_proxy.py --backend http://127.0.0.1:PORT --every 8 --port-file F --stats-file S

It forwards every request to the backend. Every Nth POST /api/checkout is
forwarded too, and the backend processes it (the order may be placed), but
the shopper never gets that answer: the proxy answers 502, answers 504, or
closes the connection without a word, in turn. That is the case
Idempotency-Key exists for (an ALB answers 502 when a target drops the
connection and 504 when it times out), and the locustfile must retry it with
the same key and get the same order back.

It listens on a free loopback port, writes the port to --port-file once it
listens, and on SIGTERM writes {"forwarded", "faults": {"502", "504",
"drop"}} to --stats-file and exits 0.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}
FAULTS = ("502", "504", "drop")


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: the sale's step (hundreds of
    # shoppers arriving at once at full scale, 25 at 1%) overflowed it.
    request_queue_size = 128

    def __init__(self, backend, every):
        super().__init__(("127.0.0.1", 0), Handler)
        u = urllib.parse.urlsplit(backend)
        self.backend = (u.hostname, u.port or 80)
        self.every = every
        self.lock = threading.Lock()
        self.checkouts = 0
        self.forwarded = 0
        self.faults = {f: 0 for f in FAULTS}

    def fault_for_next_checkout(self):
        with self.lock:
            self.checkouts += 1
            if self.every <= 0 or self.checkouts % self.every:
                return None
            fault = FAULTS[(self.checkouts // self.every - 1) % len(FAULTS)]
            self.faults[fault] += 1
            return fault


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):  # quiet: Locust reports what matters
        pass

    def _proxy(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = None
        if self.command == "POST" and urllib.parse.urlsplit(self.path).path == "/api/checkout":
            fault = self.server.fault_for_next_checkout()
        conn = http.client.HTTPConnection(*self.server.backend, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except OSError as e:
            self._answer(502, json.dumps({"error": {"code": "bad_gateway", "message": str(e)}}).encode(), [])
            return
        finally:
            conn.close()
        with self.server.lock:
            self.server.forwarded += 1
        if fault == "drop":
            # The backend answered; the shopper hears nothing.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault:
            self._answer(int(fault), f"<html><body>{fault} from the proxy</body></html>".encode(),
                         [("Content-Type", "text/html")])
            return
        self._answer(resp.status, data, [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP])

    def _answer(self, status, data, headers):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _proxy


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", required=True, help="http://host:port of the service")
    ap.add_argument("--every", type=int, default=8, help="lose the answer of every Nth checkout (0: never)")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stats-file", required=True)
    args = ap.parse_args(argv)

    proxy = Proxy(args.backend, args.every)

    def stop(*_):
        threading.Thread(target=proxy.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(proxy.server_address[1]))
    # Renamed into place so a reader never sees a half-written port.
    os.replace(args.port_file + ".tmp", args.port_file)
    proxy.serve_forever()
    with open(args.stats_file, "w") as f:
        json.dump({"checkouts": proxy.checkouts, "forwarded": proxy.forwarded, "faults": proxy.faults}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
