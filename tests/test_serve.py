"""`serve`: HTTP/1.1 keep-alive seen from the client, a thread per connection, bodies drained
after early errors, bodies that cannot be delimited refused, idle connections closed, dropped
connections, and `python -m stripe_emu serve` as a process (its request log, --seed, a clean
stop on SIGTERM and SIGINT)."""
import contextlib
import http.client
import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from stripe_emu import make_app, testing
from stripe_emu import http11
from stripe_emu.server import make_server

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"Authorization": "Bearer sk_test_serve"}
FORM = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}


@contextlib.contextmanager
def counting_server(app):
    """`serve`'s server in a thread, counting the connections it accepts."""
    server = make_server(app, "127.0.0.1", 0, log=False)
    accepted = []
    get_request = server.get_request
    server.get_request = lambda: accepted.append(1) or get_request()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.server_address[1], accepted
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _answer(connection):
    response = connection.getresponse()
    return response.status, response.getheader("Connection"), json.loads(response.read())


def test_requests_share_one_connection(app):
    with counting_server(app) as (port, accepted):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/v1/customers", urlencode({"email": "a@example.com"}), FORM)
        status, close, created = _answer(connection)
        first_socket = connection.sock
        connection.request("GET", f"/v1/customers/{created['id']}", headers=AUTH)
        assert _answer(connection)[0] == 200 and status == 200 and close is None
        assert connection.sock is first_socket
        connection.close()
        assert len(accepted) == 1


def test_stripe_python_reuses_its_connection(app):
    stripe = pytest.importorskip("stripe")
    with counting_server(app) as (port, accepted):
        client = stripe.StripeClient("sk_test_serve",
                                     base_addresses={"api": f"http://127.0.0.1:{port}"},
                                     max_network_retries=0)
        for n in range(5):
            client.v1.customers.create(params={"email": f"{n}@example.com"})
        assert len(client.v1.customers.list(params={"limit": 10}).data) == 5
        assert len(accepted) == 1


