"""`serve`'s HTTP/1.1 at its edges (issue 12, items 6 to 9; issue 10, item 5): over-long
request lines, HEAD, one write per answer, pipelining, Expect: 100-continue, slow headers,
the connection cap, running out of file descriptors, IPv6, and clients that hang up."""
import contextlib
import io
import json
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from stripe_emu import http11
from stripe_emu.server import Server

from test_serve import ROOT, _free_port

GET = b"GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_serve\r\n\r\n"


@contextlib.contextmanager
def in_a_thread(server):
    """`server` serving in a thread until the block ends."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def running(app, **options):
    """`serve`'s server in a thread; yields (port, server, its log)."""
    log = io.StringIO()
    with in_a_thread(Server(app, "127.0.0.1", 0, stream=log, **options)) as server:
        yield server.server_address[1], server, log


def _read_answer(sock):
    """One answer (head, body) from a socket, by its Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += sock.recv(65536)
    assert len(body) == length, "more than one answer arrived"
    return head, body


def _until_closed(sock):
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def test_a_request_line_over_64_kib_gets_414(app):
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(b"GET /v1/customers?q=" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
        head, _, body = _until_closed(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414 ") and b"Connection: close" in head
    assert json.loads(body)["error"]["message"].startswith("Invalid HTTP request: ")


def test_head_answers_headers_only_and_the_connection_goes_on(app):
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(GET.replace(b"GET", b"HEAD", 1))
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(1)
        assert int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]) > 0
        sock.sendall(GET)
        head, body = _read_answer(sock)
    assert head.startswith(b"HTTP/1.1 200 ") and json.loads(body)["object"] == "list"


def test_an_answer_leaves_in_one_write(app, monkeypatch):
    writes = []
    sendall = socket.socket.sendall

    def counted(sock, data, *args):
        if threading.current_thread() is not threading.main_thread():
            writes.append(data)
        return sendall(sock, data, *args)

    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        monkeypatch.setattr(socket.socket, "sendall", counted)
        sock.sendall(GET)
        head, body = _read_answer(sock)
    assert len(writes) == 1 and writes[0] == head + b"\r\n\r\n" + body


def test_pipelined_requests_are_answered_in_order(app):
    create = (b"POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk_test_serve"
              b"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 15\r\n"
              b"\r\nemail=a%40b.com")
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(create + b"\r\n" + GET + b"GET /v1/nothing HTTP/1.1\r\nAuthorization: "
                     b"Bearer sk_test_serve\r\n\r\n")  # an empty line between is skipped
        received = b""
        while received.count(b"HTTP/1.1 ") < 3 or not received.endswith(b"}"):
            received += sock.recv(65536)
        answers = []
        for _ in range(3):
            head, _, rest = received.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            answers.append((head, rest[:length]))
            received = rest[length:]
        assert received == b""
    assert [head[9:12] for head, _ in answers] == [b"200", b"200", b"404"]
    assert json.loads(answers[1][1])["data"][0]["email"] == "a@b.com"


@pytest.mark.parametrize("end", [b"\r\n", b"\n"])
@pytest.mark.parametrize("line", [
    b"Host",  # a name seen before, without its colon
    b"X-No-Colon",
    b"Bad Name: x",  # a name must be a token
    b": no name",
    b"X-Value: a\rb",  # a CR inside a value
])
def test_a_bad_header_line_gets_400_and_the_connection_closes(app, line, end):
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(GET)  # names its headers once, as a client's first request does
        assert _read_answer(sock)[0].startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: localhost\r\n" + line + end
                     + b"Authorization: Bearer sk_test_serve\r\n\r\n")
        head, _, body = _until_closed(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Connection: close" in head
    assert json.loads(body)["error"]["message"].startswith("Invalid HTTP request: bad header line")


def test_header_lines_never_seen_again_do_not_pile_up(app):
    """serve keeps the verdicts of the header lines it saw (a client repeats most of them);
    lines that change on every request (an Idempotency-Key) or long ones must not grow it."""
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        for n in range(1500):
            sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: localhost\r\nX-Once: %d\r\n"
                         b"X-Long: %s\r\nAuthorization: Bearer sk_test_serve\r\n\r\n"
                         % (n, b"%d" % n * 400))
            assert _read_answer(sock)[0].startswith(b"HTTP/1.1 200 ")
    assert len(http11._FIELDS) <= 512
    assert not any(line.startswith("X-Long") for line in http11._FIELDS)


def test_heads_ending_lines_with_lf_alone_are_read(app):
    """RFC 9112 lets a server take a bare LF as a line's end; values keep no CR or blank."""
    lf_only = (b"POST /v1/customers HTTP/1.1\nHost: localhost\nAuthorization: Bearer "
               b"sk_test_serve  \nContent-Type: application/x-www-form-urlencoded\n"
               b"Content-Length: 15\n\nemail=a%40b.com")
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(lf_only)
        created = json.loads(_read_answer(sock)[1])
        sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: localhost\n"
                     b"Authorization: Bearer sk_test_serve\r\n\n")
        listed = json.loads(_read_answer(sock)[1])
    assert created["email"] == "a@b.com"
    assert [customer["id"] for customer in listed["data"]] == [created["id"]]


