"""What a request costs in stripe_emu, each figure next to its floor measured in the same run.

    python scripts/bench.py [--seconds 12] [--quick]

Machines here are shared and noisy, so absolute numbers mean little: read the multiples.
Scenarios run interleaved (a few requests of each, round after round) so that a burst of load
from elsewhere spreads over all of them. Every figure is a per-request cost in µs (the mean)
(the mean of the fastest 99%) and its p50/p99, and a multiple of its floor:
- floor (a), in process: the indexed SELECT of one customer plus rendering it with json's C
  encoder, nothing else; the in-process figures call the WSGI app directly, on an in-memory
  database as the pytest plugin's apps are;
- floor (b), over HTTP: a socket server (another process) answering every request with one
  pre-built response without parsing it; the HTTP figures go through `python -m stripe_emu
  serve` (another process, its request log on) over keep-alive connections,
  with 1 and with 16 concurrent clients, sending stripe-python's User-Agent.
Then the targets of issue 10, concurrent writers (16 and 64 clients creating customers), the
full scenario through stripe-python, cost against the number of stored customers, and start-up.

To add a scenario, write a function `name(send)` below the others, returning an operation
that makes its requests and returns the seconds of the part it measures, and add it to
SCENARIOS.
"""
import argparse
import contextlib
import io
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stripe_emu import make_app  # noqa: E402

KEY = "sk_test_bench"
# What stripe-python sends: the emulator answers official clients with compact JSON.
USER_AGENT = "Stripe/v1 PythonBindings/bench"
HTTP_FLOOR_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 2\r\n\r\n{}")


def noop_app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


# -- two ways to send a request -----------------------------------------------------------

class InProcess:
    """Calls the WSGI app directly, as a server would."""

    def __init__(self, app):
        self.app = app

    def __call__(self, method, path, params=None, headers=None):
        body = urlencode(params or {}).encode()
        query = ""
        if method != "POST" and params:
            query, body = body.decode(), b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "HTTP_AUTHORIZATION": f"Bearer {KEY}", "HTTP_USER_AGENT": USER_AGENT,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1"}
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status = []
        data = b"".join(self.app(environ, lambda s, h, e=None: status.append(s)))
        return int(status[0][:3]), data

    def close(self):
        pass