def test_the_body_of_an_early_error_is_drained(app):
    """A 401 answers before the body is read: the next request on the connection must not
    be parsed out of that body."""
    with counting_server(app) as (port, accepted):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        body = urlencode({"email": "x@example.com", "description": "GET /v1/customers " * 500})
        connection.request("POST", "/v1/customers", body,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        assert _answer(connection)[0] == 401
        connection.request("POST", "/v1/nothing_here", body, FORM)
        assert _answer(connection)[0] == 404
        connection.request("POST", "/v1/customers", urlencode({"email": "ok@example.com"}),
                           FORM)
        status, _, created = _answer(connection)
        assert status == 200 and created["email"] == "ok@example.com"
        connection.close()
        assert len(accepted) == 1


def test_each_connection_has_its_own_thread(app):
    with counting_server(app) as (port, accepted):
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        idle.request("GET", "/v1/customers", headers=AUTH)
        assert _answer(idle)[0] == 200  # and the connection stays open, waiting

        results = queue.Queue()

        def client(n):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for i in range(10):
                connection.request("POST", "/v1/customers",
                                   urlencode({"email": f"{n}.{i}@example.com"}), FORM)
                results.put(_answer(connection)[0])
            connection.close()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert [results.get_nowait() for _ in range(80)] == [200] * 80
        idle.request("GET", "/v1/customers?limit=100", headers=AUTH)
        assert len(_answer(idle)[2]["data"]) == 80
        idle.close()
        assert len(accepted) == 9


def test_a_dropped_connection_answers_nothing_and_the_server_carries_on(app):
    testing.inject_fault(app, "connection_dropped")
    with counting_server(app) as (port, accepted):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/v1/customers", headers=AUTH)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            connection.getresponse()
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/v1/customers", headers=AUTH)
        assert _answer(connection)[0] == 200
        connection.close()


def _exchange(port, raw, timeout=5):
    """Send raw bytes on a fresh connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def _customer_count(app):
    with app.store.transaction(write=False) as db:
        return db.execute("SELECT count(*) FROM objects WHERE object = 'customer'").fetchone()[0]


SMUGGLED = b"POST /v1/customers HTTP/1.1\r\nAuthorization: Bearer sk_test_serve\r\n" \
           b"Content-Length: 0\r\n\r\n"


@pytest.mark.parametrize("framing, status", [
    (b"Transfer-Encoding: chunked\r\n", 501),
    (b"Content-Length: 5x\r\n", 400),
    (b"Content-Length: -5\r\n", 400),
    (b"Content-Length: 5\r\nContent-Length: 7\r\n", 400),
    pytest.param(b"Content-Length: " + b"9" * 5000 + b"\r\n", 400, id="5000-digit-length"),
])
def test_a_body_that_cannot_be_delimited_is_refused_and_the_connection_closed(
        app, framing, status):
    """Its bytes must never run as a request of their own (request smuggling)."""
    body = b"%x\r\nemail=a%%40example.com\r\n0\r\n\r\n" % len("email=a%40example.com")
    request = (b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
               b"sk_test_serve\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               + framing + b"\r\n" + body + SMUGGLED)
    with counting_server(app) as (port, _):
        answer = _exchange(port, request)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status) and b"Connection: close" in head
    assert answer.count(b"HTTP/1.1") == 1
    assert json.loads(payload)["error"]["type"] == "invalid_request_error"
    assert _customer_count(app) == 0


def test_an_idle_connection_is_closed(app, monkeypatch):
    assert http11.KEEP_ALIVE_SECONDS == 60
    monkeypatch.setattr(http11, "KEEP_ALIVE_SECONDS", 0.3)
    with counting_server(app) as (port, _):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/v1/customers", headers=AUTH)
        assert _answer(connection)[0] == 200
        time.sleep(0.6)
        assert connection.sock.recv(1) == b""  # the server hung up
        connection.close()
        assert _exchange(port, b"GET /v1/customers HTTP/1.1\r\nAuthorization: Bearer "
                               b"sk_test_serve\r\nConnection: close\r\n\r\n")[:12] == \
            b"HTTP/1.1 200"


def test_an_answer_lost_after_execution_is_lost_even_when_it_is_an_error(app):
    """The fault is consumed by the next matching request that executes, whatever it
    answers: a failed request's answer is lost too, rather than the fault vanishing."""
    testing.inject_fault(app, "connection_dropped", method="POST", after_execution=True)
    with counting_server(app) as (port, _):
        for status in (None, 404):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("POST", "/v1/customers/cus_nope", urlencode({"name": "x"}), FORM)
            if status is None:
                with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
                    connection.getresponse()
                assert app.faults.pending() == []
            else:
                assert _answer(connection)[0] == status
            connection.close()


# --- python -m stripe_emu serve ---------------------------------------------------------------

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """`python -m stripe_emu serve` in a subprocess, its stderr collected line by line."""

    def __init__(self, *args):
        self.port = _free_port()
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            # -S: no site-packages, so the server runs on the standard library alone.
            [sys.executable, "-S", "-m", "stripe_emu", "serve", "--port", str(self.port), *args],
            cwd=ROOT, stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def line(self, timeout=10):
        return self.lines.get(timeout=timeout)

    def request(self, method, path, params=None, headers=AUTH):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        body = urlencode(params) if params is not None else None
        connection.request(method, path, body, {**headers, **(
            {"Content-Type": "application/x-www-form-urlencoded"} if body else {})})
        answer = _answer(connection)
        connection.close()
        return answer[0], answer[2]

    def stop(self, signum=signal.SIGTERM):
        self.process.send_signal(signum)
        code = self.process.wait(10)
        rest = []
        while (line := self.line()) is not None:
            rest.append(line)
        self.process.stderr.close()
        return code, rest


@pytest.fixture
def served_processes():
    started = []
    yield lambda *args: started.append(Served(*args)) or started[-1]
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(10)
        served.process.stderr.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_logs_each_request_and_stops_cleanly(served_processes, tmp_path, signum):
    database = tmp_path / "emu.db"
    served = served_processes("--db", str(database))
    assert served.line() == f"stripe_emu listening on http://127.0.0.1:{served.port} " \
                            f"(database: {database})"
    # A loose sanity bound: the real start-up measurement is scripts/bench.py's.
    assert time.monotonic() - served.started < 2
    status, created = served.request("POST", "/v1/customers", {"email": "kept@example.com"})
    assert status == 200
    assert served.request("GET", "/v1/customers/cus_missing")[0] == 404
    log = [served.line(), served.line()]
    pattern = r"(POST|GET) (\S+) (\d{3}) \d+\.\dms (req_\w{14})"
    assert [re.fullmatch(pattern, line).group(1, 2, 3) for line in log] == [
        ("POST", "/v1/customers", "200"), ("GET", "/v1/customers/cus_missing", "404")]
    code, rest = served.stop(signum)
    assert code == 0 and rest == ["stripe_emu stopped"]
    app = make_app(db=str(database))  # the database was closed cleanly and kept its data
    try:
        with app.store.transaction(write=False) as db:
            assert db.execute("SELECT id FROM objects WHERE object = 'customer'").fetchone()[0] \
                == created["id"]
    finally:
        app.close()


def test_serve_seed_with_a_fixture_file(served_processes, tmp_path):
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"api_key": "sk_test_serve", "customers": [
        {"email": "jenny@example.com", "metadata": {"plan": "gold"}},
        {"email": "joe@example.com"}]}))
    served = served_processes("--db", ":memory:", "--seed", str(fixture))
    assert served.line() == f"stripe_emu seeded from {fixture}: 2 objects"
    assert served.line().startswith("stripe_emu listening")
    status, listed = served.request("GET", "/v1/customers")
    assert [c["email"] for c in listed["data"]] == ["joe@example.com", "jenny@example.com"]
    assert listed["data"][1]["metadata"] == {"plan": "gold"}


