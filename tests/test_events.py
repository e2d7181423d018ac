"""Events (Stripe's "Event object" docs): recorded with the change they describe, in its
transaction, and listed / retrieved through GET /v1/events."""
import pytest
import stripe

from conftest import Api
from stripe_emu import make_app


def _events(api, **params):
    return api.get("/v1/events", dict(params, limit=100))["data"]


def _types(api):
    return [event["type"] for event in reversed(_events(api))]


def test_customer_lifecycle_events(api):
    customer = api.post("/v1/customers", {"email": "a@example.com", "metadata[x]": "1"},
                        headers={"Idempotency-Key": "create-1"})
    create_request = api.last.headers["Request-Id"]
    api.post(f"/v1/customers/{customer['id']}", {"name": "Jenny", "metadata[y]": "2"})
    api.post(f"/v1/customers/{customer['id']}", {"name": "Jenny"})  # no change: no event
    api.delete(f"/v1/customers/{customer['id']}", headers={"Idempotency-Key": "ignored"})
    deleted, updated, created = _events(api)

    assert created["type"] == "customer.created"
    assert created["data"] == {"object": customer}
    assert created["request"] == {"id": create_request, "idempotency_key": "create-1"}
    assert created["api_version"] == "2023-08-16"
    assert created["livemode"] is False and created["pending_webhooks"] == 0
    assert created["created"] == customer["created"]
    assert created["id"].startswith("evt_")

    assert updated["type"] == "customer.updated"
    assert updated["data"]["object"]["name"] == "Jenny"
    assert updated["data"]["previous_attributes"] == {"name": None, "metadata": {"y": None}}

    # A deletion carries the whole customer as it was, not the deleted stub.
    assert deleted["type"] == "customer.deleted"
    assert deleted["data"]["object"]["email"] == "a@example.com"
    assert deleted["data"]["object"]["name"] == "Jenny"
    assert "deleted" not in deleted["data"]["object"]
    assert deleted["request"]["idempotency_key"] is None  # DELETE ignores the header


def test_payment_source_events(api):
    customer = api.post("/v1/customers", {})
    card = api.post(f"/v1/customers/{customer['id']}/sources", {"source": "tok_visa"})
    api.post(f"/v1/customers/{customer['id']}/sources/{card['id']}",
             {"name": "Jenny", "metadata[k]": "v"})
    api.delete(f"/v1/customers/{customer['id']}/sources/{card['id']}")
    assert _types(api) == ["customer.created", "customer.source.created", "customer.updated",
                           "customer.source.updated", "customer.source.deleted",
                           "customer.updated"]
    events = list(reversed(_events(api)))
    assert events[1]["data"]["object"] == card
    assert events[2]["data"]["previous_attributes"] == {"default_source": None}
    assert events[3]["data"]["previous_attributes"] == {"name": None, "metadata": {"k": None}}
    assert events[4]["data"]["object"]["id"] == card["id"]
    assert events[4]["data"]["object"]["last4"] == "4242"  # the card whole, not a stub
    assert events[5]["data"]["previous_attributes"] == {"default_source": card["id"]}


def test_source_events(api):
    source = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    assert source["status"] == "pending"
    api.post(f"/v1/sources/{source['id']}/verify", {"values[0]": "32", "values[1]": "45"})
    chargeable = _events(api, type="source.chargeable")
    assert [e["data"]["object"]["status"] for e in chargeable] == ["chargeable"]

    failing = api.post("/v1/sources", {"type": "ach_debit", "token": "btok_us"})
    for _ in range(3):
        api.post(f"/v1/sources/{failing['id']}/verify", {"values[0]": "1", "values[1]": "2"})
    failed = _events(api, type="source.failed")
    assert [e["data"]["object"]["id"] for e in failed] == [failing["id"]]
    assert failed[0]["data"]["object"]["status"] == "failed"


def test_a_failed_request_records_no_event(api):
    api.post("/v1/customers", {"source": "tok_chargeDeclined"}, status=402)
    customer = api.post("/v1/customers", {})
    api.post(f"/v1/customers/{customer['id']}", {"email": "x@example.com",
                                                  "source": "tok_chargeDeclined"}, status=402)
    assert _types(api) == ["customer.created"]


