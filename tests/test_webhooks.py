"""Webhook endpoints and signed deliveries (Stripe's webhook docs), received by real HTTP
servers on 127.0.0.1 and verified with stripe-python's own `Webhook.construct_event`."""
import contextlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import stripe

from conftest import SECRET_KEY, Api
from stripe_emu import make_app, webhooks
from stripe_emu.webhooks import RetryPolicy

FAST = RetryPolicy(backoff=0.05, attempts=3, timeout=1.0)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when 8+ senders arrive at once


class Receiver:
    """A webhook endpoint: records each request (headers, body) and answers `status` (with
    `headers` and `body`); `hang` makes it wait (until the receiver stops) before answering."""

    def __init__(self, status=200, hang=False, headers=(), body=b""):
        self.status, self.hang = status, hang
        self.received = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.changed:
                    receiver.received.append((dict(self.headers), body))
                    receiver.changed.notify_all()
                if receiver.hang:
                    receiver.stopping.wait(10)
                self.send_response(receiver.status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hooks" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, timeout=10):
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.received) >= count, timeout), \
                f"received {len(self.received)} of {count} webhooks"
            return list(self.received)

    def events(self, secret):
        """The events received, each verified as stripe-python verifies a webhook."""
        return [stripe.Webhook.construct_event(body, headers["Stripe-Signature"], secret)
                for headers, body in self.received]


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@contextlib.contextmanager
def emulator(**options):
    app = make_app(**options)
    try:
        yield app
    finally:
        app.close()


def _endpoint(api, url, events=("*",)):
    return api.post("/v1/webhook_endpoints",
                    {"url": url, **{f"enabled_events[{n}]": e for n, e in enumerate(events)}})


# --- signed deliveries ------------------------------------------------------------------------

def test_official_client_registers_and_receives_a_signed_event(app, stripe_http, receiver):
    endpoint = stripe_http.v1.webhook_endpoints.create(params={
        "url": receiver.url, "enabled_events": ["customer.created"]})
    assert re.fullmatch(r"whsec_[A-Za-z0-9]{32}", endpoint.secret)
    customer = stripe_http.v1.customers.create(params={"email": "a@example.com"})
    stripe_http.v1.customers.update(customer.id, params={"name": "not enabled"})
    headers, body = receiver.wait_for(1)[0]

    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], endpoint.secret)
    assert event.type == "customer.created"
    assert event.data.object.id == customer.id
    assert event.request.idempotency_key == customer.last_response.idempotency_key
    assert event.pending_webhooks == 1
    assert json.loads(body) == stripe_http.v1.events.retrieve(event.id).to_dict() | {
        "pending_webhooks": 1}
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", headers["Stripe-Signature"])
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["User-Agent"].startswith("Stripe/1.0")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body.replace(b"a@example.com", b"b@example.com"),
                                       headers["Stripe-Signature"], endpoint.secret)

    [delivery] = webhooks.wait_until_delivered(app)
    assert delivery["event"] == event.id and delivery["endpoint"] == endpoint.id
    assert delivery["status"] == "succeeded" and delivery["type"] == "customer.created"
    assert [(a["attempt"], a["status_code"], a["error"]) for a in delivery["attempts"]] == \
        [(1, 200, None)]
    # Delivered: the event no longer counts it as pending.
    assert stripe_http.v1.events.retrieve(event.id).pending_webhooks == 0
    assert len(receiver.received) == 1  # customer.updated was not enabled


def test_each_endpoint_gets_the_events_it_enabled(app, api):
    with Receiver() as everything, Receiver() as deletions, Receiver() as disabled:
        everything_secret = _endpoint(api, everything.url)["secret"]
        deletions_secret = _endpoint(api, deletions.url, ["customer.deleted"])["secret"]
        off = _endpoint(api, disabled.url)
        api.post(f"/v1/webhook_endpoints/{off['id']}", {"disabled": "true"})
        customer = api.post("/v1/customers", {})
        api.delete(f"/v1/customers/{customer['id']}")
        webhooks.wait_until_delivered(app)
        # Like Stripe, the emulator does not promise the order of deliveries.
        assert sorted(e.type for e in everything.events(everything_secret)) == \
            ["customer.created", "customer.deleted"]
        [deleted] = deletions.events(deletions_secret)
        assert deleted.type == "customer.deleted" and deleted.pending_webhooks == 2
        assert disabled.received == []
        # Another account's events go to its own endpoints only.
        Api(app, "sk_test_other").post("/v1/customers", {})
        webhooks.wait_until_delivered(app)
        assert len(everything.received) == 2


