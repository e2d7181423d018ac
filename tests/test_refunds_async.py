"""The refund test cards (docs.stripe.com/testing#refunds), whose charges succeed:
4000000000005126, whose refund "appears successful at first", then fails asynchronously with
a failure_reason of expired_or_canceled_card; 4000000000007726, whose refund is pending, then
succeeds. On the emulator the later move comes with the next write (or
testing.run_due_work), as Stripe's other moves of its own."""
import pytest

from stripe_emu import testing

CARD = {"source[object]": "card", "source[number]": "4000000000005126",
        "source[exp_month]": "12", "source[exp_year]": "2040", "source[cvc]": "123"}


@pytest.fixture
def paid(api):
    return api.post("/v1/charges", {"amount": 1000, "currency": "usd", **CARD})


def test_a_refund_of_the_refund_fail_card_fails_later(api, app, paid):
    refund = api.post("/v1/refunds", {"charge": paid["id"], "amount": 400})
    assert refund["status"] == "succeeded"  # at first
    assert api.get(f"/v1/charges/{paid['id']}")["amount_refunded"] == 400
    assert testing.run_due_work(app) == 1
    failed = api.get(f"/v1/refunds/{refund['id']}")
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")
    reversal = api.get(f"/v1/balance_transactions/{failed['failure_balance_transaction']}")
    assert (reversal["type"], reversal["amount"], reversal["fee"], reversal["net"],
            reversal["source"], reversal["status"]) == (
        "refund_failure", 400, 0, 400, refund["id"], "available")
    charge = api.get(f"/v1/charges/{paid['id']}")
    assert (charge["amount_refunded"], charge["refunded"]) == (0, False)
    for kind in ("charge.refund.updated", "refund.updated"):
        [event] = api.get("/v1/events", {"type": kind})["data"]
        assert event["data"]["object"]["id"] == refund["id"]
        assert event["data"]["previous_attributes"]["status"] == "succeeded"
        assert event["request"] == {"id": None, "idempotency_key": None}
    # What failed may be refunded again (and fails again, with this card).
    again = api.post("/v1/refunds", {"charge": paid["id"]})
    assert again["amount"] == 1000


def test_the_failure_comes_with_the_next_write(api, paid):
    refund = api.post("/v1/refunds", {"charge": paid["id"]})
    assert api.get(f"/v1/refunds/{refund['id']}")["status"] == "succeeded"
    api.post("/v1/customers")
    assert api.get(f"/v1/refunds/{refund['id']}")["status"] == "failed"
    assert api.get(f"/v1/charges/{paid['id']}")["refunded"] is False


def test_the_balance_gets_the_refund_back(api, app, paid):
    api.post("/v1/refunds", {"charge": paid["id"]})
    testing.run_due_work(app)
    pending = api.get("/v1/balance")["pending"][0]["amount"]
    available = api.get("/v1/balance")["available"][0]["amount"]
    assert (pending, available) == (1000 - 59, 0)  # the charge's net; -1000 + 1000


def test_other_cards_refunds_stay_succeeded(api, app):
    made = api.post("/v1/charges", {"amount": 1000, "currency": "usd", "source": "tok_visa"})
    refund = api.post("/v1/refunds", {"charge": made["id"]})
    assert testing.run_due_work(app) == 0
    assert api.get(f"/v1/refunds/{refund['id']}")["status"] == "succeeded"


def test_a_refund_of_the_pending_refund_card_succeeds_later(api, app):
    made = api.post("/v1/charges", {"amount": 1000, "currency": "usd",
                                    "source": "tok_pendingRefund"})
    refund = api.post("/v1/refunds", {"charge": made["id"]})
    assert refund["status"] == "pending"
    charge = api.get(f"/v1/charges/{made['id']}")
    assert (charge["amount_refunded"], charge["refunded"]) == (1000, True)
    debit = api.get(f"/v1/balance_transactions/{refund['balance_transaction']}")
    assert (debit["type"], debit["amount"]) == ("refund", -1000)
    assert testing.run_due_work(app) == 1
    assert api.get(f"/v1/refunds/{refund['id']}")["status"] == "succeeded"
    types = [event["type"] for event in api.get("/v1/events")["data"]]
    assert types[:2] == ["refund.updated", "charge.refund.updated"]
    [event] = api.get("/v1/events", {"type": "refund.updated"})["data"]
    assert event["data"]["previous_attributes"] == {"status": "pending"}