class OverHttp:
    """A lean keep-alive HTTP/1.1 client on one socket, so that the client's own cost (the
    same for the floor and for the emulator) stays small beside the server's."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def __call__(self, method, path, params=None, headers=None):
        body = urlencode(params or {}).encode()
        if method != "POST" and body:
            path, body = f"{path}?{body.decode()}", b""
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
                 f"Authorization: Bearer {KEY}", f"User-Agent: {USER_AGENT}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded",
                      f"Content-Length: {len(body)}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        while b"\r\n\r\n" not in self.pending:
            self.pending += self._recv()
        head, _, rest = self.pending.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            rest += self._recv()
        self.pending = rest[length:]
        return int(head[9:12]), rest[:length]

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def close(self):
        self.sock.close()


# -- servers in their own process ---------------------------------------------------------

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(port, process):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.01)
    raise SystemExit("the server did not listen within 20 s")


@contextlib.contextmanager
def server_process(kind, db=None):
    """A server on a free port in a child process: `serve` with the emulator, `serve` with a
    no-op app, or the HTTP floor. Yields the port."""
    port = _free_port()
    if kind == "emulator":
        command = ["-m", "stripe_emu", "serve", "--port", str(port), "--db", db]
    else:
        command = [str(Path(__file__).resolve()), "--child", kind, "--port", str(port)]
    process = subprocess.Popen([sys.executable, *command], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def serve_floor(port):
    """Floor (b): answer every read with the fixed response, parsing nothing."""
    listener = socket.create_server(("127.0.0.1", port), backlog=128)

    def answer(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            while conn.recv(65536):
                conn.sendall(HTTP_FLOOR_RESPONSE)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def serve_noop(port):
    from stripe_emu.server import make_server
    make_server(noop_app, "127.0.0.1", port).serve_forever()


def serve_prebuilt(port):
    """A retrieve's answer (status, headers and body) pre-built, served by an app that does
    nothing else: what `serve` costs for that answer alone."""
    from stripe_emu.server import make_server
    app = make_app(db=":memory:")
    path = f"/v1/customers/{_customer(InProcess(app))}"
    started = []
    recording = InProcess(lambda environ, start: app(environ, lambda *given: (
        started.append(given), start(*given))))
    body = recording("GET", path)[1]
    status, headers = started[0][:2]

    def prebuilt(environ, start_response):
        start_response(status, headers)
        return [body]
    make_server(prebuilt, "127.0.0.1", port).serve_forever()


# -- measuring ----------------------------------------------------------------------------

def timed(send, method, path, params=None, headers=None):
    """Seconds taken by one request, which must succeed."""
    started = time.perf_counter()
    status, body = send(method, path, params, headers)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}: {body[:300]!r}")
    return elapsed


def expect(send, method, path, params=None, headers=None):
    status, body = send(method, path, params, headers)
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}: {body[:300]!r}")
    return json.loads(body)


class Figure:
    """The latencies of one scenario on one transport, and the wall time they took."""

    def __init__(self):
        self.samples, self.wall, self.clients = [], 0.0, 1

    def cost(self):
        """µs per request: the mean latency of the fastest 99% (the slowest 1% on a shared
        machine is mostly other processes' doing, and p99 shows it), or with concurrent
        clients wall time / requests."""
        if self.clients > 1:
            return self.wall / len(self.samples) * 1e6
        ordered = sorted(self.samples)
        return statistics.fmean(ordered[:max(1, len(ordered) * 99 // 100)]) * 1e6

    def quantile(self, q):
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e6


def run_batch(figure, operations, count):
    """Run `count` operations on each of `operations` (one per concurrent client)."""
    figure.clients = len(operations)
    results = [[] for _ in operations]

    def client(n):
        for _ in range(count):
            results[n].append(operations[n]())

    started = time.perf_counter()
    if len(operations) == 1:
        client(0)
    else:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(len(operations))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    figure.wall += time.perf_counter() - started
    for samples in results:
        figure.samples += samples


# -- scenarios: name(send) → operation returning the seconds it measured ---------------------

def _customer(send):
    return expect(send, "POST", "/v1/customers", {"email": "bench@example.com"})["id"]


def retrieve_customer(send):
    path = f"/v1/customers/{_customer(send)}"
    return lambda: timed(send, "GET", path)


def list_customers(send):
    for _ in range(10):
        _customer(send)
    return lambda: timed(send, "GET", "/v1/customers", {"limit": "10"})


def create_customer(send):
    return lambda: timed(send, "POST", "/v1/customers", {"email": "new@example.com"})


def create_customer_with_key(send):
    return lambda: timed(send, "POST", "/v1/customers", {"email": "new@example.com"},
                         {"Idempotency-Key": str(uuid.uuid4())})


def attach_card(send):
    path = f"/v1/customers/{_customer(send)}/sources"
    return lambda: timed(send, "POST", path, {"source": "tok_visa"})


def attach_and_detach_source(send):
    path = f"/v1/customers/{_customer(send)}/sources"

    def operation():
        source = expect(send, "POST", "/v1/sources", {"type": "ach_credit_transfer",
                                                       "currency": "usd"})["id"]
        return (timed(send, "POST", path, {"source": source})
                + timed(send, "DELETE", f"{path}/{source}"))
    return operation


def delete_card(send):
    path = f"/v1/customers/{_customer(send)}/sources"

    def operation():
        card = expect(send, "POST", path, {"source": "tok_visa"})["id"]
        return timed(send, "DELETE", f"{path}/{card}")
    return operation


SCENARIOS = {
    "retrieve customer": retrieve_customer,
    "list customers (limit 10)": list_customers,
    "create customer": create_customer,
    "create customer, Idempotency-Key": create_customer_with_key,
    "attach tok_visa": attach_card,
    "attach + detach a Source": attach_and_detach_source,
    "delete a card": delete_card,
}


# -- floors -------------------------------------------------------------------------------

def retrieve_floor(app):
    """Floor (a): one indexed SELECT of a stored customer on the app's own database, and its
    JSON by the C encoder."""
    customer = _customer(InProcess(app))
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def operation():
        started = time.perf_counter()
        with app.store.connection() as conn:
            data = conn.execute("SELECT data FROM objects WHERE id = ? AND account = ?",
                                (customer, "bench")).fetchone()[0]
        encode(json.loads(data)).encode()
        return time.perf_counter() - started
    return operation


COLD = "retrieve, after a round trip"
PREBUILT = "retrieve's answer, pre-built"


def after_a_round_trip(send, operation):
    """`operation`, each time right after a round trip to another process (untimed), as a
    server runs the app: the in-process retrieve then costs about twice as much as in a hot
    loop (caches and branch predictors filled by other work)."""
    def cold():
        send("GET", "/")
        return operation()
    return cold


# -- the run ------------------------------------------------------------------------------

def measure(seconds):
    """{(transport, scenario): Figure}, every scenario and floor interleaved. The app in
    process and `serve` both use an in-memory database, so that they differ by the HTTP
    layer alone (the concurrent writers use a file)."""
    db = ":memory:"
    app = make_app(db=":memory:")
    in_process = InProcess(app)
    operations = {("in process", name): [make(in_process)] for name, make in SCENARIOS.items()}
    operations[("in process", "floor (a)")] = [retrieve_floor(app)]
    with contextlib.ExitStack() as stack:
        clients = []
        for kind, label in (("emulator", None), ("noop", "no-op app"), ("floor", "floor (b)"),
                            ("prebuilt", PREBUILT)):
            port = stack.enter_context(server_process(kind, db))
            if label:
                send = OverHttp(port)
                clients.append(send)
                operations[("HTTP x1", label)] = [lambda send=send: timed(send, "GET", "/")]
                if kind == "floor":
                    operations[("in process", COLD)] = [after_a_round_trip(
                        send, retrieve_customer(in_process))]
                continue
            for transport, count in (("HTTP x1", 1), ("HTTP x16", 16)):
                sends = [OverHttp(port) for _ in range(count)]
                clients += sends
                for name, make in SCENARIOS.items():
                    operations[(transport, name)] = [make(send) for send in sends]
        figures = {key: Figure() for key in operations}
        per_round = 0.25
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for key, ops in operations.items():
                count = 5 if key[0] == "HTTP x16" else 20
                started = time.perf_counter()
                run_batch(figures[key], ops, count)
                if time.perf_counter() - started > per_round:
                    per_round = time.perf_counter() - started
        for send in clients:
            send.close()
    app.close()
    return figures


def writers(clients, seconds, temp):
    """Latencies of customer creates by `clients` concurrent keep-alive connections, driven
    from one thread with a selector: client threads would wait on each other for the GIL
    and add their own delays to the server's."""
    body = b"email=crowd%40example.com"
    request = (b"POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
               + KEY.encode() + b"\r\nUser-Agent: " + USER_AGENT.encode()
               + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
    figure = Figure()
    with server_process("emulator", str(temp / f"writers{clients}.db")) as port, \
            selectors.DefaultSelector() as selector:
        for _ in range(clients):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, [b"", time.perf_counter()])
            sock.sendall(request)
        started = time.perf_counter()
        deadline = started + seconds
        while selector.get_map():
            for key, _ in selector.select(5):
                sock, state = key.fileobj, key.data
                state[0] += sock.recv(65536)
                head, found, rest = state[0].partition(b"\r\n\r\n")
                if not found:
                    continue
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(rest) < length:
                    continue
                if not head.startswith(b"HTTP/1.1 200"):
                    raise SystemExit(f"a concurrent create answered {head[:40]!r}")
                now = time.perf_counter()
                figure.samples.append(now - state[1])
                state[:] = [rest[length:], now]
                if now < deadline:
                    sock.sendall(request)
                else:
                    selector.unregister(sock)
                    sock.close()
        figure.wall, figure.clients = time.perf_counter() - started, clients
    return figure


def print_figures(figures):
    floors = {"in process": figures[("in process", "floor (a)")].cost(),
              "HTTP x1": figures[("HTTP x1", "floor (b)")].cost()}
    floors["HTTP x16"] = floors["HTTP x1"]
    print(f"{'µs per request (p50 / p99)':34}" + "".join(
        f"{transport:>30}" for transport in ("in process", "HTTP x1", "HTTP x16")))
    names = ["floor (a)", "floor (b)", "no-op app", PREBUILT, *SCENARIOS, COLD]
    for name in names:
        cells = []
        for transport in ("in process", "HTTP x1", "HTTP x16"):
            figure = figures.get((transport, name))
            if figure is None:
                cells.append(f"{'':>30}")
                continue
            cells.append(f"{figure.cost():8.0f} {figure.cost() / floors[transport]:5.1f}x "
                         f"({figure.quantile(.5):5.0f} /{figure.quantile(.99):6.0f})")
        print(f"{name:34}" + "".join(cells))
    print("(multiples: in process of floor (a), over HTTP of floor (b); with 16 clients the "
          "cost is wall time / requests)")


def check_targets(figures, crowds):
    cost = {key: figure.cost() for key, figure in figures.items()}
    checks = [
        ("in process, retrieve <= 4x floor (a)",
         cost[("in process", "retrieve customer")] / cost[("in process", "floor (a)")], 4),
        ("in process, create with a key <= 1.3x create",
         cost[("in process", "create customer, Idempotency-Key")]
         / cost[("in process", "create customer")], 1.3),
        ("HTTP, no-op app through serve <= 2x floor (b)",
         cost[("HTTP x1", "no-op app")] / cost[("HTTP x1", "floor (b)")], 2),
        ("HTTP, retrieve <= no-op app + in-process retrieve",
         cost[("HTTP x1", "retrieve customer")]
         / (cost[("HTTP x1", "no-op app")] + cost[("in process", "retrieve customer")]), 1),
        ("  the same, with the retrieve after a round trip",
         cost[("HTTP x1", "retrieve customer")]
         / (cost[("HTTP x1", "no-op app")] + cost[("in process", COLD)]), 1),
        ("  a retrieve's answer pre-built ~ the no-op app (10%)",
         cost[("HTTP x1", PREBUILT)] / cost[("HTTP x1", "no-op app")], 1.1),
    ]
    for clients, figure in crowds.items():
        checks.append((f"{clients} writers, p99 <= 5x p50",
                       figure.quantile(.99) / figure.quantile(.5), 5))
        checks.append((f"{clients} writers, slowest <= 1 s (in s)", max(figure.samples), 1))
    print("\ntargets (issue 10):")
    for label, value, limit in checks:
        print(f"  {label:52} {value:7.2f}  {'ok' if value <= limit else 'MISSED'}")


def stripe_python(seconds, temp):
    """Scenarios/s of the full scenario through stripe-python, in process and over HTTP."""
    try:
        import stripe
        from stripe_emu.testing import InProcessHTTPClient
    except ImportError as missing:
        print(f"\nstripe-python scenario skipped: {missing}")
        return

    def scenario(client):
        customers = client.v1.customers
        new = customers.create(params={"email": "s@example.com"})
        card = customers.payment_sources.create(new.id, params={"source": "tok_visa"})
        src = client.v1.sources.create(params={"type": "ach_credit_transfer",
                                               "currency": "usd"})
        customers.payment_sources.create(new.id, params={"source": src.id})
        customers.payment_sources.list(new.id, params={"limit": 10})
        customers.payment_sources.delete(new.id, src.id)
        customers.payment_sources.delete(new.id, card.id)

    db = str(temp / "stripe_python.db")
    app = make_app(db=db)
    in_process = stripe.StripeClient(KEY, http_client=InProcessHTTPClient(app))
    with server_process("emulator", db) as port:
        over_http = stripe.StripeClient(KEY, base_addresses={"api": f"http://127.0.0.1:{port}"})
        rates = {"in process": [0, 0.0], "over HTTP": [0, 0.0]}
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for label, client in (("in process", in_process), ("over HTTP", over_http)):
                started = time.perf_counter()
                scenario(client)
                rates[label][0] += 1
                rates[label][1] += time.perf_counter() - started
    app.close()
    inside, outside = (count / spent for count, spent in rates.values())
    print(f"\nstripe-python full scenario (7 requests), scenarios/s: in process {inside:.0f}, "
          f"over HTTP {outside:.0f}: in process is {inside / outside:.2f}x faster")


def scale(seconds, big, temp):
    print(f"\nscale (in process, µs per request): 100 customers stored vs {big:,}")
    for size in (100, big):
        app = make_app(db=str(temp / f"scale{size}.db"))
        send = InProcess(app)
        for _ in range(size):
            send("POST", "/v1/customers", {"email": "filler@example.com"})
        figures = {name: Figure() for name in ("retrieve customer", "create customer",
                                               "list customers (limit 10)")}
        operations = {name: SCENARIOS[name](send) for name in figures}
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            for name, figure in figures.items():
                run_batch(figure, [operations[name]], 20)
        print(f"  {size:>7,} stored: " + "  ".join(
            f"{name} {figure.cost():6.0f}" for name, figure in figures.items()))
        app.close()


def start_up(temp):
    def serve_seconds():
        port = _free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-S", "-m", "stripe_emu", "serve", "--port", str(port), "--db",
             ":memory:"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_listening(port, process)
            send = OverHttp(port)
            expect(send, "GET", "/v1/customers")
            send.close()
            return time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(5)

    def python_seconds():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        return time.perf_counter() - started

    serve = min(serve_seconds() for _ in range(3))
    python = min(python_seconds() for _ in range(3))
    print(f"\nserve start-up until its first answer: {serve * 1000:.0f} ms "
          f"(python -S -c pass: {python * 1000:.0f} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="time for the interleaved rounds (the other parts take a share)")
    parser.add_argument("--quick", action="store_true", help="a short run (about 20 s)")
    parser.add_argument("--child", choices=("noop", "floor", "prebuilt"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"noop": serve_noop, "floor": serve_floor, "prebuilt": serve_prebuilt}[args.child](
            args.port)
        return
    seconds = 3.0 if args.quick else args.seconds
    with tempfile.TemporaryDirectory() as directory:
        temp = Path(directory)
        figures = measure(seconds)
        print_figures(figures)
        crowds = {clients: writers(clients, seconds / 4, temp) for clients in (16, 64)}
        print("\nconcurrent writers over HTTP (create customer), µs:")
        for clients, figure in crowds.items():
            print(f"  {clients:>2} clients: p50 {figure.quantile(.5):7.0f}  p99 "
                  f"{figure.quantile(.99):7.0f}  slowest {max(figure.samples) * 1e6:8.0f}  "
                  f"({len(figure.samples)} requests)")
        check_targets(figures, crowds)
        stripe_python(seconds / 6, temp)
        scale(seconds / 6, 2_000 if args.quick else 20_000, temp)
        start_up(temp)
    sys.stdout.flush()
    os._exit(0)  # a client thread of a crowd may still wait on its socket


if __name__ == "__main__":
    main()