def test_events_filtered_by_delivery_success(receiver):
    with emulator(webhook_retry=FAST) as app, Receiver(status=500) as failing:
        api = Api(app)
        _endpoint(api, receiver.url)
        delivered = api.post("/v1/customers", {})["id"]
        webhooks.wait_until_delivered(app)
        _endpoint(api, failing.url, ["customer.updated"])
        api.post(f"/v1/customers/{delivered}", {"name": "x"})
        webhooks.wait_until_delivered(app)

        def types(success):
            return [e["type"] for e in api.get("/v1/events", {"delivery_success": success})["data"]]
        assert types("true") == ["customer.created"]
        assert types("false") == ["customer.updated"]


def test_failing_endpoint_is_retried_with_backoff_then_given_up(receiver):
    with emulator(webhook_retry=FAST) as app, Receiver(status=500) as failing:
        api = Api(app)
        good_secret = _endpoint(api, receiver.url)["secret"]
        _endpoint(api, failing.url)
        ids = [api.post("/v1/customers", {"metadata[n]": str(n)})["id"] for n in range(3)]
        found = webhooks.wait_until_delivered(app)

        assert sorted(e.data.object.id for e in receiver.events(good_secret)) == sorted(ids)
        given_up = [d for d in found if d["url"] == failing.url]
        assert len(given_up) == 3 and {d["status"] for d in given_up} == {"failed"}
        for delivery in given_up:
            attempts = delivery["attempts"]
            assert [(a["attempt"], a["status_code"], a["error"]) for a in attempts] == \
                [(n, 500, "HTTP 500") for n in (1, 2, 3)]
            gaps = [b["started"] - a["started"] for a, b in zip(attempts, attempts[1:])]
            assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # doubled after each failure
        assert len(failing.received) == 9
        # Given up, an event stays pending for that endpoint.
        assert {e["pending_webhooks"] for e in api.get("/v1/events")["data"]} == {1}


def test_unreachable_endpoint_is_recorded_as_an_error():
    with emulator(webhook_retry=RetryPolicy(backoff=0.01, attempts=2, timeout=1.0)) as app:
        api = Api(app)
        _endpoint(api, "http://127.0.0.1:9/nothing-listens-here")
        api.post("/v1/customers", {})
        [delivery] = webhooks.wait_until_delivered(app)
        assert delivery["status"] == "failed"
        assert [a["status_code"] for a in delivery["attempts"]] == [None, None]
        assert all("refused" in a["error"].lower() for a in delivery["attempts"])


def test_a_hanging_endpoint_slows_neither_the_api_nor_other_endpoints(receiver):
    policy = RetryPolicy(attempts=1, timeout=1.0)
    with emulator(webhook_retry=policy) as app, Receiver(hang=True) as hanging:
        api = Api(app)
        _endpoint(api, hanging.url)
        _endpoint(api, receiver.url)
        started = time.perf_counter()
        for _ in range(5):
            api.post("/v1/customers", {})
        assert time.perf_counter() - started < 1.0  # were they waiting, 5 s at least
        receiver.wait_for(5, timeout=2)
        hanging.wait_for(1)
        found = webhooks.wait_until_delivered(app)
        timed_out = [d for d in found if d["url"] == hanging.url]
        assert {d["status"] for d in timed_out} == {"failed"}
        assert all("timed out" in a["error"] for d in timed_out for a in d["attempts"])


def test_deleted_endpoint_receives_nothing_more():
    with emulator(webhook_retry=RetryPolicy(backoff=30, attempts=3)) as app, \
            Receiver(status=503) as failing:
        api = Api(app)
        endpoint = _endpoint(api, failing.url)
        api.post("/v1/customers", {})
        failing.wait_for(1)
        deadline = time.monotonic() + 5
        while webhooks.deliveries(app)[0]["status"] != "pending":  # the retry is 30 s away
            assert time.monotonic() < deadline
            time.sleep(0.01)
        api.delete(f"/v1/webhook_endpoints/{endpoint['id']}")
        [delivery] = webhooks.deliveries(app)
        assert delivery["status"] == "canceled"
        assert api.get("/v1/events")["data"][0]["pending_webhooks"] == 0


