"""GET /_emu/webhooks/deliveries and testing.webhook_deliveries: what was sent where, and how
each attempt ended."""
import time

import pytest
import webtest

from conftest import Api
from stripe_emu import testing, webhooks
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import Receiver, _endpoint, emulator


@pytest.fixture
def delivered():
    """An app whose account `abc` had two events sent to a good endpoint and a failing one."""
    policy = RetryPolicy(backoff=0.01, attempts=2, timeout=1.0)
    with emulator(webhook_retry=policy) as app, Receiver() as good, \
            Receiver(status=500) as bad:
        api = Api(app, "sk_test_abc")
        good_endpoint = _endpoint(api, good.url)
        bad_endpoint = _endpoint(api, bad.url, events=["customer.created"])
        api.post("/v1/customers")
        customer = api.post("/v1/customers")
        api.post(f"/v1/customers/{customer['id']}", {"email": "a@example.com"})
        webhooks.wait_until_delivered(app)
        yield app, good_endpoint["id"], bad_endpoint["id"]


def _get(app, query=""):
    response = webtest.TestApp(app).get("/_emu/webhooks/deliveries" + query,
                                        expect_errors=True)
    return response.status_int, response.json


def test_the_control_plane_lists_deliveries_with_their_attempts(delivered):
    app, good, bad = delivered
    status, body = _get(app)
    assert status == 200 and body["object"] == "list"
    assert len(body["data"]) == 5  # 3 events to the good endpoint, 2 creations to the bad one
    failed = [d for d in body["data"] if d["endpoint"] == bad]
    assert {d["status"] for d in failed} == {"failed"}
    assert [[a["status_code"] for a in d["attempts"]] for d in failed] == [[500, 500]] * 2
    # The same as in Python, the account (the key's suffix) masked: "abc" shows nothing.
    assert body["data"] == [dict(d, account="…") for d in webhooks.deliveries(app)]


def test_filters_by_event_status_endpoint_and_account(delivered):
    app, good, bad = delivered
    first_event = _get(app)[1]["data"][0]["event"]
    by_event = _get(app, f"?event={first_event}")[1]["data"]
    assert {d["event"] for d in by_event} == {first_event} and len(by_event) == 2
    assert {d["endpoint"] for d in _get(app, "?status=failed")[1]["data"]} == {bad}
    assert len(_get(app, "?status=succeeded")[1]["data"]) == 3
    assert len(_get(app, f"?endpoint={good}")[1]["data"]) == 3
    assert len(_get(app, "?account=sk_test_abc")[1]["data"]) == 5
    assert _get(app, "?account=sk_test_other")[1]["data"] == []


def test_a_bad_status_is_a_400_naming_it(delivered):
    app, _, _ = delivered
    status, body = _get(app, "?status=lost")
    assert status == 400 and body["error"]["param"] == "status"
    assert "pending, delivering, succeeded, failed, canceled" in body["error"]["message"]
    status, body = _get(app, "?colour=red")
    assert status == 400 and body["error"]["param"] == "colour"


def test_testing_lists_the_same(delivered):
    app, good, bad = delivered
    failed = testing.webhook_deliveries(app, status="failed", account="sk_test_abc")
    assert [d["endpoint"] for d in failed] == [bad, bad]
    assert testing.webhook_deliveries(app, event=failed[0]["event"], status="succeeded")[0][
        "endpoint"] == good


def test_wsgi_servers_log_failed_deliveries_as_serve_does(monkeypatch, tmp_path, capfd):
    # Under gunicorn or waitress, the worker's stderr is the server's error log.
    from stripe_emu import wsgi
    monkeypatch.setenv("STRIPE_EMU_DB", str(tmp_path / "emu.db"))
    monkeypatch.setattr(wsgi, "_apps", {})
    client = webtest.TestApp(wsgi.app)
    auth = {"Authorization": "Bearer sk_test_gunicorn"}
    try:
        endpoint = client.post("/v1/webhook_endpoints", {
            "url": "http://127.0.0.1:1/dead", "enabled_events[]": "*"}, headers=auth).json
        client.post("/v1/customers", headers=auth)
        event = client.get("/v1/events", headers=auth).json["data"][0]["id"]
        app = next(iter(wsgi._apps.values()))
        for _ in range(500):
            if webhooks.deliveries(app)[0]["attempts"]:
                break
            time.sleep(0.01)
    finally:
        for app in wsgi._apps.values():
            app.close()
    assert (f"webhook {event} to {endpoint['id']} (http://127.0.0.1:1/dead): attempt 1 of 4 "
            "failed (") in capfd.readouterr().err