def test_official_client_lists_and_retrieves(stripe_http):
    customer = stripe_http.v1.customers.create(params={"email": "a@example.com"})
    page = stripe_http.v1.events.list(params={"type": "customer.created"})
    assert [e.data.object.id for e in page.data] == [customer.id]
    event = stripe_http.v1.events.retrieve(page.data[0].id)
    assert isinstance(event, stripe.Event)
    assert event.type == "customer.created"
    # stripe-python put an idempotency key on the POST, and the event names it.
    assert event.request.idempotency_key == customer.last_response.idempotency_key
    assert event.request.id == customer.last_response.request_id
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_http.v1.events.retrieve("evt_missing")
    assert raised.value.http_status == 404
    assert raised.value.user_message == "No such event: 'evt_missing'"


def test_official_client_pages_through_all_events(stripe_http):
    for n in range(7):
        stripe_http.v1.customers.create(params={"metadata": {"n": str(n)}})
    seen = [e.data.object.metadata["n"]
            for e in stripe_http.v1.events.list(params={"limit": 3}).auto_paging_iter()]
    assert seen == [str(n) for n in reversed(range(7))]


def test_pagination(api):
    for n in range(5):
        api.post("/v1/customers", {"metadata[n]": str(n)})
    ids = [e["id"] for e in _events(api)]
    first = api.get("/v1/events", {"limit": 2})
    assert [e["id"] for e in first["data"]] == ids[:2] and first["has_more"] is True
    assert first["url"] == "/v1/events"
    rest = api.get("/v1/events", {"limit": 10, "starting_after": ids[1]})
    assert [e["id"] for e in rest["data"]] == ids[2:] and rest["has_more"] is False
    before = api.get("/v1/events", {"ending_before": ids[3]})
    assert [e["id"] for e in before["data"]] == ids[:3]
    error = api.get("/v1/events", {"starting_after": "evt_nope"}, status=400)
    assert error["error"]["message"] == "No such event: 'evt_nope'"


def test_type_and_types_filters(api):
    customer = api.post("/v1/customers", {})
    api.post(f"/v1/customers/{customer['id']}/sources", {"source": "tok_visa"})
    assert {e["type"] for e in _events(api, type="customer.created")} == {"customer.created"}
    assert {e["type"] for e in _events(api, type="customer.source.*")} == \
        {"customer.source.created"}
    assert {e["type"] for e in _events(api, type="customer.*")} == \
        {"customer.created", "customer.source.created", "customer.updated"}
    both = _events(api, **{"types[0]": "customer.created", "types[1]": "customer.updated"})
    assert {e["type"] for e in both} == {"customer.created", "customer.updated"}
    assert _events(api, type="charge.succeeded") == []
    error = api.get("/v1/events", {"type": "customer.created",
                                   "types[]": "customer.updated"}, status=400)
    assert error["error"]["param"] == "types"
    too_many = {f"types[{n}]": "customer.created" for n in range(21)}
    api.get("/v1/events", too_many, status=400)


def test_created_filter():
    now = [1_700_000_000]
    app = make_app(clock=lambda: now[0])
    try:
        api = Api(app)
        for _ in range(3):
            api.post("/v1/customers", {})
            now[0] += 10
        created = [e["created"] for e in _events(api)]
        assert created == [1_700_000_020, 1_700_000_010, 1_700_000_000]
        assert [e["created"] for e in _events(api, **{"created[gte]": 1_700_000_010})] == \
            created[:2]
        assert [e["created"] for e in _events(api, **{"created[lt]": 1_700_000_010})] == \
            created[2:]
        assert [e["created"] for e in _events(api, created=1_700_000_010)] == [created[1]]
    finally:
        app.close()


def test_events_belong_to_their_account(app, api):
    api.post("/v1/customers", {})
    event = _events(api)[0]
    other = Api(app, "sk_test_other")
    assert _events(other) == []
    other.get(f"/v1/events/{event['id']}", status=404)


def test_delivery_success_filter_without_endpoints(api):
    # No endpoint: every delivery (there are none) succeeded.
    api.post("/v1/customers", {})
    assert len(api.get("/v1/events", {"delivery_success": "true"})["data"]) == 1
    assert api.get("/v1/events", {"delivery_success": "false"})["data"] == []
    error = api.get("/v1/events", {"delivery_success": "maybe"}, status=400)["error"]
    assert error["param"] == "delivery_success"
