"""Source transactions: each transfer landing on an ach_credit_transfer Source (the control
plane's fund, or an owner email amount_<cents>@… at creation) is a srctxn_ listed under the
Source, with source.transaction.created; mandate notifications are never sent (Stripe's 404).
Every answer is checked against Stripe's spec by conftest's Api."""
import stripe

from conftest import SECRET_KEY, serving
from sources_kit import ach_source, count, recorded
from stripe_emu import testing


def transactions(api, source_id, **params):
    return api.get(f"/v1/sources/{source_id}/source_transactions", params)


def test_a_funded_source_lists_each_transfer_newest_first(app, api):
    source = ach_source(api)
    assert transactions(api, source["id"]) == {
        "object": "list", "data": [], "has_more": False,
        "url": f"/v1/sources/{source['id']}/source_transactions"}
    testing.fund_source(app, source["id"], 1500)
    testing.fund_source(app, source["id"], 700)
    listed = transactions(api, source["id"])
    assert [item["amount"] for item in listed["data"]] == [700, 1500]
    first = listed["data"][1]
    assert first["id"].startswith("srctxn_") and first["object"] == "source_transaction"
    assert (first["source"], first["currency"], first["status"], first["type"]) == \
        (source["id"], "usd", "succeeded", "ach_credit_transfer")
    assert first["livemode"] is False and isinstance(first["created"], int)
    sender = first["ach_credit_transfer"]
    assert set(sender) == {"fingerprint", "last4", "routing_number"}
    # Only the hash of the Source's own type.
    assert "sepa_credit_transfer" not in first and "chf_credit_transfer" not in first
    assert api.get(f"/v1/sources/{source['id']}/source_transactions/{first['id']}") == first
    # The Source agrees: what it received is the sum of its transactions.
    funded = api.get(f"/v1/sources/{source['id']}")
    assert funded["receiver"]["amount_received"] == 2200 and funded["status"] == "chargeable"


def test_each_transfer_records_source_transaction_created(app, api):
    source = ach_source(api)
    testing.fund_source(app, source["id"], 1500)
    [event] = recorded(app, "source.transaction.created")
    [transaction] = transactions(api, source["id"])["data"]
    assert event["data"]["object"] == transaction
    assert event["request"] == {"id": None, "idempotency_key": None}
    # The transfer lands, then the Source becomes chargeable.
    [chargeable] = recorded(app, "source.chargeable")
    assert chargeable["created"] >= event["created"]


def test_an_owner_email_amount_lands_one_transfer_at_creation(app, api):
    source = ach_source(api, **{"owner[email]": "amount_4242@example.com"})
    [transaction] = transactions(api, source["id"])["data"]
    assert transaction["amount"] == 4242 and transaction["source"] == source["id"]
    assert len(recorded(app, "source.transaction.created")) == 1
    # A Source nothing landed on has none; neither has a card Source.
    assert transactions(api, ach_source(api)["id"])["data"] == []
    card = api.post("/v1/sources", {"type": "card", "token": "tok_visa"})
    assert transactions(api, card["id"])["data"] == []
    assert count(app, "source_transaction") == 1


def test_pages_follow_stripes_cursors(app, api):
    source = ach_source(api)
    for amount in (100, 200, 300):
        testing.fund_source(app, source["id"], amount)
    page = transactions(api, source["id"], limit=2)
    assert [item["amount"] for item in page["data"]] == [300, 200] and page["has_more"]
    rest = transactions(api, source["id"], limit=2, starting_after=page["data"][-1]["id"])
    assert [item["amount"] for item in rest["data"]] == [100] and not rest["has_more"]


def test_missing_sources_and_transactions_are_stripes_404(app, api):
    error = api.get("/v1/sources/src_nope/source_transactions", status=404)["error"]
    assert (error["message"], error["code"], error["param"]) == \
        ("No such source: 'src_nope'", "resource_missing", "id")
    source, other = ach_source(api), ach_source(api)
    testing.fund_source(app, other["id"], 500)
    [elsewhere] = transactions(api, other["id"])["data"]
    # Another Source's transaction is not this one's.
    error = api.get(f"/v1/sources/{source['id']}/source_transactions/{elsewhere['id']}",
                    status=404)["error"]
    assert error["message"] == f"No such source transaction: '{elsewhere['id']}'"
    error = api.get(f"/v1/sources/{source['id']}/source_transactions/srctxn_nope",
                    status=404)["error"]
    assert error["code"] == "resource_missing"


def test_no_mandate_notification_is_ever_sent(api):
    source = ach_source(api)
    error = api.get(f"/v1/sources/{source['id']}/mandate_notifications/srcmn_123",
                    status=404)["error"]
    assert error["code"] == "resource_missing" and "srcmn_123" in error["message"]
    error = api.get("/v1/sources/src_nope/mandate_notifications/srcmn_123", status=404)["error"]
    assert error["message"] == "No such source: 'src_nope'"


def test_stripe_python_lists_a_sources_transactions(app, api):
    source = ach_source(api)
    testing.fund_source(app, source["id"], 1234)
    with serving(app) as url:
        stripe.api_key, stripe.api_base = SECRET_KEY, url
        try:
            listed = stripe.Source.list_source_transactions(source["id"])
        finally:
            stripe.api_base = "https://api.stripe.com"
    assert [(item.object, item.amount) for item in listed.data] == [("source_transaction", 1234)]
