"""Requests per second of stripe_emu, each figure next to a baseline measured in the same run.

    python scripts/bench.py [--seconds 1.0] [--quick]

Machines here are shared and noisy, so absolute numbers mean little: read the ratios.
- in process: the WSGI app called directly, next to a no-op WSGI app called the same way;
- over HTTP: `serve`'s server on loopback with one keep-alive connection, next to the no-op
  app behind the same server;
- stripe-python: the full scenario through the official client, in process
  (testing.InProcessHTTPClient) and over HTTP;
- scale: retrieve and create with 100 and with 20,000 customers stored (cost must not grow);
- start-up: `python -m stripe_emu serve` until it answers, next to `python -c pass`.
"""
import argparse
import http.client
import io
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stripe_emu import make_app  # noqa: E402
from stripe_emu.server import make_server  # noqa: E402

KEY = "sk_test_bench"
AUTH = {"Authorization": f"Bearer {KEY}"}


def noop_app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


# -- two ways to send a request -----------------------------------------------------------

class InProcess:
    def __init__(self, app):
        self.app = app

    def __call__(self, method, path, params=None):
        body = urlencode(params or {}).encode()
        query = ""
        if method != "POST" and params:
            query, body = body.decode(), b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "HTTP_AUTHORIZATION": AUTH["Authorization"], "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "0", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "REMOTE_ADDR": "127.0.0.1"}
        status = []
        chunks = self.app(environ, lambda s, h, e=None: status.append(s))
        data = b"".join(chunks)
        return int(status[0][:3]), data


class OverHttp:
    def __init__(self, app):
        self.server = make_server(app, "127.0.0.1", 0, log=False)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1])

    def __call__(self, method, path, params=None):
        body = urlencode(params or {})
        headers = dict(AUTH)
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            self.conn.request(method, path, body=body, headers=headers)
        else:
            self.conn.request(method, path + ("?" + body if body else ""), headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self):
        self.conn.close()
        self.server.shutdown()
        self.server.server_close()


def rate(seconds, operation):
    """Operations per second of `operation` (called repeatedly for about `seconds`)."""
    operation()  # warm-up
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        operation()
        count += 1
        if count % 8 == 0 and time.perf_counter() > deadline:
            break
    return count / (time.perf_counter() - started)


def expect(send, method, path, params=None):
    import json
    status, body = send(method, path, params)
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}: {body[:300]!r}")
    return json.loads(body)


# -- scenarios ----------------------------------------------------------------------------

def api_operations(send):
    """name → zero-argument callable doing one request against a prepared state."""
    customer = expect(send, "POST", "/v1/customers", {"email": "bench@example.com"})["id"]
    path = f"/v1/customers/{customer}"

    def attach_card():
        expect(send, "POST", f"{path}/sources", {"source": "tok_visa"})

    def attach_source():
        src = expect(send, "POST", "/v1/sources", {"type": "ach_credit_transfer",
                                                    "currency": "usd"})["id"]
        expect(send, "POST", f"{path}/sources", {"source": src})

    def detach_source():
        src = expect(send, "POST", "/v1/sources", {"type": "ach_credit_transfer",
                                                    "currency": "usd"})["id"]
        expect(send, "POST", f"{path}/sources", {"source": src})
        expect(send, "DELETE", f"{path}/sources/{src}")

    def delete_card():
        card = expect(send, "POST", f"{path}/sources", {"source": "tok_visa"})["id"]
        expect(send, "DELETE", f"{path}/cards/{card}")

    def scenario():
        new = expect(send, "POST", "/v1/customers", {"email": "s@example.com"})["id"]
        base = f"/v1/customers/{new}"
        card = expect(send, "POST", f"{base}/sources", {"source": "tok_visa"})["id"]
        src = expect(send, "POST", "/v1/sources", {"type": "ach_credit_transfer",
                                                    "currency": "usd"})["id"]
        expect(send, "POST", f"{base}/sources", {"source": src})
        expect(send, "GET", f"{base}/sources", {"limit": "10"})
        expect(send, "DELETE", f"{base}/sources/{src}")
        expect(send, "DELETE", f"{base}/cards/{card}")

    expect(send, "POST", f"{path}/sources", {"source": "tok_visa"})
    return {
        "retrieve customer": lambda: expect(send, "GET", path),
        "create customer": lambda: expect(send, "POST", "/v1/customers", {"name": "x"}),
        "attach card": attach_card,
        "attach Source (+create it)": attach_source,
        "list sources": lambda: expect(send, "GET", f"{path}/sources", {"limit": "3"}),
        "detach (+create, attach)": detach_source,
        "delete card (+attach it)": delete_card,
        "full scenario (7 requests)": scenario,
    }


def stripe_scenario(client):
    customers = client.v1.customers
    new = customers.create(params={"email": "s@example.com"})
    card = customers.payment_sources.create(new.id, params={"source": "tok_visa"})
    src = client.v1.sources.create(params={"type": "ach_credit_transfer", "currency": "usd"})
    customers.payment_sources.create(new.id, params={"source": src.id})
    customers.payment_sources.list(new.id, params={"limit": 10})
    customers.payment_sources.delete(new.id, src.id)
    customers.payment_sources.delete(new.id, card.id)


