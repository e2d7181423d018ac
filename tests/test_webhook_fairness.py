"""Webhook deliveries under slow endpoints: the timeout bounds a whole attempt, no endpoint
or account can take every sender, and each failed attempt leaves one log line."""
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import stripe

from conftest import SECRET_KEY, Api
from stripe_emu import webhooks
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import Receiver, _endpoint, emulator, receiver  # noqa: F401 (a fixture)


class Trickler:
    """An endpoint that reads the request, then answers one byte every 0.1 s for a minute:
    every single read succeeds well within any timeout."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d/slow" % self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection):
        with connection:
            try:
                connection.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
                    if self.stopping.wait(0.1):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self):
        self.stopping.set()
        self.listener.close()


@pytest.fixture
def trickler():
    slow = Trickler()
    yield slow
    slow.close()


def test_an_endpoint_answering_byte_by_byte_is_cut_off_at_the_timeout(trickler):
    with emulator(webhook_retry=RetryPolicy(attempts=1, timeout=1.0)) as app:
        api = Api(app)
        _endpoint(api, trickler.url)
        api.post("/v1/customers")
        started = time.monotonic()
        [delivery] = webhooks.wait_until_delivered(app, timeout=10)
        assert time.monotonic() - started < 3
        [attempt] = delivery["attempts"]
        assert delivery["status"] == "failed" and attempt["status_code"] is None
        assert "timed out" in attempt["error"] and attempt["duration_ms"] < 2500


def _another_account_is_served_at_once(app, receiver):
    _endpoint(Api(app), receiver.url)
    started = time.monotonic()
    Api(app).post("/v1/customers")
    receiver.wait_for(1, timeout=2)
    assert time.monotonic() - started < 1.5  # not behind the hanging endpoint's 3 s


def test_one_slow_endpoint_does_not_hold_every_sender(receiver):
    policy = RetryPolicy(attempts=1, timeout=3.0)
    with emulator(webhook_retry=policy) as app, Receiver(hang=True) as hanging:
        slow_shop = Api(app, "sk_test_slowshop")
        _endpoint(slow_shop, hanging.url)
        for _ in range(12):
            slow_shop.post("/v1/customers")
        hanging.wait_for(webhooks.MAX_PER_ENDPOINT)
        _another_account_is_served_at_once(app, receiver)
        time.sleep(0.3)
        assert len(hanging.received) == webhooks.MAX_PER_ENDPOINT


def test_one_account_with_many_slow_endpoints_does_not_hold_every_sender(receiver):
    policy = RetryPolicy(attempts=1, timeout=3.0)
    with emulator(webhook_retry=policy) as app, Receiver(hang=True) as hanging:
        slow_shop = Api(app, "sk_test_slowshop")
        for number in range(8):
            _endpoint(slow_shop, f"{hanging.url}/{number}")
        slow_shop.post("/v1/customers")
        hanging.wait_for(webhooks.MAX_PER_ACCOUNT)
        _another_account_is_served_at_once(app, receiver)
        assert len(hanging.received) == webhooks.MAX_PER_ACCOUNT
        # The held-back deliveries are sent once slots free up, none is lost.
        found = webhooks.wait_until_delivered(app, timeout=20, account="slowshop")
        assert len(found) == 8 and {len(d["attempts"]) for d in found} == {1}


def test_each_failed_attempt_is_one_log_line():
    lines = []
    policy = RetryPolicy(backoff=0.05, attempts=2, timeout=1.0)
    with emulator(webhook_retry=policy) as app, Receiver(status=503) as failing:
        app.webhooks.log = lines.append
        api = Api(app)
        endpoint = _endpoint(api, failing.url)
        api.post("/v1/customers")
        [delivery] = webhooks.wait_until_delivered(app)
    event = delivery["event"]
    assert len(lines) == 2, lines
    assert lines[0].startswith(
        f"webhook {event} to {endpoint['id']} ({failing.url}): attempt 1 of 2 failed "
        "(HTTP 503); next attempt in 0 s, at ")
    assert lines[1] == (f"webhook {event} to {endpoint['id']} ({failing.url}): attempt 2 of 2 "
                        "failed (HTTP 503); given up")


def test_successful_attempts_are_not_logged(receiver):
    lines = []
    with emulator() as app:
        app.webhooks.log = lines.append
        api = Api(app)
        _endpoint(api, receiver.url)
        api.post("/v1/customers")
        webhooks.wait_until_delivered(app)
    assert lines == []


def test_serve_logs_a_dead_endpoint(tmp_path):
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emu", "serve", "--port", "0", "--db", ":memory:",
         "--webhook", "http://127.0.0.1:9/dead,whsec_x"], stderr=subprocess.PIPE, text=True,
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        url = re.search(r"http://[\d.]+:\d+", process.stderr.readline()).group(0)
        process.stderr.readline()  # where events go
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url})
        client.v1.customers.create()
        lines = [process.stderr.readline() for _ in range(2)]
        [line] = [line for line in lines if line.startswith("webhook ")]
        assert re.fullmatch(r"webhook evt_\w+ to http://127.0.0.1:9/dead: attempt 1 of 4 "
                            r"failed \(ConnectionRefusedError: .*\); next attempt in 5 s, "
                            r"at \d\d:\d\d:\d\d\n", line), line
    finally:
        process.terminate()
        process.wait(10)
