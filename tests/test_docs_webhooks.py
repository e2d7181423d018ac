"""Webhook deliveries as Stripe's webhooks guide documents them, received by real HTTP
servers on 127.0.0.1 (the helpers of test_webhooks.py)."""
import contextlib
import time

from conftest import Api
from stripe_emu import webhooks
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import Receiver, _endpoint, emulator


@contextlib.contextmanager
def first_attempt_failed(backoff, attempts):
    """(api, endpoint, failing receiver) once a customer.created delivery's first attempt
    has failed and its retry is waiting, `backoff` seconds away."""
    policy = RetryPolicy(backoff=backoff, attempts=attempts, timeout=1.0)
    with emulator(webhook_retry=policy) as app, Receiver(status=503) as failing:
        api = Api(app)
        endpoint = _endpoint(api, failing.url)
        api.post("/v1/customers", {})
        failing.wait_for(1)
        deadline = time.monotonic() + 5
        while webhooks.deliveries(app)[0]["status"] != "pending":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        yield app, api, f"/v1/webhook_endpoints/{endpoint['id']}", failing


def test_an_endpoint_disabled_when_a_retry_is_due_gets_no_more_retries():
    # "If your endpoint has been disabled or deleted when Stripe attempts a retry, future
    # retries of that event are prevented" (docs webhooks, automatic retries).
    with first_attempt_failed(backoff=0.3, attempts=3) as (app, api, path, failing):
        api.post(path, {"disabled": "true"})

        [delivery] = webhooks.wait_until_delivered(app, timeout=5)
        assert delivery["status"] == "canceled"
        assert len(delivery["attempts"]) == 1 and len(failing.received) == 1
        assert api.get("/v1/events")["data"][0]["pending_webhooks"] == 0


def test_an_endpoint_disabled_and_enabled_again_before_the_retry_still_gets_it():
    # "However, if you disable and then re-enable a webhook endpoint before Stripe can
    # retry, you can still expect to see future retry attempts."
    with first_attempt_failed(backoff=0.5, attempts=2) as (app, api, path, failing):
        api.post(path, {"disabled": "true"})
        api.post(path, {"disabled": "false"})

        [delivery] = webhooks.wait_until_delivered(app, timeout=5)
        assert delivery["status"] == "failed"
        assert len(delivery["attempts"]) == 2 and len(failing.wait_for(2)) == 2