def test_expect_100_continue(app):
    body = b"email=c%40d.com"
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        sock.sendall(b"POST /v1/customers HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                     b"sk_test_serve\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        head, answer = _read_answer(sock)
    assert head.startswith(b"HTTP/1.1 200 ") and json.loads(answer)["email"] == "c@d.com"


def test_a_client_slow_to_send_its_headers_is_cut_off(app, monkeypatch):
    monkeypatch.setattr(http11, "HEADER_SECONDS", 0.3)
    with running(app) as (port, _, _), socket.create_connection(("127.0.0.1", port), 5) as sock:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            for byte in GET[:-4]:  # never the blank line: the headers never end
                sock.sendall(bytes([byte]))
                time.sleep(0.02)
        assert _until_closed(sock) == b""
        assert time.monotonic() - started < 3


def _idle_client(port):
    sock = socket.create_connection(("127.0.0.1", port), 5)
    sock.sendall(GET)
    assert _read_answer(sock)[0].startswith(b"HTTP/1.1 200 ")
    return sock


def _all_idle(server):
    """Wait until every connection's thread has marked it idle (its client may read an
    answer and go on before the thread gets past sending it)."""
    deadline = time.monotonic() + 5
    while any(c.phase != "idle" for c in list(server.connections)):
        assert time.monotonic() < deadline, "a connection never turned idle"
        time.sleep(0.001)


def test_at_the_cap_the_longest_idle_connection_makes_room(app):
    with running(app, max_connections=2) as (port, server, log):
        oldest = _idle_client(port)
        _all_idle(server)
        newer = _idle_client(port)
        _all_idle(server)
        third = _idle_client(port)  # served: the oldest idle one was closed for it
        assert _until_closed(oldest) == b""
        newer.sendall(GET)
        assert _read_answer(newer)[0].startswith(b"HTTP/1.1 200 ")
        for sock in (oldest, newer, third):
            sock.close()
    assert log.getvalue().count("--max-connections") == 0  # room was made: nothing refused


def test_at_the_cap_a_connection_finishing_its_answer_makes_room(app, monkeypatch):
    """Its client read the answer and came back on a new connection before the connection's
    thread marked it idle (a race seen under load): the newcomer is served, not refused."""
    send = http11.Connection._send

    def slow_to_turn_idle(self, *args, **kwargs):
        send(self, *args, **kwargs)
        self.phase = "sending"  # as if its thread had not yet run past sendall
        time.sleep(0.02)
        self.phase, self.since = "idle", time.monotonic()

    monkeypatch.setattr(http11.Connection, "_send", slow_to_turn_idle)
    with running(app, max_connections=1) as (port, _, log):
        first = _idle_client(port)
        second = _idle_client(port)  # at once: `first` may still be "sending"
        assert _until_closed(first) == b""
        for sock in (first, second):
            sock.close()
    assert log.getvalue().count("--max-connections") == 0


def test_at_the_cap_with_none_idle_a_newcomer_gets_503_at_once(app):
    with running(app, max_connections=2) as (port, _, log):
        busy = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(2)]
        for sock in busy:
            sock.sendall(GET[:20])  # headers under way: not idle
        time.sleep(0.2)
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port), 5) as newcomer:
                head, _, body = _until_closed(newcomer).partition(b"\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 503 ") and b"Stripe-Should-Retry: true" in head
                assert json.loads(body)["error"]["type"] == "api_error"
        for sock in busy:
            sock.close()
    assert log.getvalue().count("--max-connections") == 1  # logged once


