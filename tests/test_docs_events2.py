"""The Event object and its webhook deliveries as Stripe's API reference and webhooks guide
document them (second documentation pass): `request`, `data.object` as of the event,
`api_version`, and what an endpoint receives — through stripe-python over HTTP and real
receivers on 127.0.0.1."""
import base64
import json

from conftest import Api
from stripe_emu import testing, webhooks
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import Receiver, _endpoint, emulator

FAST = RetryPolicy(backoff=0.05, attempts=3, timeout=1.0)


def _events(client, type_):
    return client.v1.events.list(params={"type": type_}).data


def test_request_id_is_the_request_id_header_of_the_call_that_caused_it(stripe_http):
    # "request.id: ID of the API request that caused the event."
    customer = stripe_http.v1.customers.create(params={"email": "a@example.com"},
                                               options={"idempotency_key": "key-1"})
    [event] = _events(stripe_http, "customer.created")
    assert event.request.id == customer.last_response.request_id
    assert event.request.id.startswith("req_")
    assert event.request.idempotency_key == "key-1"


def test_3d_secure_completed_by_the_customer_is_an_automatic_event(app, stripe_http):
    intent = stripe_http.v1.payment_intents.create(params={
        "amount": 1000, "currency": "usd", "payment_method": "pm_card_threeDSecure2Required",
        "confirm": True, "return_url": "https://example.com/done"})
    assert intent.status == "requires_action"
    testing.authenticate(app, intent.id)
    [succeeded] = _events(stripe_http, "payment_intent.succeeded")
    assert succeeded.request.id is None
    [created] = _events(stripe_http, "payment_intent.created")
    assert created.request.id == intent.last_response.request_id


def test_data_object_is_the_object_as_of_the_event_not_now(stripe_http):
    customer = stripe_http.v1.customers.create(params={"email": "old@example.com"})
    stripe_http.v1.customers.update(customer.id, params={"email": "new@example.com"})
    [created] = _events(stripe_http, "customer.created")
    [updated] = _events(stripe_http, "customer.updated")
    assert created.data.object.email == "old@example.com"
    assert updated.data.object.email == "new@example.com"
    assert updated.data.previous_attributes.to_dict() == {"email": "old@example.com"}


def test_api_version_is_the_account_s_not_the_request_s(stripe_http):
    stripe_http.v1.customers.create(params={}, options={"stripe_version": "2020-08-27"})
    [event] = _events(stripe_http, "customer.created")
    assert event.api_version == "2023-08-16"


def test_a_2xx_with_a_body_is_a_success():
    with emulator(webhook_retry=FAST) as app, \
            Receiver(202, headers=[("Content-Type", "application/json")],
                       body=json.dumps({"received": True, "pad": "x" * 1000}).encode()) as got:
        api = Api(app)
        _endpoint(api, got.url)
        api.post("/v1/customers", {})
        [delivery] = webhooks.wait_until_delivered(app)
        assert delivery["status"] == "succeeded"
        assert [a["status_code"] for a in delivery["attempts"]] == [202]
        assert api.get("/v1/events")["data"][0]["pending_webhooks"] == 0


def test_a_redirect_is_not_followed_and_fails_the_attempt():
    # "Stripe doesn't follow redirects" (webhooks guide): a 3xx is a failed attempt.
    with emulator(webhook_retry=FAST) as app, Receiver() as target, \
            Receiver(301, headers=[("Location", target.url)]) as moved:
        api = Api(app)
        _endpoint(api, moved.url)
        api.post("/v1/customers", {})
        [delivery] = webhooks.wait_until_delivered(app)
        assert delivery["status"] == "failed"
        assert [a["status_code"] for a in delivery["attempts"]] == [301, 301, 301]
        assert target.received == []
        assert api.get("/v1/events")["data"][0]["pending_webhooks"] == 1


def test_credentials_in_the_url_are_sent_as_basic_auth():
    # A URL's user:password is how endpoints guard themselves beside the signature
    # ("https://stripe:longrandomsecret@mydomain.com/stripe/webhooks", as Stripe recommended).
    with emulator(webhook_retry=FAST) as app, Receiver() as guarded, Receiver() as plain:
        api = Api(app)
        _endpoint(api, guarded.url.replace("http://", "http://stripe:s%40cret@"))
        _endpoint(api, plain.url)
        api.post("/v1/customers", {})
        [(headers, _)] = guarded.wait_for(1)
        assert headers["Authorization"] == "Basic " + base64.b64encode(
            b"stripe:s@cret").decode()
        [(headers, _)] = plain.wait_for(1)
        assert "Authorization" not in headers
        assert [d["status"] for d in webhooks.wait_until_delivered(app)] == ["succeeded"] * 2


def test_each_attempt_is_signed_afresh():
    # "If Stripe retries an event ..., then we generate a new signature and timestamp for the
    # new delivery attempt" (webhooks guide, preventing replay attacks).
    policy = RetryPolicy(backoff=1.1, attempts=2, timeout=1.0)
    with emulator(webhook_retry=policy) as app, Receiver(status=500) as failing:
        api = Api(app)
        secret = _endpoint(api, failing.url)["secret"]
        api.post("/v1/customers", {})
        first, second = failing.wait_for(2)
        assert first[1] == second[1]
        assert first[0]["Stripe-Signature"] != second[0]["Stripe-Signature"]
        stamps = [int(h["Stripe-Signature"].split(",")[0][2:]) for h, _ in (first, second)]
        assert stamps[1] > stamps[0]
        assert {e.id for e in failing.events(secret)} == {api.get("/v1/events")["data"][0]["id"]}


def test_enabled_events_changed_on_an_endpoint_apply_to_the_next_events():
    with emulator(webhook_retry=FAST) as app, Receiver() as got:
        api = Api(app)
        endpoint = _endpoint(api, got.url, events=("customer.created",))
        customer = api.post("/v1/customers", {})
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}",
                 {"enabled_events[0]": "customer.updated"})
        api.post("/v1/customers", {})
        api.post(f"/v1/customers/{customer['id']}", {"name": "Jenny"})
        webhooks.wait_until_delivered(app)
        assert [e.type for e in got.events(endpoint["secret"])] == \
            ["customer.created", "customer.updated"]
        counts = {e["type"]: e["pending_webhooks"] for e in api.get("/v1/events")["data"][:2]}
        assert counts == {"customer.updated": 0, "customer.created": 0}