def test_deliveries_survive_a_restart(tmp_path, receiver):
    path = str(tmp_path / "emu.db")
    # The endpoint's URL points nowhere at first: the first attempt fails.
    with emulator(db=path, webhook_retry=FAST) as app:
        api = Api(app)
        endpoint = _endpoint(api, "http://127.0.0.1:9/down")
        api.post("/v1/customers", {})
        deadline = time.monotonic() + 5
        while not webhooks.deliveries(app)[0]["attempts"]:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # Pointing the endpoint at a server moves its deliveries still to come.
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}", {"url": receiver.url})
    with emulator(db=path, webhook_retry=FAST) as app:
        receiver.wait_for(1)
        [delivery] = webhooks.wait_until_delivered(app)
        assert delivery["status"] == "succeeded"
        assert [a["status_code"] for a in delivery["attempts"]][-1] == 200
        assert receiver.events(endpoint["secret"])[0].type == "customer.created"


def test_workers_sharing_a_file_deliver_each_event_once(tmp_path, receiver):
    path = str(tmp_path / "emu.db")
    with emulator(db=path, webhook_retry=FAST) as first, \
            emulator(db=path, webhook_retry=FAST) as second:
        secret = _endpoint(Api(first), receiver.url)["secret"]

        def create(app):
            api = Api(app)
            for _ in range(10):
                api.post("/v1/customers", {})

        writers = [threading.Thread(target=create, args=(app,)) for app in (first, second)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(30)
        found = webhooks.wait_until_delivered(first)
        time.sleep(0.2)  # a duplicate, if any, would arrive now
        assert len(found) == 20 and {len(d["attempts"]) for d in found} == {1}
        ids = [event.id for event in receiver.events(secret)]
        assert len(ids) == 20 and len(set(ids)) == 20


# --- command-line endpoints -------------------------------------------------------------------

def test_make_app_webhooks_receive_every_account_s_events(receiver):
    with emulator(webhooks=[f"{receiver.url},whsec_test123"]) as app:
        Api(app, "sk_test_one").post("/v1/customers", {})
        Api(app, "sk_test_two").post("/v1/customers", {})
        receiver.wait_for(2)
        assert {e.type for e in receiver.events("whsec_test123")} == {"customer.created"}
        assert {d["account"] for d in webhooks.wait_until_delivered(app)} == {"one", "two"}


def test_serve_webhook_option(tmp_path, receiver):
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emu", "serve", "--port", "0", "--db", ":memory:",
         "--webhook", f"{receiver.url},whsec_cli", "--webhook", "http://127.0.0.1:9/x"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    try:
        lines = [process.stderr.readline() for _ in range(3)]
        url = re.search(r"http://[\d.]+:\d+", lines[0]).group(0)
        assert f"to {receiver.url}, signed with whsec_cli" in lines[1]
        assert re.search(r"to http://127.0.0.1:9/x, signed with whsec_\w{32}", lines[2])
        client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": url})
        customer = client.v1.customers.create()
        receiver.wait_for(1)
        [event] = receiver.events("whsec_cli")
        assert event.data.object.id == customer.id
    finally:
        process.terminate()
        process.wait(10)


def _workers():
    return sum(thread.name == "stripe_emu-webhooks" for thread in threading.enumerate())


def test_the_worker_starts_with_the_first_delivery_and_stops_on_close(receiver):
    before = _workers()
    app = make_app()
    api = Api(app)
    api.post("/v1/customers", {})  # no endpoint yet: nothing to deliver, no thread
    assert _workers() == before
    _endpoint(api, receiver.url)
    api.post("/v1/customers", {})
    receiver.wait_for(1)
    assert _workers() == before + 1
    app.close()
    assert _workers() == before


def test_an_endpoint_s_api_version_is_the_version_of_the_events_it_receives(app, api):
    # Stripe's reference (webhook_endpoints.create api_version): "Events sent to this endpoint
    # will be generated with this Stripe Version instead of your account's default".
    with Receiver() as pinned, Receiver() as old, Receiver() as default:
        pinned_secret = api.post("/v1/webhook_endpoints", {
            "url": pinned.url, "enabled_events[]": "*",
            "api_version": "2026-10-28.endive"})["secret"]
        old_secret = api.post("/v1/webhook_endpoints", {
            "url": old.url, "enabled_events[]": "*", "api_version": "2019-02-19"})["secret"]
        default_secret = _endpoint(api, default.url)["secret"]
        customer = api.post("/v1/customers", {"balance": "-300"})
        webhooks.wait_until_delivered(app)
        [event] = pinned.events(pinned_secret)
        assert event.api_version == "2026-10-28.endive"
        assert event.data.object.id == customer["id"] and "account_balance" not in event.data.object
        [event] = old.events(old_secret)
        assert event.api_version == "2019-02-19"
        assert event.data.object.account_balance == -300
        [event] = default.events(default_secret)
        recorded = api.get(f"/v1/events/{event.id}")
        assert event.api_version == recorded["api_version"] == "2023-08-16"