@pytest.mark.parametrize("eaten", [0, 48], ids=["at-the-cap", "emfile"])
def test_out_of_file_descriptors_serve_keeps_answering(eaten):
    """`ulimit -n 64` and 100 idle clients: nobody waits forever, the server does not spin,
    and it answers a fresh client at the end. The cap follows the limit; with descriptors
    taken by something else (`eaten`), accept() itself fails with EMFILE."""
    port = _free_port()
    limit = ("import os, resource, runpy, sys;"
             " resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64));"
             f" eaten = [open(os.devnull) for _ in range({eaten})];"
             f" sys.argv = ['stripe_emu', 'serve', '--port', '{port}', '--db', ':memory:',"
             " '--max-connections', '1000']; runpy.run_module('stripe_emu', run_name='__main__')")
    process = subprocess.Popen([sys.executable, "-c", limit], cwd=ROOT, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert "listening" in process.stderr.readline()
        clients = []
        for _ in range(100):
            sock = socket.create_connection(("127.0.0.1", port), 5)
            sock.sendall(GET)
            head = _read_answer(sock)[0]
            assert head.startswith(b"HTTP/1.1 200 ")
            clients.append(sock)
        cpu = _cpu_seconds(process.pid)
        time.sleep(1)
        assert _cpu_seconds(process.pid) - cpu < 0.5  # idle, not spinning
        with socket.create_connection(("127.0.0.1", port), 5) as fresh:
            fresh.sendall(GET)
            assert _read_answer(fresh)[0].startswith(b"HTTP/1.1 200 ")
        for sock in clients:
            sock.close()
    finally:
        process.terminate()
        process.wait(10)
        log = process.stderr.read()
        process.stderr.close()
    assert "Traceback" not in log
    assert log.count("cannot accept a connection") == (1 if eaten else 0)


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def test_ipv6_loopback(app):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        server = Server(app, "::1", 0, stream=io.StringIO())
    except OSError as error:
        pytest.skip(f"::1 cannot be bound here: {error}")
    with in_a_thread(server):
        assert server.url == f"http://[::1]:{server.server_address[1]}"
        with socket.create_connection(("::1", server.server_address[1]), 5) as sock:
            sock.sendall(GET.replace(b"/v1/customers", b"/_emu/health"))
            head, body = _read_answer(sock)
    assert head.startswith(b"HTTP/1.1 200 ")  # ::1 is loopback for the control plane
    assert json.loads(body)["status"] == "ok"


def test_serve_host_ipv6_from_the_command_line():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "stripe_emu", "serve", "--host", "::1",
                                "--port", str(port), "--db", ":memory:"], cwd=ROOT,
                               stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        if "Address family" in line or "Cannot assign" in line:
            pytest.skip(f"no IPv6 loopback here: {line}")
        assert line.startswith(f"stripe_emu listening on http://[::1]:{port} ")
        with socket.create_connection(("::1", port), 5) as sock:
            sock.sendall(GET)
            assert _read_answer(sock)[0].startswith(b"HTTP/1.1 200 ")
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()


def test_a_client_hanging_up_after_a_bad_request_leaves_one_line_and_no_traceback(app):
    with running(app) as (port, _, log):
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port), 5)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.sendall(b"GARBAGE\r\n\r\n" + b"x" * 100_000)
            sock.close()  # a reset, with the answer not yet read
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), 5) as sock:
            sock.sendall(GET)
            assert _read_answer(sock)[0].startswith(b"HTTP/1.1 200 ")
    lines = log.getvalue().splitlines()
    assert "Traceback" not in log.getvalue()
    assert all(line.startswith("stripe_emu: 127.0.0.1 closed the connection") for line in lines)
    assert len(lines) <= 20


def test_serve_through_wsgiref_still_works(app):
    from stripe_emu.wsgiref_server import make_server
    with in_a_thread(make_server(app, "127.0.0.1", 0, log=False)) as server, \
            socket.create_connection(("127.0.0.1", server.server_address[1]), 5) as sock:
        for _ in range(2):  # keep-alive
            sock.sendall(GET)
            head, body = _read_answer(sock)
            assert head.startswith(b"HTTP/1.1 200 ") and json.loads(body)["data"] == []

