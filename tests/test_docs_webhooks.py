"""Webhook deliveries as Stripe's webhooks guide documents them, received by real HTTP
servers on 127.0.0.1 (the helpers of test_webhooks.py)."""
import time

from conftest import Api
from stripe_emu import webhooks
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import Receiver, _endpoint, emulator


def _first_attempt_failed(app, failing):
    failing.wait_for(1)
    deadline = time.monotonic() + 5
    while webhooks.deliveries(app)[0]["status"] != "pending":
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_an_endpoint_disabled_when_a_retry_is_due_gets_no_more_retries():
    # "If your endpoint has been disabled or deleted when Stripe attempts a retry, future
    # retries of that event are prevented" (docs webhooks, automatic retries).
    with emulator(webhook_retry=RetryPolicy(backoff=0.3, attempts=3, timeout=1.0)) as app, \
            Receiver(status=503) as failing:
        api = Api(app)
        endpoint = _endpoint(api, failing.url)
        api.post("/v1/customers", {})
        _first_attempt_failed(app, failing)
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}", {"disabled": "true"})

        [delivery] = webhooks.wait_until_delivered(app, timeout=5)
        assert delivery["status"] == "canceled"
        assert len(delivery["attempts"]) == 1 and len(failing.received) == 1
        assert api.get("/v1/events")["data"][0]["pending_webhooks"] == 0


def test_an_endpoint_disabled_and_enabled_again_before_the_retry_still_gets_it():
    # "However, if you disable and then re-enable a webhook endpoint before Stripe can
    # retry, you can still expect to see future retry attempts."
    with emulator(webhook_retry=RetryPolicy(backoff=0.5, attempts=2, timeout=1.0)) as app, \
            Receiver(status=503) as failing:
        api = Api(app)
        endpoint = _endpoint(api, failing.url)
        api.post("/v1/customers", {})
        _first_attempt_failed(app, failing)
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}", {"disabled": "true"})
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}", {"disabled": "false"})

        [delivery] = webhooks.wait_until_delivered(app, timeout=5)
        assert delivery["status"] == "failed"
        assert len(delivery["attempts"]) == 2 and len(failing.wait_for(2)) == 2