def fill(app, count):
    """Store `count` customers quickly, straight through the app."""
    send = InProcess(app)
    for _ in range(count):
        send("POST", "/v1/customers", {"email": "filler@example.com"})


def start_up_seconds(port):
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-S", "-m", "stripe_emu", "serve", "--port", str(port), "--db",
         ":memory:"], cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 10:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/v1/customers", headers=AUTH)
                if conn.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.005)
        raise SystemExit("serve did not answer within 10 s")
    finally:
        process.terminate()
        process.wait(5)


def python_start_seconds():
    started = time.perf_counter()
    subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
    return time.perf_counter() - started


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    parser.add_argument("--quick", action="store_true", help="0.2 s per figure, small scale run")
    args = parser.parse_args()
    seconds = 0.2 if args.quick else args.seconds
    big = 2_000 if args.quick else 20_000

    print(f"{'operation':34} {'in process':>12} {'over HTTP':>12}   (requests/s)")
    baselines = {}
    for label, transport in (("in process", InProcess), ("over HTTP", OverHttp)):
        send = transport(noop_app)
        baselines[label] = rate(seconds, lambda: send("GET", "/"))
        getattr(send, "close", lambda: None)()
    print(f"{'no-op WSGI app (baseline)':34} {baselines['in process']:12.0f} "
          f"{baselines['over HTTP']:12.0f}")

    results = {}
    for label, transport in (("in process", InProcess), ("over HTTP", OverHttp)):
        app = make_app(db=":memory:")
        send = transport(app)
        for name, operation in api_operations(send).items():
            results.setdefault(name, {})[label] = rate(seconds, operation)
        getattr(send, "close", lambda: None)()
        app.close()
    for name, by_transport in results.items():
        print(f"{name:34} {by_transport['in process']:12.0f} {by_transport['over HTTP']:12.0f}"
              f"   ({by_transport['in process'] / baselines['in process']:.3f} and "
              f"{by_transport['over HTTP'] / baselines['over HTTP']:.3f} of the baseline)")

    try:
        import stripe
        from stripe_emu.testing import InProcessHTTPClient
    except ImportError as missing:
        print(f"\nstripe-python scenario skipped: {missing}")
    else:
        app = make_app(db=":memory:")
        in_process = stripe.StripeClient(KEY, http_client=InProcessHTTPClient(app))
        in_process_rate = rate(seconds, lambda: stripe_scenario(in_process))
        server = OverHttp(app)
        url = "http://127.0.0.1:%d" % server.server.server_address[1]
        over_http = stripe.StripeClient(KEY, base_addresses={"api": url})
        over_http_rate = rate(seconds, lambda: stripe_scenario(over_http))
        server.close()
        app.close()
        print(f"\nstripe-python full scenario (scenarios/s): in process {in_process_rate:.1f}, "
              f"over HTTP {over_http_rate:.1f}: in process is "
              f"{in_process_rate / over_http_rate:.2f}x faster")

    print(f"\nscale (in process, requests/s): 100 customers stored vs {big:,}")
    for size in (100, big):
        app = make_app(db=":memory:")
        fill(app, size)
        send = InProcess(app)
        customer = expect(send, "POST", "/v1/customers")["id"]
        retrieve = rate(seconds, lambda: expect(send, "GET", f"/v1/customers/{customer}"))
        create = rate(seconds, lambda: expect(send, "POST", "/v1/customers"))
        listing = rate(seconds, lambda: expect(send, "GET", "/v1/customers", {"limit": "10"}))
        print(f"  {size:>7,} stored: retrieve {retrieve:8.0f}  create {create:8.0f}  "
              f"list 10 {listing:8.0f}")
        app.close()

    print()
    charges_main(seconds, baselines)

    startup = min(start_up_seconds(free_port()) for _ in range(3))
    python = min(python_start_seconds() for _ in range(3))
    print(f"\nserve start-up until first answer: {startup * 1000:.0f} ms "
          f"(python -S -c pass: {python * 1000:.0f} ms)")



# -- charges and refunds (issue 8) ----------------------------------------------------------

def charge_operations(send):
    """Creating a charge on a customer's default card, and refunding part of a charge (each
    refund takes 1 of a 100,000 charge, so the charge never runs out)."""
    customer = expect(send, "POST", "/v1/customers", {"source": "tok_visa"})["id"]
    charge = expect(send, "POST", "/v1/charges", {"customer": customer, "amount": "99999999",
                                                  "currency": "usd"})["id"]
    return {
        "create charge": lambda: expect(send, "POST", "/v1/charges", {
            "customer": customer, "amount": "2000", "currency": "usd"}),
        "refund part of a charge": lambda: expect(send, "POST", "/v1/refunds", {
            "charge": charge, "amount": "1"}),
    }


def charges_main(seconds, baselines):
    """Print the charge and refund figures, next to the no-op baselines of the same run."""
    for label, transport in (("in process", InProcess), ("over HTTP", OverHttp)):
        app = make_app(db=":memory:")
        send = transport(app)
        for name, operation in charge_operations(send).items():
            figure = rate(seconds, operation)
            print(f"{name:34} {label:>12}: {figure:8.0f} requests/s "
                  f"({figure / baselines[label]:.3f} of the baseline)")
        getattr(send, "close", lambda: None)()
        app.close()


if __name__ == "__main__":
    main()
