"""Shared fixtures: a fresh emulator per test, reached in process (WebTest) or over a real
socket (the official stripe client against `serve`). Every JSON body a test receives through
these fixtures is checked against the schema Stripe's spec names for it."""
import contextlib
import json
import http.client
import signal
import subprocess
import threading
import time

import pytest
import webtest

from conformance import assert_conforms, schema_for, validate_against
from stripe_emu import make_app
from stripe_emu.server import make_server

SECRET_KEY = "sk_test_emu4242"
PUBLISHABLE_KEY = "pk_test_emu4242"


def check_body(method, path, status, body):
    """Validate against the spec's schema; an error from a path the spec does not know (an
    unrecognized URL) must still be Stripe's error object."""
    try:
        schema_for(method, path, status)
    except AssertionError:
        assert status >= 400, f"{method} {path} answered {status} but is not in the spec"
        validate_against("error", body)
        return
    assert_conforms(method, path, status, body)


class Api:
    """WebTest with a test key, Stripe's conventions, and a spec check on every answer.

    `status` is the expected HTTP status (200 by default); the JSON body is returned."""

    def __init__(self, app, key=SECRET_KEY):
        self.app = app
        self.web = webtest.TestApp(app)
        self.key = key
        self.last = None

    def request(self, method, path, params=None, *, status=200, key=None, headers=None):
        key = self.key if key is None else key
        all_headers = {"Authorization": f"Bearer {key}"} if key else {}
        all_headers.update(headers or {})
        if method in ("GET", "DELETE"):
            query = webtest.utils.urlencode(params or {}, doseq=True) if params else ""
            url = path + ("&" if "?" in path else "?") + query if query else path
            response = self.web.request(url, method=method, headers=all_headers,
                                        expect_errors=True)
        else:
            response = self.web.post(path, params or {}, headers=all_headers,
                                     expect_errors=True)
        self.last = response
        assert response.status_int == status, (response.status, response.text)
        assert response.content_type == "application/json"
        assert response.headers["Request-Id"].startswith("req_")
        body = response.json
        check_body(method, path, response.status_int, body)
        return body

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params, **kw)

    def post(self, path, params=None, **kw):
        return self.request("POST", path, params, **kw)

    def delete(self, path, params=None, **kw):
        return self.request("DELETE", path, params, **kw)


@pytest.fixture
def app():
    emulator = make_app(db=":memory:")
    yield emulator
    emulator.close()


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def file_app(tmp_path):
    emulator = make_app(db=str(tmp_path / "emu.db"))
    yield emulator
    emulator.close()


@contextlib.contextmanager
def serving(app):
    server = make_server(app, "127.0.0.1", 0, log=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def conforming(app, violations):
    """WSGI middleware checking every JSON answer of the API against the spec, so that tests
    driving the official client over a socket validate what they receive too."""
    def middleware(environ, start_response):
        seen = {}

        def capture(status, headers, exc_info=None):
            seen["status"], seen["type"] = int(status[:3]), dict(headers).get("Content-Type")
            return start_response(status, headers, exc_info)

        body = b"".join(app(environ, capture))
        if body and seen["type"] == "application/json" and \
                environ["PATH_INFO"].startswith("/v1/"):
            try:
                check_body(environ["REQUEST_METHOD"], environ["PATH_INFO"], seen["status"],
                           json.loads(body))
            except AssertionError as violation:
                violations.append(str(violation))
        return [body]
    return middleware


@pytest.fixture
def live_url(app):
    violations = []
    with serving(conforming(app, violations)) as url:
        yield url
    assert not violations, "answers that do not fit Stripe's spec:\n" + "\n".join(violations)


@pytest.fixture
def stripe_http(live_url):
    """The official client over a real socket, pointed at this test's emulator."""
    stripe = pytest.importorskip("stripe")
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": live_url},
                               max_network_retries=0)


def ten_seconds_apart(app, make, count=4, start=1_700_000_000):
    """Call `make()` `count` times with the app's clock 10 s further each time."""
    now = [start]
    app.clock = lambda: now[0]
    made = []
    for step in range(count):
        now[0] = start + step * 10
        made.append(make())
    return made


def stop_process(process, signum=signal.SIGTERM):
    """Stop a server started by a test: politely, then for good."""
    process.send_signal(signum)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextlib.contextmanager
def running_server(args, port, **popen):
    """A server process that answers /_emu/health on `port` within 20 s, stopped (and waited
    for) when the block ends."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               **popen)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/_emu/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                assert time.monotonic() < deadline, f"{args} did not come up in 20 s"
                time.sleep(0.1)
        yield port
    finally:
        stop_process(process)
        process.stderr.close()
