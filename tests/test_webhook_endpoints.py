"""The webhook endpoints API (/v1/webhook_endpoints): create, read, update, delete, list, and
the URLs, API versions and event types it accepts."""
import pytest
import stripe

from conftest import Api
from stripe_emu import make_app, webhooks
from stripe_emu.store import objects
from stripe_emu.webhooks import RetryPolicy
from test_webhooks import _endpoint


def test_webhook_endpoint_crud_through_the_official_client(stripe_http):
    created = stripe_http.v1.webhook_endpoints.create(params={
        "url": "https://example.com/hooks", "enabled_events": ["customer.created"],
        "description": "orders", "metadata": {"team": "billing"}})
    assert created.status == "enabled" and created.livemode is False
    got = stripe_http.v1.webhook_endpoints.retrieve(created.id)
    assert "secret" not in got  # shown once, at creation
    assert got.description == "orders" and got.metadata.to_dict() == {"team": "billing"}
    updated = stripe_http.v1.webhook_endpoints.update(created.id, params={
        "url": "https://example.com/v2", "enabled_events": ["*"], "disabled": True,
        "description": ""})
    assert (updated.url, updated.enabled_events, updated.status, updated.description) == \
        ("https://example.com/v2", ["*"], "disabled", None)
    assert [e.id for e in stripe_http.v1.webhook_endpoints.list().data] == [created.id]
    deleted = stripe_http.v1.webhook_endpoints.delete(created.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_http.v1.webhook_endpoints.retrieve(created.id)
    assert raised.value.http_status == 404
    assert raised.value.user_message == f"No such webhook endpoint: '{created.id}'"


@pytest.mark.parametrize("params, param", [
    ({"url": "not a url", "enabled_events[]": "*"}, "url"),
    ({"url": "ftp://example.com", "enabled_events[]": "*"}, "url"),
    ({"url": "http://[::1", "enabled_events[]": "*"}, "url"),
    ({"url": "http://[zz]/", "enabled_events[]": "*"}, "url"),
    ({"url": "http://example.com:port/", "enabled_events[]": "*"}, "url"),
    ({"url": "http://exa mple.com/", "enabled_events[]": "*"}, "url"),
    ({"url": "https://example.com"}, "enabled_events"),
    ({"url": "https://example.com", "enabled_events[]": "customer"}, "enabled_events[0]"),
    ({"url": "https://example.com", "enabled_events[]": "Customer.Created"},
     "enabled_events[0]"),
    ({"url": "https://example.com", "enabled_events[]": "customer.*"}, "enabled_events[0]"),
    ({"url": "https://example.com", "enabled_events[0][a]": "b"}, "enabled_events[0]"),
    ({"url": "https://example.com", "enabled_events[]": "*", "api_version": "2024-6-20"},
     "api_version"),
    ({"url": "https://example.com", "enabled_events[]": "*", "api_version": "latest"},
     "api_version"),
    # Well-formed, but never released (api_versions.py).
    ({"url": "https://example.com", "enabled_events[]": "*", "api_version": "2022-08-02"},
     "api_version"),
    ({"enabled_events[]": "*"}, "url"),
])
def test_invalid_endpoints_are_refused(api, params, param):
    error = api.post("/v1/webhook_endpoints", params, status=400)
    assert error["error"]["param"] == param
    if "url" in params and param == "url":
        assert error["error"]["code"] == "url_invalid"
    assert api.get("/v1/webhook_endpoints")["data"] == []


def test_an_update_with_a_bad_url_changes_nothing(api):
    endpoint = _endpoint(api, "https://example.com/hooks")
    for url in ("http://[::1", "https://example.com/_emu/reset"):
        api.post(f"/v1/webhook_endpoints/{endpoint['id']}",
                 {"url": url, "description": "changed"}, status=400)
    assert api.get(f"/v1/webhook_endpoints/{endpoint['id']}")["url"] == \
        "https://example.com/hooks"


def test_newer_api_versions_and_event_types_are_accepted(stripe_http):
    """Stripe takes versions and event types newer than the bundled 2023 spec."""
    newer = ["invoice.overdue", "invoice.will_be_due", "invoice_payment.paid",
             "billing.alert.triggered", "entitlements.active_entitlement_summary.updated"]
    for version in ("2026-10-28.endive", "2024-06-20", "2023-10-16"):
        endpoint = stripe_http.v1.webhook_endpoints.create(params={
            "url": "https://example.com/hooks", "enabled_events": newer,
            "api_version": version})
        assert (endpoint.api_version, endpoint.enabled_events) == (version, newer)
    updated = stripe_http.v1.webhook_endpoints.update(endpoint.id, params={
        "enabled_events": ["customer.created", "invoice.overdue"]})
    assert updated.enabled_events == ["customer.created", "invoice.overdue"]


@pytest.mark.parametrize("url", [
    "{base}/_emu/reset", "{base}/x/../_emu/reset", "{base}/%5Femu/reset", "{base}//_emu/reset",
    "{base}/_emu"])
def test_endpoints_cannot_point_at_the_control_plane(app, api, live_url, url):
    """Deliveries come from the emulator itself, on loopback: such an endpoint would let any
    API key reset every account with its next event."""
    error = api.post("/v1/webhook_endpoints",
                     {"url": url.format(base=live_url), "enabled_events[]": "*"}, status=400)
    assert (error["error"]["param"], error["error"]["code"]) == ("url", "url_invalid")
    assert "control plane" in error["error"]["message"]
    with pytest.raises(ValueError, match="control plane"):
        make_app(webhooks=[url.format(base=live_url)])


def test_a_delivery_that_reaches_the_control_plane_is_refused(app, live_url):
    """Were an endpoint to get past the URL check, the control plane turns the signed
    delivery away (403): the event fails to deliver and nothing is reset."""
    api = Api(app)
    endpoint = _endpoint(api, "https://example.com/hooks")
    with app.store.transaction() as db:  # as an endpoint from an older snapshot could be
        stored = objects.get(db, "emu4242", endpoint["id"])
        objects.update(db, "emu4242", dict(stored, url=f"{live_url}/_emu/reset"))
    app.webhooks.policy = RetryPolicy(backoff=0.01, attempts=1, timeout=2.0)
    api.post("/v1/customers", {})
    [delivery] = webhooks.wait_until_delivered(app)
    assert delivery["status"] == "failed"
    assert [a["status_code"] for a in delivery["attempts"]] == [403]
    assert len(api.get("/v1/customers")["data"]) == 1