def test_serve_seed_prints_the_secret_of_each_webhook_endpoint_it_creates(served_processes,
                                                                         tmp_path):
    # The secret is in the create answer only: a seeded endpoint's would be lost otherwise.
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"api_key": "sk_test_serve", "webhook_endpoints": [
        {"id": "we_123", "url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}]}))
    served = served_processes("--db", ":memory:", "--seed", str(fixture))
    assert served.line() == f"stripe_emu seeded from {fixture}: 1 objects"
    line = served.line()
    assert re.fullmatch(r"stripe_emu seeded webhook endpoint we_123 \(http://127\.0\.0\.1:9/"
                        r"hooks\), signed with whsec_\w+", line), line
    assert served.line().startswith("stripe_emu listening")


def test_serve_seed_with_a_snapshot_file(served_processes, tmp_path, app):
    testing.seed(app, {"api_key": "sk_test_serve", "customers": [{"email": "s@example.com"}]})
    snapshot = tmp_path / "snapshot.json"
    exported = testing.control.export_snapshot(app)
    snapshot.write_text(json.dumps(exported))
    served = served_processes("--db", str(tmp_path / "fresh.db"), "--seed", str(snapshot))
    assert served.line() == f"stripe_emu seeded from {snapshot}: {len(exported['tables'])} tables"
    served.line()
    assert [c["email"] for c in served.request("GET", "/v1/customers")[1]["data"]] == [
        "s@example.com"]


def test_serve_refuses_a_bad_seed(tmp_path):
    fixture = tmp_path / "fixture.json"
    fixture.write_text(json.dumps({"api_key": "sk_test_serve", "customers": [{"nope": 1}]}))
    done = subprocess.run([sys.executable, "-m", "stripe_emu", "serve", "--port",
                           str(_free_port()), "--db", ":memory:", "--seed", str(fixture)],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "cannot seed from" in done.stderr and "Received unknown parameter: nope" in done.stderr


def _keep_posting(port, stop):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        while not stop.is_set():
            connection.request("POST", "/v1/customers", urlencode({"email": "a@example.com"}),
                               FORM)
            connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass  # the server went away mid-request: what this test provokes


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_in_memory_stops_cleanly_with_requests_in_flight(served_processes, signum):
    served = served_processes("--db", ":memory:")
    served.line()  # listening
    stop = threading.Event()
    clients = [threading.Thread(target=_keep_posting, args=(served.port, stop), daemon=True)
               for _ in range(8)]
    for client in clients:
        client.start()
    time.sleep(0.5)
    code, _ = served.stop(signum)
    stop.set()
    assert code == 0  # not -11: the database is never closed under a running request


def test_leaving_serve_in_thread_with_requests_in_flight_keeps_the_process_alive():
    script = ("import threading, time, sys\n"
              f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
              "from test_serve import _keep_posting\n"
              "from stripe_emu.testing import serve_in_thread\n"
              "stop = threading.Event()\n"
              "with serve_in_thread() as url:\n"
              "    port = int(url.rsplit(':', 1)[1])\n"
              "    for _ in range(8):\n"
              "        threading.Thread(target=_keep_posting, args=(port, stop),"
              " daemon=True).start()\n"
              "    time.sleep(0.5)\n"
              "time.sleep(0.3); stop.set(); print('alive')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "alive", done.stderr[-2000:]


@pytest.mark.parametrize("raw, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /v1/customers HTTP/2.0\r\n\r\n", 505),
    (b"GET /v1/customers HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
])
def test_unparseable_requests_get_stripes_error_object(app, raw, status):
    with counting_server(app) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(raw)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status)
    assert b"Content-Type: application/json" in head and b"Request-Id: req_" in head
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("Invalid HTTP request: ")
