"""The instruments of scripts/bench.py: two ways to send a request (in process, and a lean
keep-alive HTTP client), servers in child processes (`serve`, the no-op app, the HTTP floor,
a pre-built answer, a minimal WSGI server), latency figures, a crowd of concurrent writers, and the start-up time.

    python scripts/benchkit.py floor|noop|prebuilt|minimal|minimal-emulator PORT
        (a child server, for bench.py)
"""
import contextlib
import io
import json
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stripe_emu import make_app  # noqa: E402

KEY = "sk_test_bench"
# The headers stripe-python 16 sends with every request besides its key (the emulator answers
# official clients with compact JSON), so that serve parses what it parses for a user.
CLIENT_HEADERS = {
    "User-Agent": "Stripe/v1 PythonBindings/16.1.0", "Accept-Encoding": "gzip, deflate",
    "Accept": "*/*", "Connection": "keep-alive",
    "X-Stripe-Client-User-Agent": '{"bindings_version": "16.1.0", "lang": "python", '
    '"httplib": "requests", "telemetry_id": "41d3b765ee6bea26d9f0d5d4671e1c8f", '
    '"lang_version": "3.11.7", "platform": "Linux-6.18.44-fc-v595-x86_64-with-glibc2.36"}'}
HTTP_FLOOR_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 2\r\n\r\n{}")


def noop_app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


# -- two ways to send a request -----------------------------------------------------------

class InProcess:
    """Calls the WSGI app directly, as a server would (the environ's fixed part built once,
    so that the client's own cost stays small beside the app's)."""

    def __init__(self, app):
        self.app = app
        self.environ = {
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_AUTHORIZATION": f"Bearer {KEY}", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "0", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1",
            **{_environ_key(name): value for name, value in CLIENT_HEADERS.items()}}

    def __call__(self, method, path, params=None, headers=None):
        body = urlencode(params).encode() if params else b""
        query = ""
        if method != "POST" and params:
            query, body = body.decode(), b""
        environ = {**self.environ, "REQUEST_METHOD": method, "PATH_INFO": path,
                   "QUERY_STRING": query, "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body)}
        for name, value in (headers or {}).items():
            environ[_environ_key(name)] = value
        status = []
        data = b"".join(self.app(environ, lambda s, h, e=None: status.append(s)))
        return int(status[0][:3]), data

    def close(self):
        pass


def _environ_key(header):
    return "HTTP_" + header.upper().replace("-", "_")


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
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Authorization: Bearer {KEY}"]
        sent = {**CLIENT_HEADERS, **(headers or {})}
        lines += [f"{name}: {value}" for name, value in sent.items()]
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

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port, process):
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
    """A server on a free port in a child process: `serve` with the emulator, or one of
    benchkit's (the kinds of its command line). Yields the port."""
    port = free_port()
    if kind == "emulator":
        command = ["-m", "stripe_emu", "serve", "--port", str(port), "--db", db]
    else:
        command = [str(Path(__file__).resolve()), kind, str(port)]
    process = subprocess.Popen([sys.executable, *command], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def serve_floor(port):
    """Floor (b): answer every read with the fixed response, parsing nothing."""
    def answer(conn):
        while conn.recv(65536):
            conn.sendall(HTTP_FLOOR_RESPONSE)
    _thread_per_connection(port, answer)


def serve_minimal(port, app=noop_app):
    """The least a WSGI server does per request: find the head, build the environ, read the
    body, call the app, send its answer in one write. None of serve's checks, limits,
    keep-alive rules, admission or log: what any server would cost with the same app on the
    same machine (a request it cannot read ends the connection)."""
    base = {"SCRIPT_NAME": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(port),
            "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}

    def answer(conn):
        pending = b""
        while True:
            while (end := pending.find(b"\r\n\r\n")) < 0:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                pending += chunk
            lines = pending[:end].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ")
            path, _, query = target.partition("?")
            environ = {**base, "REQUEST_METHOD": method, "PATH_INFO": path,
                       "QUERY_STRING": query}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.upper().replace("-", "_")
                if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    name = "HTTP_" + name
                environ[name] = value.strip()
            length, pending = int(environ.get("CONTENT_LENGTH") or 0), pending[end + 4:]
            while len(pending) < length:
                pending += conn.recv(65536)
            environ["wsgi.input"], pending = io.BytesIO(pending[:length]), pending[length:]
            started = []
            body = b"".join(app(environ, lambda *given: started.extend(given[:2])))
            head = "".join(f"{name}: {value}\r\n" for name, value in started[1]
                           if name != "Content-Length")
            conn.sendall(f"HTTP/1.1 {started[0]}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
                         .encode("latin-1") + body)
    _thread_per_connection(port, answer)


def serve_minimal_emulator(port):
    serve_minimal(port, make_app(db=":memory:"))


def _thread_per_connection(port, answer):
    """Serve `answer(conn)` to each connection in a thread of its own, forever."""
    listener = socket.create_server(("127.0.0.1", port), backlog=128)

    def serve(conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn, contextlib.suppress(OSError, ValueError):
            answer(conn)

    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def serve_noop(port):
    from stripe_emu.server import make_server
    make_server(noop_app, "127.0.0.1", port).serve_forever()


def serve_prebuilt(port):
    """A retrieve's answer (status, headers and body) pre-built, served by an app that does
    nothing else: what `serve` costs for that answer alone."""
    from stripe_emu.server import make_server
    app = make_app(db=":memory:")
    path = f"/v1/customers/{new_customer(InProcess(app))}"
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
    return timed_answer(send, method, path, params, headers)[0]


def timed_answer(send, method, path, params=None, headers=None):
    """(seconds taken by one request, which must succeed; its body)."""
    started = time.perf_counter()
    status, body = send(method, path, params, headers)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"{method} {path} answered {status}: {body[:300]!r}")
    return elapsed, body


def new_customer(send):
    return expect(send, "POST", "/v1/customers", {"email": "bench@example.com"})["id"]


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


def writers(clients, seconds, temp):
    """Latencies of customer creates by `clients` concurrent keep-alive connections, driven
    from one thread with a selector: client threads would wait on each other for the GIL
    and add their own delays to the server's."""
    body = b"email=crowd%40example.com"
    request = "".join(["POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                       f"Authorization: Bearer {KEY}\r\n",
                       *(f"{name}: {value}\r\n" for name, value in CLIENT_HEADERS.items()),
                       "Content-Type: application/x-www-form-urlencoded\r\n",
                       f"Content-Length: {len(body)}\r\n\r\n"]).encode() + body
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


def start_up(temp):
    def serve_seconds():
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-S", "-m", "stripe_emu", "serve", "--port", str(port), "--db",
             ":memory:"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_listening(port, process)
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



if __name__ == "__main__":
    {"noop": serve_noop, "floor": serve_floor, "prebuilt": serve_prebuilt,
     "minimal": serve_minimal, "minimal-emulator": serve_minimal_emulator}[sys.argv[1]](
        int(sys.argv[2]))
